with source as (

    select * from {{ source('raw', 'inc_treasury_income') }}

),

renamed as (

    select
        inc_id,
        mof_div_code,
        tre_date,
        inc_code,
        budget_level_code,
        {{ fen_to_yuan('amount') }} as amount,
        src_no,
        create_time as created_at
    from source

)

select * from renamed
