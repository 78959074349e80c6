{#- Aggregates whose names differ. FILTER (WHERE …) after an aggregate is standard SQL both engines take, so it
    stays in the models; these are the aggregates it applies to. -#}

{#- The value of `value_expr` on the row where `order_expr` is largest. -#}
{% macro arg_max(value_expr, order_expr) -%}
    {{ return(adapter.dispatch('arg_max', 'fiscal')(value_expr, order_expr)) }}
{%- endmacro %}

{% macro default__arg_max(value_expr, order_expr) -%}
    max_by({{ value_expr }}, {{ order_expr }})
{%- endmacro %}

{% macro duckdb__arg_max(value_expr, order_expr) -%}
    arg_max({{ value_expr }}, {{ order_expr }})
{%- endmacro %}

{#- The value of `value_expr` on the row where `order_expr` is smallest. -#}
{% macro arg_min(value_expr, order_expr) -%}
    {{ return(adapter.dispatch('arg_min', 'fiscal')(value_expr, order_expr)) }}
{%- endmacro %}

{% macro default__arg_min(value_expr, order_expr) -%}
    min_by({{ value_expr }}, {{ order_expr }})
{%- endmacro %}

{% macro duckdb__arg_min(value_expr, order_expr) -%}
    arg_min({{ value_expr }}, {{ order_expr }})
{%- endmacro %}

{#- The values of `expr` as an array (DuckDB list), in the order of `order_by` (one or more comma-separated
    expressions, ascending), of the rows where `where` holds (all rows without it). Null values are not
    expected (Spark's collect_list drops them). -#}
{% macro array_agg_ordered(expr, order_by, where=none) -%}
    {{ return(adapter.dispatch('array_agg_ordered', 'fiscal')(expr, order_by, where)) }}
{%- endmacro %}

{% macro default__array_agg_ordered(expr, order_by, where=none) -%}
    list({{ expr }} order by {{ order_by }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__array_agg_ordered(expr, order_by, where=none) -%}
    {%- set keys = order_by.split(',') -%}
    transform(array_sort(collect_list(named_struct(
        {%- for key in keys %}'k{{ loop.index }}', {{ key | trim }}, {% endfor -%}
        'v', {{ expr }})){% if where %} filter (where {{ where }}){% endif %}), x -> x.v)
{%- endmacro %}

{#- The distinct values of `expr` as an array, sorted (a set: sorting makes it the same text on every engine). -#}
{% macro array_agg_distinct(expr) -%}
    {{ return(adapter.dispatch('array_agg_distinct', 'fiscal')(expr)) }}
{%- endmacro %}

{% macro default__array_agg_distinct(expr) -%}
    list(distinct {{ expr }} order by {{ expr }})
{%- endmacro %}

{% macro spark__array_agg_distinct(expr) -%}
    array_sort(collect_set({{ expr }}))
{%- endmacro %}
