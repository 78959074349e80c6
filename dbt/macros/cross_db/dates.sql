{#- Dates and calendars, one spelling for DuckDB and Spark. dbt's own cross-database macros cover truncation,
    date arithmetic, differences and month ends (dbt.date_trunc, dbt.dateadd, dbt.datediff, dbt.last_day); these
    are the ones it lacks. make_date, make_timestamp, last_day, year, month, quarter, dayofyear exist under the
    same names in both engines and need no macro. -#}

{#- ISO day of the week, Monday 1 … Sunday 7. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'fiscal')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expr) -%}
    (weekday({{ date_expr }}) + 1)
{%- endmacro %}

{#- A date as text in a strftime pattern (%Y, %m, %d, %H, %M, %S); Spark takes the Java pattern. -#}
{% macro format_date(date_expr, fmt) -%}
    {{ return(adapter.dispatch('format_date', 'fiscal')(date_expr, fmt)) }}
{%- endmacro %}

{% macro default__format_date(date_expr, fmt) -%}
    strftime({{ date_expr }}, '{{ fmt }}')
{%- endmacro %}

{% macro spark__format_date(date_expr, fmt) -%}
    date_format({{ date_expr }}, '{{ fiscal.strftime_to_java(fmt) }}')
{%- endmacro %}

{#- Text in a strftime pattern as a DATE (null when it does not parse on Spark, an error on DuckDB: feed it
    only text that matches). -#}
{% macro parse_date(text_expr, fmt) -%}
    {{ return(adapter.dispatch('parse_date', 'fiscal')(text_expr, fmt)) }}
{%- endmacro %}

{% macro default__parse_date(text_expr, fmt) -%}
    cast(strptime({{ text_expr }}, '{{ fmt }}') as date)
{%- endmacro %}

{% macro spark__parse_date(text_expr, fmt) -%}
    to_date({{ text_expr }}, '{{ fiscal.strftime_to_java(fmt) }}')
{%- endmacro %}

{% macro strftime_to_java(fmt) -%}
    {{- fmt | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd') | replace('%H', 'HH')
             | replace('%M', 'mm') | replace('%S', 'ss') -}}
{%- endmacro %}

{#- Every day from start_date to end_date (both included) as DATE values, one row each: a set-returning
    expression for the select list (the other columns of the row are repeated), used as
    `select …, {{ date_series('a', 'b') }} as day from t`. -#}
{% macro date_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_series', 'fiscal')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date) -%}
    unnest(cast(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp),
        interval 1 day) as date[]))
{%- endmacro %}

{% macro spark__date_series(start_date, end_date) -%}
    explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
{%- endmacro %}
