"""The one refresh pipeline: settle → ingest → dbt build → reconciliation → forecasts → swap.

Both entry points run these steps, in this order, on the same objects: ``fiscal refresh`` calls
:meth:`Refresh.run`, and the Dagster ``refresh_job`` runs each step as an asset of its own (the ``warehouse``
resource holds the :class:`Refresh` of the run). What makes them one pipeline:

- **one dbt invocation**: :meth:`Refresh.dbt_invocation` gives the arguments, the environment and the artefact
  folder; the command line runs it in process (:func:`run_dbt_invocation`), Dagster through dagster-dbt (so
  dbt's tests arrive as asset checks); either way :meth:`Refresh.dbt_outcome` decides from the same
  ``run_results.json`` in the same folder (``$FISCAL_HOME/.dbt/target``), which the data-quality page reads;
- **one reconciliation**: the mart ``marts.fct_reconciliation`` compares the marts with the core's own totals
  taken in the extract's snapshot; :meth:`Refresh.reconcile` refuses the swap when any row disagrees, in both;
- **one swap**: a refresh writes only its build file and renames it over the live warehouse at the end, then
  settles the inbox; a failure anywhere leaves the live warehouse and the inbox as they were.

Nothing here imports dagster.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from .inbox import Settled, settle_inbox
from .publish import build_analytics, discard_analytics, publish_analytics
from .warehouse import build_path, discard_build, prepare_build, publish, refresh_lock

if TYPE_CHECKING:       # imported where used: a refresh with nothing new must not pay for them (pandas, scipy,
    # sqlalchemy, alembic, pyarrow: seconds of imports)
    from .core_extract import ExtractReport
    from .exchange import Ingested
    from .forecasts import ForecastReport
    from .person_key import PersonKey
    from .spark import SparkBuild

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt"
CODESETS_DIR = ROOT / "fiscal_core" / "codesets"      # fiscal_core.adapters.migrate.CODESETS_DIR (imports alembic)

Say = Callable[[str], None]


class RefreshFailed(RuntimeError):
    """A step failed: nothing was swapped in."""


class DbtFailed(RefreshFailed):
    pass


class ReconciliationFailed(RefreshFailed):
    pass


class ForecastStepFailed(RefreshFailed):
    pass


@dataclass(frozen=True)
class RefreshPaths:
    """What a refresh reads and writes: the live warehouse file (its build file and lock sit next to it), the
    exchange folder (``inbox/``, ``archive/``, ``rejected/``), the folder of dbt's artefacts, and the analysts'
    published copy (``ingest.publish``; None publishes none)."""

    warehouse: Path
    exchange: Path
    artefacts: Path
    analytics: Path | None = None

    @property
    def key_home(self) -> Path:
        """The home the warehouse sits in, where the person key is found (``ingest.person_key.key_path``)."""
        return self.warehouse.parent

    @property
    def build(self) -> Path:
        return build_path(self.warehouse)

    @property
    def dbt_target(self) -> Path:
        return self.artefacts / "target"

    @property
    def run_results(self) -> Path:
        return self.dbt_target / "run_results.json"


@dataclass(frozen=True)
class DbtInvocation:
    """One ``dbt build``: ``args`` (without project and profiles folders, which every runner adds the same way),
    the environment dbt must see, and the artefact folder (target and logs alike, as dagster-dbt does)."""

    args: tuple[str, ...]
    env: Mapping[str, str]
    target_path: Path


@dataclass(frozen=True)
class ReconciliationRow:
    measure: str
    key: str
    core_count: int | None
    warehouse_count: int | None
    core_amt: Decimal | None
    warehouse_amt: Decimal | None

    def __str__(self) -> str:
        return (f"{self.measure} {self.key}: 核心 core {self.core_count} 笔 / {self.core_amt} 元 ≠ "
                f"数据仓库 warehouse {self.warehouse_count} 笔 / {self.warehouse_amt} 元")


@dataclass
class Reconciliation:
    """The reconciliation of one build: per measure the keys compared, and every key that differs."""

    measures: dict[str, int] = field(default_factory=dict)      # measure → keys compared
    mismatches: list[ReconciliationRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return (f"对账一致 (reconciled with the core): {len(self.measures)} 项指标 measures, "
                    f"{sum(self.measures.values()):,} 个键 keys")
        lines = [*self.problems, *(str(m) for m in self.mismatches[:20])]
        more = len(self.mismatches) - 20
        return "对账不一致 (reconciliation with the core failed):\n  " + "\n  ".join(lines) + (
            f"\n  … +{more}" if more > 0 else "")


@dataclass
class RefreshReport:
    mode: str
    settled_before: Settled | None = None
    extract: ExtractReport | None = None
    exchange: Ingested | None = None
    dbt_nodes: int = 0
    dbt_failures: list[str] = field(default_factory=list)
    reconciliation: Reconciliation | None = None
    forecast: ForecastReport | None = None
    settled: Settled | None = None
    analytics_rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warehouse: Path | None = None
    changes: Changes | None = None
    dbt_args: tuple[str, ...] = ()
    dbt_since: dict[str, str] = field(default_factory=dict)     # where the incremental models were built to
    spark: SparkBuild | None = None                             # the marts built on Spark (target "spark")

    @property
    def nothing_new(self) -> bool:
        """The refresh found nothing new and did no work: no build file, no dbt, no forecasts, no swap."""
        return self.changes is not None and self.changes.nothing_new


def _tree_checksum(*paths: Path, suffixes: tuple[str, ...] = ()) -> str:
    import hashlib

    h = hashlib.sha256()
    for root in paths:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.is_file() and (not suffixes or f.suffix in suffixes) and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


# -- is anything new? -------------------------------------------------------------------------------------------
# What the live warehouse was built from is kept in ``raw._build_state`` (part → value), written into the build
# file by the steps that made it and so swapped in with it:
#   project      the checksum of what the dbt build read (models, macros, tests, seeds, exchange specs)
#   marts_at     the raw layer's watermark (journal seq, ledger id, exchange files) the marts were built from
#   forecast_at  the marts_at the forecasts were computed from (or found unchanged for)
#   forecast_code / forecast_inputs   the forecasting code and the fingerprint of its inputs (ingest.forecasts)
#   person_key   the person-key fingerprint the person keys were derived with (a change forces a full rebuild)
BUILD_STATE_DDL = ("create schema if not exists raw; create table if not exists raw._build_state "
                   "(part varchar primary key, checksum varchar not null)")


def project_checksum() -> str:
    """Everything the dbt build reads besides the data: a change (a model edited, a code set added) means the
    marts must be built again even when no row is new."""
    return _tree_checksum(DBT_PROJECT / "models", DBT_PROJECT / "macros", DBT_PROJECT / "tests",
                          DBT_PROJECT / "dbt_project.yml", DBT_PROJECT / "profiles.yml", CODESETS_DIR,
                          ROOT / "ingest" / "specs")


def forecast_code_checksum() -> str:
    """The forecasting code (``ingest/forecasts`` and ``models_forecast``): changed code recomputes forecasts."""
    return _tree_checksum(ROOT / "ingest" / "forecasts", ROOT / "models_forecast", suffixes=(".py", ".yaml", ".yml",
                                                                                            ".toml", ".json"))


def person_key_fingerprint(paths: RefreshPaths) -> str:
    """The fingerprint of the deployment's person key (``ingest.person_key``): when the key that links a person
    across the core and the HR files changes, every keyed id in the warehouse is stale and the refresh must be a
    full rebuild."""
    from .person_key import load

    return load(paths.key_home).fingerprint


def read_build_state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    present = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' and "
                          "table_name = '_build_state'").fetchone()
    if not present or not present[0]:
        return {}
    return dict(con.execute("select part, checksum from raw._build_state").fetchall())


def write_build_state(con: duckdb.DuckDBPyConnection, parts: Mapping[str, str | None]) -> None:
    """Set (or, for None, remove) parts of ``raw._build_state``."""
    con.execute(BUILD_STATE_DDL)
    for part, value in parts.items():
        con.execute("delete from raw._build_state where part = ?", [part])
        if value is not None:
            con.execute("insert into raw._build_state values (?, ?)", [part, value])


def raw_watermark(con: duckdb.DuckDBPyConnection) -> str | None:
    """The raw layer's position: the extract's journal seq and ledger id, and the exchange files recorded.
    None when the warehouse has no extract state."""
    def has(table: str) -> bool:
        row = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' and "
                          "table_name = ?", [table]).fetchone()
        return bool(row and row[0])

    if not has("_extract_state"):
        return None
    row = con.execute("select last_seq, last_ledger_id, coalesce(last_hash, '') from raw._extract_state "
                      "where source = 'core'").fetchone()
    if row is None:
        return None
    files = con.execute("select count(*), coalesce(max(arrival_no), 0) from raw.xch_file").fetchone() \
        if has("xch_file") else (0, 0)
    assert files is not None
    return f"seq={row[0]};ledger={row[1]};hash={row[2][:16]};files={files[0]};arrival={files[1]}"


def _core_position(core_url: str, last_seq: int) -> tuple[int, int, str | None]:
    """The core's journal tip, ledger tip and the hash of journal row ``last_seq``, read cheaply: the standard
    library's sqlite3 for a SQLite core (the extract's ADBC and Arrow cost seconds to import), one snapshot."""
    queries = ("select coalesce(max(seq), 0) from journal", "select coalesce(max(ledger_id), 0) from ba_bgt_ledger",
               f"select hash from journal where seq = {int(last_seq)}")
    if core_url.startswith("sqlite:///"):
        import sqlite3

        path = core_url[len("sqlite:///"):].split("?", 1)[0]
        if not path or not Path(path).exists():
            raise FileNotFoundError(f"核心数据库不存在 (core database not found: {path})")
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            con.execute("begin")            # one read transaction: the three answers come from one moment
            tip, ledger, h = (con.execute(q).fetchone() for q in queries)
        finally:
            con.close()
    else:
        from .core_extract import core_snapshot

        with core_snapshot(core_url) as snap:
            tip, ledger, h = ((snap.scalar(q),) for q in queries)
    return int(tip[0] if tip else 0), int(ledger[0] if ledger else 0), (h[0] if h else None)


@dataclass(frozen=True)
class Changes:
    """What a refresh would find new, decided before anything is built. ``reasons`` empty: nothing new.
    ``full``: a reason that needs a full rebuild (no warehouse, asked for, the person key changed)."""

    reasons: tuple[str, ...] = ()
    full: bool = False
    new_journal_rows: int = 0
    new_files: tuple[str, ...] = ()
    settle_pending: int = 0            # inbox files the live warehouse already holds (settling moves them)
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return not self.reasons

    def summary(self) -> str:
        if self.nothing_new:
            return NOTHING_NEW
        return "有新内容 (something new): " + "; ".join(self.reasons)


NOTHING_NEW = "无新数据，未重建数据仓库 (nothing new: the warehouse was not rebuilt)"


def what_is_new(core_url: str, paths: RefreshPaths, *, full: bool = False) -> Changes:
    """Decide cheaply (no dbt, no Arrow, no build file; read-only) whether a refresh has anything to do: journal
    rows past the live warehouse's watermark, exchange files it has not recorded, a dbt project or forecasting
    code changed since it was built, marts or forecasts behind its raw layer (a refresh run without them), the
    analysts' copy missing, the person-key fingerprint changed. Both ``fiscal refresh`` and Dagster's refresh_job
    decide with this."""
    import hashlib

    t0 = time.perf_counter()
    reasons: list[str] = []
    if full:
        reasons.append("全量重建 (a full rebuild was asked for)")
    if not paths.warehouse.exists():
        return Changes(("数据仓库尚未生成 (no warehouse yet)",), full=True, seconds=time.perf_counter() - t0)
    con = _connect(paths.warehouse, read_only=True)
    try:
        state = read_build_state(con)
        mark = raw_watermark(con)
        ext = con.execute("select last_seq, last_ledger_id, last_hash from raw._extract_state where source = 'core'"
                          ).fetchone() if mark is not None else None
        recorded = {r[0] for r in con.execute("select file_sha256 from raw.xch_file").fetchall()}             if mark is not None and "files=" in mark else set()
    finally:
        con.close()
    new_rows = 0
    if ext is None:
        reasons.append("数据仓库没有抽取水位 (the warehouse has no extract watermark)")
    else:
        tip, ledger, seen_hash = _core_position(core_url, int(ext[0]))
        if tip < int(ext[0]) or (ext[2] is not None and seen_hash != ext[2]):
            reasons.append("核心日志与上次抽取时不一致 (the core's journal no longer holds the last extract's tip)")
        elif tip != int(ext[0]) or ledger != int(ext[1]):
            new_rows = tip - int(ext[0])
            reasons.append(f"核心新增日志 {new_rows:,} 条 (new journal rows past seq {ext[0]})")
    new_files: list[str] = []
    pending = 0
    from .inbox import inbox_files

    for f in inbox_files(paths.exchange):
        if hashlib.sha256(f.read_bytes()).hexdigest() in recorded:
            pending += 1
        else:
            new_files.append(f.name)
    if new_files:
        reasons.append(f"新交换文件 {len(new_files)} 个 (new exchange files)")
    if state.get("project") != project_checksum():
        reasons.append("dbt 项目或代码集、交换规范已变更 (the dbt project, code sets or exchange specs changed)")
    if mark is not None and state.get("marts_at") != mark:
        reasons.append("集市落后于原始层 (the marts were not built from the raw layer as it stands)")
    if state.get("forecast_at") is None or state.get("forecast_at") != state.get("marts_at"):
        reasons.append("预测落后于集市 (the forecasts were not computed from the marts as they stand)")
    elif state.get("forecast_code") != forecast_code_checksum():
        reasons.append("预测代码已变更 (the forecasting code changed)")
    if paths.analytics is not None and not paths.analytics.exists():
        reasons.append("分析副本不存在 (the analysts' copy is missing)")
    key = person_key_fingerprint(paths)
    rebuild = full
    if state.get("person_key") != key:
        reasons.append("人员键指纹已变更，需全量重建 (the person-key fingerprint changed: full rebuild)")
        rebuild = True
    return Changes(tuple(reasons), full=rebuild, new_journal_rows=new_rows, new_files=tuple(new_files),
                   settle_pending=pending, seconds=time.perf_counter() - t0)


def _connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    return con


class Refresh:
    """One refresh of one warehouse. Use :func:`refresh_session` to get one (it takes the refresh lock and
    discards the build file of a refresh that did not swap), then call the steps in order or :meth:`run`."""

    def __init__(self, core_url: str, paths: RefreshPaths, *, full: bool, progress: Say | None = None) -> None:
        self.core_url = core_url
        self.paths = paths
        self.full = full
        self.say: Say = progress or (lambda _m: None)
        self.report = RefreshReport("full" if full else "incremental")
        self._build_args: list[str] | None = None
        self._project: str | None = None
        self._since: dict[str, str] = {}
        self.prepared = False
        self.published = False
        self._person_key: PersonKey | None = None

    @property
    def mode(self) -> str:
        return self.report.mode

    @property
    def build(self) -> Path:
        """The build file of this refresh (absolute); refused before :meth:`prepare`."""
        if not self.prepared:
            raise RefreshFailed("构建文件尚未准备 (the build file of this refresh was not prepared: run the "
                                "refresh from its first step)")
        return self.paths.build.resolve()

    def current_file(self) -> Path:
        """What a check reads: this refresh's build before the swap, the live warehouse after it."""
        if self.prepared and not self.published and self.paths.build.exists():
            return self.paths.build.resolve()
        if not self.paths.warehouse.exists():
            raise FileNotFoundError(f"数据仓库尚未生成 (warehouse not built yet: {self.paths.warehouse})")
        return self.paths.warehouse

    # -- 1. settle ------------------------------------------------------------------------------------------
    def settle(self) -> Settled | None:
        """Inbox files the live warehouse already holds (a run killed between its swap and its settle leaves
        them behind) go to the archive before anything is read."""
        if not self.paths.warehouse.exists():
            return None
        con = _connect(self.paths.warehouse, read_only=True)
        try:
            self.report.settled_before = settle_inbox(self.paths.exchange, con)
        finally:
            con.close()
        return self.report.settled_before

    def changes(self) -> Changes:
        """Is anything new (:func:`what_is_new`, after settling)? A reason needing a full rebuild (the person key
        changed) turns this refresh into a full one."""
        ch = what_is_new(self.core_url, self.paths, full=self.full)
        self.report.changes = ch
        if ch.full and not self.full:
            if self.prepared:
                raise RefreshFailed("全量重建须在准备构建文件之前决定 (a full rebuild must be decided before the build "
                                    "file is prepared)")
            self.full = True
            self.report.mode = "full"
        self.say(f"  {ch.summary()}")
        return ch

    @property
    def nothing_new(self) -> bool:
        return self.report.nothing_new

    # -- 2. ingest ------------------------------------------------------------------------------------------
    def prepare(self) -> Path:
        """The build file: a copy of the live warehouse (incremental) or an empty file (full)."""
        t0 = time.perf_counter()
        path = prepare_build(self.paths.warehouse, full=self.full)
        self.prepared = True
        self.report.seconds["prepare"] = time.perf_counter() - t0
        return path

    @property
    def person_key(self) -> PersonKey:
        """The deployment's person key, read once per refresh (created on first use, see ``ingest.person_key``)."""
        if self._person_key is None:
            from .person_key import load

            self._person_key = load(self.paths.key_home)
        return self._person_key

    def extract(self) -> ExtractReport:
        from .core_extract import extract_core

        t0 = time.perf_counter()
        self.say(f"[1/5] 抽取核心数据 · extracting the core ({'全量 full' if self.full else '增量 incremental'})")
        con = _connect(self.build)
        try:
            self.report.extract = extract_core(self.core_url, con, full=self.full, progress=self.say,
                                               person_key=self.person_key)
            # the raw layer's keyed ids are this key's (dbt or not: a build without dbt keys raw all the same)
            write_build_state(con, {"person_key": self.person_key.fingerprint})
            con.execute("checkpoint")
        finally:
            con.close()
        self.report.seconds["extract"] = time.perf_counter() - t0
        return self.report.extract

    def load_exchange(self) -> Ingested:
        from .exchange import ingest_exchange

        t0 = time.perf_counter()
        self.say(f"[2/5] 加载交换文件 · loading exchange files from {self.paths.exchange / 'inbox'}")
        con = _connect(self.build)
        try:
            self.report.exchange = ingest_exchange(self.paths.exchange, con, full=self.full, progress=self.say,
                                                   person_key=self.person_key)
            con.execute("checkpoint")
        finally:
            con.close()
        self.report.seconds["exchange"] = time.perf_counter() - t0
        return self.report.exchange

    # -- 3. dbt build -----------------------------------------------------------------------------------------
    def _dbt_build_args(self) -> list[str]:
        """``dbt build`` without the unit tests (they test the SQL, not the data, and run in the test suite). On
        an incremental refresh the build file already holds the code-set seeds and the staging views; they are
        rebuilt only when their sources changed since the warehouse last built them (checksums kept in
        ``raw._build_state``), which saves about seventy dbt nodes. Decided once per refresh."""
        if self._build_args is not None:
            return self._build_args
        # one --exclude with a space-separated union: multi-value options would swallow whatever dagster-dbt
        # appends after them
        exclude = ["resource_type:unit_test"]
        parts = {
            "seeds": _tree_checksum(CODESETS_DIR, DBT_PROJECT / "dbt_project.yml"),
            "staging": _tree_checksum(DBT_PROJECT / "models" / "staging", DBT_PROJECT / "macros",
                                      DBT_PROJECT / "dbt_project.yml"),
        }
        con = _connect(self.build)
        try:
            con.execute(BUILD_STATE_DDL)
            built = read_build_state(con)
            if not self.full and built.get("seeds") == parts["seeds"]:
                exclude.append("resource_type:seed")
            if not self.full and built.get("staging") == parts["staging"]:
                exclude.append("path:models/staging")
            # until this build's dbt succeeds, the build file's marts are not those of its raw layer
            write_build_state(con, {**parts, "marts_at": None, "project": None})
            con.execute("checkpoint")
        finally:
            con.close()
        self._project = project_checksum()
        args = ["build", "--exclude", " ".join(exclude)]
        reread = self.report.extract is not None and self.report.extract.mode == "full"
        if self.full or reread:
            # the incremental models start again from nothing: a core re-read whole may have rewritten history
            args.append("--full-refresh")
        elif "dbt_seq" in built and "dbt_ledger" in built:
            # where the incremental models stood: what changed since then is rebuilt (models/intermediate/core).
            # Environment variables, not --vars: dbt re-parses only the files reading a changed env_var, while
            # changed --vars throw its whole partial parse away
            self._since = {"FISCAL_REFRESH_SINCE_SEQ": str(int(built["dbt_seq"])),
                           "FISCAL_REFRESH_SINCE_LEDGER": str(int(built["dbt_ledger"]))}
        self._build_args = args
        self.report.dbt_args = tuple(args)
        self.report.dbt_since = dict(self._since)
        return self._build_args

    def dbt_invocation(self) -> DbtInvocation:
        self.say("[3/5] dbt build: staging → marts, 含数据测试 (with data tests)")
        args = tuple(self._dbt_build_args())
        # empty: the incremental models recompute every key (the values of the last build are unknown)
        since = self._since or dict.fromkeys(("FISCAL_REFRESH_SINCE_SEQ", "FISCAL_REFRESH_SINCE_LEDGER"), "")
        return DbtInvocation(args, {"FISCAL_WAREHOUSE_PATH": str(self.build), **since}, self.paths.dbt_target)

    def dbt_outcome(self, *, started: float | None = None) -> tuple[int, list[str]]:
        """Nodes run and failures of the dbt build, read from its ``run_results.json``; raises ``DbtFailed``.
        ``started`` (a ``time.time()``) refuses results older than this build's dbt run."""
        results = read_run_results(self.paths.run_results)
        if results is None or (started is not None and self.paths.run_results.stat().st_mtime < started - 1):
            raise DbtFailed(f"dbt build 没有留下结果 (dbt build left no results in {self.paths.run_results})")
        failures = [f"{r['unique_id']}: {r['status']} {r['message'] or ''}".strip() for r in results["nodes"]
                    if r["status"] in FAILED]
        self.report.dbt_nodes, self.report.dbt_failures = len(results["nodes"]), failures
        if failures:
            raise DbtFailed("dbt build 有失败项，数据仓库未更新 (dbt build failed; the live warehouse is unchanged):\n  "
                            + "\n  ".join(failures))
        self._mark_built()
        return self.report.dbt_nodes, failures

    def _mark_built(self) -> None:
        """Record in the build file what its marts were built from (see ``raw._build_state``)."""
        con = _connect(self.build)
        try:
            seq = con.execute("select last_seq, last_ledger_id from raw._extract_state where source = 'core'"
                              ).fetchone()
            write_build_state(con, {"project": self._project, "marts_at": raw_watermark(con),
                                    "dbt_seq": str(seq[0]) if seq else None,
                                    "dbt_ledger": str(seq[1]) if seq else None})
            con.execute("checkpoint")
        finally:
            con.close()

    def run_dbt(self) -> tuple[int, list[str]]:
        """The dbt step in this process (the command line's runner)."""
        t0, wall = time.perf_counter(), time.time()
        run_dbt_invocation(self.dbt_invocation())
        out = self.dbt_outcome(started=wall)
        self.report.seconds["dbt"] = time.perf_counter() - t0
        return out

    # -- 4. reconciliation --------------------------------------------------------------------------------------
    def reconcile(self, *, path: Path | None = None) -> Reconciliation:
        """Read ``marts.fct_reconciliation`` of the build (or of ``path``); raises ``ReconciliationFailed``
        when anything disagrees or the mart is missing."""
        self.say("[4/5] 与核心对账 · reconciling with the core")
        con = _connect(path or self.current_file(), read_only=True)
        try:
            result = read_reconciliation(con)
        finally:
            con.close()
        self.report.reconciliation = result
        self.say(f"  {result.summary()}")
        if not result.ok:
            raise ReconciliationFailed(result.summary() + "\n数据仓库未更新 (the live warehouse is unchanged)")
        return result

    # -- 5. forecasts ---------------------------------------------------------------------------------------------
    def forecasts(self) -> ForecastReport:
        """Forecasts and warnings into the build file, unless their inputs (the marts and raw tables they read,
        and the forecasting code) have the fingerprint stored with the forecasts already there: then those are
        kept (``ForecastReport.reused``)."""
        from .forecasts import ForecastReport, inputs_fingerprint

        t0 = time.perf_counter()
        self.say("[5/5] 预测与预警 · forecasts and early warning")
        con = _connect(self.build)
        try:
            state = read_build_state(con)
            code = forecast_code_checksum()
            inputs = inputs_fingerprint(con)
            fingerprint = f"{inputs}:{code}" if inputs else None
            kept = None
            if not self.full and fingerprint is not None and state.get("forecast_inputs") == fingerprint:
                kept = con.execute("select max(as_of) from forecast._run").fetchone() \
                    if con.execute("select count(*) from information_schema.tables where table_schema = 'forecast' "
                                   "and table_name = '_run'").fetchone() == (1,) else None
            if kept and kept[0] is not None:
                report = ForecastReport(kept[0], reused=True, notes=[
                    "预测输入未变，沿用已有预测 (the forecast inputs are unchanged: the forecasts are kept)"])
                self.say(f"  {report.notes[0]}")
            else:
                from .forecasts import build_forecasts

                report = build_forecasts(con, progress=self.say)
            write_build_state(con, {"forecast_at": state.get("marts_at"), "forecast_code": code,
                                    "forecast_inputs": fingerprint})
            con.execute("checkpoint")
        except Exception as e:
            raise ForecastStepFailed(f"预测与预警失败，数据仓库未更新 (forecasts failed; the live warehouse is "
                                     f"unchanged): {type(e).__name__}: {e}") from e
        finally:
            con.close()
        report.seconds.setdefault("total", time.perf_counter() - t0)
        self.report.forecast = report
        self.report.seconds["forecast"] = time.perf_counter() - t0
        return report

    # -- 6. swap ----------------------------------------------------------------------------------------------------
    def swap(self) -> Settled:
        """Rename the build over the live warehouse (atomic), and the analysts' copy made from it over theirs,
        then move the inbox files it holds."""
        build = self.build       # refuses a swap of a build this refresh did not prepare
        t0 = time.perf_counter()
        analytics = self.paths.analytics
        if analytics is not None:
            try:
                self.report.analytics_rows = build_analytics(build, analytics)
            except BaseException:
                discard_analytics(analytics)
                raise
        live = publish(self.paths.warehouse)
        if analytics is not None:
            publish_analytics(analytics)
        self.published = True
        self.report.warehouse = live
        con = _connect(live, read_only=True)
        try:
            self.report.settled = settle_inbox(self.paths.exchange, con)
        finally:
            con.close()
        self.report.seconds["swap"] = time.perf_counter() - t0
        return self.report.settled

    def run(self, *, dbt: bool = True, forecasts: bool = True) -> RefreshReport:
        """Every step in order (``dbt=False`` stops after ingest and swaps the raw layer in: the ingest
        tests' fast path; reconciliation needs the marts, so it goes with dbt)."""
        started = time.perf_counter()
        self.settle()
        if self.changes().nothing_new:
            self.report.seconds["total"] = time.perf_counter() - started
            return self.report
        self.prepare()
        self.extract()
        self.load_exchange()
        if dbt:
            self.run_dbt()
            self.reconcile()
            if forecasts:
                self.forecasts()
        self.swap()
        self.report.seconds["total"] = time.perf_counter() - started
        return self.report


@contextmanager
def refresh_session(core_url: str, paths: RefreshPaths, *, full: bool = False,
                    progress: Say | None = None) -> Iterator[Refresh]:
    """A refresh holding the warehouse's refresh lock; full when asked or when there is no live warehouse.
    On leaving, the build file of a refresh that did not swap is deleted."""
    with refresh_lock(paths.warehouse):
        r = Refresh(core_url, paths, full=full or not paths.warehouse.exists(), progress=progress)
        try:
            yield r
        finally:
            if not r.published:
                discard_build(paths.warehouse)
                if paths.analytics is not None:
                    discard_analytics(paths.analytics)


TARGETS = ("duckdb", "spark")


def refresh(core_url: str, paths: RefreshPaths, *, full: bool = False, dbt: bool = True, forecasts: bool = True,
            progress: Say | None = None, target: str = "duckdb") -> RefreshReport:
    """``fiscal refresh [--target spark]``: the whole pipeline in this process.

    ``target="spark"`` (issue 13) runs the DuckDB refresh first, unchanged, and then builds the same dbt project
    on Apache Spark (:func:`ingest.spark.build_on_spark`: the live warehouse's ``raw`` exported as Parquet under
    :func:`ingest.spark.spark_dir`, registered in Spark, ``dbt build --target spark``). After, not instead: the
    DuckDB warehouse stays the one that is served (dashboards, API, ``fiscal sql``), reconciled with the core
    before its swap, and it is also where the extract and the exchange loader put the raw layer the Spark build
    reads, so swapping it out would leave both without a source. The Spark marts are the same marts computed by
    a distributed engine (tests/dbt/test_spark.py holds them equal to the fen); their outcome is
    ``report.spark``, and a failed Spark build leaves the swapped DuckDB warehouse as it is. With nothing new to
    refresh, Spark still builds from the live warehouse (the Spark copy may be missing or older). The refresh
    lock is held until the export is done, so no other refresh swaps the file while it is read.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; one of {', '.join(TARGETS)}")
    with refresh_session(core_url, paths, full=full, progress=progress) as r:
        report = r.run(dbt=dbt, forecasts=forecasts)
        if target == "spark":
            from .spark import build_on_spark, spark_dir

            say = progress or (lambda _msg: None)
            if not paths.warehouse.exists():
                raise RefreshFailed(f"no live warehouse to build on Spark from: {paths.warehouse}")
            say("Spark：以同一 dbt 项目构建集市 (building the marts on Spark, dbt --target spark)")
            t0 = time.perf_counter()
            report.spark = build_on_spark(paths.warehouse, spark_dir(paths.key_home), progress=say)
            report.seconds["spark"] = time.perf_counter() - t0
            say("  " + report.spark.summary())
        return report


# -- dbt ------------------------------------------------------------------------------------------------------------
FAILED = {"error", "fail", "runtime error"}


@contextmanager
def _env(values: Mapping[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance in a class attribute for the life of the process; close it so
    the build file can be checkpointed and renamed (and so a later invocation opens the new file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if env is not None:
        env.close()


def dbt_cli(args: Sequence[str], target_path: Path, *, quiet: bool = False) -> list[str]:
    """The command line every runner gives dbt: the project and profiles of ``dbt/``, artefacts and logs in
    ``target_path`` (dagster-dbt puts both there too)."""
    cli = [*args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
           "--target-path", str(target_path), "--log-path", str(target_path)]
    return [*cli, "--quiet"] if quiet else cli


def run_dbt_invocation(inv: DbtInvocation, *, quiet: bool = False) -> Any:
    """Run ``inv`` with dbt's programmatic runner in this process; returns dbt's result object."""
    import warnings

    from dbt.cli.main import dbtRunner

    # agate warns for each seed lacking a column named in the project-wide column_types (harmless)
    warnings.filterwarnings("ignore", message=".*does not match the name of any column", category=RuntimeWarning)
    with _env(inv.env):
        try:
            res = dbtRunner().invoke(dbt_cli(inv.args, inv.target_path, quiet=quiet))
        finally:
            _release_duckdb()
    if res.exception is not None:
        raise DbtFailed(f"dbt 运行失败 (dbt failed): {res.exception}") from res.exception
    return res


def run_dbt(args: Sequence[str], warehouse: Path, *, artefacts: Path, quiet: bool = False) -> tuple[int, list[str]]:
    """Any dbt command (``docs generate``, a selection in a test) against ``warehouse``: (nodes run, failures)."""
    res = run_dbt_invocation(DbtInvocation(tuple(args), {"FISCAL_WAREHOUSE_PATH": str(warehouse.resolve())},
                                           artefacts / "target"), quiet=quiet)
    results = getattr(res.result, "results", None) or []
    failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}".strip() for r in results
                if str(r.status) in FAILED]
    return len(results), failures


def read_run_results(path: Path) -> dict[str, Any] | None:
    """A dbt ``run_results.json``: when it was written and one row per node (unique_id, status, seconds,
    message); None when there is none (yet)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    nodes = [{"unique_id": r.get("unique_id", ""), "status": str(r.get("status", "")),
              "seconds": r.get("execution_time"), "message": r.get("message")} for r in doc.get("results", [])]
    return {"generated_at": doc.get("metadata", {}).get("generated_at"), "nodes": nodes}


def generate_docs(warehouse: Path, artefacts: Path) -> Path:
    """``dbt docs generate`` for the live warehouse, on a copy of it (dbt opens its database for writing,
    which would lock readers out). Returns the folder holding index.html, manifest.json and catalog.json."""
    import shutil
    import tempfile

    if not warehouse.exists():
        raise FileNotFoundError(f"数据仓库尚未生成，请先运行 fiscal refresh (warehouse not built yet: {warehouse})")
    with tempfile.TemporaryDirectory(prefix="fiscal-docs-") as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(warehouse, copy)
        # its own folder: the docs must not replace the last build's run_results.json
        _n, failures = run_dbt(["docs", "generate"], copy, artefacts=artefacts / "docs")
    if failures:
        raise DbtFailed("dbt docs generate 失败 (failed): " + "; ".join(failures))
    return artefacts / "docs" / "target"


# -- reconciliation -------------------------------------------------------------------------------------------------
RECONCILIATION = ("marts", "fct_reconciliation")


def read_reconciliation(con: duckdb.DuckDBPyConnection) -> Reconciliation:
    """The reconciliation mart of the warehouse open on ``con``, summarised."""
    result = Reconciliation()
    schema, table = RECONCILIATION
    present = con.execute("select count(*) from information_schema.tables where table_schema = ? and "
                          "table_name = ?", [schema, table]).fetchone()
    if not present or not present[0]:
        result.problems.append(f"数据仓库缺少对账表 {schema}.{table} (the reconciliation mart is missing: "
                               "the dbt build did not make it)")
        return result
    result.measures = dict(con.execute(f"select measure, count(*) from {schema}.{table} group by 1 order by 1")
                           .fetchall())
    result.mismatches = [ReconciliationRow(*r) for r in con.execute(
        f"select measure, key, core_count, warehouse_count, core_amt, warehouse_amt from {schema}.{table} "
        "where not is_matched order by measure, key").fetchall()]
    return result


__all__ = ["DBT_PROJECT", "NOTHING_NEW", "Changes", "DbtFailed", "DbtInvocation", "ForecastStepFailed", "Reconciliation",
           "ReconciliationFailed", "Refresh", "RefreshFailed", "RefreshPaths", "RefreshReport", "generate_docs",
           "read_reconciliation", "read_run_results", "refresh", "refresh_session", "run_dbt", "run_dbt_invocation",
           "what_is_new"]
