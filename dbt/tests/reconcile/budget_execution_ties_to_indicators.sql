-- The monthly execution mart's year-to-date paid, at the last month of each year, equals the year's
-- indicators' paid amounts; and no month pays more than the indicators allow.
with monthly as (

    select * from {{ ref('fct_budget_execution_monthly') }}

),

last_month as (

    select fiscal_year, sum(paid_ytd_amt) as paid_amt
    from monthly
    where (fiscal_year, fiscal_month) in (select fiscal_year, max(fiscal_month) from monthly group by fiscal_year)
    group by fiscal_year

),

indicators as (

    select fiscal_year, sum(paid_amt) as paid_amt from {{ ref('fct_indicator_balance') }} group by fiscal_year

)

select l.fiscal_year, l.paid_amt as monthly_paid, i.paid_amt as indicator_paid
from last_month as l
full outer join indicators as i using (fiscal_year)
where l.paid_amt is distinct from i.paid_amt
