with scheduled as (

    select * from {{ ref('int_mon_scheduled_hits') }}

),

core_warnings as (

    select * from {{ ref('int_mon_core_warnings') }}

),

rules as (

    select * from {{ ref('int_mon_rule_catalogue') }}

),

agencies as (

    select agency_code, dept_code from {{ ref('stg_core__bas_agency_info') }}

),

realtime as (

    -- real-time hits exist only in the core (they were raised while the application was submitted)
    select
        warning_key, rule_code, rule_version, mof_div_code, fiscal_year, period, agency_code, pro_code, bgt_id,
        pay_app_id, cast(null as {{ dbt.type_string() }}) as payee_acct_name, amount, message, evidence, detected_at
    from core_warnings
    where trigger_type = 'realtime'

),

scheduled_hits as (

    select
        s.warning_key, s.rule_code, r.rule_version, s.mof_div_code, s.fiscal_year, s.period, s.agency_code,
        s.pro_code, s.bgt_id, s.pay_app_id, s.payee_acct_name, s.amount, s.message, s.evidence, s.detected_at
    from scheduled as s
    inner join rules as r on r.rule_code = s.rule_code

),

hits as (

    select * from realtime
    union all
    select * from scheduled_hits

),

final as (

    select
        h.warning_key,
        h.rule_code,
        r.rule_no,
        h.rule_version,
        r.rule_name,
        r.trigger_type,
        r.warning_level,
        r.level_name,
        r.handling,
        r.dimension,
        h.mof_div_code,
        h.fiscal_year,
        h.period,
        h.agency_code,
        a.dept_code,
        h.pro_code,
        h.bgt_id,
        h.pay_app_id,
        h.payee_acct_name,
        h.amount,
        h.message,
        h.evidence,
        h.detected_at,
        c.warning_key is not null as is_in_core,
        c.disposal_status,
        coalesce(c.escalation_level, 0) as escalation_level
    from hits as h
    inner join rules as r on r.rule_code = h.rule_code
    left join agencies as a on a.agency_code = h.agency_code
    left join core_warnings as c on c.warning_key = h.warning_key

)

select * from final
