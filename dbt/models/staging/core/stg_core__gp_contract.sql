with source as (

    select * from {{ source('raw', 'gp_contract') }}

),

renamed as (

    select
        contract_no,
        plan_id,
        agency_code,
        supplier_name,
        supplier_unifsoc_cred_code,
        supplier_acct_no,
        supplier_bank_name,
        {{ fen_to_yuan('contract_amt') }} as contract_amt,
        sign_date,
        status,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
