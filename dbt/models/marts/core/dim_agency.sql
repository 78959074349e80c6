with agencies as (

    select * from {{ ref('stg_core__bas_agency_info') }}

),

staffing as (

    select * from {{ ref('stg_core__bas_agency_staffing') }}

),

accounts as (

    select
        agency_code,
        count(*) as account_count,
        count(*) filter (where is_own_fund) as own_fund_account_count
    from {{ ref('stg_core__bas_agency_account') }}
    group by agency_code

),

agency_types as (

    select code, name from {{ ref('agency_type') }}

),

divisions as (

    select * from {{ ref('stg_core__bas_mof_div') }}

),

final as (

    select
        a.agency_code,
        a.agency_name,
        a.mof_div_code,
        d.mof_div_name,
        a.dept_code,
        dept.agency_name as dept_name,
        a.parent_code,
        a.agency_code = a.dept_code as is_department,
        a.agency_type_code,
        t.name as agency_type_name,
        a.exp_func_code,
        a.unifsoc_cred_code,
        a.is_enabled,
        coalesce(s.admin_staf_num, 0) as admin_staf_num,
        coalesce(s.inst_staf_num, 0) as inst_staf_num,
        coalesce(s.worker_staf_num, 0) as worker_staf_num,
        coalesce(acc.account_count, 0) as account_count,
        coalesce(acc.own_fund_account_count, 0) as own_fund_account_count,
        a.created_at
    from agencies as a
    left join agencies as dept on dept.agency_code = a.dept_code
    left join staffing as s on s.agency_code = a.agency_code
    left join accounts as acc on acc.agency_code = a.agency_code
    left join agency_types as t on t.code = a.agency_type_code
    left join divisions as d on d.mof_div_code = a.mof_div_code

)

select * from final
