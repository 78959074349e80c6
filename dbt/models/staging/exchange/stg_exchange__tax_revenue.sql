with source as (

    select * from {{ source('raw_exchange', 'xch_tax_revenue') }}

)

select * from source
