with source as (

    select * from {{ source('raw', 'ba_bgt_carryovers') }}

),

renamed as (

    select
        carryovers_bgt_id,
        ori_bgt_id,
        fiscal_year,
        mof_div_code,
        agency_code,
        pro_code,
        exp_func_code,
        gov_bgt_eco_code,
        fund_type_code,
        {{ fen_to_yuan('approve_amt') }} as approve_amt,
        {{ fen_to_yuan('carryovers_amt') }} as carryovers_amt,
        create_time as created_at
    from source

)

select * from renamed
