with source as (

    select * from {{ source('raw', 'pay_voucher') }}

),

renamed as (

    select
        pay_app_id,
        pay_app_no,
        fiscal_year,
        mof_div_code,
        create_date,
        agency_code,
        dept_code,
        bgt_id,
        pro_code,
        pro_cat_code,
        fund_type_code,
        exp_func_code,
        gov_bgt_eco_code,
        dep_bgt_eco_code,
        pay_type_code,
        set_mode_code,
        fund_traobj_type_code,
        {{ fen_to_yuan('pay_app_amt') }} as pay_app_amt,
        {{ fen_to_yuan('xpay_amt') }} as xpay_amt,
        {{ fen_to_yuan('refund_amt') }} as refund_amt,
        pay_acct_name,
        pay_acct_no,
        pay_acct_bank_name,
        payee_acct_name,
        payee_acct_no,
        payee_acct_bank_name,
        use_des,
        contract_no,
        plan_id,
        gp_plan_id,
        pay_cert_id,
        status,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
