with source as (

    select * from {{ source('raw', 'bgt_control_num') }}

),

renamed as (

    select
        mof_div_code,
        fiscal_year,
        dept_code,
        {{ fen_to_yuan('control_amt') }} as control_amt,
        submitted as is_submitted,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
