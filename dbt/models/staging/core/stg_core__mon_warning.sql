-- Dates and times are cast: a raw.mon_warning loaded straight from the core's SQLite (as the monitoring tests
-- load it) carries them as text, where the extract types them.
with source as (

    select * from {{ source('raw', 'mon_warning') }}

),

renamed as (

    select
        warning_id,
        warning_key,
        rule_code,
        rule_no,
        rule_version,
        trigger_type,
        warning_level,
        mof_div_code,
        fiscal_year,
        agency_code,
        dept_code,
        pro_code,
        bgt_id,
        pay_app_id,
        period,
        {{ fen_to_yuan('amount') }} as amount,
        message,
        evidence_json,
        cast(detected_at as timestamp) as detected_at,
        status,
        holds_payment as is_holding_payment,
        hold_released as is_hold_released,
        cast(due_date as date) as due_date,
        escalation_level,
        feedback_result,
        feedback_text,
        attachment_ref,
        review_opinion,
        affirm_result,
        violation_type,
        {{ fen_to_yuan('return_amt') }} as return_amt,
        {{ fen_to_yuan('transfer_amt') }} as transfer_amt,
        {{ fen_to_yuan('other_amt') }} as other_amt,
        rectify_detail,
        cast(closed_at as timestamp) as closed_at,
        cast(create_time as timestamp) as created_at,
        cast(update_time as timestamp) as updated_at
    from source

)

select * from renamed
