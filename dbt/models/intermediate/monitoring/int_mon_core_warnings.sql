-- The warnings recorded in the core (mon_warning): the real-time rules' hits on payment applications and the
-- scheduled hits brought into the disposal workflow, with where their disposal stands.
with warnings as (

    select * from {{ ref('stg_core__mon_warning') }}

),

final as (

    select
        warning_key,
        rule_code,
        rule_version,
        trigger_type,
        mof_div_code,
        fiscal_year,
        period,
        agency_code,
        dept_code,
        pro_code,
        bgt_id,
        pay_app_id,
        amount,
        message,
        evidence_json as evidence,
        detected_at,
        status as disposal_status,
        escalation_level
    from warnings

)

select * from final
