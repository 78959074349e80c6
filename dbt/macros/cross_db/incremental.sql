{#- The incremental strategy of the models that replace their rows by key (int_indicator_ledger_summed,
    int_payment_bills_rolled). DuckDB: delete+insert. Spark's Parquet tables know only append and
    insert_overwrite, so a Spark build is always a full refresh (ingest/spark.py passes --full-refresh, where
    the strategy is not used); a cluster on Delta or Iceberg would use merge. -#}
{% macro keyed_incremental_strategy() -%}
    {{ return(adapter.dispatch('keyed_incremental_strategy', 'fiscal')()) }}
{%- endmacro %}

{% macro default__keyed_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__keyed_incremental_strategy() -%}
    {{ return('append') }}
{%- endmacro %}
