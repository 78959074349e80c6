with source as (

    select * from {{ source('raw', 'bas_person_info') }}

),

renamed as (

    select
        per_id,
        iden_type_code,
        sex_code,
        birth_year,
        work_init_date,
        create_time as created_at,
        update_time as updated_at,
        iden_hash
    from source

)

select * from renamed
