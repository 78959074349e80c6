{# Schemas are exactly the layer names (staging, marts, …), not <target>_<layer>: analysts query marts.fct_payment. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
