-- The treasury single account (国库单一账户) day by day from its recorded opening balance:
-- inflows are treasury bookings (revenue 101/103, debt 105, transfers 110; 退库 negative) and payment
-- refunds coming back; outflows are the day's 汇总清算 of paid vouchers to the agent bank.
with opening as (

    select * from {{ ref('stg_core__trs_opening') }}

),

income as (

    select
        i.mof_div_code,
        i.tre_date as cash_date,
        sum(i.amount) filter (where substr(i.inc_code, 1, 3) in ('101', '103')) as revenue_in_amt,
        sum(i.amount) filter (where substr(i.inc_code, 1, 3) = '105') as debt_in_amt,
        sum(i.amount) filter (where substr(i.inc_code, 1, 3) = '110') as transfer_in_amt,
        sum(i.amount) filter (where substr(i.inc_code, 1, 3) not in ('101', '103', '105', '110')) as other_in_amt
    from {{ ref('stg_core__inc_treasury_income') }} as i
    inner join opening as o on o.mof_div_code = i.mof_div_code and i.tre_date >= o.open_date
    group by 1, 2

),

bills as (

    select
        b.mof_div_code,
        b.pay_amt,
        b.xpay_amt,
        b.bill_type,
        b.xpay_date,
        b.act_lqd_date
    from {{ ref('stg_core__pay_voucher_bill') }} as b

),

cleared as (

    select mof_div_code, act_lqd_date as cash_date, sum(xpay_amt) as cleared_out_amt
    from bills
    where bill_type = 'pay' and act_lqd_date is not null
    group by 1, 2

),

refunds as (

    select mof_div_code, xpay_date as cash_date, -sum(pay_amt) as refund_in_amt
    from bills
    where bill_type = 'refund' and xpay_date is not null
    group by 1, 2

),

days as (

    select
        o.mof_div_code,
        o.amount as opening_balance_amt,
        o.open_date,
        {{ fiscal.date_series('o.open_date', 'greatest(
            (select max(cash_date) from income),
            (select max(cash_date) from cleared),
            (select max(cash_date) from refunds),
            o.open_date
        )') }} as cash_date
    from opening as o

),

flows as (

    select
        d.mof_div_code,
        d.cash_date,
        d.open_date,
        d.opening_balance_amt,
        coalesce(i.revenue_in_amt, 0) as revenue_in_amt,
        coalesce(i.debt_in_amt, 0) as debt_in_amt,
        coalesce(i.transfer_in_amt, 0) as transfer_in_amt,
        coalesce(i.other_in_amt, 0) as other_in_amt,
        coalesce(r.refund_in_amt, 0) as refund_in_amt,
        coalesce(c.cleared_out_amt, 0) as cleared_out_amt
    from days as d
    left join income as i using (mof_div_code, cash_date)
    left join refunds as r using (mof_div_code, cash_date)
    left join cleared as c using (mof_div_code, cash_date)

),

netted as (

    select
        *,
        revenue_in_amt + debt_in_amt + transfer_in_amt + other_in_amt + refund_in_amt as inflow_amt,
        cleared_out_amt as outflow_amt
    from flows

),

rolled as (

    select
        *,
        opening_balance_amt + sum(inflow_amt - outflow_amt) over (
            partition by mof_div_code order by cash_date rows between unbounded preceding and current row
        ) as closing_amt
    from netted

),

final as (

    select
        mof_div_code,
        cash_date,
        cast(closing_amt - inflow_amt + outflow_amt as decimal(18, 2)) as opening_amt,
        cast(revenue_in_amt as decimal(18, 2)) as revenue_in_amt,
        cast(debt_in_amt as decimal(18, 2)) as debt_in_amt,
        cast(transfer_in_amt as decimal(18, 2)) as transfer_in_amt,
        cast(other_in_amt as decimal(18, 2)) as other_in_amt,
        cast(refund_in_amt as decimal(18, 2)) as refund_in_amt,
        cast(inflow_amt as decimal(18, 2)) as inflow_amt,
        cast(outflow_amt as decimal(18, 2)) as outflow_amt,
        cast(closing_amt as decimal(18, 2)) as closing_amt,
        {{ fiscal.iso_day_of_week('cash_date') }} < 6 as is_working_day
    from rolled

)

select * from final
