-- 公开表2 财政拨款收支总表: 收入总计 = 支出总计 in every column, 本年支出 = Σ 类 rows, and each kind of
-- appropriation equals its own table: 一般公共预算 = 公开表3 合计, 政府性基金 = 公开表4 合计,
-- 国有资本经营 = 公开表5 合计; the three together = 公开表1's three 拨款收入 rows.
with

appropriation as (

    select * from {{ ref('disclosure_2_fiscal_appropriation_summary') }}

),

general_public as (

    select * from {{ ref('disclosure_3_general_public_expenditure') }}
    where subject_level = 0

),

government_fund as (

    select * from {{ ref('disclosure_4_government_fund_expenditure') }}
    where subject_level = 0

),

state_capital as (

    select * from {{ ref('disclosure_5_state_capital_expenditure') }}
    where subject_level = 0

),

summary as (

    select
        dept_code,
        fiscal_year,
        sum(budget_amt) as appropriation_income_amt
    from {{ ref('disclosure_1_budget_summary') }}
    where side = '收入'
        and line_name in ('一般公共预算拨款收入', '政府性基金预算拨款收入', '国有资本经营预算拨款收入')
    group by 1, 2

),

per_dept as (

    select
        dept_code,
        fiscal_year,
        {% for column in ['total_amt', 'general_public_amt', 'government_fund_amt', 'state_capital_amt'] %}
        sum(case when side = '收入' and row_kind = 'total' then {{ column }} else 0 end) as income_{{ column }},
        sum(case when side = '支出' and row_kind = 'total' then {{ column }} else 0 end) as expenditure_{{ column }},
        {% endfor %}
        sum(case when side = '支出' and row_kind = 'subtotal' then total_amt else 0 end) as spent_amt,
        sum(case when side = '支出' and line_code is not null then total_amt else 0 end) as spent_by_class_amt
    from appropriation
    group by 1, 2

)

select
    per_dept.dept_code,
    per_dept.fiscal_year
from per_dept
left join general_public
    on per_dept.dept_code = general_public.dept_code
    and per_dept.fiscal_year = general_public.fiscal_year
left join government_fund
    on per_dept.dept_code = government_fund.dept_code
    and per_dept.fiscal_year = government_fund.fiscal_year
left join state_capital
    on per_dept.dept_code = state_capital.dept_code
    and per_dept.fiscal_year = state_capital.fiscal_year
left join summary
    on per_dept.dept_code = summary.dept_code
    and per_dept.fiscal_year = summary.fiscal_year
where per_dept.income_total_amt <> per_dept.expenditure_total_amt
    or per_dept.income_general_public_amt <> per_dept.expenditure_general_public_amt
    or per_dept.income_government_fund_amt <> per_dept.expenditure_government_fund_amt
    or per_dept.income_state_capital_amt <> per_dept.expenditure_state_capital_amt
    or per_dept.spent_amt <> per_dept.spent_by_class_amt
    or per_dept.spent_amt <> per_dept.expenditure_total_amt
    or per_dept.expenditure_general_public_amt <> coalesce(general_public.total_amt, -1)
    or per_dept.expenditure_government_fund_amt <> coalesce(government_fund.total_amt, -1)
    or per_dept.expenditure_state_capital_amt <> coalesce(state_capital.total_amt, -1)
    or per_dept.income_total_amt <> coalesce(summary.appropriation_income_amt, -1)
