with source as (

    select * from {{ source('raw', 'pm_perf_eval') }}

),

renamed as (

    select
        pro_code,
        fiscal_year,
        score,
        grade,
        exec_rate,
        detail_json,
        create_time as created_at
    from source

)

select * from renamed
