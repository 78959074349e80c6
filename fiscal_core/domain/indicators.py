"""预算指标: balances derived from an append-only ledger (docs/standard/controls.md §BAL).

Every change to an indicator's money is a ``LedgerEntry`` of signed deltas on six components; the
balances on ``ba_bgt_info`` are the running sums of its entries (kept in the same transaction, and
re-derivable from the ledger at any time). The one balance definition:

    可用额度 canuse_amt = amount − dis_amt − frozen_amt − plan_amt − gp_amt − inflight_amt − paid_amt
    指标余额 cur_amt    = amount − dis_amt − paid_amt

``plan_amt`` is approved 用款计划 not yet used (zero where plans are switched off); ``gp_amt`` is held
by open procurement plans (政府采购计划 reserve their amount until contracts pay it or the plan closes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .errors import ControlViolation, ValidationError
from .money import Fen, yuan

COMPONENTS = ("amount", "dis_amt", "frozen_amt", "plan_amt", "gp_amt", "inflight_amt", "paid_amt")

ENTRY_NAMES = {
    "ISSUE": "下达", "ALLOC_OUT": "分配调出", "ADJ_IN": "调剂调入", "ADJ_OUT": "调剂调出", "REDUCE": "调减/收回",
    "FREEZE": "冻结", "UNFREEZE": "解冻", "PLAN_APPROVE": "计划批复", "PLAN_REDUCE": "计划调减",
    "OCCUPY": "支付占用", "RELEASE": "占用释放", "PAY": "支付", "REFUND": "退款", "BANK_RETURN": "银行退票",
    "CORRECT_OUT": "更正调出", "CORRECT_IN": "更正调入", "CLOSE": "结项收回", "GP_RESERVE": "采购预留",
    "GP_RELEASE": "采购预留释放", "CARRY_OUT": "结转调出", "CARRY_IN": "结转调入", "BALANCE": "结余收回",
}

CARRYOVER_SOURCE = "2"  # 指标来源 上年结转


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    bgt_id: str
    entry_type: str
    d_amount: int = 0
    d_dis: int = 0
    d_frozen: int = 0
    d_plan: int = 0
    d_gp: int = 0
    d_inflight: int = 0
    d_paid: int = 0
    ref_type: str = ""
    ref_id: str = ""


@dataclass(slots=True)
class Indicator:
    bgt_id: str
    mof_div_code: str
    fiscal_year: int
    agency_code: str
    dept_code: str
    pro_code: str
    exp_func_code: str
    gov_bgt_eco_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    source_type_code: str
    bgt_type_code: str = "6"
    bgt_exe_flag: bool = True
    ori_bgt_id: str | None = None
    cor_bgt_doc_no: str = ""
    bgt_doc_title: str = ""
    doc_date: date | None = None
    sup_bgt_doc_no: str = ""
    budget_level_code: str = "4"
    pay_type_code: str = "4"
    is_gov_pur: bool = False
    is_dir: bool = False
    is_track: bool = False
    bgt_pman_id: str | None = None
    adj_batch_no: str | None = None
    pro_cat_code: str = ""
    amount: Fen = 0
    dis_amt: Fen = 0
    frozen_amt: Fen = 0
    plan_amt: Fen = 0
    gp_amt: Fen = 0
    inflight_amt: Fen = 0
    paid_amt: Fen = 0

    @property
    def canuse_amt(self) -> Fen:
        return (self.amount - self.dis_amt - self.frozen_amt - self.plan_amt - self.gp_amt - self.inflight_amt
                - self.paid_amt)

    @property
    def committed_amt(self) -> Fen:
        """What is spoken for but not spent: frozen, planned, reserved for procurement, in flight."""
        return self.frozen_amt + self.plan_amt + self.gp_amt + self.inflight_amt

    @property
    def cur_amt(self) -> Fen:
        return self.amount - self.dis_amt - self.paid_amt

    @property
    def pay_app_amt(self) -> Fen:
        """已申请支付金额 of the standard: in flight + paid."""
        return self.inflight_amt + self.paid_amt

    def balances(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in COMPONENTS} | {"canuse_amt": self.canuse_amt}

    # -- posting -------------------------------------------------------------------------------------
    def post(self, entry: LedgerEntry) -> LedgerEntry:
        """Apply an entry's deltas; refuse (and leave the indicator unchanged) if any component would go
        negative or the available balance would drop below zero."""
        new = {
            "amount": self.amount + entry.d_amount, "dis_amt": self.dis_amt + entry.d_dis,
            "frozen_amt": self.frozen_amt + entry.d_frozen, "plan_amt": self.plan_amt + entry.d_plan,
            "gp_amt": self.gp_amt + entry.d_gp, "inflight_amt": self.inflight_amt + entry.d_inflight,
            "paid_amt": self.paid_amt + entry.d_paid,
        }
        negative = [k for k, v in new.items() if v < 0]
        if negative:
            raise ControlViolation("ledger_negative", "指标台账金额不能为负", "ledger component would go negative",
                                   bgt_id=self.bgt_id, entry=entry.entry_type, component=negative[0])
        canuse = (new["amount"] - new["dis_amt"] - new["frozen_amt"] - new["plan_amt"] - new["gp_amt"]
                  - new["inflight_amt"] - new["paid_amt"])
        if canuse < 0:
            requested = self.canuse_amt - canuse
            if self.frozen_amt > 0 and requested <= self.canuse_amt + self.frozen_amt:
                raise ControlViolation("indicator_frozen", "指标已冻结，可用额度不足",
                                       "indicator frozen: available balance insufficient", bgt_id=self.bgt_id,
                                       available=yuan(self.canuse_amt), frozen=yuan(self.frozen_amt),
                                       requested=yuan(requested))
            raise ControlViolation("insufficient_balance", "可用额度不足", "available balance insufficient",
                                   bgt_id=self.bgt_id, available=yuan(self.canuse_amt), requested=yuan(requested))
        for k, v in new.items():
            setattr(self, k, v)
        return entry

    def _entry(self, entry_type: str, ref_type: str = "", ref_id: str = "", **deltas: int) -> LedgerEntry:
        return self.post(LedgerEntry(self.bgt_id, entry_type, ref_type=ref_type, ref_id=ref_id, **deltas))

    # -- operations (each returns the entry it posted) -------------------------------------------------
    def issue(self, amt: Fen, ref_type: str = "", ref_id: str = "") -> LedgerEntry:
        return self._entry("ISSUE", ref_type, ref_id, d_amount=amt)

    def reduce(self, amt: Fen, entry_type: str = "REDUCE", ref_type: str = "", ref_id: str = "") -> LedgerEntry:
        """调减/收回/调出/分配: only the uncommitted balance (可用额度) can leave."""
        if amt > self.canuse_amt:
            raise ControlViolation("reduce_exceeds_available", "调减金额超过可用额度（已占用、已支付或冻结部分不能调减）",
                                   "reduction exceeds the uncommitted balance", bgt_id=self.bgt_id,
                                   available=yuan(self.canuse_amt), requested=yuan(amt))
        return self._entry(entry_type, ref_type, ref_id, d_dis=amt)

    def freeze(self, amt: Fen, ref_id: str = "") -> LedgerEntry:
        return self._entry("FREEZE", "freeze", ref_id, d_frozen=amt)

    def unfreeze(self, amt: Fen, ref_id: str = "") -> LedgerEntry:
        if amt > self.frozen_amt:
            raise ControlViolation("unfreeze_exceeds", "解冻金额超过已冻结金额", "unfreeze exceeds frozen amount",
                                   bgt_id=self.bgt_id, frozen=yuan(self.frozen_amt), requested=yuan(amt))
        return self._entry("UNFREEZE", "freeze", ref_id, d_frozen=-amt)

    def reserve_plan(self, amt: Fen, plan_id: str) -> LedgerEntry:
        return self._entry("PLAN_APPROVE", "plan", plan_id, d_plan=amt)

    def unreserve_plan(self, amt: Fen, plan_id: str) -> LedgerEntry:
        return self._entry("PLAN_REDUCE", "plan", plan_id, d_plan=-amt)

    def reserve_gp(self, amt: Fen, gp_plan_id: str) -> LedgerEntry:
        return self._entry("GP_RESERVE", "gp_plan", gp_plan_id, d_gp=amt)

    def release_gp(self, amt: Fen, gp_plan_id: str) -> LedgerEntry:
        return self._entry("GP_RELEASE", "gp_plan", gp_plan_id, d_gp=-amt)

    def occupy(self, amt: Fen, pay_app_id: str, *, via_plan: bool, via_gp: bool = False) -> LedgerEntry:
        """Submit: the application's amount moves into 在途 — out of the procurement reservation for a
        contract payment, out of the month's plan when plans are on, else out of the available balance."""
        return self._entry("OCCUPY", "pay", pay_app_id, d_inflight=amt, d_plan=-amt if via_plan else 0,
                           d_gp=-amt if via_gp else 0)

    def release(self, amt: Fen, pay_app_id: str, *, to_plan: bool, entry_type: str = "RELEASE",
                to_gp: bool = False) -> LedgerEntry:
        return self._entry(entry_type, "pay", pay_app_id, d_inflight=-amt, d_plan=amt if to_plan else 0,
                           d_gp=amt if to_gp else 0)

    def pay(self, amt: Fen, pay_app_id: str) -> LedgerEntry:
        return self._entry("PAY", "pay", pay_app_id, d_inflight=-amt, d_paid=amt)

    def unpay(self, amt: Fen, pay_app_id: str, *, to_plan: bool, entry_type: str, to_gp: bool = False
              ) -> LedgerEntry:
        """Same-year refund or a bank return after payment: the executed amount comes back."""
        return self._entry(entry_type, "pay", pay_app_id, d_paid=-amt, d_plan=amt if to_plan else 0,
                           d_gp=amt if to_gp else 0)

    def correct_out(self, amt: Fen, pay_app_id: str) -> LedgerEntry:
        return self._entry("CORRECT_OUT", "pay", pay_app_id, d_paid=-amt)

    def correct_in(self, amt: Fen, pay_app_id: str) -> LedgerEntry:
        return self._entry("CORRECT_IN", "pay", pay_app_id, d_paid=amt)

    # -- checks ----------------------------------------------------------------------------------------
    def check_executable(self) -> None:
        if not self.bgt_exe_flag:
            raise ControlViolation("indicator_not_executable", "指标不可执行（待分指标须先分配到单位和项目）",
                                   "indicator is not executable (allocate it first)", bgt_id=self.bgt_id,
                                   bgt_type_code=self.bgt_type_code)


def check_classification(field: str, value: str, expected: str, bgt_id: str) -> None:
    if value != expected:
        raise ControlViolation("element_mismatch", "支付要素与指标要素不一致", "element differs from the indicator's",
                               field=field, bgt_id=bgt_id, value=value, indicator_value=expected)


def check_dep_eco(dep_bgt_eco_code: str, ind: Indicator) -> None:
    """部门经济分类: equal to the indicator's, or a child of it when the indicator is at 类 level."""
    exp = ind.dep_bgt_eco_code
    if dep_bgt_eco_code == exp or (len(exp) < len(dep_bgt_eco_code) and dep_bgt_eco_code.startswith(exp)):
        return
    raise ControlViolation("element_mismatch", "支付要素与指标要素不一致", "element differs from the indicator's",
                           field="dep_bgt_eco_code", bgt_id=ind.bgt_id, value=dep_bgt_eco_code,
                           indicator_value=exp)


def require_doc_no(doc_no: str | None, field: str = "cor_bgt_doc_no") -> str:
    if not doc_no or not doc_no.strip():
        raise ValidationError("doc_no_required", "须填写指标文号", "a budget document number is required",
                              field=field)
    return doc_no.strip()
