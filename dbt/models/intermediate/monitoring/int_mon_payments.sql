-- Payment applications with what the scheduled rules look at: elements, payee, purpose, the 三公 bucket of
-- the economic code, whether the settlement is cash, and the net amount executed (paid − refunded).
with payments as (

    select * from {{ ref('stg_core__pay_voucher') }}

),

bills as (

    select * from {{ ref('int_payment_bills_rolled') }}

),

eco as (

    select code, nullif(sangong_kind, '') as sangong_kind from {{ ref('dep_bgt_eco') }}

),

set_mode as (

    select code, cast(is_cash as boolean) as is_cash from {{ ref('set_mode') }}

),

final as (

    select
        p.pay_app_id,
        p.pay_app_no,
        p.mof_div_code,
        p.fiscal_year,
        p.create_date,
        p.agency_code,
        p.dept_code,
        p.pro_code,
        p.pro_cat_code,
        p.bgt_id,
        p.fund_type_code,
        p.dep_bgt_eco_code,
        e.sangong_kind,
        p.set_mode_code,
        coalesce(m.is_cash, false) as is_cash,
        p.fund_traobj_type_code,
        p.payee_acct_name,
        p.payee_acct_no,
        p.use_des,
        p.contract_no,
        p.status,
        p.pay_app_amt,
        p.status in ('paid', 'cleared') as is_executed,
        p.status not in ('voided', 'returned', 'bank_returned') as is_live,
        case
            when p.status in ('paid', 'cleared') then cast(coalesce(b.paid_amt, 0) - coalesce(b.refund_amt, 0) as decimal(18, 2))
            else cast(0 as decimal(18, 2))
        end as net_paid_amt
    from payments as p
    left join bills as b on b.pay_app_id = p.pay_app_id
    left join eco as e on e.code = p.dep_bgt_eco_code
    left join set_mode as m on m.code = p.set_mode_code

)

select * from final
