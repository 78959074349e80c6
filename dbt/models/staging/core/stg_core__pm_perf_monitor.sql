with source as (

    select * from {{ source('raw', 'pm_perf_monitor') }}

),

renamed as (

    select
        monitor_id,
        pro_code,
        fiscal_year,
        as_of,
        target_progress,
        exec_progress,
        is_warning,
        detail_json,
        create_time as created_at
    from source

)

select * from renamed
