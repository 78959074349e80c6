-- dim_monitor_rule: one row per fiscal division and rule, and every division has the whole catalogue.
with rules as (

    select * from {{ ref('dim_monitor_rule') }}

),

duplicates as (

    select mof_div_code, rule_code, 'duplicate' as problem
    from rules
    group by mof_div_code, rule_code
    having count(*) > 1

),

incomplete as (

    select mof_div_code, cast(count(*) as {{ dbt.type_string() }}) as rule_code, 'incomplete catalogue' as problem
    from rules
    group by mof_div_code
    having count(*) <> (select count(*) from {{ ref('int_mon_rule_catalogue') }})

)

select * from duplicates
union all
select * from incomplete
