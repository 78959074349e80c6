-- Each approved budget line repeated once per row of the 功能分类 hierarchy it adds to: the table total
-- (subject_level 0), its 类 (1), 款 (2) and 项 (3). A line coded at 款 level adds to no 项 row.
-- sort_key orders the rows as the 公开 tables print them: total first, then each 类 followed by its
-- 款 and 项 (codes sort hierarchically as text).
with

budget_lines as (

    select * from {{ ref('int_budget_lines_classified') }}

),

exp_func as (

    select * from {{ ref('exp_func') }}

),

exploded as (

    select budget_lines.*, 0 as subject_level, cast(null as {{ dbt.type_string() }}) as subject_code
    from budget_lines
    union all
    select budget_lines.*, 1 as subject_level, exp_func_class_code as subject_code
    from budget_lines
    union all
    select budget_lines.*, 2 as subject_level, exp_func_section_code as subject_code
    from budget_lines
    where exp_func_section_code is not null
    union all
    select budget_lines.*, 3 as subject_level, exp_func_item_code as subject_code
    from budget_lines
    where exp_func_item_code is not null

),

final as (

    select
        exploded.*,
        case
            when exploded.subject_level = 0 then '合计'
            else coalesce(exp_func.name, exploded.subject_code)
        end as subject_name,
        coalesce(exploded.subject_code, '') as sort_key
    from exploded
    left join exp_func
        on exploded.subject_code = exp_func.code

)

select * from final
