-- R06M 现金支付累计超限: a unit's cash-settled payments (executed, net of refunds) in a month or a year
-- above the 区划's limits. One row per unit and month, or unit and year, over the limit.
with payments as (

    select * from {{ ref('int_mon_payments') }}
    where is_cash and is_executed

),

params as (

    select
        mof_div_code,
        cast(max(param_value) filter (where param_name = 'monthly_limit') as decimal(18, 0)) * 0.01 as monthly_limit,
        cast(max(param_value) filter (where param_name = 'yearly_limit') as decimal(18, 0)) * 0.01 as yearly_limit
    from {{ ref('int_mon_rule_params') }}
    where rule_code = 'R06M'
    group by mof_div_code

),

monthly as (

    select
        mof_div_code,
        fiscal_year,
        agency_code,
        {{ fiscal.format_date('create_date', '%Y-%m') }} as period,
        cast(sum(net_paid_amt) as decimal(18, 2)) as cash_amt,
        count(*) as payments,
        {{ fiscal.array_agg_ordered('pay_app_id', 'pay_app_id') }} as pay_app_ids
    from payments
    group by 1, 2, 3, 4

),

yearly as (

    select
        mof_div_code,
        fiscal_year,
        agency_code,
        cast(fiscal_year as {{ dbt.type_string() }}) as period,
        cast(sum(net_paid_amt) as decimal(18, 2)) as cash_amt,
        count(*) as payments,
        {{ fiscal.array_agg_ordered('pay_app_id', 'pay_app_id') }} as pay_app_ids
    from payments
    group by 1, 2, 3, 4

),

hits as (

    select m.*, p.monthly_limit as limit_amt, 'month' as window_kind
    from monthly as m
    inner join params as p on p.mof_div_code = m.mof_div_code
    where m.cash_amt > p.monthly_limit
    union all
    select y.*, p.yearly_limit as limit_amt, 'year' as window_kind
    from yearly as y
    inner join params as p on p.mof_div_code = y.mof_div_code
    where y.cash_amt > p.yearly_limit

),

final as (

    select
        'R06M' as rule_code,
        mof_div_code,
        fiscal_year,
        period,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as pro_code,
        cast(null as {{ dbt.type_string() }}) as bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        cast(null as {{ dbt.type_string() }}) as payee_acct_name,
        cash_amt as amount,
        agency_code || '|' || period as object_key,
        {{ fiscal.json_object_text("'window', window_kind, 'cash_amt', cash_amt, 'limit', cast(limit_amt as decimal(18, 2)),
                         'payments', payments, 'pay_app_ids', pay_app_ids") }} as evidence,
        '单位' || case when window_kind = 'month' then '当月' else '当年' end || '现金支付累计 '
            || cast(cash_amt as {{ dbt.type_string() }}) || ' 元，超过限额 ' || cast(cast(limit_amt as decimal(18, 2)) as {{ dbt.type_string() }})
            || ' 元 (cash payments in the ' || window_kind || ' ' || cast(cash_amt as {{ dbt.type_string() }}) || ' above '
            || cast(cast(limit_amt as decimal(18, 2)) as {{ dbt.type_string() }}) || ')' as message
    from hits

)

select * from final
