"""Read side: journal verification, ledger identities, balances and a payment's trail (来龙去脉)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, extract, func, select

from ..adapters import tables as t
from ..domain.journal import GENESIS, ChainBreak, ChainTip, parse_anchor_tips, verify_anchors, verify_chains
from ..domain.payments import EXECUTED, IN_FLIGHT


def journal_rows(conn: Connection, chain: str | None = None, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Journal rows in streamed pages (the journal can be large): one chain's in chain_seq order, or,
    without ``chain``, every row in global seq order."""
    j = t.journal
    key = j.c.seq if chain is None else j.c.chain_seq
    last = 0
    while True:
        q = select(j).where(key > last)
        if chain is not None:
            q = q.where(j.c.chain == chain)
        rows = conn.execute(q.order_by(key).limit(batch)).mappings().all()
        if not rows:
            return
        for r in rows:
            yield dict(r)
        last = rows[-1][key.name]


@dataclass(frozen=True)
class AuditReport:
    rows: int
    tip_seq: int
    tip_hash: str
    anchors_checked: int                       # points recorded outside the database (the anchor file)
    broken: ChainBreak | None                  # the first break found (every chain first, then the anchors)
    chains: dict[str, ChainTip] = field(default_factory=dict)
    cross_anchors_checked: int = 0             # journal_anchor rows verified
    breaks: tuple[ChainBreak, ...] = ()        # every chain's first break, then the anchors' first

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_journal(conn: Connection, anchors: Sequence[tuple[int, str]] = (),
                   cross_anchors: Sequence[tuple[int, str]] = ()) -> AuditReport:
    """Recompute every chain alone; compare each chain's tip row (journal_chain) with its verified tip;
    check the points recorded outside the database — ``anchors`` (seq, hash) and ``cross_anchors``
    (anchor_no, hash) — and finally every cross-anchor against its predecessor and the chains. A chain
    rewritten wholesale or cut short verifies alone but not against the anchors taken before."""
    j = t.journal.c
    names = sorted({r[0] for r in conn.execute(select(j.chain).distinct())}
                   | {r[0] for r in conn.execute(select(t.journal_chain.c.chain))})
    ja = t.journal_anchor.c
    stored = [dict(r) for r in conn.execute(select(t.journal_anchor).order_by(ja.anchor_no)).mappings()]
    wanted = {(c, cs) for a in stored for c, cs, _, _ in parse_anchor_tips(a["tips_json"])}
    seen: dict[tuple[str, int], tuple[int, str]] = {}

    def capture(chain: str, chain_seq: int, seq: int, h: str) -> None:
        if (chain, chain_seq) in wanted:
            seen[chain, chain_seq] = (seq, h)

    tips, breaks = verify_chains(((c, journal_rows(conn, c)) for c in names), capture)
    breaks.sort(key=lambda b: b.seq)
    broken_chains = {b.chain for b in breaks}
    later: list[ChainBreak] = []
    for r in conn.execute(select(t.journal_chain)).all():
        c, n, s, h = str(r[0]), int(r[1]), int(r[2]), str(r[3])
        tip = tips.get(c)
        if c not in broken_chains and (tip is None or (tip.rows, tip.seq, tip.hash) != (n, s, h)):
            later.append(ChainBreak(s, f"链尾记录与日志不符，{c} 链在核心之外被增删 (the tip recorded for chain "
                                       f"{c} is #{n}, the journal ends at #{tip.rows if tip else 0}: rows removed "
                                       "or added outside the core)", c, n))
    checked = 0
    for seq, h in anchors:
        checked += 1
        found = conn.execute(select(j.hash).where(j.seq == seq)).scalar_one_or_none()
        if found is None:
            later.append(ChainBreak(seq, "锚点对应的日志行不存在，日志被截断 (anchor row missing: journal truncated)"))
            break
        if found != h:
            later.append(ChainBreak(seq, "锚点哈希不符，日志被改写 (anchor hash mismatch: journal rewritten)"))
            break
    by_no = {int(a["anchor_no"]): a for a in stored}
    for no, h in cross_anchors:
        a = by_no.get(no)
        if a is None or a["hash"] != h:
            later.append(ChainBreak(int(a["journal_seq"]) if a else 0,
                                    f"交叉锚点 {no} 与库外记录不符，锚点被删改 (cross-anchor {no} differs from the "
                                    "copy recorded outside the database)", "", None, no))
            break
    n_cross, anchor_break = verify_anchors(stored, tips, lambda c, cs: seen.get((c, cs)))
    if anchor_break is not None:
        later.append(anchor_break)
    top = max(tips.values(), key=lambda x: x.seq, default=None)
    all_breaks = tuple(breaks + later)
    return AuditReport(sum(x.rows for x in tips.values()), top.seq if top else 0, top.hash if top else GENESIS,
                       checked, all_breaks[0] if all_breaks else None, tips, n_cross, all_breaks)


@dataclass(frozen=True)
class IdentityViolation:
    check: str
    object_id: str
    detail: str


def check_ledger(conn: Connection) -> list[IdentityViolation]:
    """The ledger identities, recomputed from scratch with set-based SQL:

    1. every indicator's balance columns equal the sums of its ledger entries;
    2. no component is negative and 可用额度 ≥ 0;
    3. in flight = Σ amounts of its applications in flight;
    4. paid = Σ (paid − same-year refunds) of its executed applications (after corrections);
    5. plan reserve = Σ unused approved plans;
    6. procurement reserve = Σ reservations of open procurement plans.
    """
    out: list[IdentityViolation] = []
    i, lg = t.ba_bgt_info.c, t.ba_bgt_ledger.c
    sums = select(lg.bgt_id, func.sum(lg.d_amount).label("amount"), func.sum(lg.d_dis).label("dis_amt"),
                  func.sum(lg.d_frozen).label("frozen_amt"), func.sum(lg.d_plan).label("plan_amt"),
                  func.sum(lg.d_gp).label("gp_amt"), func.sum(lg.d_inflight).label("inflight_amt"),
                  func.sum(lg.d_paid).label("paid_amt")
                  ).group_by(lg.bgt_id).subquery()
    comps = ("amount", "dis_amt", "frozen_amt", "plan_amt", "gp_amt", "inflight_amt", "paid_amt")
    q = select(i.bgt_id, *[i[c] for c in comps], *[func.coalesce(sums.c[c], 0).label(f"l_{c}") for c in comps]
               ).select_from(t.ba_bgt_info.outerjoin(sums, sums.c.bgt_id == i.bgt_id))
    for r in conn.execute(q).mappings():
        for comp in comps:
            if r[comp] != r[f"l_{comp}"]:
                out.append(IdentityViolation("ledger_sum", r["bgt_id"],
                                             f"{comp}={r[comp]} ledger={r[f'l_{comp}']}"))
            if r[comp] < 0:
                out.append(IdentityViolation("negative", r["bgt_id"], f"{comp}={r[comp]}"))
        canuse = (r["amount"] - r["dis_amt"] - r["frozen_amt"] - r["plan_amt"] - r["gp_amt"] - r["inflight_amt"]
                  - r["paid_amt"])
        if canuse < 0:
            out.append(IdentityViolation("canuse_negative", r["bgt_id"], f"canuse_amt={canuse}"))

    pv, pb = t.pay_voucher.c, t.pay_voucher_bill.c
    inflight = select(pv.bgt_id, func.sum(pv.pay_app_amt).label("amt")).where(
        pv.status.in_([s.value for s in IN_FLIGHT])).group_by(pv.bgt_id).subquery()
    same_year_refund = select(pb.pay_app_id, func.sum(-pb.pay_amt).label("amt")).select_from(
        t.pay_voucher_bill.join(t.pay_voucher, pv.pay_app_id == pb.pay_app_id)).where(
        pb.bill_type == "refund", extract("year", pb.vou_date) == pv.fiscal_year).group_by(pb.pay_app_id).subquery()
    executed = select(pv.bgt_id, func.sum(pv.xpay_amt - func.coalesce(same_year_refund.c.amt, 0)).label("amt")
                      ).select_from(t.pay_voucher.outerjoin(same_year_refund,
                                                            same_year_refund.c.pay_app_id == pv.pay_app_id)
                                    ).where(pv.status.in_([s.value for s in EXECUTED])).group_by(pv.bgt_id).subquery()
    pp = t.pay_plan_voucher.c
    plans = select(pp.bgt_id, func.sum(pp.plan_amt - pp.used_amt).label("amt")).where(
        pp.status == "approved").group_by(pp.bgt_id).subquery()
    gp = t.gp_plan.c
    gps = select(gp.bgt_id, func.sum(gp.reserved_amt).label("amt")).where(gp.status == "open").group_by(
        gp.bgt_id).subquery()
    q = select(i.bgt_id, i.inflight_amt, i.paid_amt, i.plan_amt, i.gp_amt,
               func.coalesce(inflight.c.amt, 0).label("doc_inflight"),
               func.coalesce(executed.c.amt, 0).label("doc_paid"),
               func.coalesce(plans.c.amt, 0).label("doc_plan"),
               func.coalesce(gps.c.amt, 0).label("doc_gp")).select_from(
        t.ba_bgt_info.outerjoin(inflight, inflight.c.bgt_id == i.bgt_id)
        .outerjoin(executed, executed.c.bgt_id == i.bgt_id).outerjoin(plans, plans.c.bgt_id == i.bgt_id)
        .outerjoin(gps, gps.c.bgt_id == i.bgt_id))
    for r in conn.execute(q).mappings():
        if r["inflight_amt"] != r["doc_inflight"]:
            out.append(IdentityViolation("inflight_docs", r["bgt_id"],
                                         f"inflight_amt={r['inflight_amt']} applications={r['doc_inflight']}"))
        if r["paid_amt"] != r["doc_paid"]:
            out.append(IdentityViolation("paid_docs", r["bgt_id"],
                                         f"paid_amt={r['paid_amt']} executed={r['doc_paid']}"))
        if r["plan_amt"] != r["doc_plan"]:
            out.append(IdentityViolation("plan_docs", r["bgt_id"],
                                         f"plan_amt={r['plan_amt']} plans_unused={r['doc_plan']}"))
        if r["gp_amt"] != r["doc_gp"]:
            out.append(IdentityViolation("gp_docs", r["bgt_id"],
                                         f"gp_amt={r['gp_amt']} procurement_reserved={r['doc_gp']}"))
    return out


def indicator_balance(conn: Connection, bgt_id: str) -> dict[str, Any] | None:
    i = t.ba_bgt_info.c
    r = conn.execute(select(t.ba_bgt_info).where(i.bgt_id == bgt_id)).mappings().first()
    if r is None:
        return None
    d = dict(r)
    d["canuse_amt"] = (d["amount"] - d["dis_amt"] - d["frozen_amt"] - d["plan_amt"] - d["gp_amt"]
                       - d["inflight_amt"] - d["paid_amt"])
    d["cur_amt"] = d["amount"] - d["dis_amt"] - d["paid_amt"]
    return d


def object_events(conn: Connection, object_type: str, object_id: str) -> list[dict[str, Any]]:
    j = t.journal.c
    return [dict(r) for r in conn.execute(
        select(j.seq, j.occurred_at, j.actor, j.actor_role, j.action, j.object_type, j.object_id, j.after_json,
               j.opinion).where(j.object_type == object_type, j.object_id == object_id).order_by(j.seq)).mappings()]


def trace_payment(conn: Connection, pay_app_id: str) -> dict[str, Any] | None:
    """来龙去脉: the payment, its vouchers, the indicator chain back to its origin (分配/调剂 lineage via
    ``ori_bgt_id``), the budget line and the project — each with its journal events."""
    app = conn.execute(select(t.pay_voucher).where(t.pay_voucher.c.pay_app_id == pay_app_id)).mappings().first()
    if app is None:
        return None
    bills = [dict(r) for r in conn.execute(select(t.pay_voucher_bill).where(
        t.pay_voucher_bill.c.pay_app_id == pay_app_id).order_by(t.pay_voucher_bill.c.create_time)).mappings()]
    corrections = [dict(r) for r in conn.execute(select(t.pay_correction).where(
        t.pay_correction.c.pay_app_id == pay_app_id)).mappings()]
    chain = []
    seen: set[str] = set()
    start_ids = [app["bgt_id"]] + [c["from_bgt_id"] for c in corrections]
    for start in start_ids:
        bgt_id: str | None = start
        while bgt_id and bgt_id not in seen:
            seen.add(bgt_id)
            ind = indicator_balance(conn, bgt_id)
            if ind is None:
                break
            ind["events"] = object_events(conn, "ba_bgt_info", bgt_id)
            chain.append(ind)
            bgt_id = ind["ori_bgt_id"]
    lines = []
    for ind in chain:
        if ind.get("bgt_pman_id"):
            line = conn.execute(select(t.bgt_pm_annual).where(
                t.bgt_pm_annual.c.bgt_pman_id == ind["bgt_pman_id"])).mappings().first()
            if line:
                lines.append(dict(line) | {"events": object_events(conn, "bgt_pm_annual", line["bgt_pman_id"])})
    projects = []
    for pro_code in dict.fromkeys(ind["pro_code"] for ind in chain):
        p = conn.execute(select(t.pm_project).where(t.pm_project.c.pro_code == pro_code)).mappings().first()
        if p:
            projects.append(dict(p) | {"events": object_events(conn, "pm_project", pro_code)})
    return {"payment": dict(app) | {"events": object_events(conn, "pay_voucher", pay_app_id)}, "vouchers": bills,
            "corrections": corrections, "indicators": chain, "budget_lines": lines, "projects": projects}


def counts(conn: Connection) -> dict[str, int]:
    tables = ["bas_agency_info", "pm_project", "bgt_pm_annual", "ba_bgt_info", "ba_bgt_ledger", "pay_plan_voucher",
              "pay_voucher", "pay_voucher_bill", "journal"]
    return {name: int(conn.execute(select(func.count()).select_from(t.metadata.tables[name])).scalar_one())
            for name in tables}

