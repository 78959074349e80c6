-- Every scheduled rule's parameters per 区划: the catalogue's default unless the 区划 set its own
-- (sys_div_config key mon.<rule>.<param>), and whether the rule is on there (mon.<rule>.enabled).
with divs as (

    select mof_div_code from {{ ref('stg_core__bas_mof_div') }}

),

defaults as (

    select * from {{ ref('int_mon_rule_param_defaults') }}

),

rules as (

    select rule_code from {{ ref('int_mon_rule_catalogue') }}

),

settings as (

    select mof_div_code, config_key, config_value
    from {{ ref('stg_core__sys_div_config') }}
    where config_key like 'mon.%'

),

params as (

    select
        d.mof_div_code,
        p.rule_code,
        p.param_name,
        p.param_kind,
        coalesce(s.config_value, p.default_value) as param_value,
        s.config_value is not null as is_overridden
    from divs as d
    cross join defaults as p
    left join settings as s
        on s.mof_div_code = d.mof_div_code and s.config_key = 'mon.' || p.rule_code || '.' || p.param_name

),

enabled as (

    select
        d.mof_div_code,
        r.rule_code,
        'enabled' as param_name,
        'int' as param_kind,
        coalesce(s.config_value, '1') as param_value,
        s.config_value is not null as is_overridden
    from divs as d
    cross join rules as r
    left join settings as s
        on s.mof_div_code = d.mof_div_code and s.config_key = 'mon.' || r.rule_code || '.enabled'

),

final as (

    select * from params
    union all
    select * from enabled

)

select * from final
