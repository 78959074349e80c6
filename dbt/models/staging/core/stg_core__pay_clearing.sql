with source as (

    select * from {{ source('raw', 'pay_clearing') }}

),

renamed as (

    select
        pay_cert_sum_no,
        lqd_cert_no,
        act_lqd_date,
        item_count,
        {{ fen_to_yuan('total_amt') }} as total_amt,
        create_time as created_at
    from source

)

select * from renamed
