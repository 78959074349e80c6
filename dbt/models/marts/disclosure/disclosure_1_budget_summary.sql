-- 公开表1 部门收支总表: income by funding source on one side, expenditure by 功能分类 类 (every 类 of the
-- code set, as the template prints them) on the other; 收入总计 = 支出总计.
with

budget_lines as (

    select * from {{ ref('int_budget_lines_classified') }}

),

exp_func as (

    select * from {{ ref('exp_func') }}

),

dept_years as (

    select distinct dept_code, dept_name, fiscal_year from budget_lines

),

income_items as (

    select * from (
        values
        (1, 'general_public', '一般公共预算拨款收入'),
        (2, 'government_fund', '政府性基金预算拨款收入'),
        (3, 'state_capital', '国有资本经营预算拨款收入'),
        (4, 'special_account', '财政专户管理资金收入'),
        (5, 'business_income', '事业收入'),
        (6, 'operating_income', '事业单位经营收入'),
        (7, 'superior_subsidy', '上级补助收入'),
        (8, 'subordinate_remit', '附属单位上缴收入'),
        (9, 'other_income', '其他收入')
    ) as items (item_no, fund_source, line_name)

),

income_by_source as (

    select
        dept_code,
        fiscal_year,
        fund_source,
        sum(budget_amt) as budget_amt
    from budget_lines
    group by 1, 2, 3

),

income_items_filled as (

    select
        dept_years.dept_code,
        dept_years.dept_name,
        dept_years.fiscal_year,
        income_items.item_no,
        income_items.line_name,
        coalesce(income_by_source.budget_amt, 0) as budget_amt
    from dept_years
    cross join income_items
    left join income_by_source
        on dept_years.dept_code = income_by_source.dept_code
        and dept_years.fiscal_year = income_by_source.fiscal_year
        and income_items.fund_source = income_by_source.fund_source

),

income_total as (

    select dept_code, dept_name, fiscal_year, sum(budget_amt) as budget_amt
    from income_items_filled
    group by 1, 2, 3

),

income_rows as (

    select dept_code, dept_name, fiscal_year, item_no as sort_no, cast(null as {{ dbt.type_string() }}) as line_code,
        line_name, 'item' as row_kind, budget_amt
    from income_items_filled
    union all
    select dept_code, dept_name, fiscal_year, 10, cast(null as {{ dbt.type_string() }}), '本年收入合计', 'subtotal', budget_amt
    from income_total
    union all
    -- approved budget lines carry no 上年结转结余 (it is booked on carry-over indicators at year end)
    select dept_code, dept_name, fiscal_year, 11, cast(null as {{ dbt.type_string() }}), '上年结转结余', 'item', 0
    from income_total
    union all
    select dept_code, dept_name, fiscal_year, 12, cast(null as {{ dbt.type_string() }}), '收入总计', 'total', budget_amt
    from income_total

),

classes as (

    select code as class_code from exp_func where level = 1
    union
    select exp_func_class_code from budget_lines

),

expenditure_by_class as (

    select
        dept_code,
        fiscal_year,
        exp_func_class_code,
        sum(budget_amt) as budget_amt
    from budget_lines
    group by 1, 2, 3

),

expenditure_classes as (

    select
        dept_years.dept_code,
        dept_years.dept_name,
        dept_years.fiscal_year,
        classes.class_code,
        coalesce(exp_func.name, classes.class_code) as line_name,
        coalesce(expenditure_by_class.budget_amt, 0) as budget_amt
    from dept_years
    cross join classes
    left join exp_func
        on classes.class_code = exp_func.code
    left join expenditure_by_class
        on dept_years.dept_code = expenditure_by_class.dept_code
        and dept_years.fiscal_year = expenditure_by_class.fiscal_year
        and classes.class_code = expenditure_by_class.exp_func_class_code

),

expenditure_total as (

    select dept_code, dept_name, fiscal_year, sum(budget_amt) as budget_amt
    from expenditure_classes
    group by 1, 2, 3

),

expenditure_rows as (

    select dept_code, dept_name, fiscal_year, 1 as sort_no, class_code as line_code, line_name,
        'item' as row_kind, budget_amt
    from expenditure_classes
    union all
    select dept_code, dept_name, fiscal_year, 2, cast(null as {{ dbt.type_string() }}), '本年支出合计', 'subtotal', budget_amt
    from expenditure_total
    union all
    select dept_code, dept_name, fiscal_year, 3, cast(null as {{ dbt.type_string() }}), '结转下年', 'item', 0
    from expenditure_total
    union all
    select dept_code, dept_name, fiscal_year, 4, cast(null as {{ dbt.type_string() }}), '支出总计', 'total', budget_amt
    from expenditure_total

),

sides as (

    select '收入' as side, income_rows.* from income_rows
    union all
    select '支出' as side, expenditure_rows.* from expenditure_rows

),

final as (

    select
        dept_code,
        dept_name,
        fiscal_year,
        side,
        cast(
            row_number() over (
                partition by dept_code, fiscal_year, side
                order by sort_no, line_code
            ) as integer
        ) as line_no,
        line_code,
        line_name,
        row_kind,
        cast(budget_amt as decimal(18, 2)) as budget_amt
    from sides

)

select * from final
