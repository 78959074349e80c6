with source as (

    select * from {{ source('raw', 'pm_perf_indicator') }}

),

renamed as (

    select
        kpi_id,
        pro_code,
        kpi_lv1,
        kpi_lv2,
        kpi_lv3,
        kpi_val,
        weight,
        meterunit,
        computesign
    from source

)

select * from renamed
