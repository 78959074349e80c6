with source as (

    select * from {{ source('raw_exchange', 'xch_tax_revenue') }}

),

renamed as (

    select
        tre_date,
        inc_code,
        inc_name,
        budget_level_code,
        collector,
        amount,
        file_date,
        file_sha256,
        row_no
    from source

)

select * from renamed
