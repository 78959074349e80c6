-- One row per person and month end: where the person stood on the last day of the month (the
-- bas_person_hist row in force that day). Months are those in which any agency ran a payroll, so the
-- warehouse never invents months the core has not reached.
with

person_history as (

    select * from {{ ref('stg_core__bas_person_hist') }}

),

pay_details as (

    select * from {{ ref('stg_core__pay_detail') }}

),

person_statuses as (

    select * from {{ ref('per_sta') }}

),

payroll_months as (

    select distinct
        pay_month,
        cast(pay_month || '-01' as date) as month_start_date
    from pay_details
    where detail_type = 'net_pay'
        and pay_month is not null

),

month_ends as (

    select
        pay_month,
        month_start_date,
        cast({{ dbt.last_day('month_start_date', 'month') }} as date) as month_end_date
    from payroll_months

),

situations as (

    -- a history row holds from its eff_date until the person's next row; of two rows with the same
    -- eff_date the later-recorded one wins (the earlier gets an empty interval)
    select
        person_history.*,
        lead(eff_date) over (
            partition by per_id
            order by eff_date, created_at, hist_id
        ) as next_eff_date
    from person_history

),

final as (

    select
        situations.per_id,
        month_ends.pay_month,
        month_ends.month_start_date,
        month_ends.month_end_date,
        situations.hist_id,
        situations.eff_date,
        situations.change_type,
        situations.agency_code,
        situations.per_sta_code,
        situations.per_ide_code,
        situations.staf_type_code,
        coalesce(situations.is_uni_sala, false) as is_uni_sala,
        coalesce(person_statuses.is_active, false) as is_in_post,
        -- per_sta 2 离休 / 3 退休 (fiscal_core/codesets/per_sta.csv)
        situations.per_sta_code in ('2', '3') as is_retired,
        situations.pos_sala,
        situations.grad_sala,
        situations.nation_reg_sub,
        situations.local_reg_sub,
        situations.basc_perf,
        situations.inct_perf,
        situations.ret_pay,
        cast(
            situations.pos_sala + situations.grad_sala + situations.nation_reg_sub
            + situations.local_reg_sub + situations.basc_perf + situations.inct_perf
            as decimal(18, 2)
        ) as wage_amt
    from month_ends
    inner join situations
        on situations.eff_date <= month_ends.month_end_date
        and (
            situations.next_eff_date is null
            or situations.next_eff_date > month_ends.month_end_date
        )
    left join person_statuses
        on situations.per_sta_code = person_statuses.code

)

select * from final
