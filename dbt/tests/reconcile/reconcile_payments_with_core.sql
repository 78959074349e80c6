-- fct_payment adds up to the core's own daily totals (raw._control_totals, computed in the extract's
-- snapshot) to the fen: applications by day, paid by bank date, refunds by refund date, cleared by
-- clearing date. Any row returned is a day where the warehouse and the core disagree.
with core as (

    select measure, key, n, {{ fen_to_yuan('total_fen') }} as total_amt
    from {{ source('raw', '_control_totals') }}
    where measure in ('pay_app_by_day', 'paid_by_day', 'refund_by_day', 'cleared_by_day')

),

payments as (

    select * from {{ ref('fct_payment') }}

),

bills as (

    select * from {{ ref('stg_core__pay_voucher_bill') }}

),

warehouse as (

    select 'pay_app_by_day' as measure, cast(create_date as varchar) as key, count(*) as n, sum(pay_app_amt) as total_amt
    from payments group by create_date
    union all
    -- a re-issued voucher can be paid on another day than the first: count the bank's payments by their date
    select 'paid_by_day', cast(xpay_date as varchar), count(*), sum(xpay_amt)
    from bills where bill_type = 'pay' and xpay_amt > 0 group by xpay_date
    union all
    select 'refund_by_day', cast(xpay_date as varchar), count(*), -sum(pay_amt)
    from bills where bill_type = 'refund' group by xpay_date
    union all
    select 'cleared_by_day', cast(act_lqd_date as varchar), count(*), sum(xpay_amt)
    from bills where bill_type = 'pay' and act_lqd_date is not null group by act_lqd_date

),

mart_totals as (

    -- the mart itself must carry the same money as the vouchers it rolls up
    select
        (select sum(paid_amt) from payments) as mart_paid,
        (select sum(xpay_amt) from bills where bill_type = 'pay') as bills_paid,
        (select sum(refund_amt) from payments) as mart_refund,
        (select -sum(pay_amt) from bills where bill_type = 'refund') as bills_refund,
        (select sum(cleared_amt) from payments) as mart_cleared,
        (select sum(xpay_amt) from bills where bill_type = 'pay' and act_lqd_date is not null) as bills_cleared

),

compared as (

    select
        coalesce(c.measure, w.measure) as measure,
        coalesce(c.key, w.key) as key,
        c.n as core_n, w.n as warehouse_n, c.total_amt as core_amt, w.total_amt as warehouse_amt
    from core as c
    full outer join warehouse as w on w.measure = c.measure and w.key = c.key

)

select * from compared
where core_n is distinct from warehouse_n or core_amt is distinct from warehouse_amt
union all
select 'mart_vs_vouchers', 'all', null, null, mart_paid + mart_refund + mart_cleared,
    bills_paid + bills_refund + bills_cleared
from mart_totals
where mart_paid is distinct from bills_paid or mart_refund is distinct from bills_refund
    or mart_cleared is distinct from bills_cleared
