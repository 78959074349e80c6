-- One row per indicator: the append-only ledger summed. The core keeps the same sums as running columns
-- on ba_bgt_info; fct_indicator_balance is built from these and a test proves the two agree to the fen.
{{ config(materialized='incremental', unique_key='bgt_id', incremental_strategy=fiscal.keyed_incremental_strategy(),
          on_schema_change='fail') }}
-- Incremental: only the indicators with ledger entries since the last dbt build (env
-- FISCAL_REFRESH_SINCE_LEDGER, set by the refresh pipeline) are summed again, over all their entries; when it
-- is empty, every indicator is.
{% set since = env_var('FISCAL_REFRESH_SINCE_LEDGER', '') %}
with ledger as (

    select * from {{ ref('stg_core__ba_bgt_ledger') }}
    {% if is_incremental() and since != '' %}
    where bgt_id in (select bgt_id from {{ ref('stg_core__ba_bgt_ledger') }} where ledger_id > {{ since | int }})
    {% endif %}

),

summed as (

    select
        bgt_id,
        cast(sum(d_amount) as decimal(18, 2)) as amount,
        cast(sum(d_dis) as decimal(18, 2)) as dis_amt,
        cast(sum(d_frozen) as decimal(18, 2)) as frozen_amt,
        cast(sum(d_plan) as decimal(18, 2)) as plan_amt,
        cast(sum(d_gp) as decimal(18, 2)) as gp_amt,
        cast(sum(d_inflight) as decimal(18, 2)) as inflight_amt,
        cast(sum(d_paid) as decimal(18, 2)) as paid_amt,
        cast(coalesce(sum(d_amount) filter (where entry_type = 'ISSUE'), 0) as decimal(18, 2)) as issued_amt,
        cast(coalesce(sum(d_amount) filter (where entry_type in ('ADJ_IN', 'CARRY_IN')), 0) as decimal(18, 2))
            as added_amt,
        cast(coalesce(sum(d_dis) filter (where entry_type in ('ADJ_OUT', 'ALLOC_OUT')), 0) as decimal(18, 2))
            as moved_out_amt,
        cast(coalesce(sum(d_dis) filter (where entry_type in ('REDUCE', 'CLOSE', 'BALANCE', 'CARRY_OUT')), 0)
            as decimal(18, 2)) as reduced_amt,
        cast(coalesce(-sum(d_paid) filter (where entry_type = 'REFUND'), 0) as decimal(18, 2)) as refund_restored_amt,
        count(*) as ledger_entries,
        min(created_at) as first_entry_at,
        max(created_at) as last_entry_at,
        max(created_at) filter (where entry_type = 'PAY') as last_paid_at
    from ledger
    group by bgt_id

)

select * from summed
