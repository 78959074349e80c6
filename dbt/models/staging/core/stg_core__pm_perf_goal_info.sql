with source as (

    select * from {{ source('raw', 'pm_perf_goal_info') }}

),

renamed as (

    select
        pro_code,
        kpi_target,
        version
    from source

)

select * from renamed
