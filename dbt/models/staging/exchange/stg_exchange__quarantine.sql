with source as (

    select * from {{ source('raw_exchange', 'xch_quarantine') }}

),

renamed as (

    select
        feed,
        file_name,
        file_sha256,
        row_no,
        field,
        rule,
        message,
        row_json
    from source

)

select * from renamed
