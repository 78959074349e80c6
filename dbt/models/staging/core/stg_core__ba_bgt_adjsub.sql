with source as (

    select * from {{ source('raw', 'ba_bgt_adjsub') }}

),

renamed as (

    select
        adj_sub_id,
        bat_num,
        adj_type,
        adj_date,
        bgt_id,
        ori_bgt_id,
        {{ fen_to_yuan('add_amount') }} as add_amount,
        cor_bgt_doc_no,
        pro_code,
        agency_code,
        reason,
        create_time as created_at
    from source

)

select * from renamed
