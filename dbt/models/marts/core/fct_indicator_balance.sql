with indicators as (

    select * from {{ ref('stg_core__ba_bgt_info') }}

),

ledger as (

    select * from {{ ref('int_indicator_ledger_summed') }}

),

ancestry as (

    select
        bgt_id,
        {{ fiscal.arg_max('ancestor_bgt_id', 'depth') }} as root_bgt_id,
        max(depth) as lineage_depth
    from {{ ref('int_indicator_ancestry') }}
    group by bgt_id

),

carried as (

    select carryovers_bgt_id as bgt_id, ori_bgt_id as carried_from_bgt_id
    from {{ ref('stg_core__ba_bgt_carryovers') }}

),

zero as (

    select cast(0 as decimal(18, 2)) as amt

),

final as (

    select
        i.bgt_id,
        i.ori_bgt_id,
        a.root_bgt_id,
        a.lineage_depth,
        c.carried_from_bgt_id,
        i.mof_div_code,
        i.fiscal_year,
        i.agency_code,
        i.dept_code,
        i.pro_code,
        i.pro_cat_code,
        i.exp_func_code,
        i.gov_bgt_eco_code,
        i.dep_bgt_eco_code,
        i.fund_type_code,
        i.source_type_code,
        i.bgt_type_code,
        i.bgt_exe_flag,
        i.cor_bgt_doc_no,
        i.bgt_doc_title,
        i.doc_date,
        i.sup_bgt_doc_no,
        i.budget_level_code,
        i.pay_type_code,
        i.is_gov_pur,
        i.bgt_pman_id,
        coalesce(l.issued_amt, z.amt) as issued_amt,
        coalesce(l.added_amt, z.amt) as added_amt,
        coalesce(l.amount, z.amt) as amount,
        coalesce(l.moved_out_amt, z.amt) as moved_out_amt,
        coalesce(l.reduced_amt, z.amt) as reduced_amt,
        coalesce(l.dis_amt, z.amt) as dis_amt,
        coalesce(l.frozen_amt, z.amt) as frozen_amt,
        coalesce(l.plan_amt, z.amt) as plan_amt,
        coalesce(l.gp_amt, z.amt) as gp_amt,
        coalesce(l.inflight_amt, z.amt) as inflight_amt,
        coalesce(l.paid_amt, z.amt) as paid_amt,
        coalesce(l.refund_restored_amt, z.amt) as refund_restored_amt,
        cast(coalesce(l.amount, 0) - coalesce(l.dis_amt, 0) as decimal(18, 2)) as adjusted_amt,
        cast(
            coalesce(l.amount, 0) - coalesce(l.dis_amt, 0) - coalesce(l.frozen_amt, 0) - coalesce(l.plan_amt, 0)
            - coalesce(l.gp_amt, 0) - coalesce(l.inflight_amt, 0) - coalesce(l.paid_amt, 0)
            as decimal(18, 2)
        ) as canuse_amt,
        cast(coalesce(l.amount, 0) - coalesce(l.dis_amt, 0) - coalesce(l.paid_amt, 0) as decimal(18, 2)) as cur_amt,
        case
            when coalesce(l.amount, 0) - coalesce(l.dis_amt, 0) > 0
                then round(cast(l.paid_amt as double) / cast(l.amount - l.dis_amt as double), 4)
        end as execution_rate,
        coalesce(l.ledger_entries, 0) as ledger_entries,
        l.first_entry_at,
        l.last_entry_at,
        l.last_paid_at,
        i.created_at
    from indicators as i
    cross join zero as z
    left join ledger as l on l.bgt_id = i.bgt_id
    left join ancestry as a on a.bgt_id = i.bgt_id
    left join carried as c on c.bgt_id = i.bgt_id

)

select * from final
