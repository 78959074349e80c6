with source as (

    select * from {{ source('raw', 'ba_bgt_ledger') }}

),

renamed as (

    select
        ledger_id,
        bgt_id,
        entry_type,
        {{ fen_to_yuan('d_amount') }} as d_amount,
        {{ fen_to_yuan('d_dis') }} as d_dis,
        {{ fen_to_yuan('d_frozen') }} as d_frozen,
        {{ fen_to_yuan('d_plan') }} as d_plan,
        {{ fen_to_yuan('d_gp') }} as d_gp,
        {{ fen_to_yuan('d_inflight') }} as d_inflight,
        {{ fen_to_yuan('d_paid') }} as d_paid,
        ref_type,
        ref_id,
        created_at
    from source

)

select * from renamed
