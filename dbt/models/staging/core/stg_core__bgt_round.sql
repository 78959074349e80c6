with source as (

    select * from {{ source('raw', 'bgt_round') }}

),

renamed as (

    select
        mof_div_code,
        fiscal_year,
        stage,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
