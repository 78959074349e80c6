"""Handlers: budget lines (bgt_pm_annual), 批复 into indicators, and indicator operations."""

from __future__ import annotations

from datetime import date

from ..domain import commands as c
from ..domain.actors import Actor, Role, authorize
from ..domain.agencies import Agency
from ..domain.errors import ControlViolation, StateError, ValidationError
from ..domain.indicators import Indicator, LedgerEntry, require_doc_no
from ..domain.money import check_fen, yuan
from ..domain.projects import Project
from .budget_prep import check_approvable, round_link
from .unit_of_work import UnitOfWork

BUDGET_ROLES = frozenset({Role.FIN_BUDGET})
ALLOCATE_ROLES = frozenset({Role.FIN_BUDGET, Role.FIN_BUSINESS, Role.DEPT})
FREEZE_ROLES = frozenset({Role.FIN_BUDGET, Role.TREASURY})
# 指标来源 that IssueIndicator may use; 1 年初预算 comes from ApproveBudget, 2 上年结转 from year-end.
ISSUABLE_SOURCES = frozenset({"3", "5", "6", "7", "8"})
TRANSFER_SOURCES = frozenset({"5", "6"})
CARRYOVER = "2"


WAGE_CLASS = "301"   # generated 人员类 wages are budgeted at 类 level: payroll draws one indicator


def _elements(uow: UnitOfWork, agency: Agency, exp_func_code: str, dep_bgt_eco_code: str,
              gov_bgt_eco_code: str | None, fund_type_code: str, *, wage_class: bool = False) -> str:
    """Validate the classification elements of a budget line or indicator; returns the 政府经济分类
    (derived from the 部门→政府 mapping when not given and unambiguous). ``wage_class`` admits the 类-level
    wage code of generated 人员类 projects."""
    codes = uow.codes
    codes.require("exp_func", exp_func_code, "exp_func_code", leaf=True)
    if wage_class and dep_bgt_eco_code == WAGE_CLASS:
        wages = sorted(codes.gov_eco_for("30101", agency.agency_type_code))
        if gov_bgt_eco_code not in (None, *wages):
            codes.check_eco_mapping("30101", gov_bgt_eco_code or "", agency.agency_type_code)
        codes.require("fund_type", fund_type_code, "fund_type_code", leaf=True)
        return gov_bgt_eco_code or wages[0]
    codes.require("dep_bgt_eco", dep_bgt_eco_code, "dep_bgt_eco_code", leaf=True)
    codes.require("fund_type", fund_type_code, "fund_type_code", leaf=True)
    if codes.is_forbidden_eco(dep_bgt_eco_code):
        raise ControlViolation("forbidden_eco_code", "禁止使用该经济分类科目", "economic code is forbidden",
                               field="dep_bgt_eco_code", code=dep_bgt_eco_code)
    if gov_bgt_eco_code is None:
        allowed = codes.gov_eco_for(dep_bgt_eco_code, agency.agency_type_code)
        if len(allowed) != 1:
            raise ValidationError("gov_eco_required", "须指定政府预算经济分类", "gov_bgt_eco_code is required",
                                  field="gov_bgt_eco_code", dep_bgt_eco_code=dep_bgt_eco_code,
                                  allowed="/".join(sorted(allowed)) or "-")
        gov_bgt_eco_code = next(iter(allowed))
    codes.require("gov_bgt_eco", gov_bgt_eco_code, "gov_bgt_eco_code", leaf=True)
    codes.check_eco_mapping(dep_bgt_eco_code, gov_bgt_eco_code, agency.agency_type_code)
    return gov_bgt_eco_code


def _mark_project(uow: UnitOfWork, p: Project, actor: Actor, executing: bool) -> None:
    before = p.pro_status
    changed = p.mark_executing() if executing else p.mark_budgeted()
    if changed:
        uow.projects.save_state(p, uow.now_naive())
        uow.record(actor, "project.executing" if executing else "project.budgeted", "pm_project", p.pro_code,
                   before={"pro_status": before.value}, after={"pro_status": p.pro_status.value})


def _new_indicator(uow: UnitOfWork, p: Project, agency: Agency, *, fiscal_year: int, exp_func_code: str,
                   dep_bgt_eco_code: str, gov_bgt_eco_code: str, fund_type_code: str, source_type_code: str,
                   doc_no: str, doc_date: date | None, bgt_exe_flag: bool = True, bgt_type_code: str | None = None,
                   ori_bgt_id: str | None = None, sup_bgt_doc_no: str = "", bgt_doc_title: str = "",
                   bgt_pman_id: str | None = None, adj_batch_no: str | None = None) -> Indicator:
    """A new indicator tied to a live library project (controls 1, 2, 5), balances at zero. A 上年结转
    indicator may outlive the project's term (it carries money already committed)."""
    p.require_library("indicator")
    if source_type_code != CARRYOVER:
        p.check_budget_year(fiscal_year)
    if uow.yearend.closed(agency.mof_div_code, fiscal_year):
        raise ControlViolation("year_closed", "该预算年度已年终结账", "the fiscal year is closed", fiscal_year=fiscal_year)
    if p.agency_code != agency.agency_code:
        raise ControlViolation("indicator_agency", "指标单位须为项目单位", "indicator agency must own the project",
                               pro_code=p.pro_code, agency_code=agency.agency_code, project_agency=p.agency_code)
    if bgt_type_code is None:
        bgt_type_code = ("7" if source_type_code in TRANSFER_SOURCES else "6") if bgt_exe_flag else "3"
    bgt_type = uow.codes.require("bgt_type", bgt_type_code, "bgt_type_code")
    if bgt_type.flag("is_executable") != bgt_exe_flag:
        raise ValidationError("bgt_type_exe", "指标类型与可执行标志不一致", "bgt_type_code contradicts bgt_exe_flag",
                              field="bgt_type_code", code=bgt_type_code)
    ind = Indicator(
        bgt_id=uow.new_id(), mof_div_code=agency.mof_div_code, fiscal_year=fiscal_year,
        agency_code=agency.agency_code, dept_code=agency.dept_code, pro_code=p.pro_code, exp_func_code=exp_func_code,
        gov_bgt_eco_code=gov_bgt_eco_code, dep_bgt_eco_code=dep_bgt_eco_code, fund_type_code=fund_type_code,
        source_type_code=source_type_code, bgt_type_code=bgt_type_code, bgt_exe_flag=bgt_exe_flag,
        ori_bgt_id=ori_bgt_id, cor_bgt_doc_no=doc_no, bgt_doc_title=bgt_doc_title, doc_date=doc_date,
        sup_bgt_doc_no=sup_bgt_doc_no, is_gov_pur=p.is_gov_pur, is_dir=p.is_dir, is_track=p.is_dir,
        bgt_pman_id=bgt_pman_id, adj_batch_no=adj_batch_no, pro_cat_code=p.pro_cat_code)
    uow.indicators.add(ind, uow.now_naive())
    return ind


def _ind_summary(ind: Indicator) -> dict[str, object]:
    return {"pro_code": ind.pro_code, "agency_code": ind.agency_code, "fiscal_year": ind.fiscal_year,
            "exp_func_code": ind.exp_func_code, "dep_bgt_eco_code": ind.dep_bgt_eco_code,
            "gov_bgt_eco_code": ind.gov_bgt_eco_code, "fund_type_code": ind.fund_type_code,
            "source_type_code": ind.source_type_code, "bgt_exe_flag": ind.bgt_exe_flag,
            "ori_bgt_id": ind.ori_bgt_id, "cor_bgt_doc_no": ind.cor_bgt_doc_no, "amount": ind.amount,
            "bgt_pman_id": ind.bgt_pman_id}


def _check_sangong_line(uow: UnitOfWork, p: Project, dep_bgt_eco_code: str) -> None:
    """三公 lines only on their codes: 三公 spending is budgeted in 三公 projects, and those only on
    30212/30217/30231/30913/31013."""
    kind = uow.codes.sangong_kind(dep_bgt_eco_code)
    if kind and p.thr_exp_code != "1":
        raise ControlViolation("sangong_project_required", "“三公”经费须在三公项目中单独编列",
                               "三公 spending is budgeted only in a 三公 project", field="dep_bgt_eco_code",
                               code=dep_bgt_eco_code, kind=kind, pro_code=p.pro_code)
    if p.thr_exp_code == "1" and not kind:
        raise ControlViolation("sangong_code_required", "三公项目只能使用三公经费科目",
                               "a 三公 project takes only 三公 economic codes", field="dep_bgt_eco_code",
                               code=dep_bgt_eco_code, pro_code=p.pro_code)


def _last_score(uow: UnitOfWork, pro_code: str, fiscal_year: int) -> int | None:
    """The project's self-evaluation of the year before, shown to the budget reviewers (结果应用)."""
    ev = uow.perf.evaluation(pro_code, fiscal_year - 1)
    return None if ev is None else int(ev["score"])


# -- budget lines ---------------------------------------------------------------------------------------------
def add_budget_line(uow: UnitOfWork, cmd: c.AddBudgetLine) -> str:
    p = uow.projects.get(cmd.pro_code, lock=True)
    agency_code = cmd.agency_code or p.agency_code
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="budget.add_line", agency_code=agency_code)
    if agency_code != p.agency_code:
        raise ControlViolation("budget_agency", "预算单位须为项目单位", "budget line agency must own the project",
                               pro_code=p.pro_code, agency_code=agency_code)
    p.require_library("budget")        # control 1: 先有项目后安排预算
    p.check_budget_year(cmd.fiscal_year)
    p.check_perf_targets()             # control 3
    amt = check_fen(cmd.apply_up, "apply_up")
    agency = uow.agencies.get(agency_code)
    gov = _elements(uow, agency, cmd.exp_func_code, cmd.dep_bgt_eco_code, cmd.gov_bgt_eco_code, cmd.fund_type_code)
    _check_sangong_line(uow, p, cmd.dep_bgt_eco_code)
    if p.is_generated:
        raise ValidationError("generated_project", "人员类和公用经费由系统生成预算，不能手工编列",
                              "basic expenditure of generated projects is not typed in", field="pro_code",
                              pro_code=p.pro_code)
    link = round_link(uow, p.mof_div_code, cmd.fiscal_year, agency.dept_code, amt)
    planned = p.year_plans.get(cmd.fiscal_year)
    if planned is not None:            # control 4: the year's budget within the project's year plan
        already = uow.budget.sum_for_project_year(p.pro_code, cmd.fiscal_year)
        if already + amt > planned:
            raise ControlViolation("budget_exceeds_year_plan", "年度预算超过项目分年支出计划",
                                   "annual budget exceeds the project's plan for the year", pro_code=p.pro_code,
                                   fiscal_year=cmd.fiscal_year, planned=yuan(planned),
                                   requested=yuan(already + amt))
    line_id = uow.new_id()
    now = uow.now_naive()
    uow.budget.add_line({
        "bgt_pman_id": line_id, "fiscal_year": cmd.fiscal_year, "mof_div_code": p.mof_div_code,
        "agency_code": agency_code, "dept_code": agency.dept_code, "pro_kind_code": p.pro_cat_code,
        "pro_code": p.pro_code, "exp_func_code": cmd.exp_func_code, "gov_bgt_eco_code": gov,
        "dep_bgt_eco_code": cmd.dep_bgt_eco_code, "fund_type_code": cmd.fund_type_code, "apply_up": amt,
        "reply_amt": 0, "is_gov_pur": p.is_gov_pur, "apply_link": link, "is_generated": False,
        "perf_score": _last_score(uow, p.pro_code, cmd.fiscal_year), "status": "draft", "approval_file_no": None,
        "create_time": now, "update_time": now})
    uow.record(cmd.actor, "budget.add_line", "bgt_pm_annual", line_id, after={
        "pro_code": p.pro_code, "fiscal_year": cmd.fiscal_year, "exp_func_code": cmd.exp_func_code,
        "dep_bgt_eco_code": cmd.dep_bgt_eco_code, "gov_bgt_eco_code": gov, "fund_type_code": cmd.fund_type_code,
        "apply_up": amt})
    _mark_project(uow, p, cmd.actor, executing=False)
    return line_id


def approve_budget(uow: UnitOfWork, cmd: c.ApproveBudget) -> dict[str, str]:
    """二下 批复: each line → one executable indicator (source 1 年初预算) at the line's grain.
    Returns ``{bgt_pman_id: bgt_id}`` for the lines that received an indicator."""
    authorize(cmd.actor, BUDGET_ROLES, action="budget.approve")
    doc_no = require_doc_no(cmd.cor_bgt_doc_no)
    unknown = set(cmd.reply_amts) - set(cmd.bgt_pman_ids)
    if unknown:
        raise ValidationError("reply_unknown_line", "批复数对应的预算项目不在本次批复中", "reply for a line not approved",
                              field="reply_amts", bgt_pman_id=sorted(unknown)[0])
    lines = [uow.budget.get_line(i) for i in sorted(set(cmd.bgt_pman_ids))]
    projects = {pc: uow.projects.get(pc, lock=True) for pc in sorted({ln["pro_code"] for ln in lines})}
    replies = {ln["bgt_pman_id"]: check_fen(cmd.reply_amts.get(ln["bgt_pman_id"], ln["apply_up"]), "reply_amts",
                                            allow_zero=True) for ln in lines}
    check_approvable(uow, lines, replies)
    for p in projects.values():
        p.check_perf_targets()           # 特定目标类 need performance targets before approval
    created: dict[str, str] = {}
    for line in lines:
        line = uow.budget.get_line(line["bgt_pman_id"], lock=True)
        if line["status"] != "draft":
            raise StateError("budget_line_state", "预算项目已批复", "budget line already approved",
                             bgt_pman_id=line["bgt_pman_id"])
        reply = replies[line["bgt_pman_id"]]
        uow.budget.approve_line(line["bgt_pman_id"], reply, doc_no, uow.now_naive())
        uow.record(cmd.actor, "budget.approve_line", "bgt_pm_annual", line["bgt_pman_id"],
                   before={"status": "draft", "apply_up": line["apply_up"]},
                   after={"status": "approved", "reply_amt": reply, "approval_file_no": doc_no})
        if reply == 0:
            continue
        p = projects[line["pro_code"]]
        agency = uow.agencies.get(line["agency_code"])
        ind = _new_indicator(uow, p, agency, fiscal_year=line["fiscal_year"], exp_func_code=line["exp_func_code"],
                             dep_bgt_eco_code=line["dep_bgt_eco_code"], gov_bgt_eco_code=line["gov_bgt_eco_code"],
                             fund_type_code=line["fund_type_code"], source_type_code="1", doc_no=doc_no,
                             doc_date=cmd.doc_date, bgt_doc_title=cmd.bgt_doc_title,
                             bgt_pman_id=line["bgt_pman_id"])
        uow.indicators.post([ind.issue(reply, "budget", line["bgt_pman_id"])], uow.now_naive())
        uow.record(cmd.actor, "indicator.issue", "ba_bgt_info", ind.bgt_id, after=_ind_summary(ind))
        _mark_project(uow, p, cmd.actor, executing=True)
        created[line["bgt_pman_id"]] = ind.bgt_id
    return created


# -- indicators ------------------------------------------------------------------------------------------------
def issue_indicator(uow: UnitOfWork, cmd: c.IssueIndicator) -> str:
    """下达 outside 年初批复: 追加 needs a library project and a 文号 (control 2); 上级转移支付 the upper 文号."""
    authorize(cmd.actor, BUDGET_ROLES, action="indicator.issue")
    src = uow.codes.require("bgt_source_type", cmd.source_type_code, "source_type_code")
    if cmd.source_type_code not in ISSUABLE_SOURCES:
        raise ValidationError("source_type_issue", "该指标来源不能直接下达（年初预算经批复生成，上年结转由年终结转生成）",
                              "this source is created by its own process", field="source_type_code",
                              code=cmd.source_type_code)
    doc_no = require_doc_no(cmd.cor_bgt_doc_no) if src.flag("requires_doc_no") else cmd.cor_bgt_doc_no.strip()
    if cmd.source_type_code in TRANSFER_SOURCES:
        require_doc_no(cmd.sup_bgt_doc_no, "sup_bgt_doc_no")
    amt = check_fen(cmd.amount, "amount")
    p = uow.projects.get(cmd.pro_code, lock=True)
    agency = uow.agencies.get(cmd.agency_code)
    gov = _elements(uow, agency, cmd.exp_func_code, cmd.dep_bgt_eco_code, cmd.gov_bgt_eco_code, cmd.fund_type_code,
                    wage_class=p.is_generated and p.pro_cat_code == "1")
    if cmd.to_bgt_id:
        return _top_up(uow, cmd, p, gov, amt, doc_no)
    ind = _new_indicator(uow, p, agency, fiscal_year=cmd.fiscal_year, exp_func_code=cmd.exp_func_code,
                         dep_bgt_eco_code=cmd.dep_bgt_eco_code, gov_bgt_eco_code=gov,
                         fund_type_code=cmd.fund_type_code, source_type_code=cmd.source_type_code, doc_no=doc_no,
                         doc_date=cmd.doc_date, bgt_exe_flag=cmd.bgt_exe_flag, bgt_type_code=cmd.bgt_type_code,
                         sup_bgt_doc_no=cmd.sup_bgt_doc_no.strip(), bgt_doc_title=cmd.bgt_doc_title)
    uow.indicators.post([ind.issue(amt, "issue", doc_no)], uow.now_naive())
    uow.record(cmd.actor, "indicator.issue", "ba_bgt_info", ind.bgt_id, after=_ind_summary(ind))
    if cmd.bgt_exe_flag:
        _mark_project(uow, p, cmd.actor, executing=True)
    return ind.bgt_id


def _top_up(uow: UnitOfWork, cmd: c.IssueIndicator, p: Project, gov: str, amt: int, doc_no: str) -> str:
    """追加 as 调增 of an existing indicator with the same project, agency, year and elements."""
    assert cmd.to_bgt_id is not None
    ind = uow.indicators.get(cmd.to_bgt_id, lock=True)
    p.require_library("indicator")
    if uow.yearend.closed(ind.mof_div_code, ind.fiscal_year):
        raise ControlViolation("year_closed", "该预算年度已年终结账", "the fiscal year is closed",
                               fiscal_year=ind.fiscal_year)
    same = (ind.pro_code, ind.agency_code, ind.fiscal_year, ind.exp_func_code, ind.dep_bgt_eco_code,
            ind.gov_bgt_eco_code, ind.fund_type_code)
    asked = (p.pro_code, cmd.agency_code, cmd.fiscal_year, cmd.exp_func_code, cmd.dep_bgt_eco_code, gov,
             cmd.fund_type_code)
    if same != asked:
        raise ControlViolation("top_up_mismatch", "调增的指标与追加要素不一致", "the indicator to top up differs",
                               field="to_bgt_id", bgt_id=ind.bgt_id)
    before = ind.balances()
    batch = uow.new_id()
    uow.indicators.post([ind.post(LedgerEntry(ind.bgt_id, "ISSUE", d_amount=amt, ref_type="adjsub", ref_id=batch))],
                        uow.now_naive())
    uow.indicators.add_adjsub([_adj_row(uow, batch, "add", cmd.doc_date, ind, None, amt, doc_no, "追加")])
    uow.record(cmd.actor, "indicator.top_up", "ba_bgt_info", ind.bgt_id, before=before, after=ind.balances(),
               opinion=doc_no)
    return ind.bgt_id


def _part_elements(uow: UnitOfWork, part: c.IndicatorPart, agency: Agency, template: Indicator
                   ) -> tuple[str, str, str]:
    exp = part.exp_func_code or template.exp_func_code
    dep = part.dep_bgt_eco_code or template.dep_bgt_eco_code
    if not exp.startswith(template.exp_func_code[:3]):
        raise ControlViolation("element_mismatch", "分配/调剂不能改变功能分类的类级", "function class must stay the same",
                               field="exp_func_code", value=exp, indicator_value=template.exp_func_code)
    gov = part.gov_bgt_eco_code
    if gov is None and agency.agency_type_code == uow.agencies.get(template.agency_code).agency_type_code \
            and dep == template.dep_bgt_eco_code:
        gov = template.gov_bgt_eco_code
    gov = _elements(uow, agency, exp, dep, gov, template.fund_type_code)
    return exp, dep, gov


def allocate_indicator(uow: UnitOfWork, cmd: c.AllocateIndicator) -> list[str]:
    """分配/分解: Σ children ≤ the parent's available balance; each child for a library project."""
    doc_no = require_doc_no(cmd.cor_bgt_doc_no)
    if not cmd.parts:
        raise ValidationError("required", "必填字段为空", "required field is empty", field="parts")
    projects = {pc: uow.projects.get(pc, lock=True) for pc in sorted({pt.pro_code for pt in cmd.parts})}
    parent = uow.indicators.get(cmd.parent_bgt_id, lock=True)
    authorize(cmd.actor, ALLOCATE_ROLES, action="indicator.allocate", dept_code=parent.dept_code)
    total = sum(check_fen(pt.amount, "parts.amount") for pt in cmd.parts)
    batch = uow.new_id()
    now = uow.now_naive()
    out = parent.reduce(total, "ALLOC_OUT", "adjsub", batch)
    children, entries, adj = [], [out], []
    for pt in cmd.parts:
        agency = uow.agencies.get(pt.agency_code)
        exp, dep, gov = _part_elements(uow, pt, agency, parent)
        child = _new_indicator(uow, projects[pt.pro_code], agency, fiscal_year=parent.fiscal_year, exp_func_code=exp,
                               dep_bgt_eco_code=dep, gov_bgt_eco_code=gov, fund_type_code=parent.fund_type_code,
                               source_type_code=parent.source_type_code, doc_no=doc_no, doc_date=cmd.doc_date,
                               ori_bgt_id=parent.bgt_id, sup_bgt_doc_no=parent.sup_bgt_doc_no, adj_batch_no=batch)
        entries.append(child.issue(pt.amount, "adjsub", batch))
        adj.append(_adj_row(uow, batch, "allocate", cmd.doc_date, child, parent.bgt_id, pt.amount, doc_no, ""))
        children.append(child)
        _mark_project(uow, projects[pt.pro_code], cmd.actor, executing=True)
    adj.append(_adj_row(uow, batch, "allocate", cmd.doc_date, parent, None, -total, doc_no, ""))
    uow.indicators.post(entries, now)
    uow.indicators.add_adjsub(adj)
    uow.record(cmd.actor, "indicator.allocate", "ba_bgt_info", parent.bgt_id,
               after={"bat_num": batch, "total": total, "children": [ch.bgt_id for ch in children],
                      "cor_bgt_doc_no": doc_no})
    for ch in children:
        uow.record(cmd.actor, "indicator.issue", "ba_bgt_info", ch.bgt_id, after=_ind_summary(ch))
    return [ch.bgt_id for ch in children]


def _adj_row(uow: UnitOfWork, batch: str, adj_type: str, adj_date: date, ind: Indicator, ori: str | None,
             amount: int, doc_no: str, reason: str) -> dict[str, object]:
    return {"adj_sub_id": uow.new_id(), "bat_num": batch, "adj_type": adj_type, "adj_date": adj_date,
            "bgt_id": ind.bgt_id, "ori_bgt_id": ori, "add_amount": amount, "cor_bgt_doc_no": doc_no,
            "pro_code": ind.pro_code, "agency_code": ind.agency_code, "reason": reason,
            "create_time": uow.now_naive()}


def adjust_indicators(uow: UnitOfWork, cmd: c.AdjustIndicators) -> list[str]:
    """调剂: one batch of signed moves that sums to zero, within one fiscal year and fund type."""
    authorize(cmd.actor, BUDGET_ROLES, action="indicator.adjust")
    doc_no = require_doc_no(cmd.cor_bgt_doc_no)
    for _bgt_id, amt in cmd.moves:
        check_fen(amt, "moves.amount", allow_negative=True)
    for pt in cmd.new_targets:
        check_fen(pt.amount, "new_targets.amount")
    if len({b for b, _ in cmd.moves}) != len(cmd.moves):
        raise ValidationError("adjust_duplicate", "同一指标在一个调剂批次中只能出现一次", "an indicator appears twice",
                              field="moves")
    net = sum(a for _, a in cmd.moves) + sum(pt.amount for pt in cmd.new_targets)
    if net != 0:
        raise ControlViolation("adjust_not_balanced", "调剂批次调入调出不平衡（合计须为零）", "adjustment batch must sum to zero",
                               net=yuan(net))
    sources = [b for b, a in cmd.moves if a < 0]
    if not sources:
        raise ValidationError("adjust_no_source", "调剂须有调出指标", "an adjustment needs a source", field="moves")
    projects = {pc: uow.projects.get(pc, lock=True) for pc in sorted({pt.pro_code for pt in cmd.new_targets})}
    inds = uow.indicators.lock_many(b for b, _ in cmd.moves)
    first_src = inds[sorted(sources)[0]]
    for ind in inds.values():
        if (ind.fiscal_year, ind.fund_type_code) != (first_src.fiscal_year, first_src.fund_type_code):
            raise ControlViolation("adjust_cross", "调剂不能跨年度或跨资金性质", "adjustment across years or fund types",
                                   bgt_id=ind.bgt_id, fund_type_code=ind.fund_type_code,
                                   fiscal_year=ind.fiscal_year)
    batch = uow.new_id()
    now = uow.now_naive()
    entries, adj, created = [], [], []
    first_target = next((b for b, a in sorted(cmd.moves) if a > 0), None)
    for bgt_id, amt in sorted(cmd.moves):
        ind = inds[bgt_id]
        if amt < 0:
            entries.append(ind.reduce(-amt, "ADJ_OUT", "adjsub", batch))
            adj.append(_adj_row(uow, batch, "adjust", cmd.doc_date, ind, first_target, amt, doc_no, cmd.reason))
        else:
            if ind.pro_code not in projects:
                projects[ind.pro_code] = uow.projects.get(ind.pro_code, details=False)
            projects[ind.pro_code].require_library("indicator")
            entries.append(ind.post(LedgerEntry(ind.bgt_id, "ADJ_IN", d_amount=amt, ref_type="adjsub",
                                                ref_id=batch)))
            adj.append(_adj_row(uow, batch, "adjust", cmd.doc_date, ind, first_src.bgt_id, amt, doc_no, cmd.reason))
    for pt in cmd.new_targets:
        agency = uow.agencies.get(pt.agency_code)
        exp, dep, gov = _part_elements(uow, pt, agency, first_src)
        new = _new_indicator(uow, projects[pt.pro_code], agency, fiscal_year=first_src.fiscal_year,
                             exp_func_code=exp, dep_bgt_eco_code=dep, gov_bgt_eco_code=gov,
                             fund_type_code=first_src.fund_type_code, source_type_code="4", doc_no=doc_no,
                             doc_date=cmd.doc_date, ori_bgt_id=first_src.bgt_id, adj_batch_no=batch)
        entries.append(new.issue(pt.amount, "adjsub", batch))
        adj.append(_adj_row(uow, batch, "adjust", cmd.doc_date, new, first_src.bgt_id, pt.amount, doc_no, cmd.reason))
        created.append(new)
        _mark_project(uow, projects[pt.pro_code], cmd.actor, executing=True)
    uow.indicators.post(entries, now)
    uow.indicators.add_adjsub(adj)
    for new in created:
        uow.record(cmd.actor, "indicator.issue", "ba_bgt_info", new.bgt_id, after=_ind_summary(new))
    uow.record(cmd.actor, "indicator.adjust", "ba_bgt_adjsub", batch, after={
        "moves": {b: a for b, a in sorted(cmd.moves)}, "new": {n.bgt_id: n.amount for n in created},
        "cor_bgt_doc_no": doc_no}, opinion=cmd.reason)
    return [n.bgt_id for n in created]


def reduce_indicator(uow: UnitOfWork, cmd: c.ReduceIndicator) -> None:
    """调减/收回: only the uncommitted balance leaves."""
    authorize(cmd.actor, BUDGET_ROLES, action="indicator.reduce")
    doc_no = require_doc_no(cmd.cor_bgt_doc_no)
    amt = check_fen(cmd.amount, "amount")
    ind = uow.indicators.get(cmd.bgt_id, lock=True)
    before = ind.balances()
    batch = uow.new_id()
    uow.indicators.post([ind.reduce(amt, "REDUCE", "adjsub", batch)], uow.now_naive())
    uow.indicators.add_adjsub([_adj_row(uow, batch, "reduce", uow.now().date(), ind, None, -amt, doc_no,
                                        cmd.reason)])
    uow.record(cmd.actor, "indicator.reduce", "ba_bgt_info", ind.bgt_id, before=before, after=ind.balances(),
               opinion=cmd.reason)


def freeze_indicator(uow: UnitOfWork, cmd: c.FreezeIndicator) -> int:
    authorize(cmd.actor, FREEZE_ROLES, action="indicator.freeze")
    ind = uow.indicators.get(cmd.bgt_id, lock=True)
    before = ind.balances()
    if cmd.unfreeze:
        amt = ind.frozen_amt if cmd.amount is None else check_fen(cmd.amount, "amount")
        if amt == 0:
            raise StateError("not_frozen", "指标没有冻结金额", "nothing is frozen", bgt_id=ind.bgt_id)
        entry = ind.unfreeze(amt)
    else:
        amt = ind.canuse_amt if cmd.amount is None else check_fen(cmd.amount, "amount")
        if amt == 0:
            raise StateError("nothing_to_freeze", "指标没有可冻结的可用额度", "no available balance to freeze",
                             bgt_id=ind.bgt_id)
        entry = ind.freeze(amt)
    uow.indicators.post([entry], uow.now_naive())
    uow.record(cmd.actor, "indicator.unfreeze" if cmd.unfreeze else "indicator.freeze", "ba_bgt_info", ind.bgt_id,
               before=before, after=ind.balances(), opinion=cmd.reason)
    return amt
