-- The scheduled hits hold on the marts the analysts read: an R10 hit's Nov-Dec spending and an R08 hit's
-- executed 三公 amount, recomputed from fct_payment, agree with the evidence to the fen, and each exceeds
-- its threshold. Any row returned is a hit the ledger does not bear out.
with warnings as (

    select * from {{ ref('fct_warning') }}
    where rule_code in ('R08', 'R10')

),

payments as (

    select * from {{ ref('fct_payment') }}
    where is_executed

),

eco as (

    select code, nullif(sangong_kind, '') as sangong_kind from {{ ref('dep_bgt_eco') }}

),

r10 as (

    select
        w.warning_key,
        cast({{ fiscal.json_extract_text('w.evidence', '$.nov_dec_amt') }} as decimal(18, 2)) as claimed,
        cast(coalesce(sum(p.net_paid_amt) filter (where month(p.create_date) in (11, 12)), 0) as decimal(18, 2))
            as recomputed
    from warnings as w
    left join payments as p on p.bgt_id = w.bgt_id
    where w.rule_code = 'R10'
    group by w.warning_key, w.evidence

),

r08 as (

    select
        w.warning_key,
        cast({{ fiscal.json_extract_text('w.evidence', '$.executed_amt') }} as decimal(18, 2)) as claimed,
        cast(coalesce(sum(p.net_paid_amt), 0) as decimal(18, 2)) as recomputed
    from warnings as w
    left join payments as p
        on p.agency_code = w.agency_code and p.fiscal_year = w.fiscal_year
    left join eco as e on e.code = p.dep_bgt_eco_code
    where w.rule_code = 'R08' and e.sangong_kind = {{ fiscal.json_extract_text('w.evidence', '$.sangong_kind') }}
    group by w.warning_key, w.evidence

)

select * from r10 where claimed <> recomputed
union all
select * from r08 where claimed <> recomputed
