-- Every warning's evidence is a JSON object, and a scheduled rule judged only periods that had ended by the
-- data's as-of (quarter-end checks) or its own year (the year's totals so far).
with warnings as (

    select * from {{ ref('fct_warning') }}

),

as_of as (

    select * from {{ ref('int_mon_as_of') }}

)

select w.warning_key, w.rule_code, w.period, 'evidence is not a JSON object' as problem
from warnings as w
where not {{ fiscal.json_is_object('w.evidence') }}
union all
select w.warning_key, w.rule_code, w.period, 'quarter not over at the as-of date' as problem
from warnings as w
cross join as_of as a
where w.rule_code = 'R11'
    and last_day(make_date(w.fiscal_year, cast(substr(w.period, 6, 1) as integer) * 3, 1)) >= a.as_of_date
union all
select w.warning_key, w.rule_code, w.period, 'period after the as-of date' as problem
from warnings as w
cross join as_of as a
where w.trigger_type = 'scheduled' and w.fiscal_year > year(a.as_of_date)
