with source as (

    select * from {{ source('raw', 'pay_voucher_bill') }}

),

renamed as (

    select
        pay_cert_id,
        pay_cert_no,
        mof_div_code,
        fiscal_year,
        bill_type,
        pay_app_id,
        ori_pay_cert_id,
        vou_date,
        {{ fen_to_yuan('pay_amt') }} as pay_amt,
        {{ fen_to_yuan('xpay_amt') }} as xpay_amt,
        xpay_date,
        agent_business_no,
        pay_cert_sum_no,
        lqd_cert_no,
        act_lqd_date,
        payee_acct_name,
        payee_acct_no,
        payee_acct_bank_name,
        abstract,
        receipt_add_word,
        status,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
