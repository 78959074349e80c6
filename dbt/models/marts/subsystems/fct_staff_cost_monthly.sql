with

person_months as (

    select * from {{ ref('int_person_month_situations') }}

),

vouchers as (

    select * from {{ ref('stg_core__pay_voucher') }}

),

pay_details as (

    select * from {{ ref('stg_core__pay_detail') }}

),

agencies as (

    select * from {{ ref('stg_core__bas_agency_info') }}

),

div_config as (

    select * from {{ ref('stg_core__sys_div_config') }}

),

contribution_rates as (

    select * from {{ ref('contribution_rate') }}

),

personnel_identities as (

    select * from {{ ref('per_ide') }}

),

divisions as (

    select distinct mof_div_code from agencies

),

rates as (

    -- as in the core, a 区划 setting contribution_rate.<code>.personal / .employer overrides the code set
    select
        divisions.mof_div_code,
        contribution_rates.code as rate_code,
        coalesce(
            cast(personal.config_value as decimal(9, 6)),
            cast(contribution_rates.personal_rate as decimal(9, 6)),
            0
        ) as personal_rate,
        coalesce(
            cast(employer.config_value as decimal(9, 6)),
            cast(contribution_rates.employer_rate as decimal(9, 6)),
            0
        ) as employer_rate
    from divisions
    cross join contribution_rates
    left join div_config as personal
        on divisions.mof_div_code = personal.mof_div_code
        and personal.config_key = 'contribution_rate.' || contribution_rates.code || '.personal'
    left join div_config as employer
        on divisions.mof_div_code = employer.mof_div_code
        and employer.config_key = 'contribution_rate.' || contribution_rates.code || '.employer'

),

payroll_vouchers as (

    -- 工资统发: the payments that carry per-person net_pay rows; only executed ones (paid, cleared) count,
    -- so a payroll the bank returned is not staff cost paid
    select
        vouchers.pay_app_id,
        vouchers.agency_code,
        vouchers.mof_div_code
    from vouchers
    where vouchers.status in ('paid', 'cleared')
        and vouchers.pay_app_id in (
            select pay_app_id from pay_details where detail_type = 'net_pay'
        )

),

net_pay as (

    select
        payroll_vouchers.pay_app_id,
        payroll_vouchers.agency_code,
        payroll_vouchers.mof_div_code,
        pay_details.pay_month,
        pay_details.per_id,
        sum(pay_details.pay_amt) as net_pay_amt
    from payroll_vouchers
    inner join pay_details
        on payroll_vouchers.pay_app_id = pay_details.pay_app_id
    where pay_details.detail_type = 'net_pay'
    group by 1, 2, 3, 4, 5

),

paid_persons as (

    -- the person's situation at month end gives the category and the contribution base, exactly as the
    -- payroll run read it
    select
        net_pay.*,
        person_months.per_ide_code,
        person_months.wage_amt
    from net_pay
    left join person_months
        on net_pay.per_id = person_months.per_id
        and net_pay.pay_month = person_months.pay_month

),

withheld_per_person as (

    -- the withholding rows of a payroll are per agency and economic code, not per person; each person's
    -- share is recomputed with the payroll's own rule, round(应发 × personal rate) per contribution
    select
        paid_persons.pay_app_id,
        paid_persons.per_id,
        sum(round(paid_persons.wage_amt * rates.personal_rate, 2)) as withheld_amt
    from paid_persons
    inner join rates
        on paid_persons.mof_div_code = rates.mof_div_code
    group by 1, 2

),

payroll_by_category as (

    select
        paid_persons.agency_code,
        paid_persons.pay_month,
        paid_persons.per_ide_code,
        count(distinct paid_persons.per_id) as paid_headcount,
        sum(paid_persons.net_pay_amt) as net_pay_amt,
        sum(coalesce(withheld_per_person.withheld_amt, 0)) as withheld_amt
    from paid_persons
    left join withheld_per_person
        on paid_persons.pay_app_id = withheld_per_person.pay_app_id
        and paid_persons.per_id = withheld_per_person.per_id
    group by 1, 2, 3

),

posts_by_category as (

    select
        agency_code,
        pay_month,
        per_ide_code,
        sum(case when is_in_post then 1 else 0 end) as headcount_in_post,
        sum(case when is_in_post and is_uni_sala then 1 else 0 end) as headcount_uni_sala,
        sum(case when is_retired then 1 else 0 end) as retired_count,
        sum(case when is_in_post then wage_amt else 0 end) as budgeted_wage_amt,
        sum(case when is_in_post then pos_sala + grad_sala else 0 end) as budgeted_basic_pay_amt,
        sum(case when is_in_post then nation_reg_sub + local_reg_sub else 0 end) as budgeted_allowance_amt,
        sum(case when is_in_post then basc_perf + inct_perf else 0 end) as budgeted_performance_pay_amt,
        sum(case when is_retired then ret_pay else 0 end) as budgeted_ret_pay_amt
    from person_months
    where is_in_post or is_retired
    group by 1, 2, 3

),

category_keys as (

    select agency_code, pay_month, per_ide_code from posts_by_category
    union
    select agency_code, pay_month, per_ide_code from payroll_by_category

),

employer_contributions as (

    select
        posts_by_category.agency_code,
        posts_by_category.pay_month,
        posts_by_category.per_ide_code,
        sum(round(posts_by_category.budgeted_wage_amt * rates.employer_rate, 2)) as budgeted_employer_contrib_amt
    from posts_by_category
    inner join agencies
        on posts_by_category.agency_code = agencies.agency_code
    inner join rates
        on agencies.mof_div_code = rates.mof_div_code
    group by 1, 2, 3

),

joined as (

    select
        category_keys.agency_code,
        agencies.dept_code,
        category_keys.pay_month,
        cast(substr(category_keys.pay_month, 1, 4) as integer) as fiscal_year,
        cast(
            {{ dbt.last_day("cast(category_keys.pay_month || '-01' as date)", 'month') }} as date
        ) as month_end_date,
        category_keys.per_ide_code,
        personnel_identities.name as per_ide_name,
        coalesce(posts_by_category.headcount_in_post, 0) as headcount_in_post,
        coalesce(posts_by_category.headcount_uni_sala, 0) as headcount_uni_sala,
        coalesce(posts_by_category.retired_count, 0) as retired_count,
        coalesce(payroll_by_category.paid_headcount, 0) as paid_headcount,
        coalesce(payroll_by_category.net_pay_amt, 0)
        + coalesce(payroll_by_category.withheld_amt, 0) as gross_pay_amt,
        coalesce(payroll_by_category.withheld_amt, 0) as withheld_amt,
        coalesce(payroll_by_category.net_pay_amt, 0) as net_pay_amt,
        coalesce(posts_by_category.budgeted_wage_amt, 0) as budgeted_wage_amt,
        coalesce(posts_by_category.budgeted_basic_pay_amt, 0) as budgeted_basic_pay_amt,
        coalesce(posts_by_category.budgeted_allowance_amt, 0) as budgeted_allowance_amt,
        coalesce(posts_by_category.budgeted_performance_pay_amt, 0) as budgeted_performance_pay_amt,
        coalesce(employer_contributions.budgeted_employer_contrib_amt, 0) as budgeted_employer_contrib_amt,
        coalesce(posts_by_category.budgeted_ret_pay_amt, 0) as budgeted_ret_pay_amt
    from category_keys
    left join posts_by_category
        on category_keys.agency_code = posts_by_category.agency_code
        and category_keys.pay_month = posts_by_category.pay_month
        and category_keys.per_ide_code = posts_by_category.per_ide_code
    left join payroll_by_category
        on category_keys.agency_code = payroll_by_category.agency_code
        and category_keys.pay_month = payroll_by_category.pay_month
        and category_keys.per_ide_code = payroll_by_category.per_ide_code
    left join employer_contributions
        on category_keys.agency_code = employer_contributions.agency_code
        and category_keys.pay_month = employer_contributions.pay_month
        and category_keys.per_ide_code = employer_contributions.per_ide_code
    left join agencies
        on category_keys.agency_code = agencies.agency_code
    left join personnel_identities
        on category_keys.per_ide_code = personnel_identities.code

),

final as (

    select
        agency_code,
        dept_code,
        pay_month,
        fiscal_year,
        month_end_date,
        per_ide_code,
        per_ide_name,
        cast(headcount_in_post as integer) as headcount_in_post,
        cast(headcount_uni_sala as integer) as headcount_uni_sala,
        cast(retired_count as integer) as retired_count,
        cast(paid_headcount as integer) as paid_headcount,
        cast(gross_pay_amt as decimal(18, 2)) as gross_pay_amt,
        cast(withheld_amt as decimal(18, 2)) as withheld_amt,
        cast(net_pay_amt as decimal(18, 2)) as net_pay_amt,
        cast(budgeted_wage_amt as decimal(18, 2)) as budgeted_wage_amt,
        cast(budgeted_basic_pay_amt as decimal(18, 2)) as budgeted_basic_pay_amt,
        cast(budgeted_allowance_amt as decimal(18, 2)) as budgeted_allowance_amt,
        cast(budgeted_performance_pay_amt as decimal(18, 2)) as budgeted_performance_pay_amt,
        cast(budgeted_employer_contrib_amt as decimal(18, 2)) as budgeted_employer_contrib_amt,
        cast(budgeted_ret_pay_amt as decimal(18, 2)) as budgeted_ret_pay_amt,
        cast(
            budgeted_wage_amt + budgeted_employer_contrib_amt + budgeted_ret_pay_amt as decimal(18, 2)
        ) as budgeted_staff_cost_amt
    from joined

)

select * from final
