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
from typing import Any

import duckdb

from fiscal_core.adapters.migrate import CODESETS_DIR

from .core_extract import ExtractReport, extract_core
from .exchange import Ingested, ingest_exchange
from .forecasts import ForecastReport, build_forecasts
from .inbox import Settled, settle_inbox
from .publish import build_analytics, discard_analytics, publish_analytics
from .warehouse import build_path, discard_build, prepare_build, publish, refresh_lock

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt"

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


def _tree_checksum(*paths: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for root in paths:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.is_file():
                h.update(str(f.relative_to(DBT_PROJECT.parent)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


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
        self.prepared = False
        self.published = False

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

    # -- 2. ingest ------------------------------------------------------------------------------------------
    def prepare(self) -> Path:
        """The build file: a copy of the live warehouse (incremental) or an empty file (full)."""
        path = prepare_build(self.paths.warehouse, full=self.full)
        self.prepared = True
        return path

    def extract(self) -> ExtractReport:
        t0 = time.perf_counter()
        self.say(f"[1/5] 抽取核心数据 · extracting the core ({'全量 full' if self.full else '增量 incremental'})")
        con = _connect(self.build)
        try:
            self.report.extract = extract_core(self.core_url, con, full=self.full, progress=self.say)
            con.execute("checkpoint")
        finally:
            con.close()
        self.report.seconds["extract"] = time.perf_counter() - t0
        return self.report.extract

    def load_exchange(self) -> Ingested:
        t0 = time.perf_counter()
        self.say(f"[2/5] 加载交换文件 · loading exchange files from {self.paths.exchange / 'inbox'}")
        con = _connect(self.build)
        try:
            self.report.exchange = ingest_exchange(self.paths.exchange, con, full=self.full, progress=self.say)
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
            con.execute("create schema if not exists raw")
            con.execute("create table if not exists raw._build_state (part varchar primary key, "
                        "checksum varchar not null)")
            built = dict(con.execute("select part, checksum from raw._build_state").fetchall())
            if not self.full and built.get("seeds") == parts["seeds"]:
                exclude.append("resource_type:seed")
            if not self.full and built.get("staging") == parts["staging"]:
                exclude.append("path:models/staging")
            con.execute("delete from raw._build_state")
            con.executemany("insert into raw._build_state values (?, ?)", list(parts.items()))
            con.execute("checkpoint")
        finally:
            con.close()
        self._build_args = ["build", "--exclude", " ".join(exclude)]
        return self._build_args

    def dbt_invocation(self) -> DbtInvocation:
        self.say("[3/5] dbt build: staging → marts, 含数据测试 (with data tests)")
        return DbtInvocation(tuple(self._dbt_build_args()), {"FISCAL_WAREHOUSE_PATH": str(self.build)},
                             self.paths.dbt_target)

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
        return self.report.dbt_nodes, failures

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
        t0 = time.perf_counter()
        self.say("[5/5] 预测与预警 · forecasts and early warning")
        con = _connect(self.build)
        try:
            report = build_forecasts(con, progress=self.say)
            con.execute("checkpoint")
        except Exception as e:
            raise ForecastStepFailed(f"预测与预警失败，数据仓库未更新 (forecasts failed; the live warehouse is "
                                     f"unchanged): {type(e).__name__}: {e}") from e
        finally:
            con.close()
        self.report.forecast = report
        self.report.seconds["forecast"] = time.perf_counter() - t0
        return report

    # -- 6. swap ----------------------------------------------------------------------------------------------------
    def swap(self) -> Settled:
        """Rename the build over the live warehouse (atomic), and the analysts' copy made from it over theirs,
        then move the inbox files it holds."""
        build = self.build       # refuses a swap of a build this refresh did not prepare
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
        return self.report.settled

    def run(self, *, dbt: bool = True, forecasts: bool = True) -> RefreshReport:
        """Every step in order (``dbt=False`` stops after ingest and swaps the raw layer in: the ingest
        tests' fast path; reconciliation needs the marts, so it goes with dbt)."""
        started = time.perf_counter()
        self.settle()
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


def refresh(core_url: str, paths: RefreshPaths, *, full: bool = False, dbt: bool = True, forecasts: bool = True,
            progress: Say | None = None) -> RefreshReport:
    """``fiscal refresh``: the whole pipeline in this process."""
    with refresh_session(core_url, paths, full=full, progress=progress) as r:
        return r.run(dbt=dbt, forecasts=forecasts)


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


__all__ = ["DBT_PROJECT", "DbtFailed", "DbtInvocation", "ForecastStepFailed", "Reconciliation",
           "ReconciliationFailed", "Refresh", "RefreshFailed", "RefreshPaths", "RefreshReport", "generate_docs",
           "read_reconciliation", "read_run_results", "refresh", "refresh_session", "run_dbt", "run_dbt_invocation"]
