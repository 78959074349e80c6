-- 公开表3-1 一般公共预算基本支出表: 一般公共预算 基本支出 by 部门经济分类 (合计, 类, 款): 人员经费 and
-- 公用经费. A line coded at 类 level (the payroll line 301) adds to its 类 row only.
with

budget_lines as (

    select * from {{ ref('int_budget_lines_classified') }}

),

dep_eco as (

    select * from {{ ref('dep_bgt_eco') }}

),

dept_years as (

    select distinct dept_code, dept_name, fiscal_year from budget_lines

),

basic_lines as (

    select * from budget_lines
    where fund_source = 'general_public'
        and is_basic_expenditure

),

exploded as (

    select basic_lines.*, 1 as subject_level, dep_eco_class_code as subject_code
    from basic_lines
    union all
    select basic_lines.*, 2 as subject_level, dep_eco_section_code as subject_code
    from basic_lines
    where dep_eco_section_code is not null

),

subject_rows as (

    select distinct
        exploded.dept_code,
        exploded.dept_name,
        exploded.fiscal_year,
        exploded.subject_level,
        exploded.subject_code,
        coalesce(dep_eco.name, exploded.subject_code) as subject_name,
        exploded.subject_code as sort_key
    from exploded
    left join dep_eco
        on exploded.subject_code = dep_eco.code
    union all
    select dept_code, dept_name, fiscal_year, 0, cast(null as {{ dbt.type_string() }}), '合计', ''
    from dept_years

),

amounts as (

    select
        dept_code,
        fiscal_year,
        subject_code as sort_key,
        sum(case when basic_kind = '人员经费' then budget_amt else 0 end) as personnel_amt,
        sum(case when basic_kind = '公用经费' then budget_amt else 0 end) as public_amt
    from exploded
    group by 1, 2, 3
    union all
    select
        dept_code,
        fiscal_year,
        '' as sort_key,
        sum(case when basic_kind = '人员经费' then budget_amt else 0 end) as personnel_amt,
        sum(case when basic_kind = '公用经费' then budget_amt else 0 end) as public_amt
    from basic_lines
    group by 1, 2, 3

),

joined as (

    select
        subject_rows.*,
        coalesce(amounts.personnel_amt, 0) as personnel_amt,
        coalesce(amounts.public_amt, 0) as public_amt
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
        cast(personnel_amt + public_amt as decimal(18, 2)) as total_amt,
        cast(personnel_amt as decimal(18, 2)) as personnel_amt,
        cast(public_amt as decimal(18, 2)) as public_amt
    from joined

)

select * from final
