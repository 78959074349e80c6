-- fct_revenue_monthly holds every treasury booking exactly once.
with mart as (

    select fiscal_year, inc_code, sum(collected_amt) as amt from {{ ref('fct_revenue_monthly') }} group by 1, 2

),

bookings as (

    select cast(year(tre_date) as integer) as fiscal_year, inc_code, sum(amount) as amt
    from {{ ref('stg_core__inc_treasury_income') }} group by 1, 2

)

select * from mart full outer join bookings as b using (fiscal_year, inc_code)
where mart.amt is distinct from b.amt
