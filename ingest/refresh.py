"""``fiscal refresh``: core → raw, exchange inbox → raw, ``dbt build`` → marts, forecasts and early warnings
(schema ``forecast``), then swap the warehouse in.

The Dagster job runs the same four steps as assets (``dagster_project/defs``); this is the in-process
path for a command line or a cron. Either way a refresh writes only the build file and swaps it in at the
end, so a failure anywhere leaves the live warehouse, and the inbox, as they were.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fiscal_core.config import Settings

from .core_extract import ExtractReport, extract_core
from .exchange import Ingested, ingest_exchange
from .forecasts import ForecastReport, build_forecasts
from .warehouse import build_path, discard_build, live_path, prepare_build, publish, refresh_lock

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt"


class DbtFailed(RuntimeError):
    pass


@dataclass
class RefreshReport:
    mode: str
    extract: ExtractReport | None = None
    exchange: Ingested | None = None
    dbt_nodes: int = 0
    dbt_failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    warehouse: Path | None = None
    forecast: ForecastReport | None = None


@contextmanager
def _env(**values: str) -> object:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield None
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


def run_dbt(args: Sequence[str], warehouse: Path, *, quiet: bool = False, target_dir: Path | None = None
            ) -> tuple[int, list[str]]:
    """dbt in this process against the given warehouse file. Returns (nodes run, failures).

    ``target_dir`` keeps dbt's artefacts (manifest, partial-parse cache, logs) out of the repository and
    apart per FISCAL_HOME, so two homes never overwrite each other's."""
    import warnings

    from dbt.cli.main import dbtRunner

    # agate warns for each seed lacking a column named in the project-wide column_types (harmless)
    warnings.filterwarnings("ignore", message=".*does not match the name of any column", category=RuntimeWarning)
    with _env(FISCAL_WAREHOUSE_PATH=str(warehouse.resolve())):  # type: ignore[attr-defined]
        cli = [*args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]
        if target_dir is not None:
            cli += ["--target-path", str(target_dir / "target"), "--log-path", str(target_dir / "logs")]
        if quiet:
            cli.append("--quiet")
        try:
            res = dbtRunner().invoke(cli)
        finally:
            _release_duckdb()
    if res.exception is not None:
        raise DbtFailed(f"dbt 运行失败 (dbt failed): {res.exception}") from res.exception
    results = getattr(res.result, "results", None) or []
    failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}".strip() for r in results
                if str(r.status) in {"error", "fail", "runtime error"}]
    return len(results), failures


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


def dbt_build_args(con: duckdb.DuckDBPyConnection, *, full: bool) -> list[str]:
    """What a refresh runs: ``dbt build`` without the unit tests (they test the SQL, not the data, and run
    in the test suite). On an incremental refresh the warehouse copy already holds the code-set seeds and
    the staging views; they are rebuilt only when their sources changed since the warehouse last built them
    (checksums kept in ``raw._build_state``), which saves about seventy dbt nodes."""
    from fiscal_core.adapters.migrate import CODESETS_DIR

    # one --exclude with a space-separated union: multi-value options would swallow whatever dagster-dbt
    # appends after them
    exclude = ["resource_type:unit_test"]
    parts = {
        "seeds": _tree_checksum(CODESETS_DIR, DBT_PROJECT / "dbt_project.yml"),
        "staging": _tree_checksum(DBT_PROJECT / "models" / "staging", DBT_PROJECT / "macros",
                                  DBT_PROJECT / "dbt_project.yml"),
    }
    con.execute("create schema if not exists raw")
    con.execute("create table if not exists raw._build_state (part varchar primary key, checksum varchar not null)")
    built = dict(con.execute("select part, checksum from raw._build_state").fetchall())
    if not full and built.get("seeds") == parts["seeds"]:
        exclude.append("resource_type:seed")
    if not full and built.get("staging") == parts["staging"]:
        exclude.append("path:models/staging")
    args = ["build", "--exclude", " ".join(exclude)]
    con.execute("delete from raw._build_state")
    con.executemany("insert into raw._build_state values (?, ?)", list(parts.items()))
    return args


class ForecastStepFailed(DbtFailed):
    """The forecasting step failed: the refresh fails as on a dbt failure (a subclass, so every caller that
    reports a failed build reports this one too)."""


def _run_forecasts(build: Path, say: Callable[[str], None]) -> ForecastReport:
    """Forecasts into the build file; a failure fails the refresh like a dbt failure (nothing is swapped in)."""
    con = duckdb.connect(str(build))
    try:
        con.execute("SET enable_progress_bar = false")
        report = build_forecasts(con, progress=say)
        con.execute("checkpoint")
        return report
    except Exception as e:
        raise ForecastStepFailed(f"预测与预警失败，数据仓库未更新 (forecasts failed; the live warehouse is unchanged): "
                                 f"{type(e).__name__}: {e}") from e
    finally:
        con.close()


def refresh(settings: Settings | None = None, *, full: bool = False, dbt: bool = True,
            progress: Callable[[str], None] | None = None) -> RefreshReport:
    settings = settings or Settings.from_env()
    home = settings.home
    say = progress or (lambda _m: None)
    started = time.perf_counter()
    with refresh_lock(home):
        full = full or not live_path(home).exists()
        report = RefreshReport("full" if full else "incremental")
        say(f"[1/4] 抽取核心数据 · extracting the core ({'全量 full' if full else '增量 incremental'})")
        build = prepare_build(home, full=full)
        try:
            con = duckdb.connect(str(build))
            con.execute("SET enable_progress_bar = false")
            try:
                t0 = time.perf_counter()
                report.extract = extract_core(settings.core_url, con, full=full, progress=say)
                report.seconds["extract"] = time.perf_counter() - t0
                say(f"[2/4] 加载交换文件 · loading exchange files from {home / 'exchange' / 'inbox'}")
                t0 = time.perf_counter()
                report.exchange = ingest_exchange(home, con, full=full, progress=say)
                report.seconds["exchange"] = time.perf_counter() - t0
                args = dbt_build_args(con, full=full)
                con.execute("checkpoint")
            finally:
                con.close()
            if dbt:
                say("[3/4] dbt build: staging → marts, 含数据测试与对账 (with data tests and reconciliation)")
                t0 = time.perf_counter()
                report.dbt_nodes, report.dbt_failures = run_dbt(args, build, target_dir=home / ".dbt")
                report.seconds["dbt"] = time.perf_counter() - t0
                if report.dbt_failures:
                    raise DbtFailed("dbt build 有失败项，数据仓库未更新 (dbt build failed; the live warehouse is "
                                    "unchanged):\n  " + "\n  ".join(report.dbt_failures))
                say("[4/4] 预测与预警 · forecasts and early warning")
                t0 = time.perf_counter()
                report.forecast = _run_forecasts(build, say)
                report.seconds["forecast"] = time.perf_counter() - t0
            report.warehouse = publish(home)
        except BaseException:
            discard_build(home)
            raise
        report.exchange.finish()
        report.seconds["total"] = time.perf_counter() - started
    return report


def generate_docs(settings: Settings | None = None) -> Path:
    """``dbt docs generate`` for the live warehouse, on a copy of it (dbt opens its database for writing,
    which would lock readers out). Returns the folder holding index.html, manifest.json and catalog.json."""
    import shutil
    import tempfile

    settings = settings or Settings.from_env()
    live = live_path(settings.home)
    if not live.exists():
        raise FileNotFoundError(f"数据仓库尚未生成，请先运行 fiscal refresh (warehouse not built yet: {live})")
    target = settings.home / ".dbt"
    with tempfile.TemporaryDirectory(prefix="fiscal-docs-") as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(live, copy)
        _n, failures = run_dbt(["docs", "generate"], copy, target_dir=target)
    if failures:
        raise DbtFailed("dbt docs generate 失败 (failed): " + "; ".join(failures))
    return target / "target"


__all__ = ["DBT_PROJECT", "DbtFailed", "ForecastStepFailed", "RefreshReport", "build_path", "generate_docs", "refresh", "run_dbt"]
