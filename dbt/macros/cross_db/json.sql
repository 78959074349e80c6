{#- JSON built and read. -#}

{#- A JSON object as text, from the arguments of json_object: 'key1', value1, 'key2', value2 … (keys in that
    order, nulls kept). DuckDB writes DECIMAL(18, 2) with its scale and narrower decimals and DOUBLE as the
    shortest number; Spark's to_json writes decimals with their scale, so pass ratios as DOUBLE. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'fiscal')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    cast(json_object({{ pairs }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct({{ pairs }}), map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- A JSON path's value as text (null when absent). -#}
{% macro json_extract_text(json_expr, path) -%}
    {{ return(adapter.dispatch('json_extract_text', 'fiscal')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_extract_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_extract_text(json_expr, path) -%}
    get_json_object({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{#- Whether text is a JSON object (false, never null, for anything else: an array, a scalar, invalid JSON, null). -#}
{% macro json_is_object(text_expr) -%}
    {{ return(adapter.dispatch('json_is_object', 'fiscal')(text_expr)) }}
{%- endmacro %}

{% macro default__json_is_object(text_expr) -%}
    coalesce(json_type(try_cast({{ text_expr }} as json)) = 'OBJECT', false)
{%- endmacro %}

{% macro spark__json_is_object(text_expr) -%}
    coalesce(json_object_keys({{ text_expr }}) is not null, false)
{%- endmacro %}
