-- Each indicator with its chain of origin: 分配/调剂 children point to their parent by ori_bgt_id, and a
-- 结转 indicator to last year's. depth 0 = the indicator itself.
with recursive indicators as (

    select bgt_id, ori_bgt_id from {{ ref('stg_core__ba_bgt_info') }}

),

chain as (

    select bgt_id, bgt_id as ancestor_bgt_id, ori_bgt_id as next_bgt_id, 0 as depth
    from indicators

    union all

    select c.bgt_id, i.bgt_id as ancestor_bgt_id, i.ori_bgt_id as next_bgt_id, c.depth + 1 as depth
    from chain as c
    inner join indicators as i on i.bgt_id = c.next_bgt_id
    where c.depth < 20

)

select bgt_id, ancestor_bgt_id, depth from chain
