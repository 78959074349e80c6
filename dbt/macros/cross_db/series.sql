{#- The integers start … stop - 1 as a one-column derived table named `column`: `cross join
    {{ integer_series(1, 13, 'fiscal_month') }} as m`. -#}
{% macro integer_series(start, stop, column) -%}
    {{ return(adapter.dispatch('integer_series', 'fiscal')(start, stop, column)) }}
{%- endmacro %}

{% macro default__integer_series(start, stop, column) -%}
    (select cast(range as integer) as {{ column }} from range({{ start }}, {{ stop }}))
{%- endmacro %}

{% macro spark__integer_series(start, stop, column) -%}
    (select cast(id as int) as {{ column }} from range({{ start }}, {{ stop }}))
{%- endmacro %}
