-- Inside each table: every row's 合计 adds its columns, the 合计 row adds the 类 rows, every 功能分类 类 row
-- adds its 款 rows (budget lines are coded at 款 or 项), and the 三公 table adds its buckets.
{% set function_tables = {
    'disclosure_1_1_income_summary': 'prior_year_carryover_amt + general_public_amt + government_fund_amt + state_capital_amt + special_account_amt + business_income_amt + operating_income_amt + superior_subsidy_amt + subordinate_remit_amt + other_income_amt',
    'disclosure_1_2_expenditure_summary': 'basic_amt + project_amt + remit_to_superior_amt + operating_expenditure_amt + subsidy_to_subordinate_amt',
    'disclosure_3_general_public_expenditure': 'personnel_amt + public_amt + project_amt',
    'disclosure_4_government_fund_expenditure': 'basic_amt + project_amt',
    'disclosure_5_state_capital_expenditure': 'basic_amt + project_amt',
} %}
with

{% for table, columns in function_tables.items() %}
{{ table }}_rows as (

    select * from {{ ref(table) }}

),

{{ table }}_failures as (

    select '{{ table }}' as table_name, dept_code, fiscal_year, subject_code, 'row total' as failed_check
    from {{ table }}_rows
    where total_amt <> {{ columns }}
    union all
    select '{{ table }}', totals.dept_code, totals.fiscal_year, null, 'total = sum of 类'
    from {{ table }}_rows as totals
    left join (
        select dept_code, fiscal_year, sum(total_amt) as amt
        from {{ table }}_rows
        where subject_level = 1
        group by 1, 2
    ) as classes
        on totals.dept_code = classes.dept_code
        and totals.fiscal_year = classes.fiscal_year
    where totals.subject_level = 0
        and totals.total_amt <> coalesce(classes.amt, 0)
    union all
    select '{{ table }}', classes.dept_code, classes.fiscal_year, classes.subject_code, '类 = sum of 款'
    from {{ table }}_rows as classes
    left join (
        select dept_code, fiscal_year, substr(subject_code, 1, 3) as class_code, sum(total_amt) as amt
        from {{ table }}_rows
        where subject_level = 2
        group by 1, 2, 3
    ) as sections
        on classes.dept_code = sections.dept_code
        and classes.fiscal_year = sections.fiscal_year
        and classes.subject_code = sections.class_code
    where classes.subject_level = 1
        and classes.total_amt <> coalesce(sections.amt, 0)

),

{% endfor %}

basic_rows as (

    select * from {{ ref('disclosure_3_1_general_public_basic_expenditure') }}

),

basic_failures as (

    select 'disclosure_3_1_general_public_basic_expenditure' as table_name, dept_code, fiscal_year, subject_code,
        'row total' as failed_check
    from basic_rows
    where total_amt <> personnel_amt + public_amt
    union all
    select 'disclosure_3_1_general_public_basic_expenditure', totals.dept_code, totals.fiscal_year, null,
        'total = sum of 类'
    from basic_rows as totals
    left join (
        select dept_code, fiscal_year, sum(total_amt) as amt
        from basic_rows
        where subject_level = 1
        group by 1, 2
    ) as classes
        on totals.dept_code = classes.dept_code
        and totals.fiscal_year = classes.fiscal_year
    where totals.subject_level = 0
        and totals.total_amt <> coalesce(classes.amt, 0)

),

sangong_rows as (

    select * from {{ ref('disclosure_3_3_three_public_expenditure') }}

),

sangong_failures as (

    select 'disclosure_3_3_three_public_expenditure' as table_name, dept_code, fiscal_year,
        cast(null as {{ dbt.type_string() }}) as subject_code, 'buckets add up' as failed_check
    from sangong_rows
    group by dept_code, fiscal_year
    having
        sum(case when line_no = 1 then budget_amt else 0 end)
            <> sum(case when line_no in (2, 3, 6) then budget_amt else 0 end)
        or sum(case when line_no = 3 then budget_amt else 0 end)
            <> sum(case when line_no in (4, 5) then budget_amt else 0 end)
        or sum(case when line_no = 1 then prior_year_budget_amt else 0 end)
            <> sum(case when line_no in (2, 3, 6) then prior_year_budget_amt else 0 end)
        or sum(case when line_no = 3 then prior_year_budget_amt else 0 end)
            <> sum(case when line_no in (4, 5) then prior_year_budget_amt else 0 end)
        or sum(case when change_amt <> budget_amt - prior_year_budget_amt then 1 else 0 end) > 0

)

{% for table in function_tables %}
select * from {{ table }}_failures
union all
{% endfor %}
select * from basic_failures
union all
select * from sangong_failures
