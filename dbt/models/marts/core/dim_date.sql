-- The fiscal calendar: fiscal year = calendar year (Asia/Shanghai). Working days here are Monday to
-- Friday; the State Council's holiday calendar is not modelled.
with bounds as (

    select
        least(
            (select min(tre_date) from {{ ref('stg_core__inc_treasury_income') }}),
            (select min(create_date) from {{ ref('stg_core__pay_voucher') }})
        ) as first_date,
        greatest(
            (select max(tre_date) from {{ ref('stg_core__inc_treasury_income') }}),
            (select max(create_date) from {{ ref('stg_core__pay_voucher') }})
        ) as last_date

),

spine as (

    select
        {{ fiscal.date_series(
            dbt.date_trunc('year', 'coalesce(first_date, current_date)'),
            dbt.dateadd('day', -1, dbt.dateadd('year', 2, dbt.date_trunc('year', 'coalesce(last_date, current_date)')))
        ) }} as date_day
    from bounds

),

final as (

    select
        date_day,
        cast(year(date_day) as integer) as fiscal_year,
        cast(month(date_day) as integer) as fiscal_month,
        cast(quarter(date_day) as integer) as fiscal_quarter,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast(last_day(date_day) as date) as month_end_date,
        cast({{ fiscal.iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
        {{ fiscal.iso_day_of_week('date_day') }} >= 6 as is_weekend,
        {{ fiscal.iso_day_of_week('date_day') }} < 6 as is_working_day,
        date_day = last_day(date_day) as is_month_end,
        cast(dayofyear(date_day) as integer) as day_of_fiscal_year,
        cast({{ fiscal.format_date('date_day', '%Y-%m') }} as {{ dbt.type_string() }}) as year_month
    from spine

)

select * from final
