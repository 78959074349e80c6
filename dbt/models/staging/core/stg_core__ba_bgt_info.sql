with source as (

    select * from {{ source('raw', 'ba_bgt_info') }}

),

renamed as (

    select
        bgt_id,
        ori_bgt_id,
        mof_div_code,
        fiscal_year,
        agency_code,
        dept_code,
        pro_code,
        pro_cat_code,
        exp_func_code,
        gov_bgt_eco_code,
        dep_bgt_eco_code,
        fund_type_code,
        source_type_code,
        bgt_type_code,
        bgt_exe_flag,
        cor_bgt_doc_no,
        bgt_doc_title,
        doc_date,
        sup_bgt_doc_no,
        budget_level_code,
        pay_type_code,
        is_gov_pur,
        is_dir,
        is_track,
        bgt_pman_id,
        adj_batch_no,
        {{ fen_to_yuan('amount') }} as amount,
        {{ fen_to_yuan('dis_amt') }} as dis_amt,
        {{ fen_to_yuan('frozen_amt') }} as frozen_amt,
        {{ fen_to_yuan('plan_amt') }} as plan_amt,
        {{ fen_to_yuan('gp_amt') }} as gp_amt,
        {{ fen_to_yuan('inflight_amt') }} as inflight_amt,
        {{ fen_to_yuan('paid_amt') }} as paid_amt,
        create_time as created_at,
        update_time as updated_at
    from source

)

select * from renamed
