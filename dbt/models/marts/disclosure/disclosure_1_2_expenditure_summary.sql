-- 公开表1-2 部门支出总表: expenditure by 功能分类 (合计, 类, 款, 项): 基本支出, 项目支出 and the
-- columns the budget lines cannot fill (上缴上级支出, 对附属单位补助支出: no such lines exist).
with

subject_lines as (

    select * from {{ ref('int_budget_lines_by_func_subject') }}

),

budget_lines as (

    select * from {{ ref('int_budget_lines_classified') }}

),

dept_years as (

    select distinct dept_code, dept_name, fiscal_year from budget_lines

),

subject_rows as (

    select distinct dept_code, dept_name, fiscal_year, subject_level, subject_code, subject_name, sort_key
    from subject_lines
    where subject_level > 0
    union all
    select dept_code, dept_name, fiscal_year, 0, cast(null as {{ dbt.type_string() }}), '合计', ''
    from dept_years

),

amounts as (

    -- spending funded by 事业单位经营收入 is 事业单位经营支出; the rest is 基本 or 项目 by project category
    select
        dept_code,
        fiscal_year,
        sort_key,
        sum(
            case when coalesce(fund_source, '') <> 'operating_income' and is_basic_expenditure
                then budget_amt else 0 end
        ) as basic_amt,
        sum(
            case when coalesce(fund_source, '') <> 'operating_income' and not is_basic_expenditure
                then budget_amt else 0 end
        ) as project_amt,
        sum(case when fund_source = 'operating_income' then budget_amt else 0 end) as operating_expenditure_amt
    from subject_lines
    group by 1, 2, 3

),

joined as (

    select
        subject_rows.*,
        coalesce(amounts.basic_amt, 0) as basic_amt,
        coalesce(amounts.project_amt, 0) as project_amt,
        0 as remit_to_superior_amt,
        coalesce(amounts.operating_expenditure_amt, 0) as operating_expenditure_amt,
        0 as subsidy_to_subordinate_amt
    from subject_rows
    left join amounts
        on subject_rows.dept_code = amounts.dept_code
        and subject_rows.fiscal_year = amounts.fiscal_year
        and subject_rows.sort_key = amounts.sort_key

),

final as (

    select
        dept_code,
        dept_name,
        fiscal_year,
        cast(row_number() over (partition by dept_code, fiscal_year order by sort_key) as integer) as line_no,
        cast(subject_level as integer) as subject_level,
        subject_code,
        subject_name,
        cast(
            basic_amt + project_amt + remit_to_superior_amt + operating_expenditure_amt
            + subsidy_to_subordinate_amt
            as decimal(18, 2)
        ) as total_amt,
        cast(basic_amt as decimal(18, 2)) as basic_amt,
        cast(project_amt as decimal(18, 2)) as project_amt,
        cast(remit_to_superior_amt as decimal(18, 2)) as remit_to_superior_amt,
        cast(operating_expenditure_amt as decimal(18, 2)) as operating_expenditure_amt,
        cast(subsidy_to_subordinate_amt as decimal(18, 2)) as subsidy_to_subordinate_amt
    from joined

)

select * from final
