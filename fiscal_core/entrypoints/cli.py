"""The ``fiscal`` command. Chinese first; ``--lang en`` (or ``FISCAL_LANG=en``) for English."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ..config import TZ, Settings
from ..domain.errors import DomainError

LANG = "zh"


def t(zh: str, en: str) -> str:
    return en if LANG == "en" else zh


def _open_core(args: argparse.Namespace, **kw: object):  # type: ignore[no-untyped-def]
    from ..service_layer.core import Core

    return Core.open(Settings.from_env(), **kw)  # type: ignore[arg-type]


def cmd_init(args: argparse.Namespace) -> int:
    core = _open_core(args)
    print(t(f"核心库已就绪：{core.db.url.render_as_string(hide_password=True)}",
            f"core ready: {core.db.url.render_as_string(hide_password=True)}"))
    return 0


def _anchor_file() -> Path:
    return Settings.from_env().home / "audit" / "anchors.jsonl"


def _anchors() -> list[tuple[int, str]]:
    f = _anchor_file()
    if not f.exists():
        return []
    return [(int(a["seq"]), str(a["hash"])) for a in map(json.loads, f.read_text().splitlines()) if a]


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    """Record the chain's tip outside the database (and print it for publishing): later truncation or a
    wholesale rewrite of the journal then fails verification."""
    core = _open_core(args, migrate_schema=False)
    report = core.verify_journal(_anchors())
    if not report.ok:
        return cmd_audit_verify(args)
    f = _anchor_file()
    f.parent.mkdir(parents=True, exist_ok=True)
    line = {"seq": report.tip_seq, "hash": report.tip_hash, "at": datetime.now(TZ).isoformat(timespec="seconds")}
    with f.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    print(t(f"已记录锚点：序号 {report.tip_seq}，哈希 {report.tip_hash}（{f}）",
            f"anchor recorded: seq {report.tip_seq}, hash {report.tip_hash} ({f})"))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    core = _open_core(args, migrate_schema=False)
    report = core.verify_journal(_anchors())
    if report.ok:
        print(t(f"日志哈希链完整：共 {report.rows} 条，链尾序号 {report.tip_seq}，核对锚点 {report.anchors_checked} 个",
                f"journal hash chain intact: {report.rows} rows, tip seq {report.tip_seq}, "
                f"{report.anchors_checked} anchors checked"))
        return 0
    assert report.broken is not None
    print(t(f"日志哈希链断裂：第 {report.broken.seq} 条 — {report.broken.reason}",
            f"journal hash chain broken at seq {report.broken.seq}: {report.broken.reason}"), file=sys.stderr)
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


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import ScenarioClock, mark_demo, run_scenario, seeded_ids
    from ..service_layer.core import Core

    settings = Settings.from_env()
    db_file = settings.home / "core.sqlite3"
    if settings.core_url.startswith("sqlite") and db_file.exists():
        if not _is_demo_core(db_file):
            print(t(f"{db_file} 中已有非演示数据，演示不会覆盖它；请换一个 FISCAL_HOME。",
                    f"{db_file} holds data that is not the demo's; the demo will not overwrite it. "
                    "Use another FISCAL_HOME."), file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            p = settings.home / f"core.sqlite3{suffix}"
            if p.exists():
                p.unlink()
    started = time.perf_counter()
    clock = ScenarioClock()
    print(t(f"财政一体化平台演示 · FISCAL_HOME={settings.home}", f"fiscal platform demo · FISCAL_HOME={settings.home}"))
    core = Core.open(settings, clock=clock, new_id=seeded_ids(args.seed))
    if core.counts()["journal"] > 1:
        print(t("核心库不是空的，演示需要一个空库（换一个 FISCAL_HOME 或 FISCAL_CORE_URL）。",
                "the core is not empty; the demo needs an empty one (use another FISCAL_HOME or "
                "FISCAL_CORE_URL)."), file=sys.stderr)
        return 2
    mark_demo(core)
    res = run_scenario(core, clock, payments_per_unit=max(1, int(40 * args.scale)), seed=args.seed)
    report = core.verify_journal()
    bad = core.check_ledger()
    counts = core.counts()
    elapsed = time.perf_counter() - started
    print()
    print(t("结果 · result", "result"))
    print(t(f"  项目 {res.projects} 个，指标 {counts['ba_bgt_info']} 条，支付申请 {counts['pay_voucher']} 笔，"
            f"日志 {counts['journal']} 条", f"  projects {res.projects}, indicators {counts['ba_bgt_info']}, "
            f"payment applications {counts['pay_voucher']}, journal rows {counts['journal']}"))
    if res.refused:
        refused = ", ".join(f"{k}×{v}" for k, v in sorted(res.refused.items()))
        print(t(f"  被控制规则拒绝的申请：{refused}", f"  applications refused by controls: {refused}"))
    print(t(f"  日志哈希链：{'完整' if report.ok else '断裂'}；台账恒等式：{'成立' if not bad else '不成立'}",
            f"  journal chain: {'intact' if report.ok else 'BROKEN'}; ledger identities: "
            f"{'hold' if not bad else 'VIOLATED'}"))
    print(t(f"  用时 {elapsed:.1f} 秒", f"  took {elapsed:.1f} s"))
    print()
    print(t("说明：目前演示止于交易核心（项目库 → 预算 → 指标 → 计划 → 支付 → 清算）。数据中心、预测、监控和"
            "驾驶舱尚未构建，--no-serve 之外暂无可启动的服务。",
            "Note: the demo currently stops after the transactional core (projects → budget → indicators → "
            "plans → payments → clearing). The warehouse, forecasts, monitoring and dashboards are not built "
            "yet, so there is nothing to serve besides --no-serve."))
    core.close()
    return 0 if report.ok and not bad else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fiscal", description="财政一体化管理平台 · fiscal integration platform")
    p.add_argument("--lang", choices=["zh", "en"], default=os.environ.get("FISCAL_LANG", "zh"),
                   help="输出语言 / output language")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="建库迁移并加载代码集 / migrate the core and load code sets")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", help="从零构建演示区 / build the demo district from nothing")
    s.add_argument("--scale", type=float, default=1.0)
    s.add_argument("--years", type=int, default=3)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--no-serve", action="store_true", help="构建后不启动服务 / stop after the build")
    s.set_defaults(func=cmd_demo)

    audit = sub.add_parser("audit", help="审计 / audit")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    s = asub.add_parser("verify", help="校验日志哈希链 / verify the journal hash chain")
    s.set_defaults(func=cmd_audit_verify)
    s = asub.add_parser("anchor", help="在库外记录链尾锚点 / record the chain tip outside the database")
    s.set_defaults(func=cmd_audit_anchor)

    s = sub.add_parser("check", help="校验指标台账恒等式 / check the ledger identities")
    s.set_defaults(func=cmd_check)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    global LANG
    args = build_parser().parse_args(argv)
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
