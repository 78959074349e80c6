"""Everything the simulator reads back from the core, in one place.

The simulator writes only through ``Core.handle`` / ``Core.handle_batch``. It reads through the core's
read side: ``Core.indicator``, ``Core.trace_payment``, ``Core.query(fn)`` with the core's own read functions,
``Core.codes``. Three reads have no core query yet and are still SQL on a read connection; each says
which query would replace it (``RAW:``), and nothing outside this module and ``profile`` touches SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from fiscal_core.service_layer import queries
from fiscal_core.service_layer.budget_prep import basic_budget_gap

from .catalogue import DIV_CODE

if TYPE_CHECKING:
    from fiscal_core.domain.indicators import Indicator
    from fiscal_core.service_layer.core import Core


# -- budget -------------------------------------------------------------------------------------------------------
def dept_totals(core: Core, year: int, depts: Iterable[str]) -> dict[str, int]:
    """一上 total (``apply_up``) of each department's budget lines for ``year``, departments without lines left
    out, in department order (the round's own ``rounds.dept_total``)."""
    def work(uow: Any) -> dict[str, int]:
        totals = {d: uow.rounds.dept_total(DIV_CODE, year, d) for d in sorted(depts)}
        return {d: v for d, v in totals.items() if v}
    return core.query(work)  # type: ignore[no-any-return]


def draft_lines(core: Core, year: int) -> list[tuple[str, str]]:
    """(dept_code, bgt_pman_id) of the year's budget lines still in draft, by department and line.

    RAW: needs ``queries.budget_lines(conn, mof_div_code, fiscal_year, status="draft")`` (the core can only
    list the lines of one project), or an ``ApproveBudget`` that takes a department and approves its drafts."""
    with core.db.read() as conn:
        rows = conn.execute(text(
            "SELECT dept_code, bgt_pman_id FROM bgt_pm_annual WHERE fiscal_year = :y AND status = 'draft' "
            "ORDER BY dept_code, bgt_pman_id"), {"y": year}).all()
    return [(str(d), str(line)) for d, line in rows]


def spendable_indicators(core: Core, year: int) -> list[dict[str, Any]]:
    """The year's executable indicators in ``bgt_id`` order, each with ``canuse_amt`` (for 上年结转 indicators
    part is already in flight or reserved)."""
    def work(uow: Any) -> list[dict[str, Any]]:
        rows = (queries.indicator_balance(uow.conn, b) for b in uow.yearend.indicators_of_year(DIV_CODE, year))
        return [r for r in rows if r is not None and r["bgt_exe_flag"]]
    return core.query(work)  # type: ignore[no-any-return]


def wage_gap(core: Core, agency: str, year: int, as_of: date) -> int:
    """What the personnel database now implies for 人员类 wages (301) beyond the approved budget."""
    return int(core.query(basic_budget_gap, agency, year, as_of).get("301", 0))


def wage_indicator(core: Core, agency: str, year: int) -> Indicator | None:
    """The agency's generated 人员类 wage indicator of the year."""
    return core.query(lambda uow: uow.indicators.wage_indicator(  # type: ignore[no-any-return]
        uow.projects.generated_for(agency, "1", year).pro_code, year))


def perf_indicator_ids(core: Core, pro_code: str) -> dict[str, int]:
    """A project's performance targets (name → id)."""
    return core.query(lambda uow: uow.projects.perf_indicator_ids(pro_code))  # type: ignore[no-any-return]


# -- payments -----------------------------------------------------------------------------------------------------
def payment(core: Core, pay_app_id: str) -> dict[str, Any]:
    """One payment application as stored (``Core.trace_payment``)."""
    tr = core.trace_payment(pay_app_id)
    if tr is None:
        raise LookupError(f"payment application {pay_app_id} not found")
    return tr["payment"]  # type: ignore[no-any-return]


def payment_statuses(core: Core, pay_app_ids: Sequence[str]) -> dict[str, str]:
    """The status of each application now, in the order asked (``Core.trace_payment``, one per application:
    for the few a payroll day makes, not for the day's payments)."""
    return {a: str(payment(core, a)["status"]) for a in pay_app_ids}


def sent_vouchers(core: Core, pay_app_ids: Sequence[str]) -> list[tuple[str, int, str]]:
    """(pay_cert_no, pay_amt, pay_app_id) of the payment vouchers of these applications that are with the bank
    (sent, not yet answered), by voucher number.

    RAW: needs ``queries.sent_vouchers(conn, pay_app_ids)``, or ``IssueVouchers`` answering with the vouchers it
    issued (pay_app_id → pay_cert_no, pay_amt). ``Core.trace_payment`` has them but costs 160 times as much
    per payment, and this runs for every payment of the district."""
    out: list[tuple[str, int, str]] = []
    ids = list(dict.fromkeys(pay_app_ids))
    with core.db.read() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ", ".join(f":k{j}" for j in range(len(chunk)))
            out += [(str(r[0]), int(r[1]), str(r[2])) for r in conn.execute(text(
                f"SELECT pay_cert_no, pay_amt, pay_app_id FROM pay_voucher_bill WHERE bill_type = 'pay' "
                f"AND status = 'sent' AND pay_app_id IN ({marks})"), {f"k{j}": k for j, k in enumerate(chunk)})]
    out.sort()
    return out


# -- personnel ----------------------------------------------------------------------------------------------------
ROSTER_FIELDS = ("per_name", "iden_hash", "agency_code", "per_ide_code", "per_sta_code", "staf_type_code",
                 "gr_code", "step_code", "eff_date")   # the hr_roster spec's field names (iden_hash: the ID number)


def roster(core: Core, as_of: date) -> list[dict[str, Any]]:
    """Everyone with their situation on ``as_of`` (its latest on or before), by agency and name.

    RAW: needs ``queries.roster(conn, as_of)``. ``persons.as_of`` + ``persons.identity`` give the same people
    but one agency at a time in ``per_id`` order, and two people of one agency with the same name would then
    come out in another order than today's (SQLite's, after the name: the history's insertion order), so the
    roster would not be the same file; a core query should fix a total order (…, name, per_id) for
    PostgreSQL as well, where today's order of such a pair is not defined."""
    sql = text(
        "SELECT i.per_name, i.iden_no, h.agency_code, h.per_ide_code, h.per_sta_code, h.staf_type_code, "
        "h.gr_code, h.step_code, h.eff_date FROM bas_person_info i JOIN bas_person_hist h ON h.per_id = i.per_id "
        "WHERE h.eff_date = (SELECT MAX(h2.eff_date) FROM bas_person_hist h2 WHERE h2.per_id = h.per_id "
        "AND h2.eff_date <= :d) ORDER BY h.agency_code, i.per_name")
    with core.db.read() as conn:
        return [dict(zip(ROSTER_FIELDS, row, strict=True)) for row in conn.execute(sql, {"d": as_of})]


# -- treasury -----------------------------------------------------------------------------------------------------
def treasury_balance(core: Core) -> int | None:
    """The treasury single account's balance now (fen): the opening, the bookings since, less the vouchers
    cleared, plus the refunds come back — what fct_treasury_cash_daily rolls forward; None before the opening.

    RAW: needs ``queries.cash_position(conn, mof_div_code)`` (the core keeps the flows but sums none of them)."""
    with core.db.read() as conn:
        row = conn.execute(text("SELECT open_date, amount FROM trs_opening WHERE mof_div_code = :d"),
                           {"d": DIV_CODE}).first()
        if row is None:
            return None
        income: Any = conn.execute(text(
            "SELECT COALESCE(SUM(amount), 0) FROM inc_treasury_income WHERE mof_div_code = :d AND tre_date >= :o"),
            {"d": DIV_CODE, "o": row[0]}).scalar_one()
        flows: Any = conn.execute(text(
            "SELECT COALESCE(SUM(CASE WHEN bill_type = 'pay' AND act_lqd_date IS NOT NULL THEN xpay_amt END), 0), "
            "COALESCE(SUM(CASE WHEN bill_type = 'refund' AND xpay_date IS NOT NULL THEN -pay_amt END), 0) "
            "FROM pay_voucher_bill WHERE mof_div_code = :d"), {"d": DIV_CODE}).one()
    return int(row[1]) + int(income) - int(flows[0]) + int(flows[1])


def treasury_outflow(core: Core, since: date) -> int:
    """What the treasury paid out (vouchers cleared) after ``since``, fen."""
    with core.db.read() as conn:
        out: Any = conn.execute(text(
            "SELECT COALESCE(SUM(xpay_amt), 0) FROM pay_voucher_bill WHERE mof_div_code = :d AND bill_type = 'pay' "
            "AND act_lqd_date > :s"), {"d": DIV_CODE, "s": since}).scalar_one()
    return int(out)
