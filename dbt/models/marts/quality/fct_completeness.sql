-- What the platform does not know, per department and month (缺报与未完成事项): so that no figure is read as
-- complete when it is not. One row per fiscal year × month × department (null = the district as a whole, for the
-- feeds) × gap kind × feed, with the number of items and, where the gap has one, its amount.
--
-- Gap kinds:
--   feed_day_missing      a working day of the core (the bureau booked something that day) with no file of the feed
--   quarantine_pending    rows quarantined from a feed's file and not replayed (no later clean file of the same date)
--   unit_silent           units holding indicators for the year that created no payment application in the month
--   payment_awaiting_bank payment vouchers sent to the bank with no bank receipt yet
--   payment_not_cleared   payments the bank made that are not yet cleared (清算) with the treasury
--   transfer_unlinked     indicators of upper transfers (上级转移支付) without a project link
with as_of as (

    select cast(max(occurred_at) as date) as as_of_date from {{ ref('stg_core__journal') }}

),

core_days as (

    -- the bureau's own working days: days the core journalled anything on a weekday
    select distinct cast(j.occurred_at as date) as day
    from {{ ref('stg_core__journal') }} as j
    where {{ fiscal.iso_day_of_week('cast(j.occurred_at as date)') }} < 6

),

files as (

    select
        feed,
        file_name,
        rows_quarantined,
        status,
        {{ fiscal.parse_date("regexp_extract(file_name, '([0-9]{8})', 1)", '%Y%m%d') }} as file_date
    from {{ ref('stg_exchange__file') }}
    where regexp_extract(file_name, '([0-9]{8})', 1) <> ''

),

daily_feeds as (

    -- feeds sent once per working day (the specs say so); the HR roster is a snapshot and has no calendar
    select feed, min(file_date) as first_date
    from files
    where feed in ('tax_revenue', 'bank_receipt')
    group by feed

),

feed_day_missing as (

    select
        f.feed,
        d.day as gap_date,
        cast(null as {{ dbt.type_string() }}) as dept_code,
        1 as items,
        cast(null as decimal(18, 2)) as amount
    from daily_feeds as f
    inner join core_days as d on d.day >= f.first_date
    cross join as_of
    where d.day <= as_of.as_of_date
      and not exists (
          select 1 from files as x
          where x.feed = f.feed and x.file_date = d.day and x.status = 'loaded'
      )

),

quarantine_pending as (

    select
        q.feed,
        x.file_date as gap_date,
        cast(null as {{ dbt.type_string() }}) as dept_code,
        1 as items,
        cast(null as decimal(18, 2)) as amount
    from {{ ref('stg_exchange__quarantine') }} as q
    inner join files as x on x.file_name = q.file_name and x.feed = q.feed
    where not exists (
        select 1 from files as later
        where later.feed = x.feed and later.file_date = x.file_date and later.file_name <> x.file_name
          and later.status = 'loaded' and later.rows_quarantined = 0
    )

),

unit_years as (

    select distinct b.agency_code, b.fiscal_year
    from {{ ref('stg_core__ba_bgt_info') }} as b

),

months as (

    select distinct d.fiscal_year, d.fiscal_month, d.month_start_date
    from {{ ref('dim_date') }} as d
    cross join as_of
    where d.date_day <= as_of.as_of_date

),

unit_silent as (

    select
        cast(null as {{ dbt.type_string() }}) as feed,
        m.month_start_date as gap_date,
        a.dept_code,
        1 as items,
        cast(null as decimal(18, 2)) as amount
    from unit_years as u
    inner join months as m on m.fiscal_year = u.fiscal_year
    inner join {{ ref('dim_agency') }} as a on a.agency_code = u.agency_code
    where a.is_enabled
      and not exists (
          select 1 from {{ ref('fct_payment') }} as p
          where p.agency_code = u.agency_code
            and p.fiscal_year = m.fiscal_year
            and month(p.create_date) = m.fiscal_month
      )

),

payment_awaiting_bank as (

    select
        cast(null as {{ dbt.type_string() }}) as feed,
        cast(p.voucher_at as date) as gap_date,
        p.dept_code,
        1 as items,
        p.pay_app_amt as amount
    from {{ ref('fct_payment') }} as p
    where p.status = 'voucher_issued' and p.voucher_at is not null and p.paid_date is null

),

payment_not_cleared as (

    select
        cast(null as {{ dbt.type_string() }}) as feed,
        p.paid_date as gap_date,
        p.dept_code,
        1 as items,
        p.paid_amt as amount
    from {{ ref('fct_payment') }} as p
    where p.paid_date is not null and p.cleared_date is null and p.paid_amt > 0

),

transfer_unlinked as (

    select
        cast(null as {{ dbt.type_string() }}) as feed,
        coalesce(b.doc_date, cast(b.created_at as date)) as gap_date,
        b.dept_code,
        1 as items,
        b.amount
    from {{ ref('stg_core__ba_bgt_info') }} as b
    where b.source_type_code in ('5', '6') and b.pro_code is null

),

gaps as (

    select 'feed_day_missing' as gap_kind, * from feed_day_missing
    union all select 'quarantine_pending', * from quarantine_pending
    union all select 'unit_silent', * from unit_silent
    union all select 'payment_awaiting_bank', * from payment_awaiting_bank
    union all select 'payment_not_cleared', * from payment_not_cleared
    union all select 'transfer_unlinked', * from transfer_unlinked

),

names as (

    select * from (values
        ('feed_day_missing', '应报未报的交换文件（工作日）', 'exchange files expected but not received (working days)'),
        ('quarantine_pending', '已隔离未重报的数据行', 'rows quarantined and not replayed'),
        ('unit_silent', '当月无任何支付申请的单位', 'units that reported no payment application in the month'),
        ('payment_awaiting_bank', '已发银行未回单的支付凭证', 'vouchers sent to the bank without a receipt yet'),
        ('payment_not_cleared', '已支付未清算', 'payments made, not yet cleared'),
        ('transfer_unlinked', '上级转移支付指标未关联项目', 'upper-transfer indicators without a project link')
    ) as t (gap_kind, gap_name_zh, gap_name_en)

)

select
    cast(year(g.gap_date) as integer) as fiscal_year,
    cast(month(g.gap_date) as integer) as fiscal_month,
    g.dept_code,
    dept.agency_name as dept_name,
    g.gap_kind,
    n.gap_name_zh,
    n.gap_name_en,
    g.feed,
    cast(sum(g.items) as bigint) as item_count,
    cast(sum(g.amount) as decimal(18, 2)) as amount,
    cast(max(as_of.as_of_date) as date) as as_of_date
from gaps as g
inner join names as n on n.gap_kind = g.gap_kind
left join {{ ref('dim_agency') }} as dept on dept.agency_code = g.dept_code
cross join as_of
where g.gap_date is not null
group by year(g.gap_date), month(g.gap_date), g.dept_code, dept.agency_name, g.gap_kind, n.gap_name_zh,
    n.gap_name_en, g.feed
