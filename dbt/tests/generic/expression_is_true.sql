{# Fails with the rows for which the expression is not true (dbt_utils is not available offline). #}
{% test expression_is_true(model, expression) %}
select * from {{ model }} where not coalesce(({{ expression }}), false)
{% endtest %}
