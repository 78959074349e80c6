with source as (

    select * from {{ source('raw', 'pay_detail') }}

),

renamed as (

    select
        pay_detail_id,
        pay_app_id,
        per_id,
        detail_type,
        payee_acct_bank_name,
        {{ fen_to_yuan('pay_amt') }} as pay_amt,
        corp_name,
        unifsoc_cred_code,
        pay_month,
        add_word
    from source

)

select * from renamed
