-- 公开表3 一般公共预算支出表's 基本支出 (人员经费, 公用经费) = 公开表3-1 基本支出表's 合计; and 公开表3 合计
-- = 基本支出 + 项目支出. The 三公 total (公开表3-3) is part of 一般公共预算 spending, so never above it.
with

general_public as (

    select * from {{ ref('disclosure_3_general_public_expenditure') }}
    where subject_level = 0

),

basic as (

    select * from {{ ref('disclosure_3_1_general_public_basic_expenditure') }}
    where subject_level = 0

),

sangong as (

    select * from {{ ref('disclosure_3_3_three_public_expenditure') }}
    where row_kind = 'total'

)

select
    general_public.dept_code,
    general_public.fiscal_year
from general_public
full outer join basic
    on general_public.dept_code = basic.dept_code
    and general_public.fiscal_year = basic.fiscal_year
left join sangong
    on general_public.dept_code = sangong.dept_code
    and general_public.fiscal_year = sangong.fiscal_year
where general_public.dept_code is null
    or basic.dept_code is null
    or general_public.basic_amt <> basic.total_amt
    or general_public.personnel_amt <> basic.personnel_amt
    or general_public.public_amt <> basic.public_amt
    or general_public.total_amt <> general_public.basic_amt + general_public.project_amt
    or coalesce(sangong.budget_amt, 0) > general_public.total_amt
