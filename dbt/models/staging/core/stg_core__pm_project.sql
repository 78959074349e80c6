with source as (

    select * from {{ source('raw', 'pm_project') }}

),

renamed as (

    select
        pro_code,
        pro_name,
        mof_div_code,
        agency_code,
        dept_code,
        pro_cat_code,
        setup_year,
        pro_start_year,
        end_year,
        pro_term,
        {{ fen_to_yuan('pro_total_amt') }} as pro_total_amt,
        exist_statue_code,
        roll_year,
        is_gov_pur,
        is_dir,
        is_sub,
        is_sal,
        is_fun,
        thr_exp_code,
        is_generated,
        pro_desc,
        pro_status,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
