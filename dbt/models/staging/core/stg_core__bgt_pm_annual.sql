with source as (

    select * from {{ source('raw', 'bgt_pm_annual') }}

),

renamed as (

    select
        bgt_pman_id,
        fiscal_year,
        mof_div_code,
        agency_code,
        dept_code,
        pro_kind_code,
        pro_code,
        exp_func_code,
        gov_bgt_eco_code,
        dep_bgt_eco_code,
        fund_type_code,
        {{ fen_to_yuan('apply_up') }} as apply_up,
        {{ fen_to_yuan('reply_amt') }} as reply_amt,
        is_gov_pur,
        apply_link,
        is_generated,
        perf_score,
        status,
        approval_file_no,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
