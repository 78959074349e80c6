-- One row per project: when each stage of 申报 → 审核 → 入库 → 预算 → 指标 → 支付 → 清算 happened and who
-- acted, the amount at each stage (项目金额 → 预算 → 指标 → 支付 → 清算) and the days spent between stages.
with projects as (

    select * from {{ ref('stg_core__pm_project') }}

),

events as (

    select * from {{ ref('int_journal_events') }}
    where object_type = 'pm_project'

),

stages as (

    select
        object_id as pro_code,
        min(occurred_at) filter (where action in ('project.declare', 'project.generate')) as declared_at,
        {{ fiscal.arg_min('actor', 'occurred_at') }} filter (where action in ('project.declare', 'project.generate')) as declared_by,
        min(occurred_at) filter (where action = 'project.submit') as submitted_at,
        max(occurred_at) filter (where pro_status_after = 'dept_review') as unit_approved_at,
        {{ fiscal.arg_max('actor', 'occurred_at') }} filter (where pro_status_after = 'dept_review') as unit_approved_by,
        max(occurred_at) filter (where pro_status_after = 'fin_review') as dept_approved_at,
        {{ fiscal.arg_max('actor', 'occurred_at') }} filter (where pro_status_after = 'fin_review') as dept_approved_by,
        max(occurred_at) filter (where pro_status_after = 'reserved') as library_at,
        {{ fiscal.arg_max('actor', 'occurred_at') }} filter (where pro_status_after = 'reserved') as library_by,
        min(occurred_at) filter (where action = 'project.budgeted') as budgeted_at,
        count(*) filter (where action = 'project.return') as return_count
    from events
    group by object_id

),

budget as (

    select pro_code, sum(reply_amt) as budget_amt, min(updated_at) as budget_approved_at
    from {{ ref('stg_core__bgt_pm_annual') }}
    where status = 'approved'
    group by pro_code

),

indicators as (

    select
        pro_code,
        sum(adjusted_amt) as indicator_amt,
        sum(paid_amt) as paid_amt,
        min(first_entry_at) as first_indicator_at
    from {{ ref('fct_indicator_balance') }}
    group by pro_code

),

payments as (

    select
        pro_code,
        count(*) as application_count,
        min(create_date) as first_applied_date,
        min(paid_date) as first_paid_date,
        max(paid_date) as last_paid_date,
        max(cleared_date) as last_cleared_date,
        sum(cleared_amt) as cleared_amt
    from {{ ref('fct_payment') }}
    group by pro_code

),

final as (

    select
        p.pro_code,
        p.pro_name,
        p.agency_code,
        p.dept_code,
        p.pro_cat_code,
        p.setup_year,
        p.pro_status,
        s.declared_at,
        s.declared_by,
        s.submitted_at,
        s.unit_approved_at,
        s.unit_approved_by,
        s.dept_approved_at,
        s.dept_approved_by,
        s.library_at,
        s.library_by,
        s.budgeted_at,
        i.first_indicator_at,
        pay.first_applied_date,
        pay.first_paid_date,
        pay.last_paid_date,
        pay.last_cleared_date,
        coalesce(s.return_count, 0) as return_count,
        coalesce(pay.application_count, 0) as application_count,
        p.pro_total_amt,
        cast(coalesce(b.budget_amt, 0) as decimal(18, 2)) as budget_amt,
        cast(coalesce(i.indicator_amt, 0) as decimal(18, 2)) as indicator_amt,
        cast(coalesce(i.paid_amt, 0) as decimal(18, 2)) as paid_amt,
        cast(coalesce(pay.cleared_amt, 0) as decimal(18, 2)) as cleared_amt,
        {{ dbt.datediff("s.declared_at", "s.library_at", 'day') }} as days_declared_to_library,
        {{ dbt.datediff("s.library_at", "coalesce(s.budgeted_at, b.budget_approved_at)", 'day') }} as days_library_to_budget,
        {{ dbt.datediff("coalesce(s.budgeted_at, b.budget_approved_at)", "i.first_indicator_at", 'day') }} as days_budget_to_indicator,
        {{ dbt.datediff("i.first_indicator_at", "pay.first_paid_date", 'day') }} as days_indicator_to_first_payment
    from projects as p
    left join stages as s on s.pro_code = p.pro_code
    left join budget as b on b.pro_code = p.pro_code
    left join indicators as i on i.pro_code = p.pro_code
    left join payments as pay on pay.pro_code = p.pro_code

)

select * from final
