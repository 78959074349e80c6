-- R23 惠企利民补贴到人缺少明细: per 补贴到人 project (is_sub) and year, executed payments that carry no
-- beneficiary row in pay_detail (docs/standard/controls.md §PAY7). A payment application may carry its beneficiaries
-- (SubmitPayment.beneficiaries) but need not, so the check runs after the fact.
with projects as (

    select pro_code from {{ ref('stg_core__pm_project') }} where is_sub

),

details as (

    select distinct pay_app_id from {{ ref('stg_core__pay_detail') }}

),

missing as (

    select
        p.mof_div_code,
        p.fiscal_year,
        p.agency_code,
        p.pro_code,
        count(*) as payments,
        cast(sum(p.net_paid_amt) as decimal(18, 2)) as missing_amt,
        min(p.pay_app_no) as first_pay_app_no,
        max(p.pay_app_no) as last_pay_app_no
    from {{ ref('int_mon_payments') }} as p
    inner join projects as j on j.pro_code = p.pro_code
    left join details as d on d.pay_app_id = p.pay_app_id
    where p.is_executed and d.pay_app_id is null
    group by 1, 2, 3, 4

),

final as (

    select
        'R23' as rule_code,
        mof_div_code,
        fiscal_year,
        cast(fiscal_year as {{ dbt.type_string() }}) as period,
        agency_code,
        pro_code,
        cast(null as {{ dbt.type_string() }}) as bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        cast(null as {{ dbt.type_string() }}) as payee_acct_name,
        missing_amt as amount,
        pro_code || '|' || cast(fiscal_year as {{ dbt.type_string() }}) as object_key,
        {{ fiscal.json_object_text("'payments', payments, 'missing_amt', missing_amt, 'first_pay_app_no', first_pay_app_no,
                         'last_pay_app_no', last_pay_app_no") }} as evidence,
        '补贴到人项目已支付 ' || cast(payments as {{ dbt.type_string() }}) || ' 笔、' || cast(missing_amt as {{ dbt.type_string() }})
            || ' 元没有受益人明细 (' || cast(payments as {{ dbt.type_string() }})
            || ' subsidy payments without beneficiary rows)' as message
    from missing

)

select * from final
