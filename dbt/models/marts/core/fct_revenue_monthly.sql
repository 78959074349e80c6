-- Treasury revenue (入库, 退库 negative) by revenue category as booked × month, with the year's budget
-- for that category where one is set, year to date and year on year.
with income as (

    select * from {{ ref('stg_core__inc_treasury_income') }}

),

budgets as (

    select fiscal_year, inc_code, sum(budget_amt) as budget_amt
    from {{ ref('stg_core__bgt_income') }}
    group by 1, 2

),

monthly as (

    select
        mof_div_code,
        inc_code,
        cast(year(tre_date) as integer) as fiscal_year,
        cast(month(tre_date) as integer) as fiscal_month,
        sum(amount) as collected_amt,
        count(*) as booking_count
    from income
    group by 1, 2, 3, 4

),

categories as (

    select code, name from {{ ref('income') }}

),

grid as (

    -- every category × every month of every year it appears in (a month without collections is a zero)
    select distinct m.mof_div_code, m.inc_code, m.fiscal_year, r.fiscal_month
    from monthly as m
    cross join {{ fiscal.integer_series(1, 13, 'fiscal_month') }} as r
    where make_date(m.fiscal_year, r.fiscal_month, 1)
        <= (select {{ dbt.date_trunc('month', 'max(tre_date)') }} from income)

),

filled as (

    select
        g.mof_div_code,
        g.inc_code,
        g.fiscal_year,
        g.fiscal_month,
        cast(coalesce(m.collected_amt, 0) as decimal(18, 2)) as collected_amt,
        coalesce(m.booking_count, 0) as booking_count
    from grid as g
    left join monthly as m using (mof_div_code, inc_code, fiscal_year, fiscal_month)

),

with_ytd as (

    select
        f.*,
        cast(sum(collected_amt) over (
            partition by mof_div_code, inc_code, fiscal_year order by fiscal_month
            rows between unbounded preceding and current row
        ) as decimal(18, 2)) as collected_ytd_amt
    from filled as f

),

final as (

    select
        cur.mof_div_code,
        cur.inc_code,
        c.name as inc_name,
        substr(cur.inc_code, 1, 3) as inc_class_code,
        cur.fiscal_year,
        cur.fiscal_month,
        cast(make_date(cur.fiscal_year, cur.fiscal_month, 1) as date) as month_start_date,
        cur.collected_amt,
        cur.booking_count,
        cur.collected_ytd_amt,
        cast(b.budget_amt as decimal(18, 2)) as budget_amt,
        case when b.budget_amt > 0 then round(cast(cur.collected_ytd_amt as double) / cast(b.budget_amt as double), 4)
        end as budget_progress_rate,
        prev.collected_amt as prev_year_collected_amt,
        prev.collected_ytd_amt as prev_year_ytd_amt,
        case when prev.collected_amt > 0
            then round(cast(cur.collected_amt as double) / cast(prev.collected_amt as double) - 1, 4)
        end as yoy_rate,
        case when prev.collected_ytd_amt > 0
            then round(cast(cur.collected_ytd_amt as double) / cast(prev.collected_ytd_amt as double) - 1, 4)
        end as ytd_yoy_rate
    from with_ytd as cur
    left join with_ytd as prev
        on prev.mof_div_code = cur.mof_div_code and prev.inc_code = cur.inc_code
        and prev.fiscal_year = cur.fiscal_year - 1 and prev.fiscal_month = cur.fiscal_month
    left join budgets as b on b.fiscal_year = cur.fiscal_year and b.inc_code = cur.inc_code
    left join categories as c on c.code = cur.inc_code

)

select * from final
