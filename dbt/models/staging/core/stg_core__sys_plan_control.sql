with source as (

    select * from {{ source('raw', 'sys_plan_control') }}

),

renamed as (

    select
        mof_div_code,
        fund_type_code
    from source

)

select * from renamed
