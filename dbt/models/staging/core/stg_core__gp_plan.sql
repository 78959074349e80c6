with source as (

    select * from {{ source('raw', 'gp_plan') }}

),

renamed as (

    select
        plan_id,
        gp_plan_no,
        mof_div_code,
        fiscal_year,
        agency_code,
        pro_code,
        bgt_id,
        gpdir_code,
        pur_method_code,
        pur_org_form,
        {{ fen_to_yuan('plan_amt') }} as plan_amt,
        {{ fen_to_yuan('reserved_amt') }} as reserved_amt,
        is_smes_reserved,
        status,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
