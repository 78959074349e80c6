"""Scoring the rules against the simulator's planted cases (``simulation/ground_truth.csv``).

Hits come from where the rules run: real-time rules' warnings from the core (``mon_warning``), scheduled
rules' from the warehouse (``marts.fct_warning``, trigger ``scheduled``). A hit is a true positive when it
is about a planted case of the same docs/standard/monitoring.md rule (the same application, the same indicator and year, or the
same unit, payee and period); recall counts the planted cases that are *due* at the data's as-of — a
payment case once its application exists, a year-level case (rules 8, 10, 11) once its year has ended, a
split purchase once its quarter has ended. Hits that match no planted case are false alarms; the report
says which of them the core's own tables bear out (recomputed there, independently of the warehouse) and
which are about a planted case of another rule, but the headline precision counts them all as false.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from fiscal_core.adapters import migrate
from fiscal_core.adapters.db import Database
from fiscal_core.monitoring.catalogue import RULES, Trigger

YEAR_RULES = {8, 10, 11}


@dataclass
class Case:
    case_id: str
    kind: str
    rule_no: int
    year: int
    amount: int
    objects: dict[str, Any]

    @property
    def pay_app_ids(self) -> set[str]:
        return set(self.objects.get("pay_app_ids", []))

    def due(self, as_of: date) -> bool:
        if self.rule_no in YEAR_RULES:
            return date(self.year, 12, 31) < as_of
        if self.rule_no == 12:
            q = int(str(self.objects.get("quarter", f"{self.year}Q4"))[-1])
            end = date(self.year, 12, 31) if q == 4 else date(self.year, q * 3 + 1, 1)
            return end <= as_of and bool(self.pay_app_ids)
        return bool(self.pay_app_ids)


@dataclass
class HitRow:
    rule_code: str
    rule_no: int
    trigger: str
    fiscal_year: int
    agency_code: str
    bgt_id: str | None
    pay_app_ids: set[str]
    period: str | None
    payee: str | None
    amount: Decimal
    evidence: dict[str, Any]
    matched: list[str] = field(default_factory=list)        # planted cases of its own rule
    other_cases: list[str] = field(default_factory=list)    # planted cases of other rules about the same objects
    confirmed: bool = False                                  # the core's tables bear the hit out


def read_cases(path: Path) -> list[Case]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [Case(r["case_id"], r["kind"], int(r["rule_no"]), int(r["year"]), int(r["amount"]),
                     json.loads(r["objects"])) for r in csv.DictReader(fh)]


def core_hits(db: Database) -> list[HitRow]:
    with db.read() as conn:
        rows = conn.execute(text(
            "SELECT rule_code, rule_no, fiscal_year, agency_code, bgt_id, pay_app_id, period, amount, evidence_json "
            "FROM mon_warning WHERE trigger_type = 'realtime'")).all()
    return [HitRow(r[0], int(r[1]), "realtime", int(r[2]), r[3], r[4], {r[5]} if r[5] else set(), r[6], None,
                   Decimal(int(r[7])) / 100, json.loads(r[8])) for r in rows]


def warehouse_hits(warehouse: Path) -> list[HitRow]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select rule_code, rule_no, fiscal_year, agency_code, bgt_id, pay_app_id, period, payee_acct_name, "
            "amount, evidence from marts.fct_warning where trigger_type = 'scheduled'").fetchall()
    finally:
        con.close()
    out = []
    for r in rows:
        ev = json.loads(r[9])
        apps = set(ev.get("pay_app_ids") or []) | ({r[5]} if r[5] else set())
        out.append(HitRow(r[0], int(r[1]), "scheduled", int(r[2]), r[3], r[4], apps, r[6], r[7], r[8], ev))
    return out


def _about(h: HitRow, c: Case) -> bool:
    """The hit and the case are about the same objects."""
    o = c.objects
    if h.pay_app_ids & c.pay_app_ids:
        return True
    if o.get("bgt_id") and h.bgt_id == o["bgt_id"] and h.fiscal_year == c.year:
        return True
    if c.rule_no == h.rule_no and c.rule_no in (8, 23):     # hits per unit (R08) or 补贴到人 project (R23) and year
        return h.agency_code == o.get("agency_code") and h.fiscal_year == c.year
    if c.rule_no == 12 and h.rule_no == 12:
        return (h.agency_code, h.payee, h.period) == (o.get("agency_code"), o.get("payee"), o.get("quarter"))
    return False


# -- the core's own tables bear a scheduled hit out (independent of the warehouse's SQL) --------------------
def _confirm(conn: Any, h: HitRow, sangong_codes: dict[str, list[str]]) -> bool:
    ev = h.evidence
    if h.rule_code == "R12" and h.pay_app_ids:
        marks = ", ".join(f":a{i}" for i in range(len(h.pay_app_ids)))
        rows = conn.execute(text(
            f"SELECT pay_app_amt, contract_no, payee_acct_name, agency_code FROM pay_voucher "
            f"WHERE pay_app_id IN ({marks})"), {f"a{i}": a for i, a in enumerate(sorted(h.pay_app_ids))}).all()
        limit = int(Decimal(str(ev["limit"])) * 100)
        amts = [int(r[0]) for r in rows]
        return (len(rows) >= 2 and all(r[1] is None and r[2] == h.payee and r[3] == h.agency_code for r in rows)
                and max(amts) < limit <= sum(amts))
    if h.rule_code in ("R10", "R11") and h.bgt_id:
        start = date(h.fiscal_year, 1, 1)
        end = date(h.fiscal_year, 12, 31) if h.rule_code == "R10" else date.fromisoformat(ev["quarter_end"])
        months: tuple[int, ...] = (11, 12) if h.rule_code == "R10" else tuple(range(1, 13))
        adjusted = conn.execute(text(
            "SELECT COALESCE(SUM(d_amount - d_dis), 0) FROM ba_bgt_ledger WHERE bgt_id = :b AND created_at < :e"),
            {"b": h.bgt_id, "e": datetime.combine(end, datetime.max.time())}).scalar_one()
        paid = 0
        for d, amt in conn.execute(text(
                "SELECT create_date, xpay_amt - refund_amt FROM pay_voucher WHERE bgt_id = :b "
                "AND status IN ('paid', 'cleared') AND create_date BETWEEN :s AND :e"),
                {"b": h.bgt_id, "s": start, "e": end}).all():
            d = d if isinstance(d, date) else date.fromisoformat(str(d))
            if d.month in months:
                paid += int(amt)
        if not adjusted:
            return False
        if h.rule_code == "R10":
            return paid > int(adjusted) * Decimal(str(ev["share"]))
        return Decimal(paid) / int(adjusted) < Decimal(str(ev["time_progress"])) * Decimal(str(ev["ratio"]))
    if h.rule_code == "R08":
        codes = tuple(sangong_codes.get(ev["sangong_kind"], ())) or ("-",)
        marks = ", ".join(f":c{i}" for i in range(len(codes)))
        params = {"a": h.agency_code, "y": h.fiscal_year} | {f"c{i}": c for i, c in enumerate(codes)}
        executed = conn.execute(text(
            "SELECT COALESCE(SUM(xpay_amt - refund_amt), 0) FROM pay_voucher WHERE agency_code = :a "
            f"AND fiscal_year = :y AND status IN ('paid', 'cleared') AND dep_bgt_eco_code IN ({marks})"),
            params).scalar_one()
        budget = conn.execute(text(
            "SELECT COALESCE(SUM(reply_amt), 0) FROM bgt_pm_annual WHERE agency_code = :a AND fiscal_year = :y "
            f"AND status = 'approved' AND dep_bgt_eco_code IN ({marks})"), params).scalar_one()
        return int(executed) > int(budget) * Decimal(str(ev["ratio"]))
    if h.rule_code == "R23":
        n = conn.execute(text(
            "SELECT COUNT(*) FROM pay_voucher v JOIN pm_project p ON p.pro_code = v.pro_code WHERE p.is_sub "
            "AND v.agency_code = :a AND v.fiscal_year = :y AND v.status IN ('paid', 'cleared') "
            "AND NOT EXISTS (SELECT 1 FROM pay_detail d WHERE d.pay_app_id = v.pay_app_id)"),
            {"a": h.agency_code, "y": h.fiscal_year}).scalar_one()
        return int(n) > 0
    return False


CONFIRMABLE = ("R08", "R10", "R11", "R12", "R23")


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def score(ground_truth: Path, db: Database, warehouse: Path) -> dict[str, Any]:
    """Precision and recall per rule (docs/standard/monitoring.md row and catalogue code) and overall, with the false alarms
    explained. ``ground_truth`` is the simulator's ``simulation/ground_truth.csv``."""
    cases = read_cases(ground_truth)
    hits = core_hits(db) + warehouse_hits(warehouse)
    with db.read() as conn:
        sangong: dict[str, list[str]] = defaultdict(list)
        for code in migrate.load_codesets(conn).rows("dep_bgt_eco"):
            if code.attrs.get("sangong_kind"):
                sangong[code.attrs["sangong_kind"]].append(code.code)
        last: Any = conn.execute(text("SELECT MAX(occurred_at) FROM journal")).scalar_one()
        as_of = date.fromisoformat(str(last)[:10])
        for h in hits:
            for c in cases:
                if _about(h, c):
                    (h.matched if c.rule_no == h.rule_no else h.other_cases).append(c.case_id)
            if not h.matched and h.rule_code in CONFIRMABLE:
                h.confirmed = _confirm(conn, h, sangong)
    found = {cid for h in hits for cid in h.matched}
    planted_rules = sorted({c.rule_no for c in cases})
    by_no: dict[str, Any] = {}
    for no in sorted({r.no for r in RULES} | set(planted_rules)):
        hs = [h for h in hits if h.rule_no == no]
        cs = [c for c in cases if c.rule_no == no]
        due = [c for c in cs if c.due(as_of)]
        tp = sum(1 for h in hs if h.matched)
        confirmed = sum(1 for h in hs if not h.matched and h.confirmed)
        other = sum(1 for h in hs if not h.matched and not h.confirmed and h.other_cases)
        by_no[str(no)] = {
            "rules": sorted({r.code for r in RULES if r.no == no}),
            "planted": len(cs), "due": len(due), "found": sum(1 for c in due if c.case_id in found),
            "early": sum(1 for c in cs if not c.due(as_of) and c.case_id in found),
            "hits": len(hs), "true_positives": tp, "false_alarms": len(hs) - tp,
            "false_alarms_confirmed_in_core": confirmed, "false_alarms_on_other_planted_cases": other,
            "precision": _ratio(tp, len(hs)), "recall": _ratio(sum(1 for c in due if c.case_id in found), len(due)),
            "precision_counting_confirmed": _ratio(tp + confirmed, len(hs)),
            "missed": [c.case_id for c in due if c.case_id not in found],
        }
    by_code = {}
    for r in RULES:
        hs = [h for h in hits if h.rule_code == r.code]
        tp = sum(1 for h in hs if h.matched)
        by_code[r.code] = {"no": r.no, "trigger": r.trigger.value, "level": r.level.value, "hits": len(hs),
                           "true_positives": tp, "precision": _ratio(tp, len(hs)),
                           "confirmed_in_core": sum(1 for h in hs if not h.matched and h.confirmed)}
    scored = [v for v in by_no.values() if v["planted"]]
    tp_all = sum(v["true_positives"] for v in scored)
    hits_all = sum(v["hits"] for v in scored)
    overall = {"rules_with_planted_cases": [k for k, v in by_no.items() if v["planted"]],
               "hits": hits_all, "true_positives": tp_all, "precision": _ratio(tp_all, hits_all),
               "due": sum(v["due"] for v in scored), "found": sum(v["found"] for v in scored),
               "recall": _ratio(sum(v["found"] for v in scored), sum(v["due"] for v in scored)),
               "precision_counting_confirmed": _ratio(
                   tp_all + sum(v["false_alarms_confirmed_in_core"] for v in scored), hits_all),
               "hits_of_rules_without_planted_cases": sum(v["hits"] for v in by_no.values() if not v["planted"])}
    kind_of = {c.case_id: f"{c.kind} (rule {c.rule_no})" for c in cases}
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        if not h.matched and len(examples[h.rule_code]) < 20:
            examples[h.rule_code].append({"agency_code": h.agency_code, "fiscal_year": h.fiscal_year,
                                          "period": h.period, "bgt_id": h.bgt_id, "amount": str(h.amount),
                                          "confirmed_in_core": h.confirmed, "other_cases": h.other_cases,
                                          "other_case_kinds": [kind_of[c] for c in h.other_cases],
                                          "explanation": _explain(h, kind_of), "evidence": h.evidence})
    return {"as_of": as_of.isoformat(), "cases": len(cases), "hits": len(hits),
            "realtime_hits": sum(1 for h in hits if h.trigger == Trigger.REALTIME.value),
            "overall": overall, "by_rule_no": by_no, "by_rule_code": by_code,
            "false_alarm_examples": dict(examples)}


def _explain(h: HitRow, kind_of: dict[str, str]) -> str:
    """Why a hit matches no planted case of its rule, in a line."""
    if h.other_cases:
        return ("about the objects of planted case " + ", ".join(f"{c} {kind_of[c]}" for c in h.other_cases)
                + ": the planted irregularity also meets this rule's condition")
    if h.confirmed:
        return "ordinary activity that meets the rule's condition (the core's own tables bear the hit out)"
    return "not borne out by the core's tables: a rule or warehouse discrepancy to investigate"


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a markdown section: one table per run, per docs/standard/monitoring.md rule."""
    out = ["# 动态监控规则评分 · monitoring rules scored against the planted cases", ""]
    for run in results["runs"]:
        s = run["score"]
        o = s["overall"]
        out += [f"## {run['label']}", "",
                f"`{run['command']}` — as-of {s['as_of']}, {s['cases']} planted cases, {s['hits']} hits "
                f"({s['realtime_hits']} real-time).", "",
                "| §4.2 | rules | planted | due | found | recall | hits | true | false | of which confirmed in the "
                "core | precision | precision counting confirmed |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for no, v in s["by_rule_no"].items():
            if not v["hits"] and not v["planted"]:
                continue
            out.append(f"| {no} | {', '.join(v['rules'])} | {v['planted']} | {v['due']} | {v['found']} | "
                       f"{_fmt(v['recall'])} | {v['hits']} | {v['true_positives']} | {v['false_alarms']} | "
                       f"{v['false_alarms_confirmed_in_core']} | {_fmt(v['precision'])} | "
                       f"{_fmt(v['precision_counting_confirmed'])} |")
        out += ["", f"Overall (rules with planted cases): precision {_fmt(o['precision'])}, recall {_fmt(o['recall'])}"
                    f" ({o['found']}/{o['due']} due cases found); counting the false alarms the core's tables bear "
                    f"out, precision {_fmt(o['precision_counting_confirmed'])}. Hits of rules with no planted case: "
                    f"{o['hits_of_rules_without_planted_cases']}.", ""]
        extra = [(code, e) for code, es in s.get("false_alarm_examples", {}).items() for e in es]
        if extra:
            out += ["Hits on no planted case of their rule, each explained:", ""]
            out += [f"- {code} {e['period'] or e['fiscal_year']} unit {e['agency_code']}, {e['amount']} 元: "
                    f"{e.get('explanation', '')}" for code, e in extra]
            out.append("")
    return "\n".join(out) + "\n"


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def to_json(results: dict[str, Any]) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, (Decimal, date)):
            return str(o)
        if isinstance(o, set):
            return sorted(o)
        return asdict(o)
    return json.dumps(results, ensure_ascii=False, indent=2, default=default) + "\n"
