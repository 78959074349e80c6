-- R08 三公经费超年初预算: per unit, year and 三公 bucket, what was executed (net of refunds) against the
-- 年初 budget the unit was approved (批复数 of its budget lines). Top-ups during the year let a unit spend
-- past its 年初 budget without breaking the indicator control; that is what this rule reports.
with budget as (

    select
        l.mof_div_code,
        l.fiscal_year,
        l.agency_code,
        e.sangong_kind,
        cast(sum(l.reply_amt) as decimal(18, 2)) as initial_budget_amt
    from {{ ref('stg_core__bgt_pm_annual') }} as l
    inner join {{ ref('dep_bgt_eco') }} as e on e.code = l.dep_bgt_eco_code
    where l.status = 'approved' and nullif(e.sangong_kind, '') is not null
    group by 1, 2, 3, 4

),

executed as (

    select
        mof_div_code,
        fiscal_year,
        agency_code,
        sangong_kind,
        cast(sum(net_paid_amt) as decimal(18, 2)) as executed_amt,
        count(*) filter (where is_executed) as payments,
        min(bgt_id) as first_bgt_id,
        count(distinct bgt_id) as indicators
    from {{ ref('int_mon_payments') }}
    where sangong_kind is not null and is_executed
    group by 1, 2, 3, 4

),

params as (

    select mof_div_code, cast(max(param_value) as decimal(9, 4)) as ratio
    from {{ ref('int_mon_rule_params') }}
    where rule_code = 'R08' and param_name = 'ratio'
    group by mof_div_code

),

hits as (

    select
        x.*,
        coalesce(b.initial_budget_amt, cast(0 as decimal(18, 2))) as initial_budget_amt,
        p.ratio
    from executed as x
    inner join params as p on p.mof_div_code = x.mof_div_code
    left join budget as b
        on b.mof_div_code = x.mof_div_code and b.fiscal_year = x.fiscal_year and b.agency_code = x.agency_code
        and b.sangong_kind = x.sangong_kind
    where x.executed_amt > coalesce(b.initial_budget_amt, 0) * p.ratio

),

final as (

    select
        'R08' as rule_code,
        mof_div_code,
        fiscal_year,
        cast(fiscal_year as {{ dbt.type_string() }}) as period,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as pro_code,
        case when indicators = 1 then first_bgt_id end as bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        cast(null as {{ dbt.type_string() }}) as payee_acct_name,
        cast(executed_amt - initial_budget_amt as decimal(18, 2)) as amount,
        agency_code || '|' || cast(fiscal_year as {{ dbt.type_string() }}) || '|' || sangong_kind as object_key,
        {{ fiscal.json_object_text("'sangong_kind', sangong_kind, 'executed_amt', executed_amt,
                         'initial_budget_amt', initial_budget_amt, 'ratio', cast(ratio as double), 'payments', payments") }} as evidence,
        sangong_kind || '本年已支付 ' || cast(executed_amt as {{ dbt.type_string() }}) || ' 元，超过年初预算 '
            || cast(initial_budget_amt as {{ dbt.type_string() }}) || ' 元 (三公 ' || sangong_kind || ' executed '
            || cast(executed_amt as {{ dbt.type_string() }}) || ' above the initial budget ' || cast(initial_budget_amt as {{ dbt.type_string() }})
            || ')' as message
    from hits

)

select * from final
