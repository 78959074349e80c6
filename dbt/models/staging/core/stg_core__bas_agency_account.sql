with source as (

    select * from {{ source('raw', 'bas_agency_account') }}

),

renamed as (

    select
        agency_code,
        acct_no,
        acct_name,
        bank_name,
        acct_type_code,
        is_own_fund
    from source

)

select * from renamed
