-- fct_indicator_balance recomputes every balance from the append-only ledger; the core keeps the same
-- balances as running sums on ba_bgt_info, updated in the same transaction. They must agree per indicator
-- and, per fiscal year, with the core's own totals taken in the extract's snapshot.
with mart as (

    select * from {{ ref('fct_indicator_balance') }}

),

core_rows as (

    select * from {{ ref('stg_core__ba_bgt_info') }}

),

per_indicator as (

    select m.bgt_id, 'per_indicator' as check_kind
    from mart as m
    inner join core_rows as c using (bgt_id)
    where m.amount <> c.amount or m.dis_amt <> c.dis_amt or m.frozen_amt <> c.frozen_amt or m.plan_amt <> c.plan_amt
        or m.gp_amt <> c.gp_amt or m.inflight_amt <> c.inflight_amt or m.paid_amt <> c.paid_amt

),

yearly_core as (

    select measure, key, {{ fen_to_yuan('total_fen') }} as total_amt
    from {{ source('raw', '_control_totals') }}
    where measure like 'indicator_%_by_year'

),

yearly_mart as (

    select 'indicator_amount_by_year' as measure, cast(fiscal_year as varchar) as key, sum(amount) as total_amt
    from mart group by fiscal_year
    union all select 'indicator_dis_by_year', cast(fiscal_year as varchar), sum(dis_amt) from mart group by fiscal_year
    union all select 'indicator_inflight_by_year', cast(fiscal_year as varchar), sum(inflight_amt) from mart group by fiscal_year
    union all select 'indicator_paid_by_year', cast(fiscal_year as varchar), sum(paid_amt) from mart group by fiscal_year

),

yearly as (

    select coalesce(c.key, m.key) as bgt_id, coalesce(c.measure, m.measure) as check_kind
    from yearly_core as c
    full outer join yearly_mart as m using (measure, key)
    where c.total_amt is distinct from m.total_amt

)

select * from per_indicator
union all
select * from yearly
