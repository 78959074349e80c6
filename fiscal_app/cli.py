"""The ``fiscal`` command. Chinese first; ``--lang en`` (or ``FISCAL_LANG=en``) for English."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fiscal_core.domain.errors import DomainError
from fiscal_core.domain.tz import TZ

from .settings import Settings

LANG = "zh"


def t(zh: str, en: str) -> str:
    return en if LANG == "en" else zh


def _open_core(args: argparse.Namespace, **kw: object):  # type: ignore[no-untyped-def]
    return Settings.from_env().open_core(**kw)


def cmd_init(args: argparse.Namespace) -> int:
    from ingest import person_key

    core = _open_core(args)
    print(t(f"核心库已就绪：{core.db.url.render_as_string(hide_password=True)}",
            f"core ready: {core.db.url.render_as_string(hide_password=True)}"))
    home = Settings.from_env().home
    path, written = person_key.create(home, rotate=args.rotate_person_key)
    if written and args.rotate_person_key:
        print(t(f"人员密钥已更换：{path}；下次刷新将全量重建数据仓库并重新生成全部人员键",
                f"person key rotated: {path}; the next refresh rebuilds the warehouse in full, re-keyed"))
    elif written:
        print(t(f"人员密钥已生成：{path}（仅本机可读，请与核心库一同备份，勿放入代码库）",
                f"person key created: {path} (owner-only; back it up with the core, never commit it)"))
    else:
        print(t(f"人员密钥已存在：{path}", f"person key present: {path}"))
    return 0


def _anchor_file() -> Path:
    return Settings.from_env().anchors


def _anchor_lines() -> list[dict[str, Any]]:
    f = _anchor_file()
    if not f.exists():
        return []
    return [json.loads(line) for line in f.read_text().splitlines() if line.strip()]


def _anchors() -> list[tuple[int, str]]:
    """The journal rows (seq, hash) recorded outside the database."""
    return [(int(a["seq"]), str(a["hash"])) for a in _anchor_lines()]


def _cross_anchors() -> list[tuple[int, str]]:
    """The cross-anchors (anchor_no, hash) recorded outside the database (lines written before there were
    cross-anchors have none)."""
    return [(int(a["anchor_no"]), str(a["anchor_hash"])) for a in _anchor_lines() if "anchor_no" in a]


def _verify(core: Any) -> Any:
    return core.verify_journal(_anchors(), _cross_anchors())


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    """Write a cross-anchor of every chain's tip into the journal, then record it and the journal's tip
    outside the database (and print them for publishing): a later truncation or wholesale rewrite of any
    chain, or of the anchors, then fails verification."""
    core = _open_core(args, migrate_schema=False)
    if not _verify(core).ok:
        return cmd_audit_verify(args)
    anchor = core.anchor_journal()
    report = _verify(core)
    if not report.ok:
        return cmd_audit_verify(args)
    f = _anchor_file()
    f.parent.mkdir(parents=True, exist_ok=True)
    line = {"seq": report.tip_seq, "hash": report.tip_hash, "anchor_no": anchor.anchor_no,
            "anchor_hash": anchor.hash, "chains": len(anchor.tips), "at": datetime.now(TZ).isoformat(timespec="seconds")}
    with f.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    print(t(f"已记录锚点：序号 {report.tip_seq}，哈希 {report.tip_hash}；交叉锚点 {anchor.anchor_no}"
            f"（{len(anchor.tips)} 条链），哈希 {anchor.hash}（{f}）",
            f"anchor recorded: seq {report.tip_seq}, hash {report.tip_hash}; cross-anchor {anchor.anchor_no} "
            f"({len(anchor.tips)} chains), hash {anchor.hash} ({f})"))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    core = _open_core(args, migrate_schema=False)
    report = _verify(core)
    chains = len(report.chains)
    if report.ok:
        print(t(f"日志哈希链完整：{chains} 条链共 {report.rows} 条，链尾序号 {report.tip_seq}，"
                f"核对交叉锚点 {report.cross_anchors_checked} 个、库外锚点 {report.anchors_checked} 个",
                f"journal hash chains intact: {chains} chains, {report.rows} rows, tip seq {report.tip_seq}, "
                f"{report.cross_anchors_checked} cross-anchors and {report.anchors_checked} anchors checked"))
        return 0
    assert report.broken is not None
    for b in report.breaks:
        print(t(f"日志哈希链断裂：{b.where_zh} — {b.reason}",
                f"journal hash chain broken at {b.where_en}: {b.reason}"), file=sys.stderr)
    intact = sorted(set(report.chains) - {b.chain for b in report.breaks})
    if intact:
        print(t(f"其余 {len(intact)} 条链各自完整：{', '.join(intact)}",
                f"the other {len(intact)} chains verify alone: {', '.join(intact)}"), file=sys.stderr)
    return 1


def cmd_check(args: argparse.Namespace) -> int:
    core = _open_core(args, migrate_schema=False)
    bad = core.check_ledger()
    if not bad:
        print(t("指标台账恒等式全部成立", "all ledger identities hold"))
        return 0
    for v in bad[:50]:
        print(f"{v.check}\t{v.object_id}\t{v.detail}", file=sys.stderr)
    print(t(f"台账恒等式不成立：{len(bad)} 处", f"ledger identities violated: {len(bad)}"), file=sys.stderr)
    return 1


def _is_demo_core(db_file: Path) -> bool:
    """True when the SQLite core was written by ``fiscal demo`` (safe to rebuild)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT meta_value FROM sys_meta WHERE meta_key = 'origin'").fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0] == "demo")


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else datetime.now(TZ).date()


def _prepare_home(settings: Settings) -> int:
    """An empty core for the demo district; a previous demo core is rebuilt, anything else refused."""
    db_file = settings.core_file
    if db_file is not None and db_file.exists():
        if not _is_demo_core(db_file):
            print(t(f"{db_file} 中已有非演示数据，演示不会覆盖它；请换一个 FISCAL_HOME。",
                    f"{db_file} holds data that is not the demo's; the demo will not overwrite it. "
                    "Use another FISCAL_HOME."), file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
        for folder in (settings.inbox, settings.simulation):
            if folder.exists():
                shutil.rmtree(folder)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from demo_district import SimConfig, render, simulate

    settings = Settings.from_env()
    if (rc := _prepare_home(settings)) != 0:
        return rc
    cfg = SimConfig(scale=args.scale, years=args.years, seed=args.seed, as_of=_as_of(args.as_of),
                    irregularity=args.irregularity)
    print(t(f"模拟演示区 · 规模 {cfg.scale} · {cfg.years} 年至 {cfg.as_of} · 种子 {cfg.seed} · FISCAL_HOME={settings.home}",
            f"simulating the demo district · scale {cfg.scale} · {cfg.years} years to {cfg.as_of} · seed {cfg.seed}"
            f" · FISCAL_HOME={settings.home}"), flush=True)
    started = time.perf_counter()
    try:
        res = simulate(settings.core_url, settings.home, cfg, log=lambda m: print(m, flush=True))
    except RuntimeError as e:
        print(str(e), file=sys.stderr)
        return 2
    print()
    print(render(res.profile))
    print(t(f"  植入的违规案例 {res.ground_truth_cases} 个（{settings.ground_truth}）",
            f"  planted cases {res.ground_truth_cases} ({settings.ground_truth})"))
    print(t(f"  日志哈希链：{'完整' if res.journal_ok else '断裂'}；台账恒等式："
            f"{'成立' if not res.ledger_violations else f'{res.ledger_violations} 处不成立'}；用时 "
            f"{time.perf_counter() - started:.0f} 秒",
            f"  journal chain: {'intact' if res.journal_ok else 'BROKEN'}; ledger identities: "
            f"{'hold' if not res.ledger_violations else f'{res.ledger_violations} VIOLATED'}; took "
            f"{time.perf_counter() - started:.0f} s"))
    return 0 if res.journal_ok and not res.ledger_violations else 1


def _spark_outcome(rep: Any) -> int:
    """Print the Spark build's outcome (``fiscal refresh --target spark``); 1 when it failed."""
    if rep.spark is None:
        return 0
    s = rep.spark
    print(t(f"  Spark 构建用时 {rep.seconds.get('spark', 0):.1f} 秒（dbt {s.seconds.get('dbt', 0):.1f} 秒），"
            f"{s.nodes} 个节点，{len(s.failures)} 个失败 → {s.root}",
            f"  Spark build {rep.seconds.get('spark', 0):.1f} s (dbt {s.seconds.get('dbt', 0):.1f} s), "
            f"{s.nodes} nodes, {len(s.failures)} failures → {s.root}"), flush=True)
    for failure in s.failures[:20]:
        print(f"  {failure}", file=sys.stderr)
    return 0 if s.ok else 1


def cmd_refresh(args: argparse.Namespace) -> int:
    """The refresh pipeline (ingest → dbt build → reconciliation → forecasts → swap), the Dagster job's steps;
    ``--target spark`` then builds the same marts on Spark too (``ingest.pipeline.refresh``)."""
    from ingest.pipeline import RefreshFailed, refresh
    from ingest.warehouse import RefreshBusy

    settings = Settings.from_env()
    print(t(f"刷新数据仓库 · FISCAL_HOME={settings.home}", f"refreshing the warehouse · FISCAL_HOME={settings.home}"),
          flush=True)
    try:
        rep = refresh(settings.core_url, settings.refresh_paths(), full=args.full,
                      progress=lambda m: print(m, flush=True), target=getattr(args, "target", "duckdb"))
    except (RefreshFailed, RefreshBusy, FileNotFoundError) as e:
        print(str(e), file=sys.stderr)
        return 2
    spark_rc = _spark_outcome(rep)
    if rep.nothing_new:         # decided before any build: no dbt, no forecasts, the live warehouse untouched
        settled = len(rep.settled_before.archived) + len(rep.settled_before.duplicates) if rep.settled_before else 0
        print(t(f"无新数据，数据仓库未重建（核心无新日志，无新交换文件；归档已入库文件 {settled} 个；用时 "
                f"{rep.seconds.get('total', 0):.2f} 秒）→ {settings.warehouse}",
                f"nothing new: the warehouse was not rebuilt (no journal rows past its watermark, no new exchange "
                f"files; {settled} inbox files settled; {rep.seconds.get('total', 0):.2f} s) → {settings.warehouse}"))
        return spark_rc
    ex = rep.exchange.summary() if rep.exchange else {}
    if rep.settled_before:      # delivered again: settled against the live warehouse before the load
        ex["duplicate"] = ex.get("duplicate", 0) + len(rep.settled_before.duplicates)
    rows = rep.extract.total() if rep.extract else 0
    print(t(f"完成（{'全量' if rep.mode == 'full' else '增量'}）：核心 {rows:,} 行；交换文件 加载 {ex.get('loaded', 0)}、"
            f"拒收 {ex.get('rejected', 0)}、重复 {ex.get('duplicate', 0)}，隔离行 {ex.get('rows_quarantined', 0)}；"
            f"dbt 节点 {rep.dbt_nodes}；用时 {rep.seconds.get('total', 0):.1f} 秒 → {rep.warehouse}",
            f"done ({rep.mode}): core {rows:,} rows; exchange files loaded {ex.get('loaded', 0)}, rejected "
            f"{ex.get('rejected', 0)}, duplicate {ex.get('duplicate', 0)}, quarantined rows "
            f"{ex.get('rows_quarantined', 0)}; dbt nodes {rep.dbt_nodes}; {rep.seconds.get('total', 0):.1f} s → "
            f"{rep.warehouse}"))
    steps = ", ".join(f"{k} {v:.1f}" for k, v in rep.seconds.items() if k not in ("total", "spark"))
    print(t(f"  各步用时（秒）：{steps}", f"  step seconds: {steps}"))
    print(t("  只读查询 query read-only: fiscal sql \"select * from marts.fct_payment limit 5\"",
            "  query read-only: fiscal sql \"select * from marts.fct_payment limit 5\""))
    return spark_rc


def _sql_once(analytics: Path, query: str, fmt: str, output: str | None = None) -> int:
    """One query on a governed connection to the analysts' copy; the result to the screen, or exported by the
    platform (not by SQL: the connection can write no file) as csv, xlsx or parquet."""
    import duckdb

    from ingest.warehouse import connect_governed, refusal

    try:
        con = connect_governed(analytics)      # a fresh read-only connection per query: refreshes never wait
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    try:
        rel = con.sql(query)
        if rel is None:
            return 0
        if output:
            from .export import write_table

            n = write_table(rel.to_arrow_table(), Path(output), fmt)
            print(t(f"已导出 {n:,} 行 → {output}", f"{n:,} rows exported → {output}"))
        elif fmt == "csv":
            import csv

            w = csv.writer(sys.stdout)
            w.writerow(rel.columns)
            w.writerows(rel.fetchall())
        else:
            rel.show(max_rows=200, max_width=200)
        return 0
    except duckdb.Error as e:
        refused = refusal(e, query)
        if refused is not None:
            print(t(f"拒绝：{refused.zh}（规则 {refused.rule}）", f"refused: {refused.en} (rule {refused.rule})"),
                  file=sys.stderr)
            return 3
        print(t(f"查询错误：{e}", f"query error: {e}"), file=sys.stderr)
        return 1
    finally:
        con.close()


def cmd_sql(args: argparse.Namespace) -> int:
    """The analysts' console: governed read-only SQL on the analysts' copy (marts.*, forecast.*, reporting.*)."""
    analytics = Settings.from_env().analytics
    if args.output and args.format == "table":
        print(t("--output 需要 --format csv|xlsx|parquet", "--output needs --format csv|xlsx|parquet"), file=sys.stderr)
        return 2
    if args.format in ("xlsx", "parquet") and not args.output:
        print(t(f"--format {args.format} 需要 --output 文件", f"--format {args.format} needs --output FILE"),
              file=sys.stderr)
        return 2
    if args.query:
        return _sql_once(analytics, args.query, args.format, args.output)
    print(t(f"只读 SQL 控制台 · {analytics} · 以分号结束语句，.tables 列出表，.quit 退出",
            f"read-only SQL console · {analytics} · end statements with ';', .tables lists tables, .quit leaves"))
    buf: list[str] = []
    while True:
        try:
            line = input("fiscal> " if not buf else "   ...> ")
        except EOFError:
            return 0
        if not buf and line.strip() in (".quit", ".exit"):
            return 0
        if not buf and line.strip() == ".tables":
            _sql_once(analytics, "select table_schema, table_name, table_type from information_schema.tables "
                                 "order by 1, 2", "table")
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            _sql_once(analytics, "\n".join(buf), args.format if args.format in ("table", "csv") else "table")
            buf = []


def cmd_export_open_data(args: argparse.Namespace) -> int:
    """财政信息公开: the year's budget and execution as a Fiscal Data Package (ingest/open_data.py)."""
    from ingest.open_data import OpenDataError, export_open_data

    try:
        report = export_open_data(Settings.from_env().analytics, args.year, Path(args.out), publisher=args.publisher)
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    except OpenDataError as e:
        print(t(f"未发布：{e}", f"not published: {e}"), file=sys.stderr)
        return 1
    print(t(f"已发布 {args.year} 年公开数据包 → {report.out}（数据截至 {report.as_of}）",
            f"{args.year} open-data package → {report.out} (as of {report.as_of})"))
    for name, n in report.rows.items():
        print(f"  {name:<22} {n:>9,}")
    print(t(f"  与部门预算公开表核对一致：{len(report.ties)} 项", f"  tied to the disclosure tables: {len(report.ties)} totals"))
    return 0


def cmd_export_disclosure(args: argparse.Namespace) -> int:
    """部门预算公开: one department's nine disclosure tables as one XLSX workbook (ingest/disclosure_export.py)."""
    from ingest.disclosure_export import DisclosureNotFound, export_disclosure

    analytics = Settings.from_env().analytics
    if not analytics.exists():
        print(t(f"分析库尚未生成，请先运行 fiscal refresh ({analytics})", f"run fiscal refresh first ({analytics})"),
              file=sys.stderr)
        return 2
    try:
        out = export_disclosure(analytics, args.dept, args.year, Path(args.out), unit=args.unit)
    except DisclosureNotFound as e:
        print(str(e), file=sys.stderr)
        return 1
    print(t(f"已导出部门预算公开表 → {out}", f"department budget disclosure → {out}"))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """dbt docs for the marts: every model's grain and every column described."""
    from ingest.pipeline import DbtFailed, generate_docs

    settings = Settings.from_env()
    try:
        folder = generate_docs(settings.warehouse, settings.dbt_artefacts)
    except (DbtFailed, FileNotFoundError) as e:
        print(str(e), file=sys.stderr)
        return 2
    print(t(f"数据字典已生成：{folder / 'index.html'}（含 manifest.json、catalog.json）",
            f"data dictionary written: {folder / 'index.html'} (with manifest.json, catalog.json)"))
    if args.serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as httpd:
            print(f"http://127.0.0.1:{args.port}/index.html", flush=True)
            httpd.serve_forever()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """From an empty $FISCAL_HOME to a running platform: simulate → refresh (marts, forecasts, scheduled
    warnings) → the warehouse's warnings into the core's disposal workflow → serve (unless --no-serve)."""
    started = time.perf_counter()
    rc = cmd_simulate(args)
    if rc != 0:
        return rc
    print()
    args.full = True
    rc = cmd_refresh(args)
    if rc != 0:
        return rc
    print()
    rc = _sync_warnings()
    if rc != 0:
        return rc
    print()
    _demo_people()
    home = Settings.from_env().home
    print()
    print(t(f"演示平台已构建，用时 {time.perf_counter() - started:.0f} 秒 · FISCAL_HOME={home}",
            f"the demo platform is built in {time.perf_counter() - started:.0f} s · FISCAL_HOME={home}"))
    if args.no_serve:
        print(t("启动驾驶舱与 Dagster：fiscal serve", "start the dashboards and Dagster: fiscal serve"))
        return 0
    return cmd_serve(args)


def _demo_people() -> None:
    """The demo users (one password), and work left in their inboxes (fiscal_app/demo_users.py)."""
    from .demo_users import create_demo_users, demo_password, password_file, seed_inbox

    settings = Settings.from_env()
    password, generated = demo_password(settings)
    core = settings.open_core()
    try:
        people = create_demo_users(core, password)
        pending = seed_inbox(core, people)
    finally:
        core.close()
    print(t("演示用户（统一密码）：", "demo users (one password):"))
    for p in people:
        n = pending.get(p.user_id, 0)
        print(f"  {p.user_id:<16} {p.name:<24} {p.role:<14} {p.scope_kind}:{p.scope_code}"
              + (t(f"  待办 {n}", f"  pending {n}") if n else ""))
    if os.environ.get("FISCAL_DEMO_PASSWORD"):
        print(t("密码：环境变量 FISCAL_DEMO_PASSWORD 的值", "password: the value of FISCAL_DEMO_PASSWORD"))
    else:
        print(t(f"密码：{password}（{'新生成，' if generated else ''}保存在 {password_file(settings)}）",
                f"password: {password} ({'generated, ' if generated else ''}kept in {password_file(settings)})"))


def _sync_warnings() -> int:
    """Scheduled-rule hits of the fresh warehouse into the core's disposal workflow (fiscal monitor sync)."""
    from .monitor import run

    ns = argparse.Namespace(monitor_command="sync", lang=LANG)
    return run(ns, t)


def cmd_serve(args: argparse.Namespace) -> int:
    """The dashboards and the Dagster UI on 127.0.0.1 until Ctrl-C."""
    from .serve import serve

    settings = Settings.from_env()
    print(t(f"启动服务 · FISCAL_HOME={settings.home}", f"starting the servers · FISCAL_HOME={settings.home}"),
          flush=True)
    return serve(settings, port=getattr(args, "port", 8501), dagster_port=getattr(args, "dagster_port", 3000),
                 dagster=not getattr(args, "no_dagster", False), api_port=getattr(args, "api_port", 8000),
                 workbench_port=getattr(args, "workbench_port", 8502), say=lambda m: print(m, flush=True), t=t)


def cmd_forecast(args: argparse.Namespace) -> int:
    """Any long CSV series_id,date,value → series_id,date,model,mean,lo80,hi80,lo95,hi95 (models_forecast)."""
    from models_forecast.cli import run_cli

    return run_cli(args.forecast_args)


def cmd_users(args: argparse.Namespace) -> int:
    from .users import run

    return run(args, t)


def cmd_monitor(args: argparse.Namespace) -> int:
    """动态监控: rules, scoring against the planted cases, scheduled hits into the disposal workflow."""
    from .monitor import run

    return run(args, t)


def cmd_login(args: argparse.Namespace) -> int:
    """Log in through the identity provider (authorization code + PKCE) and print an access token."""
    from .login import run

    return run(args, t)


def cmd_gate_nginx(args: argparse.Namespace) -> int:
    """Write the nginx site that puts the Dagster UI behind the platform's login (auth_request → the gate)."""
    from .api.gate import nginx_conf

    conf = nginx_conf(listen=args.listen, api=args.api, dagster=args.dagster, audience=args.audience,
                      server_name=args.server_name)
    if args.out:
        Path(args.out).write_text(conf, encoding="utf-8")
        print(t(f"已写入 nginx 配置：{args.out}", f"nginx site written: {args.out}"))
    else:
        sys.stdout.write(conf)
    return 0


def _serve_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--api-port", dest="api_port", type=int, default=8000, help="接口端口 / API port (/api/v1)")
    s.add_argument("--port", type=int, default=8501, help="驾驶舱端口 / dashboards port")
    s.add_argument("--workbench-port", dest="workbench_port", type=int, default=8502, help="工作台端口 / workbench port")
    s.add_argument("--dagster-port", dest="dagster_port", type=int, default=3000, help="Dagster 界面端口 / UI port")
    s.add_argument("--no-dagster", dest="no_dagster", action="store_true", help="只启动驾驶舱 / dashboards only")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fiscal", description="财政一体化管理平台 · fiscal integration platform")
    p.add_argument("--lang", choices=["zh", "en"], default=os.environ.get("FISCAL_LANG", "zh"),
                   help="输出语言 / output language")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="建库迁移、加载代码集并生成人员密钥 / migrate the core, load code sets and "
                                    "create the person key")
    s.add_argument("--rotate-person-key", action="store_true",
                   help="更换人员密钥（下次刷新全量重建）/ replace the person key (the next refresh rebuilds in full)")
    s.set_defaults(func=cmd_init)

    for cmd, fn, help_ in (("demo", cmd_demo, "从零构建演示平台 / build the demo platform from nothing"),
                           ("simulate", cmd_simulate, "模拟演示区写入核心库 / simulate the demo district")):
        s = sub.add_parser(cmd, help=help_)
        # the demo's default is a tenth of the district, built in minutes; --scale 1 is the whole district
        s.add_argument("--scale", type=float, default=0.1 if cmd == "demo" else 1.0,
                       help="规模 (1 = 一个县级区；demo 默认 0.1) / scale (1 = a whole district; demo: 0.1)")
        s.add_argument("--years", type=int, default=3, help="详细历史年数 / years of detailed history")
        s.add_argument("--seed", type=int, default=7)
        s.add_argument("--as-of", dest="as_of", default=None, help="截止日期 YYYY-MM-DD（默认今天）/ as-of date")
        s.add_argument("--irregularity", type=float, default=1.0, help="违规植入率倍数 / planted-case rate")
        if cmd == "demo":
            s.add_argument("--no-serve", action="store_true", help="构建后不启动服务 / stop after the build")
            _serve_arguments(s)
        s.set_defaults(func=fn)

    audit = sub.add_parser("audit", help="审计 / audit")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    s = asub.add_parser("verify", help="校验各区划日志哈希链与锚点 / verify every journal chain and the anchors")
    s.set_defaults(func=cmd_audit_verify)
    s = asub.add_parser("anchor", help="写入各链交叉锚点并在库外记录 / cross-anchor every chain and record it "
                                       "outside the database")
    s.set_defaults(func=cmd_audit_anchor)

    s = sub.add_parser("check", help="校验指标台账恒等式 / check the ledger identities")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("refresh", help="刷新数据仓库：抽取 → dbt build → 切换 / ingest → dbt build → swap the warehouse")
    s.add_argument("--full", action="store_true", help="全量重建 / rebuild from nothing")
    s.add_argument("--target", choices=("duckdb", "spark"), default="duckdb",
                   help="duckdb（默认）；spark：刷新后再用 Spark 以同一 dbt 项目构建集市 / duckdb (default); spark: "
                        "then build the same marts on Apache Spark too (dbt-spark, FISCAL_SPARK_DIR)")
    s.set_defaults(func=cmd_refresh)

    s = sub.add_parser("docs", help="生成数据字典 (dbt docs) / generate the data dictionary")
    s.add_argument("--serve", action="store_true", help="在 127.0.0.1 上提供浏览 / serve it on 127.0.0.1")
    s.add_argument("--port", type=int, default=8081)
    s.set_defaults(func=cmd_docs)

    s = sub.add_parser("sql", help="只读查询分析库（集市、预测、报表）/ governed read-only SQL on marts, forecast, reporting")
    s.add_argument("query", nargs="?", help="一条查询；省略则进入交互控制台 / a query; none for the console")
    s.add_argument("--format", choices=["table", "csv", "xlsx", "parquet"], default="table",
                   help="输出格式 / output format (xlsx and parquet need --output)")
    s.add_argument("--output", default=None, help="导出到文件 / export to this file (through the platform)")
    s.set_defaults(func=cmd_sql)

    export = sub.add_parser("export", help="公开与导出 / publish and export")
    esub = export.add_subparsers(dest="export_command", required=True)
    s = esub.add_parser("open-data", help="发布年度预算与执行公开数据包 (Fiscal Data Package) / publish the year's "
                                          "budget and execution as a Fiscal Data Package")
    s.add_argument("--year", type=int, required=True, help="预算年度 / fiscal year")
    s.add_argument("--out", required=True, help="输出目录 / output folder (new, empty or an earlier package)")
    s.add_argument("--publisher", default="", help="发布机关 / publisher named in datapackage.json")
    s.set_defaults(func=cmd_export_open_data)
    s = esub.add_parser("disclosure", help="导出部门预算公开表 (XLSX) / one department's disclosure tables (XLSX)")
    s.add_argument("--dept", required=True, help="部门编码 / department code")
    s.add_argument("--year", type=int, required=True, help="预算年度 / fiscal year")
    s.add_argument("--out", required=True, help="输出文件 .xlsx / output file")
    s.add_argument("--unit", choices=["元", "万元"], default="元", help="金额单位 / amount unit")
    s.set_defaults(func=cmd_export_disclosure)

    s = sub.add_parser("serve", help="启动驾驶舱与 Dagster 界面 / serve the dashboards and the Dagster UI")
    _serve_arguments(s)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("forecast", add_help=False,
                       help="预测任意序列 (series_id,date,value) / forecast any series: fiscal forecast --help")
    s.add_argument("forecast_args", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_forecast)

    from .users import add_arguments as users_arguments

    s = sub.add_parser("users", help="用户、角色与数据范围 / users, roles and data scope")
    users_arguments(s)
    s.set_defaults(func=cmd_users)

    from .monitor import add_arguments as monitor_arguments

    s = sub.add_parser("monitor", help="动态监控：规则、评分、处置 / dynamic monitoring: rules, scoring, disposal")
    monitor_arguments(s)
    s.set_defaults(func=cmd_monitor)

    from .login import add_arguments as login_arguments

    s = sub.add_parser("login", help="登录并输出访问令牌（密码从标准输入读取）/ log in, print an access token "
                                     "(password on standard input)")
    login_arguments(s)
    s.set_defaults(func=cmd_login)

    s = sub.add_parser("gate", help="登录网关（nginx auth_request）/ the login gate for nginx")
    gsub = s.add_subparsers(dest="gate_command", required=True)
    s = gsub.add_parser("nginx", help="生成 Dagster 界面的 nginx 登录网关配置 / write the nginx site for the Dagster UI")
    s.add_argument("--listen", default="0.0.0.0:8080", help="nginx 监听地址 / address nginx listens on")
    s.add_argument("--api", default="127.0.0.1:8000", help="平台接口地址 / the platform API (host:port)")
    s.add_argument("--dagster", default="127.0.0.1:3001",
                   help="Dagster 界面地址（--path-prefix /dagster）/ the Dagster webserver (host:port)")
    s.add_argument("--audience", choices=["viewer", "operator"], default="viewer",
                   help="viewer：只读界面；operator：可启动运行（仅系统管理员）/ read-only viewers or operators")
    s.add_argument("--server-name", dest="server_name", default="_", help="nginx server_name")
    s.add_argument("--out", help="写入文件（默认标准输出）/ write to a file (default: standard output)")
    s.set_defaults(func=cmd_gate_nginx)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    global LANG
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "forecast":
        args.forecast_args = [*extra, *args.forecast_args]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    LANG = args.lang
    try:
        return int(args.func(args) or 0)
    except DomainError as e:
        print(e.en if LANG == "en" else e.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130



if __name__ == "__main__":
    sys.exit(main())
