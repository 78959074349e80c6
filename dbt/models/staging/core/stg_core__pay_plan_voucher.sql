with source as (

    select * from {{ source('raw', 'pay_plan_voucher') }}

),

renamed as (

    select
        plan_id,
        plan_voucher_no,
        fiscal_year,
        plan_month,
        bgt_id,
        agency_code,
        {{ fen_to_yuan('plan_app_amt') }} as plan_app_amt,
        {{ fen_to_yuan('plan_amt') }} as plan_amt,
        {{ fen_to_yuan('used_amt') }} as used_amt,
        status,
        use_des,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
