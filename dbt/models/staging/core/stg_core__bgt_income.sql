with source as (

    select * from {{ source('raw', 'bgt_income') }}

),

renamed as (

    select
        mof_div_code,
        fiscal_year,
        inc_code,
        {{ fen_to_yuan('budget_amt') }} as budget_amt,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
