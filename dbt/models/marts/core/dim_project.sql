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
        min(occurred_at) filter (where action = 'project.submit') as submitted_at,
        max(occurred_at) filter (where pro_status_after = 'reserved') as reserved_at,
        min(occurred_at) filter (where action = 'project.budgeted') as budgeted_at,
        min(occurred_at) filter (where action = 'project.executing') as executing_at,
        max(occurred_at) filter (where pro_status_after in ('completed', 'terminated', 'voided')) as closed_at,
        count(*) filter (where action = 'project.return') as return_count,
        max(occurred_at) as last_event_at
    from events
    group by object_id

),

categories as (

    select code, name from {{ ref('pro_cat') }}

),

final as (

    select
        p.pro_code,
        p.pro_name,
        p.mof_div_code,
        p.agency_code,
        p.dept_code,
        p.pro_cat_code,
        c.name as pro_cat_name,
        case
            when p.pro_cat_code = '1' then '人员类'
            when p.pro_cat_code like '21%' then '公用经费'
            when p.pro_cat_code like '2%' then '其他运转类'
            else '特定目标类'
        end as pro_cat_group,
        p.setup_year,
        p.pro_start_year,
        p.end_year,
        p.pro_term,
        p.pro_total_amt,
        p.exist_statue_code,
        p.roll_year,
        p.is_gov_pur,
        p.is_dir,
        p.is_sub,
        p.is_sal,
        p.is_fun,
        p.thr_exp_code = '1' as is_three_public,
        p.is_generated,
        p.pro_status,
        s.declared_at,
        s.submitted_at,
        s.reserved_at,
        s.budgeted_at,
        s.executing_at,
        s.closed_at,
        coalesce(s.return_count, 0) as return_count,
        s.last_event_at
    from projects as p
    left join stages as s on s.pro_code = p.pro_code
    left join categories as c on c.code = p.pro_cat_code

)

select * from final
