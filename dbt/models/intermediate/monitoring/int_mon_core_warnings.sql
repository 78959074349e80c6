-- The warnings recorded in the core (mon_warning): the real-time rules' hits on payment applications and the
-- scheduled hits brought into the disposal workflow, with where their disposal stands. Read from
-- raw.mon_warning (extracted from the core); a warehouse without it (older extract) gets an empty model.
{%- set raw_rel = adapter.get_relation(database=target.database, schema='raw', identifier='mon_warning')
    if execute else none %}

{% if raw_rel is not none %}
with source as (

    select * from {{ raw_rel }}

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
        {{ fen_to_yuan('amount') }} as amount,
        message,
        evidence_json as evidence,
        cast(detected_at as timestamp) as detected_at,
        status as disposal_status,
        escalation_level
    from source

)

select * from final
{% else %}
select
    cast(null as varchar) as warning_key,
    cast(null as varchar) as rule_code,
    cast(null as integer) as rule_version,
    cast(null as varchar) as trigger_type,
    cast(null as varchar) as mof_div_code,
    cast(null as integer) as fiscal_year,
    cast(null as varchar) as period,
    cast(null as varchar) as agency_code,
    cast(null as varchar) as dept_code,
    cast(null as varchar) as pro_code,
    cast(null as varchar) as bgt_id,
    cast(null as varchar) as pay_app_id,
    cast(null as decimal(18, 2)) as amount,
    cast(null as varchar) as message,
    cast(null as varchar) as evidence,
    cast(null as timestamp) as detected_at,
    cast(null as varchar) as disposal_status,
    cast(null as integer) as escalation_level
where false
{% endif %}
