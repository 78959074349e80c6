with source as (

    select * from {{ source('raw', 'sys_div_config') }}

),

renamed as (

    select
        mof_div_code,
        config_key,
        config_value
    from source

)

select * from renamed
