with source as (

    select * from {{ source('raw', 'pay_correction') }}

),

renamed as (

    select
        corr_id,
        pay_app_id,
        from_bgt_id,
        to_bgt_id,
        {{ fen_to_yuan('corr_amt') }} as corr_amt,
        cor_doc_no,
        reason,
        corr_date,
        create_time as created_at
    from source

)

select * from renamed
