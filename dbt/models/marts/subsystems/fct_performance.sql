with

projects as (

    select * from {{ ref('stg_core__pm_project') }}

),

goals as (

    select * from {{ ref('stg_core__pm_perf_goal_info') }}

),

perf_indicators as (

    select * from {{ ref('stg_core__pm_perf_indicator') }}

),

monitors as (

    select * from {{ ref('stg_core__pm_perf_monitor') }}

),

evaluations as (

    select * from {{ ref('stg_core__pm_perf_eval') }}

),

budget_lines as (

    select * from {{ ref('stg_core__bgt_pm_annual') }}

),

indicators as (

    select * from {{ ref('stg_core__ba_bgt_info') }}

),

project_categories as (

    select * from {{ ref('pro_cat') }}

),

goal_per_project as (

    -- the latest version of the project's 绩效目标
    select
        pro_code,
        kpi_target
    from (
        select
            pro_code,
            kpi_target,
            row_number() over (partition by pro_code order by version desc) as version_rank
        from goals
    ) as ranked
    where version_rank = 1

),

targets_per_project as (

    select
        pro_code,
        count(*) as perf_indicator_count,
        sum(coalesce(weight, 0)) as perf_indicator_weight
    from perf_indicators
    group by 1

),

budget_per_year as (

    select
        pro_code,
        cast(fiscal_year as integer) as fiscal_year,
        sum(reply_amt) as budget_reply_amt
    from budget_lines
    where status = 'approved'
    group by 1, 2

),

execution_per_year as (

    -- the same figures as the core's self-evaluation: executable indicators of the year, amount net of
    -- reductions, and what the ledger has paid on them
    select
        pro_code,
        cast(fiscal_year as integer) as fiscal_year,
        sum(amount - dis_amt) as indicator_amt,
        sum(paid_amt) as paid_amt
    from indicators
    where bgt_exe_flag
    group by 1, 2

),

monitors_ranked as (

    select
        pro_code,
        cast(fiscal_year as integer) as fiscal_year,
        as_of,
        target_progress,
        exec_progress,
        is_warning,
        row_number() over (
            partition by pro_code, fiscal_year
            order by as_of desc, created_at desc, monitor_id desc
        ) as recency_rank,
        count(*) over (partition by pro_code, fiscal_year) as monitor_count,
        sum(case when is_warning then 1 else 0 end) over (partition by pro_code, fiscal_year) as warning_count
    from monitors

),

latest_monitor as (

    select * from monitors_ranked where recency_rank = 1

),

evaluation_per_year as (

    select
        pro_code,
        cast(fiscal_year as integer) as fiscal_year,
        score,
        grade,
        exec_rate
    from evaluations

),

project_years as (

    select pro_code, fiscal_year from budget_per_year
    union
    select pro_code, fiscal_year from execution_per_year
    union
    select pro_code, fiscal_year from latest_monitor
    union
    select pro_code, fiscal_year from evaluation_per_year

),

perf_project_years as (

    -- projects under performance management: those that need targets (特定目标类) or have them
    select
        project_years.pro_code,
        project_years.fiscal_year
    from project_years
    inner join projects
        on project_years.pro_code = projects.pro_code
    left join project_categories
        on projects.pro_cat_code = project_categories.code
    where coalesce(project_categories.needs_perf_target, false)
        or project_years.pro_code in (select pro_code from goals)
        or project_years.pro_code in (select pro_code from perf_indicators)

),

joined as (

    select
        perf_project_years.pro_code,
        perf_project_years.fiscal_year,
        projects.pro_name,
        projects.agency_code,
        projects.dept_code,
        projects.pro_cat_code,
        project_categories.name as pro_cat_name,
        goal_per_project.kpi_target,
        coalesce(targets_per_project.perf_indicator_count, 0) as perf_indicator_count,
        coalesce(targets_per_project.perf_indicator_weight, 0) as perf_indicator_weight,
        coalesce(latest_monitor.monitor_count, 0) as monitor_count,
        coalesce(latest_monitor.warning_count, 0) as monitor_warning_count,
        latest_monitor.as_of as last_monitor_date,
        latest_monitor.target_progress as target_progress_per_mille,
        latest_monitor.exec_progress as exec_progress_per_mille,
        latest_monitor.is_warning as is_last_monitor_warning,
        evaluation_per_year.pro_code is not null as is_evaluated,
        evaluation_per_year.score as eval_score,
        evaluation_per_year.grade as eval_grade,
        evaluation_per_year.exec_rate as eval_exec_per_mille,
        coalesce(budget_per_year.budget_reply_amt, 0) as budget_reply_amt,
        coalesce(execution_per_year.indicator_amt, 0) as indicator_amt,
        coalesce(execution_per_year.paid_amt, 0) as paid_amt
    from perf_project_years
    inner join projects
        on perf_project_years.pro_code = projects.pro_code
    left join project_categories
        on projects.pro_cat_code = project_categories.code
    left join goal_per_project
        on perf_project_years.pro_code = goal_per_project.pro_code
    left join targets_per_project
        on perf_project_years.pro_code = targets_per_project.pro_code
    left join latest_monitor
        on perf_project_years.pro_code = latest_monitor.pro_code
        and perf_project_years.fiscal_year = latest_monitor.fiscal_year
    left join evaluation_per_year
        on perf_project_years.pro_code = evaluation_per_year.pro_code
        and perf_project_years.fiscal_year = evaluation_per_year.fiscal_year
    left join budget_per_year
        on perf_project_years.pro_code = budget_per_year.pro_code
        and perf_project_years.fiscal_year = budget_per_year.fiscal_year
    left join execution_per_year
        on perf_project_years.pro_code = execution_per_year.pro_code
        and perf_project_years.fiscal_year = execution_per_year.fiscal_year

),

final as (

    select
        pro_code,
        fiscal_year,
        pro_name,
        agency_code,
        dept_code,
        pro_cat_code,
        pro_cat_name,
        kpi_target,
        cast(perf_indicator_count as integer) as perf_indicator_count,
        cast(perf_indicator_weight as integer) as perf_indicator_weight,
        cast(monitor_count as integer) as monitor_count,
        cast(monitor_warning_count as integer) as monitor_warning_count,
        last_monitor_date,
        cast(target_progress_per_mille as integer) as target_progress_per_mille,
        cast(exec_progress_per_mille as integer) as exec_progress_per_mille,
        cast(target_progress_per_mille - exec_progress_per_mille as integer) as progress_gap_per_mille,
        is_last_monitor_warning,
        is_evaluated,
        cast(eval_score as integer) as eval_score,
        eval_grade,
        cast(eval_exec_per_mille as integer) as eval_exec_per_mille,
        cast(budget_reply_amt as decimal(18, 2)) as budget_reply_amt,
        cast(indicator_amt as decimal(18, 2)) as indicator_amt,
        cast(paid_amt as decimal(18, 2)) as paid_amt,
        round(cast(paid_amt as double) / nullif(cast(indicator_amt as double), 0), 4) as exec_ratio
    from joined

)

select * from final
