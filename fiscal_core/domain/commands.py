"""Commands: what a user or another subsystem asks the core to do. One handler each.

Amounts are integer fen (the entrypoints convert yuan with ``money.to_fen``); dates are ``datetime.date``.
Every command carries the acting ``Actor`` and, where the standard has one, an ``opinion``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .actors import SYSTEM, Actor
from .agencies import Account
from .money import Fen
from .projects import PerfIndicator


@dataclass(frozen=True)
class Command:
    pass


# -- reference --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeclareCoreOrigin(Command):
    """Say where an empty core's data will come from (``demo``: the demo district's simulator), so that
    ``fiscal demo`` may rebuild a demo core and refuses to touch any other."""

    origin: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RegisterMofDiv(Command):
    mof_div_code: str
    mof_div_name: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RegisterAgency(Command):
    agency_code: str
    agency_name: str
    mof_div_code: str
    agency_type_code: str
    parent_code: str | None = None
    unifsoc_cred_code: str | None = None
    accounts: tuple[Account, ...] = ()
    exp_func_code: str | None = None      # the agency's default 功能科目 (行政运行/事业运行 of its main work)
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetDivConfig(Command):
    """Per-区划 settings: ``plan_control_fund_types`` (comma list), ``fin_review_threshold`` (fen)."""

    mof_div_code: str
    key: str
    value: str
    actor: Actor = SYSTEM


# -- project library --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeclareProject(Command):
    pro_name: str
    agency_code: str
    pro_cat_code: str
    setup_year: int
    pro_start_year: int
    end_year: int
    pro_total_amt: Fen
    year_plans: dict[int, Fen] = field(default_factory=dict)
    pro_code: str | None = None
    pro_desc: str = ""
    is_gov_pur: bool = False
    is_dir: bool = False
    is_sub: bool = False
    is_sal: bool = False
    is_fun: bool = False
    is_sangong: bool = False          # a 三公 project: its budget lines only on 三公 codes
    kpi_target: str = ""
    perf_indicators: tuple[PerfIndicator, ...] = ()
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetPerformanceTargets(Command):
    pro_code: str
    kpi_target: str
    perf_indicators: tuple[PerfIndicator, ...]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ProjectAction(Command):
    """submit / approve / return / void / complete / terminate."""

    pro_code: str
    action: str
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RollProject(Command):
    pro_code: str
    to_year: int
    actor: Actor = SYSTEM


# -- budget lines and indicators ----------------------------------------------------------------------
@dataclass(frozen=True)
class AddBudgetLine(Command):
    fiscal_year: int
    pro_code: str
    exp_func_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    apply_up: Fen
    gov_bgt_eco_code: str | None = None   # derived from the 部门→政府 mapping when omitted
    agency_code: str | None = None        # defaults to the project's agency
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ApproveBudget(Command):
    """二下 批复: approve budget lines and create one executable indicator (年初预算) per line."""

    bgt_pman_ids: tuple[str, ...]
    cor_bgt_doc_no: str
    doc_date: date
    bgt_doc_title: str = ""
    reply_amts: dict[str, Fen] = field(default_factory=dict)   # bgt_pman_id → 批复数 (default: apply_up)
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class IssueIndicator(Command):
    """下达 an indicator outside 年初批复: 追加 (library project + 文号), 上级转移支付, or a 待分 indicator."""

    fiscal_year: int
    pro_code: str
    agency_code: str
    exp_func_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    amount: Fen
    source_type_code: str
    cor_bgt_doc_no: str
    doc_date: date
    gov_bgt_eco_code: str | None = None
    sup_bgt_doc_no: str = ""
    bgt_doc_title: str = ""
    bgt_exe_flag: bool = True
    bgt_type_code: str | None = None
    to_bgt_id: str | None = None     # 调增: top up this existing indicator instead of creating a new one
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class IndicatorPart:
    """One child of an allocation, or the new target of an adjustment."""

    agency_code: str
    pro_code: str
    amount: Fen
    exp_func_code: str | None = None
    dep_bgt_eco_code: str | None = None
    gov_bgt_eco_code: str | None = None


@dataclass(frozen=True)
class AllocateIndicator(Command):
    """分配/分解: parent → children (Σ children ≤ parent's available balance)."""

    parent_bgt_id: str
    parts: tuple[IndicatorPart, ...]
    cor_bgt_doc_no: str
    doc_date: date
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class AdjustIndicators(Command):
    """调剂: one batch of signed moves summing to zero. ``moves`` = (bgt_id, signed fen) for existing
    indicators; ``new_targets`` create new indicators (调入) funded by the batch's outflows."""

    moves: tuple[tuple[str, Fen], ...]
    cor_bgt_doc_no: str
    doc_date: date
    new_targets: tuple[IndicatorPart, ...] = ()
    reason: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ReduceIndicator(Command):
    """调减/收回: only the uncommitted balance."""

    bgt_id: str
    amount: Fen
    cor_bgt_doc_no: str
    reason: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class FreezeIndicator(Command):
    """冻结 (``amount`` None = the whole available balance) or 解冻 (``unfreeze=True``)."""

    bgt_id: str
    amount: Fen | None = None
    unfreeze: bool = False
    reason: str = ""
    actor: Actor = SYSTEM


# -- plans and payments -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SubmitPlan(Command):
    bgt_id: str
    plan_month: int
    plan_app_amt: Fen
    use_des: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ApprovePlan(Command):
    plan_id: str
    plan_amt: Fen | None = None      # None: as applied
    reject: bool = False
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ReducePlan(Command):
    plan_id: str
    amount: Fen
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class Beneficiary:
    """One final beneficiary of a 补贴到人/到企 payment (PAY_DETAIL, docs/standard/controls.md §PAY7)."""

    payee_acct_name: str
    payee_acct_no: str
    pay_amt: Fen
    per_name: str = ""
    iden_no: str = ""
    corp_name: str = ""
    unifsoc_cred_code: str = ""


@dataclass(frozen=True)
class SubmitPayment(Command):
    """支付申请. ``idem_key``: the client's key; a retry with it returns the first result. ``beneficiaries``:
    the final beneficiaries of a 补贴到人 payment (stored as pay_detail rows; they must add up to the amount)."""

    agency_code: str
    bgt_id: str
    pro_code: str
    exp_func_code: str
    gov_bgt_eco_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    pay_app_amt: Fen
    payee_acct_name: str
    payee_acct_no: str
    payee_acct_bank_name: str
    use_des: str
    create_date: date
    set_mode_code: str = "1"
    pay_type_code: str = "4"
    fund_traobj_type_code: str = "2"
    contract_no: str | None = None
    idem_key: str | None = None
    actor: Actor = SYSTEM
    beneficiaries: tuple[Beneficiary, ...] = ()


@dataclass(frozen=True)
class ReviewPayment(Command):
    pay_app_id: str
    action: str            # approve / return
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ReviewPayments(Command):
    """Approve many applications at once (a reviewer's inbox). Returns are made one by one."""

    pay_app_ids: tuple[str, ...]
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ResubmitPayment(Command):
    pay_app_id: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class VoidPayment(Command):
    pay_app_id: str
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class IssueVouchers(Command):
    """生成支付凭证 for approved applications and send them to the agent bank (batch)."""

    pay_app_ids: tuple[str, ...]
    vou_date: date
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class BankReceipt:
    """One line of a bank receipt file. ``ok=False`` is a failed payment (退票 before money left)."""

    pay_cert_no: str
    xpay_amt: Fen
    xpay_date: date
    agent_business_no: str
    ok: bool = True
    reason: str = ""


@dataclass(frozen=True)
class ConfirmBankReceipts(Command):
    receipts: tuple[BankReceipt, ...]
    file_name: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ClearingItem:
    pay_cert_no: str
    pay_amt: Fen


@dataclass(frozen=True)
class ClearDay(Command):
    """The day's 汇总清算: the bank's 划款申请 lists vouchers; the treasury clears them."""

    pay_cert_sum_no: str
    lqd_cert_no: str
    act_lqd_date: date
    items: tuple[ClearingItem, ...]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RefundPayment(Command):
    """退款: the payee sends money back. Same year restores the indicator; a prior year's does not."""

    pay_app_id: str
    refund_amt: Fen
    refund_date: date
    reason: str
    agent_business_no: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class BankReturn(Command):
    """银行退票 after payment: the bank returns a paid item (bad account)."""

    pay_cert_no: str
    return_date: date
    reason: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class CorrectPayment(Command):
    """更正: move a payment's executed amount to another indicator of the same agency and year."""

    pay_app_id: str
    to_bgt_id: str
    cor_doc_no: str
    reason: str
    corr_date: date
    actor: Actor = SYSTEM


# -- personnel (财政供养人员库) ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetStaffing(Command):
    """编制数 of an agency (行政, 事业, 工勤)."""

    agency_code: str
    admin_staf_num: int
    inst_staf_num: int
    worker_staf_num: int
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class HirePerson(Command):
    agency_code: str
    per_name: str
    iden_no: str
    per_ide_code: str
    staf_type_code: str
    gr_code: str
    step_code: str
    eff_date: date
    sala_card_no: str
    sala_card_bank: str
    work_init_date: date | None = None
    is_uni_sala: bool = True
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class TransferPerson(Command):
    per_id: str
    to_agency_code: str
    eff_date: date
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RetirePerson(Command):
    """退休 (per_sta_code 3) or 离休 (2)."""

    per_id: str
    eff_date: date
    per_sta_code: str = "3"
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ChangeGrade(Command):
    per_id: str
    gr_code: str
    step_code: str
    eff_date: date
    per_ide_code: str | None = None
    actor: Actor = SYSTEM


# -- budget preparation (两上两下) ----------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenBudgetRound(Command):
    """一上 opens: units declare their budget lines for the year."""

    mof_div_code: str
    fiscal_year: int
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class IssueControlNumbers(Command):
    """一下: the bureau's 控制数 per department (fen); units then revise within them (二上)."""

    mof_div_code: str
    fiscal_year: int
    controls: dict[str, Fen]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ReviseBudgetLine(Command):
    bgt_pman_id: str
    apply_up: Fen
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SubmitSecondRound(Command):
    """二上: a department submits its lines, which must fit its 控制数."""

    mof_div_code: str
    fiscal_year: int
    dept_code: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class GenerateBasicBudget(Command):
    """基本支出 from the personnel database as of a date: 人员类 = persons × salary standards + employer
    contributions; 公用经费 = headcount × the per-capita standard of the agency type. Re-running it
    before approval replaces the generated lines."""

    agency_code: str
    fiscal_year: int
    as_of: date
    actor: Actor = SYSTEM


# -- payroll (工资统发) -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunPayroll(Command):
    agency_code: str
    fiscal_year: int
    month: int
    pay_date: date
    actor: Actor = SYSTEM


# -- procurement (政府采购) ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateProcurementPlan(Command):
    agency_code: str
    bgt_id: str
    gpdir_code: str
    pur_method_code: str
    pur_org_form: str
    plan_amt: Fen
    is_smes_reserved: bool = False
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RegisterContract(Command):
    plan_id: str
    contract_no: str
    supplier_name: str
    supplier_unifsoc_cred_code: str
    supplier_acct_no: str
    supplier_bank_name: str
    contract_amt: Fen
    sign_date: date
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class CloseProcurementPlan(Command):
    plan_id: str
    actor: Actor = SYSTEM


# -- performance (绩效) ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordPerfMonitoring(Command):
    """双监控: completion (percent, 0-100) of each performance indicator as of a date."""

    pro_code: str
    fiscal_year: int
    as_of: date
    progress: dict[str, int]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SelfEvaluate(Command):
    """绩效自评: achievement (percent of target, 0-100) per indicator; 预算执行率 comes from the ledger."""

    pro_code: str
    fiscal_year: int
    achievements: dict[str, int]
    actor: Actor = SYSTEM


# -- year end (结转结余) ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CloseYear(Command):
    mof_div_code: str
    fiscal_year: int
    close_date: date
    actor: Actor = SYSTEM


# -- treasury revenue (国库收入) ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncomeRow:
    tre_date: date
    inc_code: str
    amount: Fen                 # signed: 退库 is negative
    src_no: str
    budget_level_code: str = "4"


@dataclass(frozen=True)
class RecordTreasuryIncome(Command):
    """A day's (or a file's) 入库流水 from TIPS; each row all-or-nothing, duplicates by ``src_no`` refused."""

    mof_div_code: str
    rows: tuple[IncomeRow, ...]
    file_name: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetIncomeBudget(Command):
    mof_div_code: str
    fiscal_year: int
    budgets: dict[str, Fen]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetTreasuryOpening(Command):
    mof_div_code: str
    open_date: date
    amount: Fen
    actor: Actor = SYSTEM


# -- dynamic monitoring (动态监控): warnings and their disposal (fiscal_core/monitoring) ------------------------------
@dataclass(frozen=True)
class FeedbackWarning(Command):
    """单位反馈: ``result`` normal (with a reason; an orange warning also an attachment, which releases the
    payment it holds) or violation (the unit admits it)."""

    warning_id: str
    result: str
    reason: str
    attachment_ref: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ReviewWarning(Command):
    """业务处室（或主管部门）审核: approve (on to confirmation) or return (back to the unit, opinion required)."""

    warning_id: str
    action: str
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ConfirmWarning(Command):
    """确认 (国库处): normal closes it; violation needs a docs/standard/monitoring.md §M3 type and opens 整改 with the amounts to recover
    (收回 ``return_amt``), to re-book (调账 ``transfer_amt``) and other, in fen."""

    warning_id: str
    result: str
    violation_type: str = ""
    return_amt: Fen = 0
    transfer_amt: Fen = 0
    other_amt: Fen = 0
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class CloseWarning(Command):
    """整改完成，办结."""

    warning_id: str
    rectify_detail: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class EscalateWarnings(Command):
    """Escalate the 区划's open warnings whose deadline is before ``as_of``."""

    mof_div_code: str
    as_of: date
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ScheduledHit:
    """One row of ``marts.fct_warning`` from a scheduled rule. ``amount`` in fen."""

    warning_key: str
    rule_code: str
    rule_version: int
    mof_div_code: str
    fiscal_year: int
    agency_code: str
    amount: Fen
    message: str
    evidence_json: str
    detected_at: datetime
    pro_code: str | None = None
    bgt_id: str | None = None
    pay_app_id: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class RecordScheduledWarnings(Command):
    """Scheduled rules' hits enter the disposal workflow (idempotent by ``warning_key``)."""

    hits: tuple[ScheduledHit, ...]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetMonitorParam(Command):
    """A monitoring rule's parameter for one 区划 (``param`` ``enabled`` = 0/1 switches the rule; rule ``ALL``
    with ``enabled`` switches real-time screening)."""

    mof_div_code: str
    rule_code: str
    param: str
    value: str
    actor: Actor = SYSTEM


# -- collaboration: users, grants, delegation, routing, the inbox (fiscal_core/domain/identity.py, workflow.py) --
@dataclass(frozen=True)
class AddUser(Command):
    """A person (with a password, hashed by argon2) or a machine client (no password: it logs in with
    client credentials at the identity provider)."""

    user_id: str
    user_name: str
    password: str | None = None
    user_kind: str = "person"
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetPassword(Command):
    user_id: str
    password: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class Authenticate(Command):
    """A login: the password checked against the stored hash. Failed logins are counted and, past the
    limit, lock the account for a while; both are journalled even though the login is refused."""

    user_id: str
    password: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ExternalLogin(Command):
    """A login vouched for by the bureau's own identity source (``source``: ``cas``): no password here, but the
    core still decides — the user must exist, be a person and be enabled — and journals it like a password login."""

    user_id: str
    source: str
    external_user: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class GrantRole(Command):
    user_id: str
    role: str
    scope_kind: str
    scope_code: str
    valid_from: date | None = None       # None: today
    valid_to: date | None = None
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class RevokeRole(Command):
    grant_id: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class Delegate(Command):
    """代理审批: ``to_user`` takes ``from_user``'s steps from ``valid_from`` to ``valid_to``."""

    from_user: str
    to_user: str
    valid_from: date
    valid_to: date
    reason: str
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetDivision(Command):
    """A finance business division (业务处室) and the departments it looks after (归口管理)."""

    division_code: str
    division_name: str
    mof_div_code: str
    dept_codes: tuple[str, ...]
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class SetRoute(Command):
    """A 区划's routing of one state of a document kind: a new version of the route."""

    mof_div_code: str
    doc_type: str
    status: str
    role: str
    policy: str = "first"
    due_hours: int = 72
    min_amt: Fen | None = None
    is_enabled: bool = True
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ActOnTask(Command):
    """Take a step from the inbox: the document's own command runs with the task's role (and, for a
    delegate, on behalf of the delegator). ``fields``: what the step needs beyond an opinion (a warning's
    feedback result and reason, a confirmation's amounts)."""

    task_id: str
    action: str
    opinion: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class ForwardTask(Command):
    """转办: hand one's task to another person who may take the step."""

    task_id: str
    to_user: str
    opinion: str = ""
    actor: Actor = SYSTEM


@dataclass(frozen=True)
class EscalateTasks(Command):
    """Tasks past their due time are marked escalated and their candidates' leaders notified."""

    actor: Actor = SYSTEM


@dataclass(frozen=True)
class LogPersonalRead(Command):
    """A read of people's data through the platform (who read what, how many rows): journalled."""

    what: str
    target: str
    rows: int
    actor: Actor = SYSTEM
