-- The data's as-of: the business time of the core's last journal event (not the wall clock, so a rebuild
-- of the same core gives the same warnings). Scheduled rules judge periods that ended by this date.
with journal as (

    select occurred_at from {{ ref('stg_core__journal') }}

),

final as (

    select
        max(occurred_at) as as_of_at,
        cast(max(occurred_at) as date) as as_of_date
    from journal

)

select * from final
