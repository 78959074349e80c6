-- 公开表1 部门收支总表: 收入总计 = 支出总计; each 合计 adds its items; and the table carries every approved
-- budget line of the department (nothing dropped for an unmapped 资金性质 or 功能分类).
with

summary as (

    select * from {{ ref('disclosure_1_budget_summary') }}

),

budget_lines as (

    select * from {{ ref('stg_core__bgt_pm_annual') }}

),

per_dept as (

    select
        dept_code,
        fiscal_year,
        sum(case when side = '收入' and row_kind = 'item' and line_name <> '上年结转结余' then budget_amt else 0 end)
            as income_items_amt,
        sum(case when side = '收入' and line_name = '本年收入合计' then budget_amt else 0 end) as income_amt,
        sum(case when side = '收入' and line_name = '上年结转结余' then budget_amt else 0 end) as carried_in_amt,
        sum(case when side = '收入' and row_kind = 'total' then budget_amt else 0 end) as income_total_amt,
        sum(case when side = '支出' and row_kind = 'item' and line_code is not null then budget_amt else 0 end)
            as expenditure_items_amt,
        sum(case when side = '支出' and line_name = '本年支出合计' then budget_amt else 0 end) as expenditure_amt,
        sum(case when side = '支出' and line_name = '结转下年' then budget_amt else 0 end) as carried_out_amt,
        sum(case when side = '支出' and row_kind = 'total' then budget_amt else 0 end) as expenditure_total_amt
    from summary
    group by 1, 2

),

approved as (

    select
        dept_code,
        cast(fiscal_year as integer) as fiscal_year,
        sum(reply_amt) as approved_amt
    from budget_lines
    where status = 'approved'
    group by 1, 2

)

select
    coalesce(per_dept.dept_code, approved.dept_code) as dept_code,
    coalesce(per_dept.fiscal_year, approved.fiscal_year) as fiscal_year,
    per_dept.income_total_amt,
    per_dept.expenditure_total_amt,
    approved.approved_amt
from per_dept
full outer join approved
    on per_dept.dept_code = approved.dept_code
    and per_dept.fiscal_year = approved.fiscal_year
where per_dept.dept_code is null
    or approved.dept_code is null
    or per_dept.income_total_amt <> per_dept.expenditure_total_amt
    or per_dept.income_amt <> per_dept.income_items_amt
    or per_dept.income_total_amt <> per_dept.income_amt + per_dept.carried_in_amt
    or per_dept.expenditure_amt <> per_dept.expenditure_items_amt
    or per_dept.expenditure_total_amt <> per_dept.expenditure_amt + per_dept.carried_out_amt
    or per_dept.income_amt <> approved.approved_amt
