-- Indicators and spending by agency × function × government economic class × fund nature × month.
-- Ledger entries are dated by when they were posted; entries posted before the fiscal year (early issue)
-- count in January and the clearing window after it in December. Year-end closing entries (结余收回,
-- 结转调出) are left out of indicator_amt so December shows the year's spending against its budget.
with indicators as (

    select bgt_id, fiscal_year, agency_code, exp_func_code, gov_bgt_eco_code, fund_type_code
    from {{ ref('stg_core__ba_bgt_info') }}

),

ledger as (

    select * from {{ ref('stg_core__ba_bgt_ledger') }}

),

budget_lines as (

    select * from {{ ref('stg_core__bgt_pm_annual') }}
    where status = 'approved'

),

moves as (

    select
        i.fiscal_year,
        i.agency_code,
        i.exp_func_code,
        i.gov_bgt_eco_code,
        i.fund_type_code,
        case
            when year(l.created_at) < i.fiscal_year then 1
            when year(l.created_at) > i.fiscal_year then 12
            else month(l.created_at)
        end as fiscal_month,
        sum(case when l.entry_type in ('BALANCE', 'CARRY_OUT') then 0 else l.d_amount - l.d_dis end)
            as indicator_change_amt,
        sum(l.d_paid) as paid_in_month_amt
    from ledger as l
    inner join indicators as i on i.bgt_id = l.bgt_id
    group by 1, 2, 3, 4, 5, 6

),

budget as (

    select
        fiscal_year, agency_code, exp_func_code, gov_bgt_eco_code, fund_type_code,
        sum(reply_amt) as budget_amt
    from budget_lines
    group by 1, 2, 3, 4, 5

),

keys as (

    select fiscal_year, agency_code, exp_func_code, gov_bgt_eco_code, fund_type_code from moves
    union
    select fiscal_year, agency_code, exp_func_code, gov_bgt_eco_code, fund_type_code from budget

),

last_month as (

    -- a year in progress runs to the month of the latest posting; closed years to December
    select
        fiscal_year,
        case
            when max(created_at) is null then 12
            when year(max(created_at)) > fiscal_year then 12
            else month(max(created_at))
        end as last_fiscal_month
    from ledger as l
    inner join indicators as i using (bgt_id)
    group by fiscal_year

),

grid as (

    select k.*, m.fiscal_month
    from keys as k
    inner join last_month as lm on lm.fiscal_year = k.fiscal_year
    cross join {{ fiscal.integer_series(1, 13, 'fiscal_month') }} as m
    where m.fiscal_month <= lm.last_fiscal_month

),

joined as (

    select
        g.fiscal_year,
        g.fiscal_month,
        g.agency_code,
        g.exp_func_code,
        g.gov_bgt_eco_code,
        g.fund_type_code,
        cast(coalesce(b.budget_amt, 0) as decimal(18, 2)) as budget_amt,
        cast(sum(coalesce(mv.indicator_change_amt, 0)) over w as decimal(18, 2)) as indicator_amt,
        cast(coalesce(mv.paid_in_month_amt, 0) as decimal(18, 2)) as paid_in_month_amt,
        cast(sum(coalesce(mv.paid_in_month_amt, 0)) over w as decimal(18, 2)) as paid_ytd_amt
    from grid as g
    left join moves as mv
        on mv.fiscal_year = g.fiscal_year and mv.fiscal_month = g.fiscal_month
        and mv.agency_code = g.agency_code and mv.exp_func_code = g.exp_func_code
        and mv.gov_bgt_eco_code = g.gov_bgt_eco_code and mv.fund_type_code = g.fund_type_code
    left join budget as b
        on b.fiscal_year = g.fiscal_year and b.agency_code = g.agency_code and b.exp_func_code = g.exp_func_code
        and b.gov_bgt_eco_code = g.gov_bgt_eco_code and b.fund_type_code = g.fund_type_code
    window w as (
        partition by g.fiscal_year, g.agency_code, g.exp_func_code, g.gov_bgt_eco_code, g.fund_type_code
        order by g.fiscal_month rows between unbounded preceding and current row
    )

),

final as (

    select
        *,
        cast(make_date(fiscal_year, fiscal_month, 1) as date) as month_start_date,
        case
            when indicator_amt > 0 then round(cast(paid_ytd_amt as double) / cast(indicator_amt as double), 4)
        end as execution_rate
    from joined

)

select * from final
