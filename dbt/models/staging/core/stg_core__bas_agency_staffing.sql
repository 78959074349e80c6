with source as (

    select * from {{ source('raw', 'bas_agency_staffing') }}

),

renamed as (

    select
        agency_code,
        admin_staf_num,
        inst_staf_num,
        worker_staf_num,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
