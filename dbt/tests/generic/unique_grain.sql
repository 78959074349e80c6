{# The model's stated grain holds: no two rows share the given columns (dbt_utils' unique_combination_of_columns,
   which is not available offline). Fails with one row per duplicated key. #}
{% test unique_grain(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
