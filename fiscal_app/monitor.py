"""``fiscal monitor …``: the rule catalogue, bringing the warehouse's scheduled hits into the core's disposal
workflow, escalation of overdue warnings, per-区划 parameters. (Scoring the rules against the demo district's
planted cases is a benchmark: ``python -m benchmarks.monitoring_score``.)"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime

from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import SYSTEM
from fiscal_core.domain.tz import TZ
from fiscal_core.monitoring.catalogue import DISPOSAL, LEVEL_NAMES, RULES, Params, Trigger

from .settings import Settings

Say = Callable[[str, str], str]


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="monitor_command", required=True)
    s = sub.add_parser("rules", help="规则目录及参数 / the rule catalogue with its parameters")
    s.add_argument("--div", default="320509000", help="财政区划 / fiscal division")
    sub.add_parser("sync", help="定时规则命中登记到核心处置流程 / record the warehouse's scheduled hits in the core")
    s = sub.add_parser("escalate", help="逾期预警升级 / escalate overdue warnings")
    s.add_argument("--div", default="320509000")
    s.add_argument("--as-of", dest="as_of", default=None, help="YYYY-MM-DD（默认今天）")
    s = sub.add_parser("set", help="设置区划参数 / set a rule's parameter for a division")
    s.add_argument("div")
    s.add_argument("rule")
    s.add_argument("param")
    s.add_argument("value")


def run(args: argparse.Namespace, t: Say) -> int:
    settings = Settings.from_env()
    cmd = args.monitor_command
    core = settings.open_core()
    try:
        if cmd == "rules":
            return _rules(core, args.div, t)
        if cmd == "sync":
            return _sync(core, settings, t)
        if cmd == "escalate":
            as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(TZ).date()
            done = core.handle(c.EscalateWarnings(args.div, as_of, actor=SYSTEM))
            print(t(f"逾期升级预警 {len(done)} 条", f"{len(done)} overdue warnings escalated"))
            return 0
        core.handle(c.SetMonitorParam(args.div, args.rule, args.param, args.value, actor=SYSTEM))
        print(t(f"已设置 mon.{args.rule}.{args.param} = {args.value}（{args.div}）",
                f"set mon.{args.rule}.{args.param} = {args.value} ({args.div})"))
        return 0
    finally:
        core.close()


def _rules(core: object, div: str, t: Say) -> int:
    from fiscal_core.monitoring.service import repo

    settings = core.query(lambda uow: repo(uow).settings(div))  # type: ignore[attr-defined]
    for r in (*RULES, DISPOSAL):
        params = Params(r, settings)
        where = "核心 core" if r.trigger == Trigger.REALTIME else "数据仓库 warehouse"
        if r.core_control:
            where = "核心硬控制 core control"
        state = "" if params.enabled else t("（本区划停用）", " (off here)")
        vals = ", ".join(f"{p.name}={','.join(v) if isinstance(v := params[p.name], tuple) else v}"
                         for p in r.params)
        level = LEVEL_NAMES.get(r.level, "") if r.code != DISPOSAL.code else "-"
        print(f"{r.code:8} §4.2-{r.no:<3} v{r.version} {level} {r.trigger.value:9} {where:22} {r.name}{state}")
        if vals:
            print(f"{'':12}{vals}")
    return 0


def _sync(core: object, settings: Settings, t: Say) -> int:
    import sys
    from decimal import Decimal

    from ingest.warehouse import connect_read_only

    try:
        con = connect_read_only(settings.warehouse)
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    try:
        rows = con.execute(
            "select warning_key, rule_code, rule_version, mof_div_code, fiscal_year, agency_code, amount, message, "
            "evidence, detected_at, pro_code, bgt_id, pay_app_id, period from marts.fct_warning "
            "where trigger_type = 'scheduled' and not is_in_core order by warning_key").fetchall()
    finally:
        con.close()
    hits = [c.ScheduledHit(r[0], r[1], int(r[2]), r[3], int(r[4]), r[5], int(Decimal(r[6]) * 100), r[7], r[8], r[9],
                           r[10], r[11], r[12], r[13]) for r in rows]
    made = 0
    for i in range(0, len(hits), 500):
        made += len(core.handle(c.RecordScheduledWarnings(tuple(hits[i:i + 500]), actor=SYSTEM)))  # type: ignore[attr-defined]
    print(t(f"定时规则命中 {len(hits)} 条，新登记到核心处置流程 {made} 条",
            f"{len(hits)} scheduled hits, {made} newly recorded in the core's disposal workflow"))
    return 0
