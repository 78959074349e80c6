-- 公开表2 财政拨款收支总表: the three kinds of 财政拨款 (一般公共预算, 政府性基金预算, 国有资本经营预算)
-- as income, and their spending by 功能分类 类 split by kind; 收入总计 = 支出总计.
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

appropriation_lines as (

    select * from budget_lines
    where fund_source in ('general_public', 'government_fund', 'state_capital')

),

appropriation_totals as (

    select
        dept_years.dept_code,
        dept_years.dept_name,
        dept_years.fiscal_year,
        coalesce(sum(case when appropriation_lines.fund_source = 'general_public'
            then appropriation_lines.budget_amt end), 0) as general_public_amt,
        coalesce(sum(case when appropriation_lines.fund_source = 'government_fund'
            then appropriation_lines.budget_amt end), 0) as government_fund_amt,
        coalesce(sum(case when appropriation_lines.fund_source = 'state_capital'
            then appropriation_lines.budget_amt end), 0) as state_capital_amt
    from dept_years
    left join appropriation_lines
        on dept_years.dept_code = appropriation_lines.dept_code
        and dept_years.fiscal_year = appropriation_lines.fiscal_year
    group by 1, 2, 3

),

income_rows as (

    select dept_code, dept_name, fiscal_year, 1 as sort_no, '一、本年收入' as line_name, 'subtotal' as row_kind,
        general_public_amt, government_fund_amt, state_capital_amt
    from appropriation_totals
    union all
    select dept_code, dept_name, fiscal_year, 2, '一般公共预算拨款', 'item', general_public_amt, 0, 0
    from appropriation_totals
    union all
    select dept_code, dept_name, fiscal_year, 3, '政府性基金预算拨款', 'item', 0, government_fund_amt, 0
    from appropriation_totals
    union all
    select dept_code, dept_name, fiscal_year, 4, '国有资本经营预算拨款', 'item', 0, 0, state_capital_amt
    from appropriation_totals
    union all
    -- approved budget lines carry no 上年结转 (it is booked on carry-over indicators at year end)
    select dept_code, dept_name, fiscal_year, 5, '二、上年结转', 'item', 0, 0, 0
    from appropriation_totals
    union all
    select dept_code, dept_name, fiscal_year, 6, '收入总计', 'total',
        general_public_amt, government_fund_amt, state_capital_amt
    from appropriation_totals

),

classes as (

    select code as class_code from exp_func where level = 1
    union
    select exp_func_class_code from appropriation_lines

),

expenditure_by_class as (

    select
        dept_code,
        fiscal_year,
        exp_func_class_code,
        sum(case when fund_source = 'general_public' then budget_amt else 0 end) as general_public_amt,
        sum(case when fund_source = 'government_fund' then budget_amt else 0 end) as government_fund_amt,
        sum(case when fund_source = 'state_capital' then budget_amt else 0 end) as state_capital_amt
    from appropriation_lines
    group by 1, 2, 3

),

expenditure_rows as (

    select
        dept_years.dept_code,
        dept_years.dept_name,
        dept_years.fiscal_year,
        2 as sort_no,
        classes.class_code as line_code,
        coalesce(exp_func.name, classes.class_code) as line_name,
        'item' as row_kind,
        coalesce(expenditure_by_class.general_public_amt, 0) as general_public_amt,
        coalesce(expenditure_by_class.government_fund_amt, 0) as government_fund_amt,
        coalesce(expenditure_by_class.state_capital_amt, 0) as state_capital_amt
    from dept_years
    cross join classes
    left join exp_func
        on classes.class_code = exp_func.code
    left join expenditure_by_class
        on dept_years.dept_code = expenditure_by_class.dept_code
        and dept_years.fiscal_year = expenditure_by_class.fiscal_year
        and classes.class_code = expenditure_by_class.exp_func_class_code
    union all
    select dept_code, dept_name, fiscal_year, 1, cast(null as {{ dbt.type_string() }}), '一、本年支出', 'subtotal',
        general_public_amt, government_fund_amt, state_capital_amt
    from appropriation_totals
    union all
    select dept_code, dept_name, fiscal_year, 3, cast(null as {{ dbt.type_string() }}), '二、年终结转结余', 'item', 0, 0, 0
    from appropriation_totals
    union all
    select dept_code, dept_name, fiscal_year, 4, cast(null as {{ dbt.type_string() }}), '支出总计', 'total',
        general_public_amt, government_fund_amt, state_capital_amt
    from appropriation_totals

),

sides as (

    select
        '收入' as side, dept_code, dept_name, fiscal_year, sort_no, cast(null as {{ dbt.type_string() }}) as line_code,
        line_name, row_kind, general_public_amt, government_fund_amt, state_capital_amt
    from income_rows
    union all
    select
        '支出' as side, dept_code, dept_name, fiscal_year, sort_no, line_code,
        line_name, row_kind, general_public_amt, government_fund_amt, state_capital_amt
    from expenditure_rows

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
        cast(general_public_amt + government_fund_amt + state_capital_amt as decimal(18, 2)) as total_amt,
        cast(general_public_amt as decimal(18, 2)) as general_public_amt,
        cast(government_fund_amt as decimal(18, 2)) as government_fund_amt,
        cast(state_capital_amt as decimal(18, 2)) as state_capital_amt
    from sides

)

select * from final
