with source as (

    select * from {{ source('raw_exchange', 'xch_bank_receipt') }}

),

renamed as (

    select
        pay_cert_no,
        xpay_amt,
        xpay_date,
        agent_business_no,
        status,
        reason,
        file_date,
        file_sha256,
        row_no
    from source

)

select * from renamed
