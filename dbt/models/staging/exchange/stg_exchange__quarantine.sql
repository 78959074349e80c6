with source as (

    select * from {{ source('raw_exchange', 'xch_quarantine') }}

)

select * from source
