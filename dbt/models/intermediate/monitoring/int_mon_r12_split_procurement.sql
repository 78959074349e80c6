-- R12 拆分采购（化整为零）: purchases (302 商品和服务 and 310 资本性支出, less the codes that are not
-- purchases) a unit made from one payee in one quarter without a procurement contract: at least
-- min_payments applications (not voided or returned), each below the 分散采购限额标准 (the lower of the
-- goods and services thresholds, gp_threshold.csv or the 区划's own) and together at or above it.
with payments as (

    select * from {{ ref('int_mon_payments') }}
    where is_live and contract_no is null and substr(dep_bgt_eco_code, 1, 3) in ('302', '310')

),

params as (

    select
        mof_div_code,
        cast(max(param_value) filter (where param_name = 'min_payments') as integer) as min_payments,
        ',' || max(param_value) filter (where param_name = 'excluded_codes') || ',' as excluded_codes
    from {{ ref('int_mon_rule_params') }}
    where rule_code = 'R12'
    group by mof_div_code

),

thresholds as (

    -- the 区划's own threshold (fen, gp_threshold.<code>) or the code set's (yuan)
    select
        d.mof_div_code,
        min(coalesce(cast(s.config_value as decimal(18, 0)) * 0.01, cast(g.amount as decimal(18, 2)))) as limit_amt
    from {{ ref('stg_core__bas_mof_div') }} as d
    cross join {{ ref('gp_threshold') }} as g
    left join {{ ref('stg_core__sys_div_config') }} as s
        on s.mof_div_code = d.mof_div_code and s.config_key = 'gp_threshold.' || g.code
    where g.code in ('DL_GOODS', 'DL_SERVICE')
    group by d.mof_div_code

),

grouped as (

    select
        p.mof_div_code,
        p.fiscal_year,
        p.agency_code,
        p.payee_acct_name,
        cast(p.fiscal_year as {{ dbt.type_string() }}) || 'Q' || cast(quarter(p.create_date) as {{ dbt.type_string() }}) as period,
        count(*) as payments,
        cast(sum(p.pay_app_amt) as decimal(18, 2)) as total_amt,
        max(p.pay_app_amt) as max_amt,
        count(distinct p.bgt_id) as indicators,
        min(p.bgt_id) as first_bgt_id,
        min(p.pro_code) as first_pro_code,
        {{ fiscal.array_agg_ordered('p.pay_app_id', 'p.create_date, p.pay_app_id') }} as pay_app_ids,
        {{ fiscal.array_agg_distinct('p.dep_bgt_eco_code') }} as eco_codes
    from payments as p
    inner join params as r on r.mof_div_code = p.mof_div_code
    where r.excluded_codes not like '%,' || p.dep_bgt_eco_code || ',%'
    group by 1, 2, 3, 4, 5

),

hits as (

    select g.*, t.limit_amt
    from grouped as g
    inner join params as r on r.mof_div_code = g.mof_div_code
    inner join thresholds as t on t.mof_div_code = g.mof_div_code
    where g.payments >= r.min_payments and g.max_amt < t.limit_amt and g.total_amt >= t.limit_amt

),

final as (

    select
        'R12' as rule_code,
        mof_div_code,
        fiscal_year,
        period,
        agency_code,
        case when indicators = 1 then first_pro_code end as pro_code,
        case when indicators = 1 then first_bgt_id end as bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        payee_acct_name,
        total_amt as amount,
        agency_code || '|' || payee_acct_name || '|' || period as object_key,
        {{ fiscal.json_object_text("'payments', payments, 'total_amt', total_amt, 'max_amt', max_amt, 'limit', limit_amt,
                         'eco_codes', eco_codes, 'pay_app_ids', pay_app_ids") }} as evidence,
        period || ' 向' || payee_acct_name || '无合同支付 ' || cast(payments as {{ dbt.type_string() }}) || ' 笔，单笔均低于限额 '
            || cast(limit_amt as {{ dbt.type_string() }}) || ' 元，合计 ' || cast(total_amt as {{ dbt.type_string() }}) || ' 元 ('
            || cast(payments as {{ dbt.type_string() }}) || ' payments without a contract to one payee in ' || period
            || ', each below and together above ' || cast(limit_amt as {{ dbt.type_string() }}) || ')' as message
    from hits

)

select * from final
