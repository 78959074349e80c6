with source as (

    select * from {{ source('raw', 'bas_agency_info') }}

),

renamed as (

    select
        agency_code,
        agency_name,
        mof_div_code,
        dept_code,
        parent_code,
        agency_type_code,
        exp_func_code,
        unifsoc_cred_code,
        is_enabled,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
