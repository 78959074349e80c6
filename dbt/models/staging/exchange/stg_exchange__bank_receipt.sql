with source as (

    select * from {{ source('raw_exchange', 'xch_bank_receipt') }}

)

select * from source
