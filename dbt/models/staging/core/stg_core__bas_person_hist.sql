with source as (

    select * from {{ source('raw', 'bas_person_hist') }}

),

renamed as (

    select
        hist_id,
        per_id,
        eff_date,
        change_type,
        agency_code,
        per_sta_code,
        per_ide_code,
        staf_type_code,
        gr_code,
        step_code,
        is_uni_sala,
        {{ fen_to_yuan('pos_sala') }} as pos_sala,
        {{ fen_to_yuan('grad_sala') }} as grad_sala,
        {{ fen_to_yuan('nation_reg_sub') }} as nation_reg_sub,
        {{ fen_to_yuan('local_reg_sub') }} as local_reg_sub,
        {{ fen_to_yuan('basc_perf') }} as basc_perf,
        {{ fen_to_yuan('inct_perf') }} as inct_perf,
        {{ fen_to_yuan('ret_pay') }} as ret_pay,
        create_time as created_at
    from source

)

select * from renamed
