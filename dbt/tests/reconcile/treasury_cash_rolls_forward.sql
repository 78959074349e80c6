-- Each day opens with the previous day's closing balance, and closes at opening + inflows − outflows.
with days as (

    select *, lag(closing_amt) over (partition by mof_div_code order by cash_date) as prev_closing_amt
    from {{ ref('fct_treasury_cash_daily') }}

)

select * from days
where closing_amt <> opening_amt + inflow_amt - outflow_amt
    or (prev_closing_amt is not null and opening_amt <> prev_closing_amt)
    or inflow_amt <> revenue_in_amt + debt_in_amt + transfer_in_amt + other_in_amt + refund_in_amt
