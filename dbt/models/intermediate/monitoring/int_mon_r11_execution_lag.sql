-- R11 预算执行进度滞后: at each quarter end that has passed (from the second quarter: the first is always
-- slow around the Spring Festival), a project indicator that was available for the whole quarter and has
-- executed less than ratio × 序时进度, where 序时进度 is the share of the indicator's year elapsed since
-- it became available. At the year end 序时进度 is 100 %, so the default flags execution below 50 %.
with indicators as (

    select * from {{ ref('stg_core__ba_bgt_info') }}
    where bgt_exe_flag and pro_cat_code not in ('1', '21')

),

ledger as (

    select * from {{ ref('stg_core__ba_bgt_ledger') }}

),

as_of as (

    select * from {{ ref('int_mon_as_of') }}

),

params as (

    select
        mof_div_code,
        cast(max(param_value) filter (where param_name = 'ratio') as decimal(9, 4)) as ratio,
        cast(max(param_value) filter (where param_name = 'first_quarter') as integer) as first_quarter
    from {{ ref('int_mon_rule_params') }}
    where rule_code = 'R11'
    group by mof_div_code

),

available as (

    select
        bgt_id,
        min(created_at) filter (where d_amount > 0) as available_at
    from ledger
    group by bgt_id

),

quarters as (

    select
        i.bgt_id,
        q.quarter,
        last_day(make_date(i.fiscal_year, q.quarter * 3, 1)) as quarter_end,
        make_date(i.fiscal_year, q.quarter * 3 - 2, 1) as quarter_start,
        greatest(cast(a.available_at as date), make_date(i.fiscal_year, 1, 1)) as start_date
    from indicators as i
    inner join available as a on a.bgt_id = i.bgt_id
    inner join params as p on p.mof_div_code = i.mof_div_code
    cross join {{ fiscal.integer_series(1, 5, 'quarter') }} as q
    cross join as_of as o
    where q.quarter >= p.first_quarter
        and last_day(make_date(i.fiscal_year, q.quarter * 3, 1)) < o.as_of_date
        and cast(a.available_at as date) < make_date(i.fiscal_year, q.quarter * 3 - 2, 1)

),

adjusted as (

    select
        q.bgt_id,
        q.quarter,
        cast(sum(l.d_amount - l.d_dis) as decimal(18, 2)) as adjusted_amt
    from quarters as q
    inner join ledger as l on l.bgt_id = q.bgt_id and cast(l.created_at as date) <= q.quarter_end
    group by 1, 2

),

executed as (

    select
        q.bgt_id,
        q.quarter,
        cast(coalesce(sum(p.net_paid_amt), 0) as decimal(18, 2)) as executed_amt
    from quarters as q
    left join {{ ref('int_mon_payments') }} as p
        on p.bgt_id = q.bgt_id and p.is_executed and p.create_date <= q.quarter_end
    group by 1, 2

),

measured as (

    select
        i.mof_div_code,
        i.fiscal_year,
        i.agency_code,
        i.pro_code,
        i.bgt_id,
        i.source_type_code,
        q.quarter,
        q.quarter_end,
        q.start_date,
        a.adjusted_amt,
        e.executed_amt,
        p.ratio,
        ({{ dbt.datediff('q.start_date', 'q.quarter_end', 'day') }} + 1)
            / ({{ dbt.datediff('q.start_date', 'make_date(i.fiscal_year, 12, 31)', 'day') }} + 1) as time_progress,
        cast(e.executed_amt as double) / cast(a.adjusted_amt as double) as execution_rate
    from quarters as q
    inner join indicators as i on i.bgt_id = q.bgt_id
    inner join params as p on p.mof_div_code = i.mof_div_code
    inner join adjusted as a on a.bgt_id = q.bgt_id and a.quarter = q.quarter
    inner join executed as e on e.bgt_id = q.bgt_id and e.quarter = q.quarter
    where a.adjusted_amt > 0

),

final as (

    select
        'R11' as rule_code,
        mof_div_code,
        fiscal_year,
        cast(fiscal_year as {{ dbt.type_string() }}) || 'Q' || cast(quarter as {{ dbt.type_string() }}) as period,
        agency_code,
        pro_code,
        bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        cast(null as {{ dbt.type_string() }}) as payee_acct_name,
        cast(adjusted_amt - executed_amt as decimal(18, 2)) as amount,
        bgt_id || '|' || cast(fiscal_year as {{ dbt.type_string() }}) || 'Q' || cast(quarter as {{ dbt.type_string() }}) as object_key,
        {{ fiscal.json_object_text("'quarter_end', quarter_end, 'available_from', start_date, 'adjusted_amt', adjusted_amt,
                         'executed_amt', executed_amt, 'execution_rate', round(execution_rate, 4),
                         'time_progress', round(time_progress, 4), 'ratio', cast(ratio as double),
                         'band', case when execution_rate < time_progress * ratio / 2 then '严重滞后' else '滞后' end,
                         'source_type_code', source_type_code") }} as evidence,
        cast(quarter_end as {{ dbt.type_string() }}) || ' 执行率 ' || cast(round(execution_rate * 100, 1) as {{ dbt.type_string() }}) || '%，序时进度 '
            || cast(round(time_progress * 100, 1) as {{ dbt.type_string() }}) || '% (execution '
            || cast(round(execution_rate * 100, 1) as {{ dbt.type_string() }}) || '% against time progress '
            || cast(round(time_progress * 100, 1) as {{ dbt.type_string() }}) || '%)' as message
    from measured
    where execution_rate < time_progress * ratio

)

select * from final
