-- R13S 合同支付事后核查: what the core's contract control (docs/standard/controls.md §PAY4) should never let through, checked on
-- the data after the fact — an executed payment on a procurement-flagged indicator without a contract, a
-- payee other than the contract's supplier, and a contract paid beyond its amount.
with payments as (

    select * from {{ ref('int_mon_payments') }}
    where is_executed

),

indicators as (

    select bgt_id, is_gov_pur from {{ ref('stg_core__ba_bgt_info') }}

),

contracts as (

    select * from {{ ref('stg_core__gp_contract') }}

),

no_contract as (

    select
        p.mof_div_code, p.fiscal_year, p.agency_code, p.pro_code, p.bgt_id, p.pay_app_id, p.payee_acct_name,
        p.net_paid_amt as amount,
        'no_contract' as breach,
        cast(null as {{ dbt.type_string() }}) as contract_no,
        cast(null as decimal(18, 2)) as contract_amt
    from payments as p
    inner join indicators as i on i.bgt_id = p.bgt_id
    where i.is_gov_pur and p.contract_no is null

),

wrong_payee as (

    select
        p.mof_div_code, p.fiscal_year, p.agency_code, p.pro_code, p.bgt_id, p.pay_app_id, p.payee_acct_name,
        p.net_paid_amt as amount,
        'payee_not_supplier' as breach,
        c.contract_no,
        c.contract_amt
    from payments as p
    inner join contracts as c on c.contract_no = p.contract_no
    where p.payee_acct_name <> c.supplier_name or p.payee_acct_no <> c.supplier_acct_no

),

over_contract as (

    select
        min(p.mof_div_code) as mof_div_code,
        min(p.fiscal_year) as fiscal_year,
        c.agency_code,
        min(p.pro_code) as pro_code,
        min(p.bgt_id) as bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        c.supplier_name as payee_acct_name,
        cast(sum(p.net_paid_amt) - c.contract_amt as decimal(18, 2)) as amount,
        'contract_exceeded' as breach,
        c.contract_no,
        c.contract_amt
    from payments as p
    inner join contracts as c on c.contract_no = p.contract_no
    group by c.contract_no, c.agency_code, c.supplier_name, c.contract_amt
    having sum(p.net_paid_amt) > c.contract_amt

),

hits as (

    select * from no_contract
    union all
    select * from wrong_payee
    union all
    select * from over_contract

),

final as (

    select
        'R13S' as rule_code,
        mof_div_code,
        fiscal_year,
        cast(fiscal_year as {{ dbt.type_string() }}) as period,
        agency_code,
        pro_code,
        bgt_id,
        pay_app_id,
        payee_acct_name,
        amount,
        breach || '|' || coalesce(pay_app_id, contract_no) as object_key,
        {{ fiscal.json_object_text("'breach', breach, 'contract_no', contract_no, 'contract_amt', contract_amt") }}
            as evidence,
        case breach
            when 'no_contract' then '政府采购指标无合同支付 (procurement-flagged indicator paid without a contract)'
            when 'payee_not_supplier' then '收款人不是合同供应商 (payee is not the contract supplier)'
            else '合同累计支付超过合同金额 (contract paid beyond its amount)'
        end as message
    from hits

)

select * from final
