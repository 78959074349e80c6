with payments as (

    select * from {{ ref('stg_core__pay_voucher') }}

),

bills as (

    select * from {{ ref('int_payment_bills_rolled') }}

),

payroll as (

    select distinct pay_app_id from {{ ref('stg_core__pay_detail') }}

),

events as (

    select
        object_id as pay_app_id,
        min(occurred_at) filter (where action in ('payment.submit', 'payroll.run')) as submitted_at,
        max(occurred_at) filter (where action = 'payment.approve') as approved_at,
        max(occurred_at) filter (where action = 'payment.voucher') as voucher_at,
        count(*) filter (where action = 'payment.return') as return_count
    from {{ ref('int_journal_events') }}
    where object_type = 'pay_voucher'
    group by object_id

),

final as (

    select
        p.pay_app_id,
        p.pay_app_no,
        p.fiscal_year,
        p.mof_div_code,
        p.agency_code,
        p.dept_code,
        p.pro_code,
        p.pro_cat_code,
        p.bgt_id,
        p.fund_type_code,
        p.exp_func_code,
        p.gov_bgt_eco_code,
        p.dep_bgt_eco_code,
        p.pay_type_code,
        p.set_mode_code,
        p.fund_traobj_type_code,
        p.pay_acct_name,
        p.pay_acct_no,
        p.payee_acct_name,
        p.payee_acct_no,
        p.payee_acct_bank_name,
        p.use_des,
        p.contract_no,
        p.gp_plan_id,
        p.plan_id,
        p.status,
        p.create_date,
        e.submitted_at,
        e.approved_at,
        e.voucher_at,
        p.pay_app_amt,
        b.pay_cert_no,
        coalesce(b.voucher_count, 0) as voucher_count,
        coalesce(b.bank_return_count, 0) as bank_return_count,
        coalesce(b.paid_amt, cast(0 as decimal(18, 2))) as paid_amt,
        b.paid_date,
        b.agent_business_no,
        coalesce(b.cleared_amt, cast(0 as decimal(18, 2))) as cleared_amt,
        b.cleared_date,
        b.pay_cert_sum_no,
        coalesce(b.refund_amt, cast(0 as decimal(18, 2))) as refund_amt,
        coalesce(b.refund_count, 0) as refund_count,
        b.last_refund_date,
        cast(coalesce(b.paid_amt, 0) - coalesce(b.refund_amt, 0) as decimal(18, 2)) as net_paid_amt,
        p.status in ('submitted', 'fin_review', 'approved', 'voucher_issued') as is_in_flight,
        p.status in ('paid', 'cleared') as is_executed,
        p.status = 'cleared' as is_cleared,
        coalesce(b.refund_count, 0) > 0 as is_refunded,
        pr.pay_app_id is not null as is_payroll,
        coalesce(e.return_count, 0) as return_count,
        case when b.paid_date is not null then {{ dbt.datediff('p.create_date', 'b.paid_date', 'day') }} end as days_to_pay
    from payments as p
    left join bills as b on b.pay_app_id = p.pay_app_id
    left join payroll as pr on pr.pay_app_id = p.pay_app_id
    left join events as e on e.pay_app_id = p.pay_app_id

)

select * from final
