{# The core keeps money in integer fen. Division in DuckDB returns DOUBLE, so convert by an exact decimal
   multiplication: fen × 0.01 as DECIMAL(18,2). Portable to other adapters (numeric arithmetic is exact). #}
{% macro fen_to_yuan(column) -%}
    cast(cast({{ column }} as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}
