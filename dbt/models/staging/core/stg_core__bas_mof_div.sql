with source as (

    select * from {{ source('raw', 'bas_mof_div') }}

),

renamed as (

    select
        mof_div_code,
        mof_div_name,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
