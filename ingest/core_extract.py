"""Change-feed extraction from the core into the warehouse's ``raw`` schema, by journal sequence.

Every refresh reads the core inside one snapshot (SQLite: one read transaction in WAL mode;
PostgreSQL: REPEATABLE READ), takes the journal's tip as the new watermark and copies what changed
since the last one:

- ``append`` tables (``journal``, ``ba_bgt_ledger``) grow only: rows past the stored high-water key.
- ``touched`` tables are the large mutable ones. Their changed keys come from the journal rows in the
  window (``object_type``/``object_id``) and, for indicators, from the ledger entries in the window
  (a payment moves an indicator's balance without journalling the indicator). Those rows are deleted
  and re-read.
- ``full`` tables are the small reference and master tables, re-read whole each time: thousands of
  rows at SF1, and re-reading them keeps the rule for what changed trivially right.

Rows go core → Python (DB-API, in pages) → Arrow → DuckDB, so memory stays bounded by a page. Raw
tables keep the core's names, columns and integer-fen amounts: staging does renames and conversions.
Personal data (names, ID numbers, card numbers, birth dates) is not copied; a person is linked by the keyed id
of the core's ``per_id`` (``PersonKey.person``: the same in every table, the journal's rows about persons
included) and, for matching HR files, by the keyed digest of the ID number (``iden_hash``, HMAC with the deployment's
person key: ``ingest.person_key``); of the birth date only the year. A payment to a person (收款人类型 3 个人)
keeps its amount, codes and dates, but its payee appears as （个人） and its account as a keyed id: in the
payment, its bank bills and the warnings about it.

This module does not import dagster: the Dagster assets and ``fiscal refresh`` both call it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Table
from sqlalchemy.engine import make_url

from fiscal_core.adapters import tables as t

from .person_key import PersonKey

PAGE = 50_000
Mode = Literal["full", "append", "touched"]


Derive = Callable[[dict[str, Any], PersonKey], Any]
Scrub = Callable[[pa.Table, PersonKey], pa.Table]


@dataclass(frozen=True)
class RawTable:
    """How one core table reaches ``raw``.

    ``touched_by``: (journal object_type, column of this table matched against the journal object_id).
    ``exclude``: columns never copied (personal data). ``derived``: extra columns computed per row from the
    ``needs`` columns (read from the core, never copied). ``scrub``: rewrites copied columns of a page before it
    is written (a person's payee name and account). ``source``: a query read instead of the table (to bring a
    column a scrub needs from another table).
    """

    table: Table
    mode: Mode
    key: str | None = None                                  # append mode: the monotonic integer key
    touched_by: tuple[tuple[str, str], ...] = ()
    exclude: tuple[str, ...] = ()
    derived: tuple[tuple[str, pa.DataType, Derive], ...] = ()
    needs: tuple[tuple[str, pa.DataType], ...] = ()
    scrub: Scrub | None = None
    source: str | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.table.columns if c.name not in self.exclude]

    @property
    def pk(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]

    @property
    def from_clause(self) -> str:
        return f"({self.source}) as src" if self.source else self.name


PERSON = "（个人）"        # a person's name as the warehouse shows it
PERSONAL = "3"             # 资金往来对象类别 3 个人


def _iden_hash(row: dict[str, Any], key: PersonKey) -> str | None:
    return key.iden(row.get("iden_no"))


def _birth_year(row: dict[str, Any], key: PersonKey) -> int | None:
    d = row.get("birth_date")
    return d.year if d is not None else None


def _personal_rows(tbl: pa.Table, flag: str) -> pa.Array:
    return pc.fill_null(pc.equal(tbl.column(flag), PERSONAL), False)


def _scrub_payee(flag: str) -> Scrub:
    """Payee name and account of the rows paying a person (``flag`` = 3): （个人） and the account's keyed id."""
    def scrub(tbl: pa.Table, key: PersonKey) -> pa.Table:
        mask = _personal_rows(tbl, flag)
        if not pc.any(mask).as_py():
            return tbl
        accts = pa.array([key.account(a) if m else a for a, m in zip(tbl.column("payee_acct_no").to_pylist(),
                                                                      mask.to_pylist(), strict=True)], pa.string())
        names = pc.if_else(mask, pa.scalar(PERSON), tbl.column("payee_acct_name"))
        tbl = tbl.set_column(tbl.schema.get_field_index("payee_acct_name"), "payee_acct_name", names)
        return tbl.set_column(tbl.schema.get_field_index("payee_acct_no"), "payee_acct_no", accts)
    return scrub


def _scrub_warning(tbl: pa.Table, key: PersonKey) -> pa.Table:
    """A warning about a payment to a person names the payee and may quote the account: in the message and the
    evidence both become what the payment itself shows in the warehouse."""
    mask = _personal_rows(tbl, "payee_traobj")
    if not pc.any(mask).as_py():
        return tbl
    rows = tbl.select(["message", "evidence_json", "payee_name", "payee_acct"]).to_pylist()
    msgs, evs = [], []
    for r, m in zip(rows, mask.to_pylist(), strict=True):
        msg, ev = r["message"], r["evidence_json"]
        if m:
            for secret, shown in ((r["payee_acct"], key.account(r["payee_acct"])), (r["payee_name"], PERSON)):
                if secret and secret.strip():
                    msg = msg.replace(secret, shown) if msg else msg
                    ev = ev.replace(json.dumps(secret, ensure_ascii=False)[1:-1], shown) if ev else ev
        msgs.append(msg)
        evs.append(ev)
    tbl = tbl.set_column(tbl.schema.get_field_index("message"), "message", pa.array(msgs, pa.string()))
    return tbl.set_column(tbl.schema.get_field_index("evidence_json"), "evidence_json", pa.array(evs, pa.string()))


def _scrub_person_id(column: str, only_type: str | None = None) -> Scrub:
    """The core's person id in ``column`` becomes its keyed id (``PersonKey.person``); with ``only_type``, only
    on the rows whose ``object_type`` is that (the journal's rows about persons)."""
    def scrub(tbl: pa.Table, key: PersonKey) -> pa.Table:
        ids = tbl.column(column).to_pylist()
        if only_type is None:
            keyed = [key.person(v) for v in ids]
        else:
            mask = pc.fill_null(pc.equal(tbl.column("object_type"), only_type), False)
            if not pc.any(mask).as_py():        # most journal pages hold no person event: leave them as they are
                return tbl
            keyed = [key.person(v) if m else v for v, m in zip(ids, mask.to_pylist(), strict=True)]
        return tbl.set_column(tbl.schema.get_field_index(column), column, pa.array(keyed, pa.string()))
    return scrub


_PERSON_DERIVED = (("iden_hash", pa.string(), _iden_hash), ("birth_year", pa.int32(), _birth_year))
_PERSON_NEEDS = (("iden_no", pa.string()), ("birth_date", pa.date32()))
_VOUCHER_PAYEE = ("select b.*, v.fund_traobj_type_code as payee_traobj from pay_voucher_bill b "
                  "join pay_voucher v on v.pay_app_id = b.pay_app_id")
_WARNING_PAYEE = ("select w.*, v.fund_traobj_type_code as payee_traobj, v.payee_acct_name as payee_name, "
                  "v.payee_acct_no as payee_acct from mon_warning w left join pay_voucher v on v.pay_app_id = w.pay_app_id")
_PAYEE_NEEDS = (("payee_traobj", pa.string()),)

# The order matters only for readability; every table of the core that the warehouse uses is here.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(t.journal, "append", key="seq", exclude=("before_json", "prev_hash", "hash", "chain", "chain_seq"),
             scrub=_scrub_person_id("object_id", only_type="bas_person_info")),
    RawTable(t.ba_bgt_ledger, "append", key="ledger_id"),
    RawTable(t.pay_voucher, "touched", touched_by=(("pay_voucher", "pay_app_id"),),
             exclude=("idem_key", "idem_hash"), scrub=_scrub_payee("fund_traobj_type_code")),
    RawTable(t.pay_voucher_bill, "touched", touched_by=(("pay_voucher", "pay_app_id"),),
             source=_VOUCHER_PAYEE, needs=_PAYEE_NEEDS, scrub=_scrub_payee("payee_traobj")),
    # a beneficiary line of a 补贴到人 payment names a person: name, ID number and card stay in the core
    RawTable(t.pay_detail, "touched", touched_by=(("pay_voucher", "pay_app_id"),),
             exclude=("iden_no", "per_name", "payee_acct_name", "payee_acct_no"), scrub=_scrub_person_id("per_id")),
    RawTable(t.pay_correction, "touched", touched_by=(("pay_voucher", "pay_app_id"),)),
    RawTable(t.ba_bgt_info, "touched", touched_by=(("ba_bgt_info", "bgt_id"),)),
    # small tables: re-read whole
    RawTable(t.ele_code, "full"),
    RawTable(t.ele_dep_gov_eco_map, "full"),
    RawTable(t.sys_div_config, "full"),
    RawTable(t.sys_plan_control, "full"),
    RawTable(t.bas_mof_div, "full"),
    RawTable(t.bas_agency_info, "full"),
    RawTable(t.bas_agency_staffing, "full"),
    RawTable(t.bas_agency_account, "full"),
    RawTable(t.pm_project, "full"),
    RawTable(t.pm_project_year_plan, "full"),
    RawTable(t.pm_perf_goal_info, "full"),
    RawTable(t.pm_perf_indicator, "full"),
    RawTable(t.bgt_pm_annual, "full"),
    RawTable(t.ba_bgt_adjsub, "full"),
    RawTable(t.pay_plan_voucher, "full"),
    RawTable(t.pay_clearing, "full"),
    RawTable(t.bas_person_info, "full",
             exclude=("per_name", "iden_no", "birth_date", "sala_card_no", "sala_card_bank"),
             derived=_PERSON_DERIVED, needs=_PERSON_NEEDS, scrub=_scrub_person_id("per_id")),
    RawTable(t.bas_person_hist, "full", scrub=_scrub_person_id("per_id")),
    RawTable(t.bgt_round, "full"),
    RawTable(t.bgt_control_num, "full"),
    RawTable(t.gp_plan, "full"),
    RawTable(t.gp_contract, "full"),
    RawTable(t.pm_perf_monitor, "full"),
    RawTable(t.pm_perf_eval, "full"),
    RawTable(t.bgt_year_close, "full"),
    RawTable(t.ba_bgt_carryovers, "full"),
    RawTable(t.ba_bgt_balance, "full"),
    RawTable(t.inc_treasury_income, "full"),
    RawTable(t.bgt_income, "full"),
    RawTable(t.trs_opening, "full"),
    # monitoring: warnings (real-time hits and the scheduled hits brought into disposal) and their disposal trail
    RawTable(t.mon_warning, "full", source=_WARNING_PAYEE,
             needs=(*_PAYEE_NEEDS, ("payee_name", pa.string()), ("payee_acct", pa.string())), scrub=_scrub_warning),
    RawTable(t.mon_warning_step, "full"),
)
RAW_BY_NAME = {r.name: r for r in RAW_TABLES}


def arrow_type(col: Any) -> pa.DataType:
    ty = col.type
    if isinstance(ty, BigInteger):
        return pa.int64()
    if isinstance(ty, Integer):
        return pa.int32()
    if isinstance(ty, Boolean):
        return pa.bool_()
    if isinstance(ty, DateTime):
        return pa.timestamp("us")
    if isinstance(ty, Date):
        return pa.date32()
    return pa.string()


def arrow_schema(spec: RawTable) -> pa.Schema:
    cols = {c.name: c for c in spec.table.columns}
    fields = [pa.field(n, arrow_type(cols[n]), nullable=bool(cols[n].nullable) or n not in spec.pk)
              for n in spec.columns]
    fields += [pa.field(n, ty) for n, ty, _ in spec.derived]
    return pa.schema(fields)


def _prime_literal(ty: pa.DataType) -> str:
    return "0" if pa.types.is_integer(ty) or pa.types.is_boolean(ty) else "''"


@dataclass
class CoreSnapshot:
    """A read-only view of the core at one moment, read through ADBC (rows arrive as Arrow batches,
    several times faster than DB-API tuples, and in bounded pages)."""

    conn: Any
    is_postgres: bool

    def scalar(self, sql: str) -> Any:
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            row = cur.fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    def batches(self, spec: RawTable, cols: list[str], where: str = "", order: str = "") -> Iterator[pa.RecordBatch]:
        """The table's rows as Arrow batches in the raw schema (plus the columns a derived one or a scrub needs).

        SQLite is dynamically typed and the driver infers each column's type from the first rows, so a
        column that starts with NULLs would be taken for an integer; the query therefore starts with
        one priming row of the right types, dropped here."""
        types = {f.name: f.type for f in arrow_schema(spec)} | dict(spec.needs)
        select = f"select {', '.join(cols)} from {spec.from_clause}{where}{order}"
        if not self.is_postgres:
            prime = ", ".join(f"{_prime_literal(types[c])} as {c}" for c in cols)
            select = f"select {prime}, 0 as _real union all select * from (select {', '.join(cols)}, 1 as _real " \
                     f"from {spec.from_clause}{where}{order})"
        cur = self.conn.cursor()
        if not self.is_postgres:      # big batches: fewer round trips into DuckDB, and a wider sample for typing
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(PAGE)})
        try:
            cur.execute(select)
            reader = cur.fetch_record_batch()
            for batch in reader:
                if not self.is_postgres:
                    batch = batch.filter(pc.equal(batch.column("_real"), 1)).drop_columns(["_real"])
                if batch.num_rows:
                    yield pa.RecordBatch.from_arrays([batch.column(c).cast(types[c]) for c in cols], names=cols)
        finally:
            cur.close()


@contextmanager
def core_snapshot(core_url: str) -> Iterator[CoreSnapshot]:
    url = make_url(core_url)
    if url.get_backend_name() == "sqlite":
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        if not url.database or not os.path.exists(url.database):
            raise FileNotFoundError(f"核心数据库不存在 (core database not found: {url.database})")
        # autocommit off: the driver opens a transaction, and in WAL mode its first read fixes the snapshot
        conn = adbc_sqlite.connect(f"file:{url.database}?mode=ro", autocommit=False)
        try:
            yield CoreSnapshot(conn, is_postgres=False)
        finally:
            conn.close()
    else:
        import adbc_driver_postgresql.dbapi as adbc_pg

        uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = adbc_pg.connect(uri, autocommit=True)
        try:
            cur = conn.cursor()
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.close()
            yield CoreSnapshot(conn, is_postgres=True)
            cur = conn.cursor()
            cur.execute("ROLLBACK")
            cur.close()
        finally:
            conn.close()


@dataclass
class ExtractReport:
    mode: str                                # full / incremental
    from_seq: int
    to_seq: int
    rows: dict[str, int] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.rows.values())


STATE_DDL = """
create schema if not exists raw;
create table if not exists raw._extract_state (
    source varchar primary key, last_seq bigint not null, last_ledger_id bigint not null,
    extracted_at timestamp not null, last_hash varchar);
alter table raw._extract_state add column if not exists last_hash varchar
"""


def _state(wh: duckdb.DuckDBPyConnection) -> tuple[int, int, str | None] | None:
    wh.execute(STATE_DDL)
    row = wh.execute("select last_seq, last_ledger_id, last_hash from raw._extract_state where source = 'core'"
                     ).fetchone()
    return (int(row[0]), int(row[1]), row[2]) if row else None


def _create_table(wh: duckdb.DuckDBPyConnection, spec: RawTable) -> None:
    schema = arrow_schema(spec)
    empty = schema.empty_table()  # noqa: F841 - read by DuckDB's replacement scan
    wh.execute(f"create or replace table raw.{spec.name} as select * from empty")


def _insert(wh: duckdb.DuckDBPyConnection, spec: RawTable, batches: Iterable[pa.RecordBatch], key: PersonKey) -> int:
    """Append batches to ``raw.<table>``, gathered into pages of about PAGE rows (each insert has a fixed
    cost in DuckDB, so a thousand small ones cost far more than ten large ones)."""
    schema = arrow_schema(spec)
    n = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending, pending_rows
        if not pending:
            return
        page = pa.Table.from_batches(pending).combine_chunks()
        if spec.scrub is not None:
            page = spec.scrub(page, key)
        arrays = [page.column(c) for c in spec.columns]
        if spec.derived:
            dicts = page.select([n for n, _ty in spec.needs]).to_pylist()
            for _name, ty, f in spec.derived:
                arrays.append(pa.array([f(d, key) for d in dicts], type=ty))
        batch = pa.Table.from_arrays(arrays, schema=schema)  # noqa: F841 - read by DuckDB
        wh.execute(f"insert into raw.{spec.name} select * from batch")
        pending, pending_rows = [], 0

    for rb in batches:
        pending.append(rb)
        pending_rows += rb.num_rows
        n += rb.num_rows
        if pending_rows >= PAGE:
            flush()
    flush()
    return n


def _select_cols(spec: RawTable) -> list[str]:
    """Columns read from the core: the copied ones, plus those a derived column or a scrub needs."""
    cols = list(spec.columns)
    return cols + [n for n, _ty in spec.needs if n not in cols]


# The core's own totals, computed in the same snapshot as the extract: the reconciliation mart
# (marts.fct_reconciliation) holds the marts to them to the fen, and the refresh pipeline swaps nothing in otherwise. Keys are days (YYYY-MM-DD) or years.
CONTROL_TOTALS = {
    "pay_app_by_day": "select cast(create_date as varchar), count(*), sum(pay_app_amt) from pay_voucher "
                      "group by create_date",
    "paid_by_day": "select cast(xpay_date as varchar), count(*), sum(xpay_amt) from pay_voucher_bill "
                   "where bill_type = 'pay' and xpay_amt > 0 group by xpay_date",
    "refund_by_day": "select cast(xpay_date as varchar), count(*), -sum(pay_amt) from pay_voucher_bill "
                     "where bill_type = 'refund' group by xpay_date",
    "cleared_by_day": "select cast(act_lqd_date as varchar), count(*), sum(xpay_amt) from pay_voucher_bill "
                      "where bill_type = 'pay' and act_lqd_date is not null group by act_lqd_date",
    "indicator_amount_by_year": "select cast(fiscal_year as varchar), count(*), sum(amount) from ba_bgt_info "
                                "group by fiscal_year",
    "indicator_dis_by_year": "select cast(fiscal_year as varchar), count(*), sum(dis_amt) from ba_bgt_info "
                             "group by fiscal_year",
    "indicator_inflight_by_year": "select cast(fiscal_year as varchar), count(*), sum(inflight_amt) from ba_bgt_info "
                                  "group by fiscal_year",
    "indicator_paid_by_year": "select cast(fiscal_year as varchar), count(*), sum(paid_amt) from ba_bgt_info "
                              "group by fiscal_year",
}


def _control_totals(snap: CoreSnapshot, wh: duckdb.DuckDBPyConnection) -> None:
    rows: dict[str, list[Any]] = {"measure": [], "key": [], "n": [], "total_fen": []}
    for measure, sql in CONTROL_TOTALS.items():
        cur = snap.conn.cursor()
        try:
            cur.execute(sql)
            for key, n, total in cur.fetchall():
                rows["measure"].append(measure)
                rows["key"].append(str(key)[:10])
                rows["n"].append(int(n))
                rows["total_fen"].append(int(total or 0))
        finally:
            cur.close()
    totals = pa.table({"measure": pa.array(rows["measure"], pa.string()), "key": pa.array(rows["key"], pa.string()),  # noqa: F841
                       "n": pa.array(rows["n"], pa.int64()), "total_fen": pa.array(rows["total_fen"], pa.int64())})
    wh.execute("create or replace table raw._control_totals as select * from totals")


def _quote(ids: Iterable[str]) -> str:
    return ", ".join("'" + i.replace("'", "''") + "'" for i in ids)


def extract_core(core_url: str, wh: duckdb.DuckDBPyConnection, *, person_key: PersonKey, full: bool = False,
                 progress: Callable[[str], None] | None = None) -> ExtractReport:
    """Bring ``raw`` up to the core's current journal tip. ``full`` re-reads every table from nothing
    (the result is the same tables an incremental history gives: a test holds us to it). ``person_key``: the
    deployment's key for the keyed ids of persons (``ingest.person_key``)."""
    say = progress or (lambda _m: None)
    wh.execute("begin transaction")      # one commit for the whole extract: per-insert commits cost more
    try:
        report = _extract(core_url, wh, full, say, person_key)
        wh.execute("commit")
        return report
    except BaseException:
        wh.execute("rollback")
        raise


def _extract(core_url: str, wh: duckdb.DuckDBPyConnection, full: bool, say: Callable[[str], None],
             key: PersonKey) -> ExtractReport:
    state = None if full else _state(wh)
    wh.execute(STATE_DDL)
    with core_snapshot(core_url) as snap:
        tip = int(snap.scalar("select coalesce(max(seq), 0) from journal") or 0)
        ledger_tip = int(snap.scalar("select coalesce(max(ledger_id), 0) from ba_bgt_ledger") or 0)
        tip_hash = snap.scalar(f"select hash from journal where seq = {tip}")
        if state:
            # the warehouse's watermark must still be a point of this core's chain: a core restored from an
            # older backup or rebuilt from scratch has a different (or no) row there, and is re-read whole
            seen_hash = snap.scalar(f"select hash from journal where seq = {state[0]}") if state[0] else None
            if state[0] > tip or (state[2] is not None and seen_hash != state[2]):
                say("  核心日志与上次抽取时不一致（核心被重建或恢复），改为全量抽取 "
                    "(the core's journal no longer contains the last extract's tip: re-reading it whole)")
                state = None
        from_seq, from_ledger = (state[0], state[1]) if state else (0, 0)
        report = ExtractReport("incremental" if state else "full", from_seq, tip)
        if state and tip == from_seq and ledger_tip == from_ledger:
            _control_totals(snap, wh)
            say(f"  核心无新变更 (no new journal entries since seq {tip})")
            return report
        touched: dict[str, set[str]] = {}
        if state:
            j = RawTable(t.journal, "append")
            for rb in snap.batches(j, ["object_type", "object_id"], f" where seq > {from_seq} and seq <= {tip}"):
                for ot, oid in zip(rb.column(0).to_pylist(), rb.column(1).to_pylist(), strict=True):
                    touched.setdefault(ot, set()).add(oid)
            led = RawTable(t.ba_bgt_ledger, "append")
            for rb in snap.batches(led, ["bgt_id"], f" where ledger_id > {from_ledger} and ledger_id <= {ledger_tip}"):
                touched.setdefault("ba_bgt_info", set()).update(rb.column(0).to_pylist())
        for spec in RAW_TABLES:
            cols = _select_cols(spec)
            hi = tip if spec.key == "seq" else ledger_tip
            if not state or spec.mode == "full":
                _create_table(wh, spec)
                if spec.mode == "append":       # a consistent cut at the tips read above
                    n = _insert(wh, spec, snap.batches(spec, cols, f" where {spec.key} <= {hi}",
                                                       f" order by {spec.key}"), key)
                else:
                    n = _insert(wh, spec, snap.batches(spec, cols), key)
            elif spec.mode == "append":
                lo = from_seq if spec.key == "seq" else from_ledger
                n = _insert(wh, spec, snap.batches(spec, cols, f" where {spec.key} > {lo} and {spec.key} <= {hi}",
                                                   f" order by {spec.key}"), key)
            else:
                n = 0
                for object_type, column in spec.touched_by:
                    ids = sorted(touched.get(object_type, ()))
                    if not ids:
                        continue
                    keys = pa.table({"k": pa.array(ids, type=pa.string())})  # noqa: F841 - read by DuckDB
                    wh.execute(f"delete from raw.{spec.name} where {column} in (select k from keys)")
                    for i in range(0, len(ids), 500):
                        n += _insert(wh, spec, snap.batches(spec, cols, f" where {column} in ({_quote(ids[i:i + 500])})"),
                                     key)
            report.rows[spec.name] = n
            say(f"  raw.{spec.name}: {n:,} 行 ({'全量' if not state or spec.mode == 'full' else '增量'})")
        _control_totals(snap, wh)
        wh.execute("delete from raw._extract_state where source = 'core'")
        wh.execute("insert into raw._extract_state values ('core', ?, ?, current_localtimestamp(), ?)",
                   [tip, ledger_tip, tip_hash])
    return report
