-- One row per payment application: its vouchers (bills) rolled up. A bank failure leaves a 'pay' bill with
-- xpay_amt 0 and a re-issue adds another; refunds are negative 'refund' bills; clearing stamps act_lqd_date.
{{ config(materialized='incremental', unique_key='pay_app_id', incremental_strategy=fiscal.keyed_incremental_strategy(),
          on_schema_change='fail') }}
-- Incremental: only the applications journalled since the last dbt build (env FISCAL_REFRESH_SINCE_SEQ, set by
-- the refresh pipeline) are rolled up again; the extract re-reads exactly their bills. When it is empty, every
-- application is rolled up again.
-- depends_on: {{ ref('stg_core__journal') }}
{% set since = env_var('FISCAL_REFRESH_SINCE_SEQ', '') %}
with bills as (

    select * from {{ ref('stg_core__pay_voucher_bill') }}
    {% if is_incremental() and since != '' %}
    where pay_app_id in (
        select object_id from {{ ref('stg_core__journal') }}
        where object_type = 'pay_voucher' and seq > {{ since | int }}
    )
    {% endif %}

),

rolled as (

    select
        pay_app_id,
        count(*) filter (where bill_type = 'pay') as voucher_count,
        count(*) filter (where bill_type = 'pay' and status = 'failed') as bank_return_count,
        max(pay_cert_no) filter (where bill_type = 'pay' and xpay_amt > 0) as pay_cert_no,
        min(vou_date) filter (where bill_type = 'pay') as first_vou_date,
        max(vou_date) filter (where bill_type = 'pay') as last_vou_date,
        cast(coalesce(sum(xpay_amt) filter (where bill_type = 'pay'), 0) as decimal(18, 2)) as paid_amt,
        max(xpay_date) filter (where bill_type = 'pay' and xpay_amt > 0) as paid_date,
        max(agent_business_no) filter (where bill_type = 'pay' and xpay_amt > 0) as agent_business_no,
        cast(coalesce(sum(xpay_amt) filter (where bill_type = 'pay' and act_lqd_date is not null), 0)
            as decimal(18, 2)) as cleared_amt,
        max(act_lqd_date) filter (where bill_type = 'pay') as cleared_date,
        max(pay_cert_sum_no) filter (where bill_type = 'pay') as pay_cert_sum_no,
        cast(coalesce(-sum(pay_amt) filter (where bill_type = 'refund'), 0) as decimal(18, 2)) as refund_amt,
        count(*) filter (where bill_type = 'refund') as refund_count,
        max(xpay_date) filter (where bill_type = 'refund') as last_refund_date
    from bills
    group by pay_app_id

)

select * from rolled
