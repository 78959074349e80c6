with source as (

    select * from {{ source('raw_exchange', 'xch_hr_roster') }}

)

select * from source
