-- Every scheduled rule's hits in one shape, for the 区划s where the rule is on, each with its stable key
-- (rule + the objects it is about), the business time it was detected at and its Chinese-first message.
with hits as (

    select * from {{ ref('int_mon_r06m_cash_totals') }}
    union all
    select * from {{ ref('int_mon_r08_sangong_over_budget') }}
    union all
    select * from {{ ref('int_mon_r10_year_end_rush') }}
    union all
    select * from {{ ref('int_mon_r11_execution_lag') }}
    union all
    select * from {{ ref('int_mon_r12_split_procurement') }}
    union all
    select * from {{ ref('int_mon_r13s_contract_breaches') }}
    union all
    select * from {{ ref('int_mon_r17s_other_codes_share') }}
    union all
    select * from {{ ref('int_mon_r23_subsidy_without_details') }}

),

enabled as (

    select mof_div_code, rule_code
    from {{ ref('int_mon_rule_params') }}
    where param_name = 'enabled' and param_value <> '0'

),

as_of as (

    select * from {{ ref('int_mon_as_of') }}

),

final as (

    select
        h.rule_code || ':' || md5(h.object_key) as warning_key,
        h.*,
        a.as_of_at as detected_at
    from hits as h
    inner join enabled as e on e.mof_div_code = h.mof_div_code and e.rule_code = h.rule_code
    cross join as_of as a

)

select * from final
