with source as (

    select * from {{ source('raw_exchange', 'xch_file') }}

),

renamed as (

    select
        arrival_no,
        file_sha256,
        feed,
        spec_version,
        file_name,
        size_bytes,
        encoding,
        rows_total,
        rows_loaded,
        rows_quarantined,
        status,
        rule,
        message
    from source

)

select * from renamed
