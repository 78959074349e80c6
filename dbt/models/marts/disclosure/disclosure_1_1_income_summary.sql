-- 公开表1-1 部门收入总表: income by 功能分类 (合计, 类, 款, 项) and funding source.
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
    -- every department and year prints its 合计 row
    select dept_code, dept_name, fiscal_year, 0, cast(null as {{ dbt.type_string() }}), '合计', ''
    from dept_years

),

amounts as (

    select
        dept_code,
        fiscal_year,
        sort_key,
        sum(case when fund_source = 'general_public' then budget_amt else 0 end) as general_public_amt,
        sum(case when fund_source = 'government_fund' then budget_amt else 0 end) as government_fund_amt,
        sum(case when fund_source = 'state_capital' then budget_amt else 0 end) as state_capital_amt,
        sum(case when fund_source = 'special_account' then budget_amt else 0 end) as special_account_amt,
        sum(case when fund_source = 'business_income' then budget_amt else 0 end) as business_income_amt,
        sum(case when fund_source = 'operating_income' then budget_amt else 0 end) as operating_income_amt,
        sum(case when fund_source = 'superior_subsidy' then budget_amt else 0 end) as superior_subsidy_amt,
        sum(case when fund_source = 'subordinate_remit' then budget_amt else 0 end) as subordinate_remit_amt,
        sum(case when fund_source = 'other_income' then budget_amt else 0 end) as other_income_amt
    from subject_lines
    group by 1, 2, 3

),

joined as (

    select
        subject_rows.*,
        -- approved budget lines carry no 上年结转结余 (it is booked on carry-over indicators at year end)
        0 as prior_year_carryover_amt,
        coalesce(amounts.general_public_amt, 0) as general_public_amt,
        coalesce(amounts.government_fund_amt, 0) as government_fund_amt,
        coalesce(amounts.state_capital_amt, 0) as state_capital_amt,
        coalesce(amounts.special_account_amt, 0) as special_account_amt,
        coalesce(amounts.business_income_amt, 0) as business_income_amt,
        coalesce(amounts.operating_income_amt, 0) as operating_income_amt,
        coalesce(amounts.superior_subsidy_amt, 0) as superior_subsidy_amt,
        coalesce(amounts.subordinate_remit_amt, 0) as subordinate_remit_amt,
        coalesce(amounts.other_income_amt, 0) as other_income_amt
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
            prior_year_carryover_amt + general_public_amt + government_fund_amt + state_capital_amt
            + special_account_amt + business_income_amt + operating_income_amt + superior_subsidy_amt
            + subordinate_remit_amt + other_income_amt
            as decimal(18, 2)
        ) as total_amt,
        cast(prior_year_carryover_amt as decimal(18, 2)) as prior_year_carryover_amt,
        cast(general_public_amt as decimal(18, 2)) as general_public_amt,
        cast(government_fund_amt as decimal(18, 2)) as government_fund_amt,
        cast(state_capital_amt as decimal(18, 2)) as state_capital_amt,
        cast(special_account_amt as decimal(18, 2)) as special_account_amt,
        cast(business_income_amt as decimal(18, 2)) as business_income_amt,
        cast(operating_income_amt as decimal(18, 2)) as operating_income_amt,
        cast(superior_subsidy_amt as decimal(18, 2)) as superior_subsidy_amt,
        cast(subordinate_remit_amt as decimal(18, 2)) as subordinate_remit_amt,
        cast(other_income_amt as decimal(18, 2)) as other_income_amt
    from joined

)

select * from final
