-- 公开表3-3 一般公共预算“三公”经费支出表: 因公出国（境）费, 公务用车购置及运行维护费 (公务用车购置费,
-- 公务用车运行维护费) and 公务接待费 from 一般公共预算 lines, basic and project alike, this year and last.
-- The buckets are the dep_bgt_eco code set's sangong_kind (30212, 30913/31013, 30231, 30217).
with

budget_lines as (

    select * from {{ ref('int_budget_lines_classified') }}

),

dep_eco as (

    select * from {{ ref('dep_bgt_eco') }}

),

dept_years as (

    select distinct dept_code, dept_name, fiscal_year from budget_lines

),

kind_codes as (

    select
        sangong_kind,
        {{ dbt.listagg('code', "'/'", 'order by code') }} as line_code
    from dep_eco
    where sangong_kind is not null and sangong_kind <> ''
    group by 1

),

sangong_lines as (

    select * from budget_lines
    where fund_source = 'general_public'
        and sangong_kind is not null
        and sangong_kind <> ''

),

buckets as (

    -- per department and year, this year's (cur_) and last year's (pre_) approved amount of each bucket
    select
        dept_years.dept_code,
        dept_years.dept_name,
        dept_years.fiscal_year,
        {% for prefix, offset in [('cur', 0), ('pre', 1)] %}
        coalesce(sum(case when sangong_lines.fiscal_year = dept_years.fiscal_year - {{ offset }}
            and sangong_lines.sangong_kind = '因公出国（境）费' then sangong_lines.budget_amt end), 0)
            as {{ prefix }}_abroad_amt,
        coalesce(sum(case when sangong_lines.fiscal_year = dept_years.fiscal_year - {{ offset }}
            and sangong_lines.sangong_kind = '公务用车购置费' then sangong_lines.budget_amt end), 0)
            as {{ prefix }}_vehicle_purchase_amt,
        coalesce(sum(case when sangong_lines.fiscal_year = dept_years.fiscal_year - {{ offset }}
            and sangong_lines.sangong_kind = '公务用车运行维护费' then sangong_lines.budget_amt end), 0)
            as {{ prefix }}_vehicle_running_amt,
        coalesce(sum(case when sangong_lines.fiscal_year = dept_years.fiscal_year - {{ offset }}
            and sangong_lines.sangong_kind = '公务接待费' then sangong_lines.budget_amt end), 0)
            as {{ prefix }}_reception_amt{{ ',' if not loop.last }}
        {% endfor %}
    from dept_years
    left join sangong_lines
        on dept_years.dept_code = sangong_lines.dept_code
        and sangong_lines.fiscal_year in (dept_years.fiscal_year, dept_years.fiscal_year - 1)
    group by 1, 2, 3

),

table_rows as (

    select dept_code, dept_name, fiscal_year, 1 as line_no, cast(null as {{ dbt.type_string() }}) as sangong_kind,
        '合计' as line_name, 'total' as row_kind,
        pre_abroad_amt + pre_vehicle_purchase_amt + pre_vehicle_running_amt + pre_reception_amt
            as prior_year_budget_amt,
        cur_abroad_amt + cur_vehicle_purchase_amt + cur_vehicle_running_amt + cur_reception_amt as budget_amt
    from buckets
    union all
    select dept_code, dept_name, fiscal_year, 2, '因公出国（境）费', '因公出国（境）费', 'item',
        pre_abroad_amt, cur_abroad_amt
    from buckets
    union all
    select dept_code, dept_name, fiscal_year, 3, cast(null as {{ dbt.type_string() }}), '公务用车购置及运行维护费', 'subtotal',
        pre_vehicle_purchase_amt + pre_vehicle_running_amt, cur_vehicle_purchase_amt + cur_vehicle_running_amt
    from buckets
    union all
    select dept_code, dept_name, fiscal_year, 4, '公务用车购置费', '其中：公务用车购置费', 'item',
        pre_vehicle_purchase_amt, cur_vehicle_purchase_amt
    from buckets
    union all
    select dept_code, dept_name, fiscal_year, 5, '公务用车运行维护费', '公务用车运行维护费', 'item',
        pre_vehicle_running_amt, cur_vehicle_running_amt
    from buckets
    union all
    select dept_code, dept_name, fiscal_year, 6, '公务接待费', '公务接待费', 'item',
        pre_reception_amt, cur_reception_amt
    from buckets

),

final as (

    select
        table_rows.dept_code,
        table_rows.dept_name,
        table_rows.fiscal_year,
        cast(table_rows.line_no as integer) as line_no,
        kind_codes.line_code,
        table_rows.line_name,
        table_rows.row_kind,
        cast(table_rows.prior_year_budget_amt as decimal(18, 2)) as prior_year_budget_amt,
        cast(table_rows.budget_amt as decimal(18, 2)) as budget_amt,
        cast(table_rows.budget_amt - table_rows.prior_year_budget_amt as decimal(18, 2)) as change_amt
    from table_rows
    left join kind_codes
        on table_rows.sangong_kind = kind_codes.sangong_kind

)

select * from final
