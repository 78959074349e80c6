with source as (

    select * from {{ source('raw', 'trs_opening') }}

),

renamed as (

    select
        mof_div_code,
        open_date,
        {{ fen_to_yuan('amount') }} as amount,
        create_time as created_at
    from source

)

select * from renamed
