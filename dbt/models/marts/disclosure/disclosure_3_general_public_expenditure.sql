-- 公开表3 一般公共预算支出表: 一般公共预算 spending by 功能分类 (合计, 类, 款, 项): 基本支出 (人员经费,
-- 公用经费) and 项目支出.
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

general_public_lines as (

    select * from subject_lines where fund_source = 'general_public'

),

subject_rows as (

    select distinct dept_code, dept_name, fiscal_year, subject_level, subject_code, subject_name, sort_key
    from general_public_lines
    where subject_level > 0
    union all
    select dept_code, dept_name, fiscal_year, 0, cast(null as {{ dbt.type_string() }}), '合计', ''
    from dept_years

),

amounts as (

    select
        dept_code,
        fiscal_year,
        sort_key,
        sum(case when basic_kind = '人员经费' then budget_amt else 0 end) as personnel_amt,
        sum(case when basic_kind = '公用经费' then budget_amt else 0 end) as public_amt,
        sum(case when not is_basic_expenditure then budget_amt else 0 end) as project_amt
    from general_public_lines
    group by 1, 2, 3

),

joined as (

    select
        subject_rows.*,
        coalesce(amounts.personnel_amt, 0) as personnel_amt,
        coalesce(amounts.public_amt, 0) as public_amt,
        coalesce(amounts.project_amt, 0) as project_amt
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
        cast(personnel_amt + public_amt + project_amt as decimal(18, 2)) as total_amt,
        cast(personnel_amt + public_amt as decimal(18, 2)) as basic_amt,
        cast(personnel_amt as decimal(18, 2)) as personnel_amt,
        cast(public_amt as decimal(18, 2)) as public_amt,
        cast(project_amt as decimal(18, 2)) as project_amt
    from joined

)

select * from final
