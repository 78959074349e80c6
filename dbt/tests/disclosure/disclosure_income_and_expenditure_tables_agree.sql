-- 公开表1-1 收入总表 and 1-2 支出总表 classify the same money by 功能分类: every row's 合计 agrees, and both
-- agree with 公开表1 (本年收入 by funding source, 本年支出 by 类).
with

income as (

    select * from {{ ref('disclosure_1_1_income_summary') }}

),

expenditure as (

    select * from {{ ref('disclosure_1_2_expenditure_summary') }}

),

summary as (

    select * from {{ ref('disclosure_1_budget_summary') }}

),

row_mismatches as (

    select
        coalesce(income.dept_code, expenditure.dept_code) as dept_code,
        coalesce(income.fiscal_year, expenditure.fiscal_year) as fiscal_year,
        coalesce(income.subject_code, expenditure.subject_code, '合计') as subject,
        income.total_amt - income.prior_year_carryover_amt as income_amt,
        expenditure.total_amt as expenditure_amt
    from income
    full outer join expenditure
        on income.dept_code = expenditure.dept_code
        and income.fiscal_year = expenditure.fiscal_year
        and income.subject_level = expenditure.subject_level
        and coalesce(income.subject_code, '') = coalesce(expenditure.subject_code, '')
    where income.dept_code is null
        or expenditure.dept_code is null
        or income.total_amt - income.prior_year_carryover_amt <> expenditure.total_amt

),

summary_by_source as (

    select
        dept_code,
        fiscal_year,
        sum(case when line_name = '一般公共预算拨款收入' then budget_amt else 0 end) as general_public_amt,
        sum(case when line_name = '政府性基金预算拨款收入' then budget_amt else 0 end) as government_fund_amt,
        sum(case when line_name = '国有资本经营预算拨款收入' then budget_amt else 0 end) as state_capital_amt,
        sum(case when line_name = '财政专户管理资金收入' then budget_amt else 0 end) as special_account_amt,
        sum(case when line_name = '事业收入' then budget_amt else 0 end) as business_income_amt,
        sum(case when line_name = '事业单位经营收入' then budget_amt else 0 end) as operating_income_amt,
        sum(case when line_name = '上级补助收入' then budget_amt else 0 end) as superior_subsidy_amt,
        sum(case when line_name = '附属单位上缴收入' then budget_amt else 0 end) as subordinate_remit_amt,
        sum(case when line_name = '其他收入' then budget_amt else 0 end) as other_income_amt,
        sum(case when line_name = '上年结转结余' then budget_amt else 0 end) as prior_year_carryover_amt
    from summary
    where side = '收入'
    group by 1, 2

),

source_mismatches as (

    select
        income.dept_code,
        income.fiscal_year,
        'funding source' as subject,
        income.total_amt as income_amt,
        cast(null as decimal(18, 2)) as expenditure_amt
    from income
    inner join summary_by_source
        on income.dept_code = summary_by_source.dept_code
        and income.fiscal_year = summary_by_source.fiscal_year
    where income.subject_level = 0
        and (
            income.general_public_amt <> summary_by_source.general_public_amt
            or income.government_fund_amt <> summary_by_source.government_fund_amt
            or income.state_capital_amt <> summary_by_source.state_capital_amt
            or income.special_account_amt <> summary_by_source.special_account_amt
            or income.business_income_amt <> summary_by_source.business_income_amt
            or income.operating_income_amt <> summary_by_source.operating_income_amt
            or income.superior_subsidy_amt <> summary_by_source.superior_subsidy_amt
            or income.subordinate_remit_amt <> summary_by_source.subordinate_remit_amt
            or income.other_income_amt <> summary_by_source.other_income_amt
            or income.prior_year_carryover_amt <> summary_by_source.prior_year_carryover_amt
        )

),

class_mismatches as (

    -- every 类 of 公开表1's spending side equals the 类 row of 支出总表 (absent there = 0)
    select
        summary.dept_code,
        summary.fiscal_year,
        summary.line_code as subject,
        cast(null as decimal(18, 2)) as income_amt,
        summary.budget_amt as expenditure_amt
    from summary
    left join expenditure
        on summary.dept_code = expenditure.dept_code
        and summary.fiscal_year = expenditure.fiscal_year
        and expenditure.subject_level = 1
        and summary.line_code = expenditure.subject_code
    where summary.side = '支出'
        and summary.line_code is not null
        and summary.budget_amt <> coalesce(expenditure.total_amt, 0)

)

select * from row_mismatches
union all
select * from source_mismatches
union all
select * from class_mismatches
