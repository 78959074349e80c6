with

contracts as (

    select * from {{ ref('stg_core__gp_contract') }}

),

plans as (

    select * from {{ ref('stg_core__gp_plan') }}

),

vouchers as (

    select * from {{ ref('stg_core__pay_voucher') }}

),

bills as (

    select * from {{ ref('stg_core__pay_voucher_bill') }}

),

agencies as (

    select * from {{ ref('stg_core__bas_agency_info') }}

),

catalog as (

    select * from {{ ref('gp_catalog') }}

),

methods as (

    select * from {{ ref('pur_method') }}

),

org_forms as (

    select * from {{ ref('pur_org_form') }}

),

contract_bills as (

    select
        vouchers.contract_no,
        bills.bill_type,
        bills.status as bill_status,
        bills.xpay_amt,
        bills.xpay_date
    from vouchers
    inner join bills
        on vouchers.pay_app_id = bills.pay_app_id
    where vouchers.contract_no is not null

),

payments as (

    -- an instalment is a payment bill the bank paid and that still stands (paid or cleared); a bill the
    -- bank failed carries no money, and one returned after payment is cancelled by its 'return' bill, so
    -- both are left out together with that return bill. Refunds are negative bills and net off.
    select
        contract_no,
        count(case when bill_type = 'pay' and bill_status in ('paid', 'cleared') then 1 end) as instalment_count,
        min(case when bill_type = 'pay' and bill_status in ('paid', 'cleared') then xpay_date end)
            as first_paid_date,
        max(case when bill_type = 'pay' and bill_status in ('paid', 'cleared') then xpay_date end)
            as last_paid_date,
        sum(case when bill_type = 'pay' and bill_status in ('paid', 'cleared') then xpay_amt else 0 end)
            as instalments_amt,
        sum(case when bill_type = 'refund' then -xpay_amt else 0 end) as refunded_amt
    from contract_bills
    group by 1

),

in_flight as (

    -- applications against the contract that are on their way but not yet paid
    select
        contract_no,
        sum(pay_app_amt) as in_flight_amt
    from vouchers
    where contract_no is not null
        and status in ('submitted', 'fin_review', 'approved', 'voucher_issued')
    group by 1

),

joined as (

    select
        contracts.contract_no,
        contracts.plan_id,
        plans.gp_plan_no,
        cast(plans.fiscal_year as integer) as fiscal_year,
        coalesce(plans.agency_code, contracts.agency_code) as agency_code,
        agencies.dept_code,
        plans.pro_code,
        plans.bgt_id,
        plans.gpdir_code,
        catalog.name as gpdir_name,
        catalog.gp_kind,
        plans.pur_method_code,
        methods.name as pur_method_name,
        plans.pur_org_form as pur_org_form_code,
        org_forms.name as pur_org_form_name,
        coalesce(plans.is_smes_reserved, false) as is_smes_reserved,
        plans.plan_amt,
        plans.status as plan_status,
        contracts.supplier_name,
        contracts.supplier_unifsoc_cred_code,
        contracts.contract_amt,
        contracts.sign_date,
        contracts.status as contract_status,
        coalesce(payments.instalment_count, 0) as instalment_count,
        payments.first_paid_date,
        payments.last_paid_date,
        coalesce(payments.instalments_amt, 0) as instalments_amt,
        coalesce(payments.refunded_amt, 0) as refunded_amt,
        coalesce(payments.instalments_amt, 0) - coalesce(payments.refunded_amt, 0) as paid_to_date_amt,
        coalesce(in_flight.in_flight_amt, 0) as in_flight_amt
    from contracts
    left join plans
        on contracts.plan_id = plans.plan_id
    left join agencies
        on coalesce(plans.agency_code, contracts.agency_code) = agencies.agency_code
    left join catalog
        on plans.gpdir_code = catalog.code
    left join methods
        on plans.pur_method_code = methods.code
    left join org_forms
        on plans.pur_org_form = org_forms.code
    left join payments
        on contracts.contract_no = payments.contract_no
    left join in_flight
        on contracts.contract_no = in_flight.contract_no

),

final as (

    select
        contract_no,
        plan_id,
        gp_plan_no,
        fiscal_year,
        agency_code,
        dept_code,
        pro_code,
        bgt_id,
        gpdir_code,
        gpdir_name,
        gp_kind,
        pur_method_code,
        pur_method_name,
        pur_org_form_code,
        pur_org_form_name,
        is_smes_reserved,
        cast(plan_amt as decimal(18, 2)) as plan_amt,
        plan_status,
        supplier_name,
        supplier_unifsoc_cred_code,
        cast(contract_amt as decimal(18, 2)) as contract_amt,
        sign_date,
        contract_status,
        cast(instalment_count as integer) as instalment_count,
        first_paid_date,
        last_paid_date,
        cast(instalments_amt as decimal(18, 2)) as instalments_amt,
        cast(refunded_amt as decimal(18, 2)) as refunded_amt,
        cast(paid_to_date_amt as decimal(18, 2)) as paid_to_date_amt,
        cast(in_flight_amt as decimal(18, 2)) as in_flight_amt,
        cast(contract_amt - paid_to_date_amt as decimal(18, 2)) as remaining_amt,
        round(cast(paid_to_date_amt as double) / nullif(cast(contract_amt as double), 0), 4) as paid_ratio,
        paid_to_date_amt >= contract_amt as is_fully_paid,
        paid_to_date_amt > contract_amt as is_overpaid
    from joined

)

select * from final
