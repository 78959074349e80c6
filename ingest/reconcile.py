"""Payments in the warehouse against the core, day by day (architecture §3.1: the warehouse is derived).

For every day the core and the warehouse must agree on

- payment applications by ``create_date``: how many, Σ ``pay_app_amt`` (申请金额), Σ paid (实际支付金额:
  the core's ``pay_voucher.xpay_amt``) and Σ refunded (``refund_amt``);
- payment vouchers by ``vou_date``: how many, Σ ``pay_amt`` and Σ ``xpay_amt``.

The warehouse is compared layer by layer: ``raw`` (integer fen, as extracted), ``staging`` (DECIMAL(18,2)
yuan) and the mart ``marts.fct_payment`` (yuan; one row per application, paid = ``paid_amt``). The core is
read through SQLAlchemy in one snapshot, independently of the extractor's own reader.

The core keeps changing while the warehouse is built. Everything the core changed after the warehouse's
watermark (``raw._extract_state.last_seq``) is journalled, so the applications the journal names after
that sequence (and their vouchers) are left out on both sides: the comparison is exact whatever the core
did since. When nothing happened in between (a nightly refresh), nothing is left out.

All amounts here are integer fen. This module does not import dagster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa
from sqlalchemy import text

from fiscal_core.adapters.db import Database

APP_MEASURES = ("apps", "app_amt", "paid_amt", "refund_amt")
BILL_MEASURES = ("bills", "bill_amt", "bill_paid_amt")

# Per layer: (table, date column, {measure: column}). Amount columns of raw are fen; of the others, yuan.
_APP_SOURCES: Mapping[str, tuple[str, str, Mapping[str, str]]] = {
    "raw": ("raw.pay_voucher", "create_date",
            {"app_amt": "pay_app_amt", "paid_amt": "xpay_amt", "refund_amt": "refund_amt"}),
    "staging": ("staging.stg_core__pay_voucher", "create_date",
                {"app_amt": "pay_app_amt", "paid_amt": "xpay_amt", "refund_amt": "refund_amt"}),
    "marts": ("marts.fct_payment", "create_date",
              {"app_amt": "pay_app_amt", "paid_amt": "paid_amt", "refund_amt": "refund_amt"}),
}
_BILL_SOURCES: Mapping[str, tuple[str, str, Mapping[str, str]]] = {
    "raw": ("raw.pay_voucher_bill", "vou_date", {"bill_amt": "pay_amt", "bill_paid_amt": "xpay_amt"}),
    "staging": ("staging.stg_core__pay_voucher_bill", "vou_date", {"bill_amt": "pay_amt", "bill_paid_amt": "xpay_amt"}),
}
_OPTIONAL = {"marts.fct_payment"}     # compared when built (a checkout without the mart still reconciles raw)

Figures = dict[str, dict[str, int | Decimal]]      # day (YYYY-MM-DD) → measure → value in fen


@dataclass(frozen=True)
class Mismatch:
    layer: str
    table: str
    day: str
    measure: str
    core: int | Decimal
    warehouse: int | Decimal

    def __str__(self) -> str:
        return f"{self.table} {self.day} {self.measure}: 核心 core {self.core} ≠ 数据仓库 warehouse {self.warehouse}"


@dataclass
class Reconciliation:
    core_seq: int                       # the core's journal tip when compared
    warehouse_seq: int                  # the warehouse's watermark
    excluded_apps: int                  # applications changed in the core since the watermark (left out)
    days: int = 0                       # days with payments compared
    totals: dict[str, int] = field(default_factory=dict)        # the core's totals over what was compared
    compared: list[str] = field(default_factory=list)           # tables compared
    skipped: list[str] = field(default_factory=list)            # optional tables not built
    problems: list[str] = field(default_factory=list)           # structural problems (missing tables, columns)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return (f"对账一致 (reconciled): {self.days} 天 days, {self.totals.get('apps', 0):,} 笔支付申请 applications, "
                    f"{len(self.compared)} 张表 tables")
        lines = [*self.problems, *(str(m) for m in self.mismatches[:20])]
        more = len(self.mismatches) - 20
        return "对账不一致 (reconciliation failed):\n  " + "\n  ".join(lines) + (f"\n  … +{more}" if more > 0 else "")


# -- the core ----------------------------------------------------------------------------------------------
def _core_figures(core_url: str, watermark: int) -> tuple[int, int, list[str], Figures, Figures]:
    """(journal tip, excluded count, excluded ids, by-create-date figures, by-voucher-date figures), in one
    snapshot of the core (SQLite: a deferred read transaction in WAL mode; PostgreSQL: REPEATABLE READ)."""
    db = Database(core_url)
    try:
        with db.engine.connect() as conn:
            opts: dict[str, object] = {"fiscal_read_only": True}
            if db.is_postgres:
                opts["isolation_level"] = "REPEATABLE READ"
            conn = conn.execution_options(**opts)
            with conn.begin():
                tip = int(conn.execute(text("select coalesce(max(seq), 0) from journal")).scalar_one())
                changed = "select object_id from journal where object_type = 'pay_voucher' and seq > :w"
                excluded = [r[0] for r in conn.execute(text(f"select distinct object_id from ({changed}) c"),
                                                       {"w": watermark})]
                apps = conn.execute(text(
                    "select cast(create_date as varchar(10)), count(*), coalesce(sum(pay_app_amt), 0), "
                    "coalesce(sum(xpay_amt), 0), coalesce(sum(refund_amt), 0) from pay_voucher "
                    f"where pay_app_id not in ({changed}) group by create_date"), {"w": watermark}).all()
                bills = conn.execute(text(
                    "select cast(vou_date as varchar(10)), count(*), coalesce(sum(pay_amt), 0), "
                    "coalesce(sum(xpay_amt), 0) from pay_voucher_bill "
                    f"where pay_app_id not in ({changed}) group by vou_date"), {"w": watermark}).all()
    finally:
        db.dispose()
    return (tip, len(excluded), excluded, _as_figures(apps, APP_MEASURES, 1), _as_figures(bills, BILL_MEASURES, 1))


def _as_figures(rows: Iterable[Iterable[object]], measures: tuple[str, ...], scale: int) -> Figures:
    """Rows of (day, count, amount…) → figures; amounts multiplied by ``scale`` (100 for yuan) into fen."""
    out: Figures = {}
    for row in rows:
        day, n, *amounts = list(row)
        vals: dict[str, int | Decimal] = {measures[0]: int(n)}  # type: ignore[call-overload]
        for m, a in zip(measures[1:], amounts, strict=True):
            v = Decimal(str(a)) * scale
            vals[m] = int(v) if v == v.to_integral_value() else v
        out[str(day)] = vals
    return out


# -- the warehouse -------------------------------------------------------------------------------------------
def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    schema, name = table.split(".")
    rows = con.execute("select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                       [schema, name]).fetchall()
    return {r[0] for r in rows} or None


def _warehouse_figures(con: duckdb.DuckDBPyConnection, layer: str, table: str, date_col: str,
                       cols: Mapping[str, str], measures: tuple[str, ...]) -> Figures:
    sums = ", ".join(f"coalesce(sum({cols[m]}), 0)" for m in measures[1:])
    rows = con.execute(f"select cast({date_col} as varchar), count(*), {sums} from {table} "
                       f"where pay_app_id not in (select pay_app_id from reconcile_excluded) group by {date_col}"
                       ).fetchall()
    return _as_figures(rows, measures, 1 if layer == "raw" else 100)


def _compare(result: Reconciliation, layer: str, table: str, core: Figures, wh: Figures,
             measures: tuple[str, ...]) -> None:
    zero = dict.fromkeys(measures, 0)
    for day in sorted(core.keys() | wh.keys()):
        c, w = core.get(day, zero), wh.get(day, zero)
        result.mismatches += [Mismatch(layer, table, day, m, c[m], w[m]) for m in measures if c[m] != w[m]]


LAYERS = ("raw", "staging", "marts")


def reconcile(core_url: str, con: duckdb.DuckDBPyConnection, *, layers: Iterable[str] = LAYERS) -> Reconciliation:
    """Compare the warehouse open on ``con`` (read-only is enough) with the core at ``core_url``, in the
    given layers (``raw`` alone needs no dbt build)."""
    layers = set(layers)
    state = None
    if _columns(con, "raw._extract_state"):
        rows = con.execute("select last_seq from raw._extract_state where source = 'core'").fetchall()
        state = rows[0] if rows else None
    if state is None:
        r = Reconciliation(core_seq=0, warehouse_seq=0, excluded_apps=0)
        r.problems.append("数据仓库没有核心抽取水位 (raw._extract_state has no watermark: the core was never extracted)")
        return r
    watermark = int(state[0])
    tip, n_excluded, excluded, core_apps, core_bills = _core_figures(core_url, watermark)
    result = Reconciliation(core_seq=tip, warehouse_seq=watermark, excluded_apps=n_excluded)
    if tip < watermark:
        result.problems.append(f"数据仓库水位 {watermark} 超过核心日志末端 {tip} (the warehouse is ahead of the core: "
                               "was the core restored from a backup?)")
        return result
    result.days = len(core_apps.keys() | core_bills.keys())
    for figures, measures in ((core_apps, APP_MEASURES), (core_bills, BILL_MEASURES)):
        for m in measures:
            result.totals[m] = int(sum(d[m] for d in figures.values()))
    con.register("reconcile_excluded", pa.table({"pay_app_id": pa.array(excluded, type=pa.string())}))
    try:
        for sources, core, measures in ((_APP_SOURCES, core_apps, APP_MEASURES),
                                        (_BILL_SOURCES, core_bills, BILL_MEASURES)):
            for layer, (table, date_col, cols) in sources.items():
                if layer not in layers:
                    continue
                have = _columns(con, table)
                if have is None:
                    if table in _OPTIONAL:
                        result.skipped.append(table)
                    else:
                        result.problems.append(f"数据仓库缺少表 {table} (table missing from the warehouse)")
                    continue
                missing = sorted({date_col, "pay_app_id", *cols.values()} - have)
                if missing:
                    result.problems.append(f"{table} 缺少列 {', '.join(missing)} (columns missing)")
                    continue
                wh = _warehouse_figures(con, layer, table, date_col, cols, measures)
                _compare(result, layer, table, core, wh, measures)
                result.compared.append(table)
    finally:
        con.unregister("reconcile_excluded")
    return result
