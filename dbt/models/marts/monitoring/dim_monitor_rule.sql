with rules as (

    select * from {{ ref('int_mon_rule_catalogue') }}

),

params as (

    select
        mof_div_code,
        rule_code,
        max(param_value) filter (where param_name = 'enabled') <> '0' as is_enabled,
        count(*) filter (where param_name <> 'enabled' and is_overridden) as params_overridden
    from {{ ref('int_mon_rule_params') }}
    group by mof_div_code, rule_code

),

final as (

    select
        p.mof_div_code,
        r.rule_code,
        r.rule_no,
        r.rule_version,
        r.rule_name,
        r.rule_name_en,
        r.trigger_type,
        r.warning_level,
        r.level_name,
        r.handling,
        r.dimension,
        r.rule_basis,
        p.is_enabled,
        p.params_overridden
    from rules as r
    inner join params as p on p.rule_code = r.rule_code

)

select * from final
