with source as (

    select * from {{ source('raw_exchange', 'xch_hr_roster') }}

),

renamed as (

    select
        iden_hash,
        agency_code,
        per_ide_code,
        per_sta_code,
        staf_type_code,
        gr_code,
        step_code,
        eff_date,
        file_date,
        file_sha256,
        row_no
    from source

)

select * from renamed
