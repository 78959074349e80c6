-- R10 年底突击花钱: project indicators available from the start of the year (年初预算, 上年结转 by default)
-- whose November-December spending (by application date, executed, net of refunds) exceeds the share of
-- the indicator after adjustments. Money the bureau issued late in the year is not the unit's rush.
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
        cast(max(param_value) filter (where param_name = 'share') as decimal(9, 4)) as share,
        ',' || max(param_value) filter (where param_name = 'sources') || ',' as sources
    from {{ ref('int_mon_rule_params') }}
    where rule_code = 'R10'
    group by mof_div_code

),

adjusted as (

    -- the indicator after 调剂/调减 as of the year's end (year-end carry-over entries come in January)
    select
        l.bgt_id,
        cast(sum(l.d_amount - l.d_dis) as decimal(18, 2)) as adjusted_amt
    from ledger as l
    inner join indicators as i on i.bgt_id = l.bgt_id
    cross join as_of as a
    where l.created_at < make_timestamp(i.fiscal_year + 1, 1, 1, 0, 0, 0) and l.created_at <= a.as_of_at
    group by l.bgt_id

),

spent as (

    select
        bgt_id,
        cast(sum(net_paid_amt) as decimal(18, 2)) as executed_amt,
        cast(coalesce(sum(net_paid_amt) filter (where month(create_date) in (11, 12)), 0) as decimal(18, 2))
            as nov_dec_amt,
        {{ fiscal.array_agg_ordered('pay_app_id', 'pay_app_id',
                                  where='month(create_date) in (11, 12) and is_executed') }}
            as nov_dec_pay_app_ids
    from {{ ref('int_mon_payments') }}
    where is_executed
    group by bgt_id

),

hits as (

    select
        i.*,
        a.adjusted_amt,
        s.executed_amt,
        s.nov_dec_amt,
        s.nov_dec_pay_app_ids,
        p.share,
        cast(s.nov_dec_amt as double) / cast(a.adjusted_amt as double) as nov_dec_share
    from indicators as i
    inner join params as p on p.mof_div_code = i.mof_div_code
    inner join adjusted as a on a.bgt_id = i.bgt_id
    inner join spent as s on s.bgt_id = i.bgt_id
    where a.adjusted_amt > 0
        and p.sources like '%,' || i.source_type_code || ',%'
        and s.nov_dec_amt > a.adjusted_amt * p.share

),

final as (

    select
        'R10' as rule_code,
        mof_div_code,
        fiscal_year,
        cast(fiscal_year as {{ dbt.type_string() }}) as period,
        agency_code,
        pro_code,
        bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        cast(null as {{ dbt.type_string() }}) as payee_acct_name,
        nov_dec_amt as amount,
        bgt_id || '|' || cast(fiscal_year as {{ dbt.type_string() }}) as object_key,
        {{ fiscal.json_object_text("'adjusted_amt', adjusted_amt, 'nov_dec_amt', nov_dec_amt, 'executed_amt', executed_amt,
                         'nov_dec_share', round(nov_dec_share, 4), 'share', cast(share as double),
                         'source_type_code', source_type_code, 'pay_app_ids', nov_dec_pay_app_ids") }}
            as evidence,
        '11-12月支付 ' || cast(nov_dec_amt as {{ dbt.type_string() }}) || ' 元，占调整后指标 ' || cast(adjusted_amt as {{ dbt.type_string() }})
            || ' 元的 ' || cast(round(nov_dec_share * 100, 1) as {{ dbt.type_string() }}) || '% (Nov-Dec spending '
            || cast(round(nov_dec_share * 100, 1) as {{ dbt.type_string() }}) || '% of the indicator)' as message
    from hits

)

select * from final
