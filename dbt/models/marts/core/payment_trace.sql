{{ config(materialized='view') }}
-- 来龙去脉: for each payment application, every journalled step of its origin, in time order — the
-- project's declaration and approvals, the budget line, the indicator and its ancestry (分配/调剂/结转),
-- the procurement plan and contract, the application itself, its voucher, the bank and the clearing.
-- A view: a trace is read one payment at a time (where pay_app_id = …), and DuckDB pushes the filter down.
with payments as (

    select pay_app_id, pro_code, bgt_id, gp_plan_id, contract_no, pay_cert_sum_no
    from {{ ref('fct_payment') }}

),

events as (

    select * from {{ ref('int_journal_events') }}

),

ancestry as (

    select bgt_id, ancestor_bgt_id, depth from {{ ref('int_indicator_ancestry') }}

),

budget_lines as (

    select bgt_id, bgt_pman_id from {{ ref('stg_core__ba_bgt_info') }} where bgt_pman_id is not null

),

adjustments as (

    select distinct bgt_id, bat_num from {{ ref('stg_core__ba_bgt_adjsub') }}

),

project_steps as (

    select p.pay_app_id, 1 as stage_no, '项目库 project' as stage, cast(null as integer) as lineage_depth, e.*
    from payments as p
    inner join events as e on e.object_type = 'pm_project' and e.object_id = p.pro_code

),

budget_steps as (

    select p.pay_app_id, 2 as stage_no, '预算编制 budget' as stage, a.depth as lineage_depth, e.*
    from payments as p
    inner join ancestry as a on a.bgt_id = p.bgt_id
    inner join budget_lines as bl on bl.bgt_id = a.ancestor_bgt_id
    inner join events as e on e.object_type = 'bgt_pm_annual' and e.object_id = bl.bgt_pman_id

),

indicator_steps as (

    select p.pay_app_id, 3 as stage_no, '预算指标 indicator' as stage, a.depth as lineage_depth, e.*
    from payments as p
    inner join ancestry as a on a.bgt_id = p.bgt_id
    inner join events as e on e.object_type = 'ba_bgt_info' and e.object_id = a.ancestor_bgt_id

),

adjustment_steps as (

    select p.pay_app_id, 3 as stage_no, '指标调剂 adjustment' as stage, a.depth as lineage_depth, e.*
    from payments as p
    inner join ancestry as a on a.bgt_id = p.bgt_id
    inner join adjustments as adj on adj.bgt_id = a.ancestor_bgt_id
    inner join events as e on e.object_type = 'ba_bgt_adjsub' and e.object_id = adj.bat_num

),

procurement_steps as (

    select p.pay_app_id, 4 as stage_no, '政府采购 procurement' as stage, cast(null as integer) as lineage_depth, e.*
    from payments as p
    inner join events as e on e.object_type = 'gp_plan' and e.object_id = p.gp_plan_id
    union all
    -- two equi-joins rather than one join on an OR (which cannot be a hash join)
    select p.pay_app_id, 4 as stage_no, '政府采购 procurement' as stage, cast(null as integer) as lineage_depth, e.*
    from payments as p
    inner join events as e on e.object_type = 'gp_contract' and e.object_id = p.contract_no

),

payment_steps as (

    select p.pay_app_id, 5 as stage_no, '支付 payment' as stage, cast(null as integer) as lineage_depth, e.*
    from payments as p
    inner join events as e on e.object_type = 'pay_voucher' and e.object_id = p.pay_app_id

),

clearing_steps as (

    select p.pay_app_id, 6 as stage_no, '清算 clearing' as stage, cast(null as integer) as lineage_depth, e.*
    from payments as p
    inner join events as e on e.object_type = 'pay_clearing' and e.object_id = p.pay_cert_sum_no

),

unioned as (

    select * from project_steps
    union all select * from budget_steps
    union all select * from indicator_steps
    union all select * from adjustment_steps
    union all select * from procurement_steps
    union all select * from payment_steps
    union all select * from clearing_steps

),

final as (

    select
        pay_app_id,
        cast(row_number() over (partition by pay_app_id order by occurred_at, journal_seq) as integer) as step_no,
        cast(stage_no as integer) as stage_no,
        stage,
        cast(lineage_depth as integer) as lineage_depth,
        object_type,
        object_id,
        action,
        occurred_at,
        actor,
        actor_role,
        opinion,
        journal_seq,
        after_json as detail_json
    from unioned

)

select * from final
