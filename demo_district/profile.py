# mypy: disable-error-code="call-overload"
"""A short data profile of the simulated district, printed at the end of ``fiscal simulate`` and
checked by the tests for plausibility."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from fiscal_core.service_layer.core import Core

WAN = 10_000_00  # fen in 万元


def profile(core: Core) -> dict[str, Any]:
    """What the core counts (``Core.counts``) and, until the core has a query for them, the district's shape
    per year in SQL (see the simulator's report: ``queries.district_profile`` would replace it)."""
    counts = core.counts()
    out: dict[str, Any] = {}
    with core.db.read() as conn:
        out["departments"] = int(conn.execute(text(
            "SELECT COUNT(*) FROM bas_agency_info WHERE parent_code IS NULL")).scalar_one() or 0)
        out["agencies"] = counts["bas_agency_info"]
        out["persons"] = int(conn.execute(text("SELECT COUNT(*) FROM bas_person_info")).scalar_one() or 0)
        out["journal"] = counts["journal"]
        out["projects_by_year"] = dict(conn.execute(text(
            "SELECT setup_year, COUNT(*) FROM pm_project GROUP BY setup_year ORDER BY 1")).all())
        out["indicators_by_year"] = {y: (n, int(a)) for y, n, a in conn.execute(text(
            "SELECT fiscal_year, COUNT(*), SUM(amount) FROM ba_bgt_info WHERE bgt_exe_flag "
            "GROUP BY fiscal_year ORDER BY 1")).all()}
        out["payments_by_year"] = {y: (n, int(a or 0)) for y, n, a in conn.execute(text(
            "SELECT fiscal_year, COUNT(*), SUM(CASE WHEN status IN ('paid','cleared') THEN xpay_amt - refund_amt "
            "ELSE 0 END) FROM pay_voucher GROUP BY fiscal_year ORDER BY 1")).all()}
        out["revenue_by_year"] = {int(y): int(a) for y, a in conn.execute(text(
            "SELECT CAST(strftime('%Y', tre_date) AS INTEGER), SUM(amount) FROM inc_treasury_income "
            "GROUP BY 1 ORDER BY 1" if core.db.is_sqlite else
            "SELECT EXTRACT(YEAR FROM tre_date)::int, SUM(amount) FROM inc_treasury_income GROUP BY 1 ORDER BY 1"
        )).all()}
        month = "CAST(strftime('%m', create_date) AS INTEGER)" if core.db.is_sqlite else \
            "EXTRACT(MONTH FROM create_date)::int"
        full = max((y for y in out["payments_by_year"]), default=0)
        last_full = full - 1 if len(out["payments_by_year"]) > 1 else full
        out["last_full_year"] = last_full
        out["monthly_paid"] = {int(m): int(a or 0) for m, a in conn.execute(text(
            f"SELECT {month}, SUM(pay_app_amt) FROM pay_voucher WHERE fiscal_year = :y "
            "AND status IN ('paid','cleared') GROUP BY 1 ORDER BY 1"), {"y": last_full}).all()}
        out["payroll_months"] = {int(y): int(n) for y, n in conn.execute(text(
            f"SELECT fiscal_year, COUNT(DISTINCT {month}) FROM pay_voucher WHERE use_des LIKE '%工资统发%' "
            "GROUP BY fiscal_year")).all()}
        tre_month = "CAST(strftime('%m', tre_date) AS INTEGER)" if core.db.is_sqlite else \
            "EXTRACT(MONTH FROM tre_date)::int"
        tre_year = "CAST(strftime('%Y', tre_date) AS INTEGER)" if core.db.is_sqlite else \
            "EXTRACT(YEAR FROM tre_date)::int"
        out["vat_monthly"] = {int(m): int(a) for m, a in conn.execute(text(
            f"SELECT {tre_month}, SUM(amount) FROM inc_treasury_income WHERE inc_code = '10104' AND {tre_year} = :y "
            "GROUP BY 1 ORDER BY 1"), {"y": last_full}).all()}
        out["working_staff"] = int(conn.execute(text(
            "SELECT COUNT(*) FROM bas_person_hist h WHERE h.per_sta_code = '1' AND h.eff_date = "
            "(SELECT MAX(eff_date) FROM bas_person_hist h2 WHERE h2.per_id = h.per_id)")).scalar_one())
    return out


def render(p: dict[str, Any]) -> str:
    lines = [f"部门 {p['departments']} 个，预算单位 {p['agencies']} 个，在职财政供养人员 {p['working_staff']:,} 人，"
             f"日志 {p['journal']:,} 条"]
    for y, n in p["projects_by_year"].items():
        ind = p["indicators_by_year"].get(y, (0, 0))
        pay = p["payments_by_year"].get(y, (0, 0))
        rev = p["revenue_by_year"].get(y, 0)
        lines.append(f"  {y}: 项目 {n:,}  指标 {ind[0]:,} 条 {ind[1] / 1e10:,.2f} 亿  支付申请 {pay[0]:,} 笔 "
                     f"已支付 {pay[1] / 1e10:,.2f} 亿  国库收入 {rev / 1e10:,.2f} 亿")
    mp = p["monthly_paid"]
    if mp:
        total = sum(mp.values()) or 1
        curve = " ".join(f"{m}月{v / total:5.1%}" for m, v in sorted(mp.items()))
        lines.append(f"  {p['last_full_year']} 月度支付曲线：{curve}")
    if p["payroll_months"]:
        lines.append("  工资统发月份数：" + "，".join(f"{y} {n}" for y, n in sorted(p["payroll_months"].items())))
    return "\n".join(lines)


def core_checksum(core: Core) -> str:
    """sha256 over every core table's rows in primary-key order: equal checksums, identical data."""
    import hashlib

    from fiscal_core.adapters.tables import metadata

    h = hashlib.sha256()
    with core.db.read() as conn:
        for table in sorted(metadata.sorted_tables, key=lambda t: t.name):
            order = ", ".join(c.name for c in table.primary_key.columns)
            h.update(table.name.encode())
            for row in conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()
