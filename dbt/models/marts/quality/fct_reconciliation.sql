-- The one reconciliation of the warehouse with the core (docs/architecture.md §A1-§A2). The core's own totals are
-- taken in the same snapshot as the extract (raw._control_totals); every figure here must equal its mart
-- figure to the fen. The refresh pipeline refuses to swap in a warehouse with any row not matched, and the
-- data-quality page shows this table.
with control_totals as (

    select measure, key, n, {{ fen_to_yuan('total_fen') }} as total_amt
    from {{ source('raw', '_control_totals') }}

),

payments as (

    select * from {{ ref('fct_payment') }}

),

bills as (

    select * from {{ ref('stg_core__pay_voucher_bill') }}

),

indicators as (

    select * from {{ ref('fct_indicator_balance') }}

),

core_indicators as (

    select * from {{ ref('stg_core__ba_bgt_info') }}

),

warehouse_by_key as (

    select 'pay_app_by_day' as measure, cast(create_date as {{ dbt.type_string() }}) as key, count(*) as n,
        sum(pay_app_amt) as total_amt
    from payments group by create_date
    union all
    -- a re-issued voucher can be paid on another day than the first: count the bank's payments by their date
    select 'paid_by_day', cast(xpay_date as {{ dbt.type_string() }}), count(*), sum(xpay_amt)
    from bills where bill_type = 'pay' and xpay_amt > 0 group by xpay_date
    union all
    select 'refund_by_day', cast(xpay_date as {{ dbt.type_string() }}), count(*), -sum(pay_amt)
    from bills where bill_type = 'refund' group by xpay_date
    union all
    select 'cleared_by_day', cast(act_lqd_date as {{ dbt.type_string() }}), count(*), sum(xpay_amt)
    from bills where bill_type = 'pay' and act_lqd_date is not null group by act_lqd_date
    union all
    select 'indicator_amount_by_year', cast(fiscal_year as {{ dbt.type_string() }}), count(*), sum(amount)
    from indicators group by fiscal_year
    union all
    select 'indicator_dis_by_year', cast(fiscal_year as {{ dbt.type_string() }}), count(*), sum(dis_amt)
    from indicators group by fiscal_year
    union all
    select 'indicator_inflight_by_year', cast(fiscal_year as {{ dbt.type_string() }}), count(*), sum(inflight_amt)
    from indicators group by fiscal_year
    union all
    select 'indicator_paid_by_year', cast(fiscal_year as {{ dbt.type_string() }}), count(*), sum(paid_amt)
    from indicators group by fiscal_year

),

by_key as (

    select
        coalesce(c.measure, w.measure) as measure,
        coalesce(c.key, w.key) as key,
        c.n as core_count,
        w.n as warehouse_count,
        c.total_amt as core_amt,
        w.total_amt as warehouse_amt
    from control_totals as c
    full outer join warehouse_by_key as w on w.measure = c.measure and w.key = c.key

),

-- the payments mart itself carries the same money as the bank's vouchers it rolls up
mart_totals as (

    select 'payment_mart_totals' as measure, 'paid_amt' as key,
        (select sum(n) from control_totals where measure = 'paid_by_day') as core_count,
        (select count(*) from bills where bill_type = 'pay' and xpay_amt > 0) as warehouse_count,
        (select coalesce(sum(total_amt), 0) from control_totals where measure = 'paid_by_day') as core_amt,
        (select coalesce(sum(paid_amt), 0) from payments) as warehouse_amt
    union all
    select 'payment_mart_totals', 'refund_amt', null, null,
        (select coalesce(sum(total_amt), 0) from control_totals where measure = 'refund_by_day'),
        (select coalesce(sum(refund_amt), 0) from payments)
    union all
    select 'payment_mart_totals', 'cleared_amt', null, null,
        (select coalesce(sum(total_amt), 0) from control_totals where measure = 'cleared_by_day'),
        (select coalesce(sum(cleared_amt), 0) from payments)

),

-- every indicator: the balance recomputed from the append-only ledger against the core's running sums
per_indicator as (

    select
        'indicator_balance' as measure,
        coalesce(m.bgt_id, c.bgt_id) as key,
        cast(null as bigint) as core_count,
        cast(null as bigint) as warehouse_count,
        c.amount as core_amt,
        m.amount as warehouse_amt,
        coalesce(
            m.amount = c.amount and m.dis_amt = c.dis_amt and m.frozen_amt = c.frozen_amt
            and m.plan_amt = c.plan_amt and m.gp_amt = c.gp_amt and m.inflight_amt = c.inflight_amt
            and m.paid_amt = c.paid_amt,
            false) as is_matched
    from indicators as m
    full outer join core_indicators as c on c.bgt_id = m.bgt_id

),

final as (

    select
        measure, key, cast(core_count as bigint) as core_count, cast(warehouse_count as bigint) as warehouse_count,
        cast(core_amt as decimal(18, 2)) as core_amt, cast(warehouse_amt as decimal(18, 2)) as warehouse_amt,
        core_count is not distinct from warehouse_count and core_amt is not distinct from warehouse_amt
            as is_matched
    from (select * from by_key union all select * from mart_totals)
    union all
    select measure, key, core_count, warehouse_count, cast(core_amt as decimal(18, 2)),
        cast(warehouse_amt as decimal(18, 2)), is_matched
    from per_indicator

)

select * from final
