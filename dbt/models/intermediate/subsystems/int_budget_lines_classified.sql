-- The approved department budget lines (bgt_pm_annual, status approved; amount = 年初批复数 reply_amt) with
-- what the 部门预算公开 tables group them by: the 功能分类 类/款/项, the 部门经济分类 类/款, the income
-- column of the funding source, 基本支出 vs 项目支出, 人员经费 vs 公用经费 and the 三公 bucket.
with

budget_lines as (

    select * from {{ ref('stg_core__bgt_pm_annual') }}

),

agencies as (

    select * from {{ ref('stg_core__bas_agency_info') }}

),

fund_types as (

    select * from {{ ref('fund_type') }}

),

project_categories as (

    select * from {{ ref('pro_cat') }}

),

dep_eco as (

    select * from {{ ref('dep_bgt_eco') }}

),

approved as (

    select * from budget_lines where status = 'approved'

),

final as (

    select
        approved.bgt_pman_id,
        cast(approved.fiscal_year as integer) as fiscal_year,
        approved.dept_code,
        coalesce(departments.agency_name, approved.dept_code) as dept_name,
        approved.agency_code,
        approved.pro_code,
        approved.pro_kind_code,
        approved.exp_func_code,
        substr(approved.exp_func_code, 1, 3) as exp_func_class_code,
        case when length(approved.exp_func_code) >= 5 then substr(approved.exp_func_code, 1, 5) end
            as exp_func_section_code,
        case when length(approved.exp_func_code) >= 7 then substr(approved.exp_func_code, 1, 7) end
            as exp_func_item_code,
        approved.dep_bgt_eco_code,
        substr(approved.dep_bgt_eco_code, 1, 3) as dep_eco_class_code,
        case when length(approved.dep_bgt_eco_code) >= 5 then substr(approved.dep_bgt_eco_code, 1, 5) end
            as dep_eco_section_code,
        approved.fund_type_code,
        nullif(fund_types.disclosure_column, '') as fund_disclosure_column,
        -- the income columns of 公开表1/1-1 (fund_type.csv disclosure_column)
        case fund_types.disclosure_column
            when '一般公共预算拨款收入' then 'general_public'
            when '政府性基金预算拨款收入' then 'government_fund'
            when '国有资本经营预算拨款收入' then 'state_capital'
            when '财政专户管理资金收入' then 'special_account'
            when '事业收入' then 'business_income'
            when '事业单位经营收入' then 'operating_income'
            when '上级补助收入' then 'superior_subsidy'
            when '附属单位上缴收入' then 'subordinate_remit'
            when '其他收入' then 'other_income'
        end as fund_source,
        coalesce(project_categories.is_basic_expenditure, false) as is_basic_expenditure,
        -- 人员经费 = 301 + 303, everything else in 基本支出 is 公用经费 (docs/standard/disclosure.md §D3)
        case
            when not coalesce(project_categories.is_basic_expenditure, false) then null
            when dep_eco.personnel_or_public = '人员经费' then '人员经费'
            else '公用经费'
        end as basic_kind,
        nullif(dep_eco.sangong_kind, '') as sangong_kind,
        approved.reply_amt as budget_amt
    from approved
    left join agencies as departments
        on approved.dept_code = departments.agency_code
    left join fund_types
        on approved.fund_type_code = fund_types.code
    left join project_categories
        on approved.pro_kind_code = project_categories.code
    left join dep_eco
        on approved.dep_bgt_eco_code = dep_eco.code

)

select * from final
