-- R17S “其他”科目占比过高: per project and year, what was executed on the "other" economic codes (款 ending
-- in 99: 30199, 30299, 30399, 31099, 39999 …) against the project's indicators (after adjustments, as of
-- the year's end). Project expenditure only (人员类 and 公用经费 are generated, not chosen).
with payments as (

    select * from {{ ref('int_mon_payments') }}
    where is_executed and pro_cat_code not in ('1', '21')

),

indicators as (

    select * from {{ ref('stg_core__ba_bgt_info') }}
    where bgt_exe_flag and pro_cat_code not in ('1', '21')

),

adjusted as (

    select
        i.mof_div_code,
        i.fiscal_year,
        i.agency_code,
        i.pro_code,
        cast(sum(l.d_amount - l.d_dis) as decimal(18, 2)) as adjusted_amt
    from indicators as i
    inner join {{ ref('stg_core__ba_bgt_ledger') }} as l on l.bgt_id = i.bgt_id
    where l.created_at < make_timestamp(i.fiscal_year + 1, 1, 1, 0, 0, 0)
    group by 1, 2, 3, 4

),

other as (

    select
        pro_code,
        fiscal_year,
        cast(sum(net_paid_amt) as decimal(18, 2)) as other_amt,
        {{ fiscal.array_agg_distinct('dep_bgt_eco_code') }} as eco_codes,
        count(*) as payments
    from payments
    where length(dep_bgt_eco_code) >= 5 and substr(dep_bgt_eco_code, 4, 2) = '99'
    group by 1, 2

),

params as (

    select mof_div_code, cast(max(param_value) as decimal(9, 4)) as share
    from {{ ref('int_mon_rule_params') }}
    where rule_code = 'R17S' and param_name = 'share'
    group by mof_div_code

),

final as (

    select
        'R17S' as rule_code,
        a.mof_div_code,
        a.fiscal_year,
        cast(a.fiscal_year as {{ dbt.type_string() }}) as period,
        a.agency_code,
        a.pro_code,
        cast(null as {{ dbt.type_string() }}) as bgt_id,
        cast(null as {{ dbt.type_string() }}) as pay_app_id,
        cast(null as {{ dbt.type_string() }}) as payee_acct_name,
        o.other_amt as amount,
        a.pro_code || '|' || cast(a.fiscal_year as {{ dbt.type_string() }}) as object_key,
        {{ fiscal.json_object_text("'other_amt', o.other_amt, 'adjusted_amt', a.adjusted_amt,
                         'other_share', round(cast(o.other_amt as double) / cast(a.adjusted_amt as double), 4), 'share', cast(p.share as double),
                         'eco_codes', o.eco_codes, 'payments', o.payments") }} as evidence,
        '“其他”类科目支出 ' || cast(o.other_amt as {{ dbt.type_string() }}) || ' 元，占项目指标 '
            || cast(round(cast(o.other_amt as double) / cast(a.adjusted_amt as double) * 100, 1) as {{ dbt.type_string() }}) || '% ("other" codes '
            || cast(round(cast(o.other_amt as double) / cast(a.adjusted_amt as double) * 100, 1) as {{ dbt.type_string() }}) || '% of the project)' as message
    from adjusted as a
    inner join other as o on o.pro_code = a.pro_code and o.fiscal_year = a.fiscal_year
    inner join params as p on p.mof_div_code = a.mof_div_code
    where a.adjusted_amt > 0 and o.other_amt > a.adjusted_amt * p.share

)

select * from final
