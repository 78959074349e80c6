with source as (

    select * from {{ source('raw', 'bgt_year_close') }}

),

renamed as (

    select
        mof_div_code,
        fiscal_year,
        close_date,
        {{ fen_to_yuan('carried_amt') }} as carried_amt,
        {{ fen_to_yuan('returned_amt') }} as returned_amt,
        create_time as created_at
    from source

)

select * from renamed
