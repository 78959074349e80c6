with source as (

    select * from {{ source('raw', 'ba_bgt_balance') }}

),

renamed as (

    select
        balance_bgt_id,
        fiscal_year,
        mof_div_code,
        agency_code,
        pro_code,
        {{ fen_to_yuan('balance') }} as balance,
        {{ fen_to_yuan('back_balance') }} as back_balance,
        reason,
        create_time as created_at
    from source

)

select * from renamed
