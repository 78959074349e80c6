with source as (

    select * from {{ source('raw', 'pm_project_year_plan') }}

),

renamed as (

    select
        pro_code,
        plan_year,
        {{ fen_to_yuan('plan_amt') }} as plan_amt
    from source

)

select * from renamed
