{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
-- The journal as typed events (actor, time, object, state after). The change feed is also the lineage.
-- Incremental: journal rows never change once written, so a refresh appends the rows past the highest seq
-- already here (a core re-read whole, or `fiscal refresh --full`, rebuilds it with --full-refresh).
with journal as (

    select * from {{ ref('stg_core__journal') }}
    {% if is_incremental() %}
    where seq > (select coalesce(max(journal_seq), 0) from {{ this }})
    {% endif %}

),

events as (

    select
        seq as journal_seq,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        actor,
        actor_role,
        action,
        object_type,
        object_id,
        {{ fiscal.json_extract_text('after_json', '$.pro_status') }} as pro_status_after,
        {{ fiscal.json_extract_text('after_json', '$.status') }} as status_after,
        opinion,
        after_json
    from journal

)

-- stored in object order: a trace (payment_trace) looks up a handful of objects, and DuckDB's zone maps then
-- skip nearly every row group of the journal instead of scanning it once per stage
select * from events
order by object_type, object_id, journal_seq
