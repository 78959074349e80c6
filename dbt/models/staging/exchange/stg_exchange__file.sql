with source as (

    select * from {{ source('raw_exchange', 'xch_file') }}

)

select * from source
