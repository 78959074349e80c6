"""The core's tables (SQLAlchemy Core). Names follow the MOF 一体化 standard in lower case.

Amounts in the core are **integer fen** (``BigInteger``) under the standard column names; the warehouse
converts them to ``DECIMAL(18,2)`` yuan. Timestamps are Asia/Shanghai wall time. Schema changes go
through Alembic (``fiscal_core/adapters/migrations``), never ``metadata.create_all``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

Money = BigInteger  # fen


def _audit() -> list[Column]:
    return [Column("create_time", DateTime, nullable=False), Column("update_time", DateTime, nullable=False)]


# -- system and reference ------------------------------------------------------------------------------
sys_meta = Table(
    "sys_meta", metadata,
    Column("meta_key", String(64), primary_key=True),
    Column("meta_value", Text, nullable=False),
)

ele_code = Table(
    "ele_code", metadata,
    Column("ele_set", String(32), primary_key=True),
    Column("ele_code", String(21), primary_key=True),
    Column("ele_name", String(200), nullable=False),
    Column("parent_code", String(21)),
    Column("level_no", Integer, nullable=False),
    Column("is_leaf", Boolean, nullable=False),
    Column("attrs_json", Text, nullable=False, default="{}"),
)

ele_dep_gov_eco_map = Table(
    "ele_dep_gov_eco_map", metadata,
    Column("dep_bgt_eco_code", String(20), primary_key=True),
    Column("eco_map_kind", String(8), primary_key=True),
    Column("gov_bgt_eco_code", String(11), primary_key=True),
)

sys_div_config = Table(
    "sys_div_config", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("config_key", String(64), primary_key=True),
    Column("config_value", Text, nullable=False),
)

# 用款计划 switched on for (区划, 资金性质): a row means plans control payments there.
sys_plan_control = Table(
    "sys_plan_control", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("fund_type_code", String(10), primary_key=True),
)

sys_counter = Table(
    "sys_counter", metadata,
    Column("counter_key", String(64), primary_key=True),
    Column("counter_value", BigInteger, nullable=False),
)

bas_mof_div = Table(
    "bas_mof_div", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("mof_div_name", String(100), nullable=False),
    *_audit(),
)

bas_agency_info = Table(
    "bas_agency_info", metadata,
    Column("agency_code", String(21), primary_key=True),
    Column("agency_name", String(200), nullable=False),
    Column("mof_div_code", String(9), ForeignKey("bas_mof_div.mof_div_code"), nullable=False),
    Column("dept_code", String(21), nullable=False, index=True),
    Column("parent_code", String(21)),
    Column("agency_type_code", String(4), nullable=False),
    Column("exp_func_code", String(13)),       # default 功能科目 (行政运行/事业运行 of its main work)
    Column("unifsoc_cred_code", String(18)),
    Column("is_enabled", Boolean, nullable=False, default=True),
    *_audit(),
)

bas_agency_staffing = Table(  # 编制数 set by the staffing office; 实有人数 is counted from bas_person_*
    "bas_agency_staffing", metadata,
    Column("agency_code", String(21), ForeignKey("bas_agency_info.agency_code"), primary_key=True),
    Column("admin_staf_num", Integer, nullable=False),
    Column("inst_staf_num", Integer, nullable=False),
    Column("worker_staf_num", Integer, nullable=False),
    *_audit(),
)

bas_agency_account = Table(
    "bas_agency_account", metadata,
    Column("agency_code", String(21), ForeignKey("bas_agency_info.agency_code"), primary_key=True),
    Column("acct_no", String(64), primary_key=True),
    Column("acct_name", String(200), nullable=False),
    Column("bank_name", String(200), nullable=False),
    Column("acct_type_code", String(4), nullable=False),
    Column("is_own_fund", Boolean, nullable=False),
)

# -- project library -------------------------------------------------------------------------------------
pm_project = Table(
    "pm_project", metadata,
    Column("pro_code", String(21), primary_key=True),
    Column("pro_name", String(300), nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    Column("agency_code", String(21), ForeignKey("bas_agency_info.agency_code"), nullable=False, index=True),
    Column("dept_code", String(21), nullable=False),
    Column("pro_cat_code", String(4), nullable=False),
    Column("setup_year", Integer, nullable=False),
    Column("pro_start_year", Integer, nullable=False),
    Column("end_year", Integer, nullable=False),
    Column("pro_term", Integer, nullable=False),
    Column("pro_total_amt", Money, nullable=False),
    Column("exist_statue_code", String(1), nullable=False),
    Column("roll_year", Integer),
    Column("is_gov_pur", Boolean, nullable=False),
    Column("is_dir", Boolean, nullable=False),
    Column("is_sub", Boolean, nullable=False),
    Column("is_sal", Boolean, nullable=False),
    Column("is_fun", Boolean, nullable=False),
    Column("thr_exp_code", String(2), nullable=False, default=""),   # 三公标识: '1' = a 三公 project
    Column("is_generated", Boolean, nullable=False, default=False),  # 人员类/公用经费 made by the system
    Column("pro_desc", Text, nullable=False, default=""),
    Column("pro_status", String(16), nullable=False, index=True),
    *_audit(),
)

pm_project_year_plan = Table(  # 分年支出计划 (detail_table)
    "pm_project_year_plan", metadata,
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), primary_key=True),
    Column("plan_year", Integer, primary_key=True),
    Column("plan_amt", Money, nullable=False),
)

pm_perf_goal_info = Table(
    "pm_perf_goal_info", metadata,
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), primary_key=True),
    Column("kpi_target", Text, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

pm_perf_indicator = Table(
    "pm_perf_indicator", metadata,
    Column("kpi_id", String(38), primary_key=True),
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), nullable=False, index=True),
    Column("kpi_lv1", String(60), nullable=False),
    Column("kpi_lv2", String(60), nullable=False),
    Column("kpi_lv3", String(200), nullable=False),
    Column("kpi_val", String(100), nullable=False),
    Column("weight", Integer, nullable=False, default=0),
    Column("meterunit", String(20), nullable=False, default=""),
    Column("computesign", String(8), nullable=False, default=""),
)

# -- budget and indicators -----------------------------------------------------------------------------------
bgt_pm_annual = Table(
    "bgt_pm_annual", metadata,
    Column("bgt_pman_id", String(38), primary_key=True),
    Column("fiscal_year", Integer, nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("dept_code", String(21), nullable=False, index=True),
    Column("pro_kind_code", String(4), nullable=False),
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), nullable=False, index=True),
    Column("exp_func_code", String(13), nullable=False),
    Column("gov_bgt_eco_code", String(11), nullable=False),
    Column("dep_bgt_eco_code", String(20), nullable=False),
    Column("fund_type_code", String(10), nullable=False),
    Column("apply_up", Money, nullable=False),
    Column("reply_amt", Money, nullable=False, default=0),
    Column("is_gov_pur", Boolean, nullable=False),
    Column("apply_link", String(1), nullable=False, default=""),     # 申报环节: 1 一上, 2 二上, '' outside a round
    Column("is_generated", Boolean, nullable=False, default=False),
    Column("perf_score", Integer),                                   # the project's last self-evaluation score
    Column("status", String(16), nullable=False),
    Column("approval_file_no", String(100)),
    *_audit(),
)

ba_bgt_info = Table(
    "ba_bgt_info", metadata,
    Column("bgt_id", String(38), primary_key=True),
    Column("ori_bgt_id", String(38), index=True),
    Column("mof_div_code", String(9), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("agency_code", String(21), nullable=False, index=True),
    Column("dept_code", String(21), nullable=False),
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), nullable=False, index=True),
    Column("pro_cat_code", String(4), nullable=False),
    Column("exp_func_code", String(13), nullable=False),
    Column("gov_bgt_eco_code", String(11), nullable=False),
    Column("dep_bgt_eco_code", String(20), nullable=False),
    Column("fund_type_code", String(10), nullable=False),
    Column("source_type_code", String(1), nullable=False),
    Column("bgt_type_code", String(2), nullable=False),
    Column("bgt_exe_flag", Boolean, nullable=False),
    Column("cor_bgt_doc_no", String(100), nullable=False),
    Column("bgt_doc_title", String(300), nullable=False),
    Column("doc_date", Date),
    Column("sup_bgt_doc_no", String(100), nullable=False),
    Column("budget_level_code", String(1), nullable=False),
    Column("pay_type_code", String(2), nullable=False),
    Column("is_gov_pur", Boolean, nullable=False),
    Column("is_dir", Boolean, nullable=False),
    Column("is_track", Boolean, nullable=False),
    Column("bgt_pman_id", String(38)),
    Column("adj_batch_no", String(38)),
    # balance components: running sums of ba_bgt_ledger, kept in the same transaction
    Column("amount", Money, nullable=False),
    Column("dis_amt", Money, nullable=False),
    Column("frozen_amt", Money, nullable=False),
    Column("plan_amt", Money, nullable=False),
    Column("gp_amt", Money, nullable=False),           # reserved by open procurement plans
    Column("inflight_amt", Money, nullable=False),
    Column("paid_amt", Money, nullable=False),
    *_audit(),
)

ba_bgt_ledger = Table(  # append-only indicator journal: the balances' single source
    "ba_bgt_ledger", metadata,
    Column("ledger_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    # no index on bgt_id: the core reads the ledger only in whole (reconciliation, the warehouse's
    # incremental extract by ledger_id), and every application would pay for the index page
    Column("bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), nullable=False),
    Column("entry_type", String(16), nullable=False),
    Column("d_amount", Money, nullable=False),
    Column("d_dis", Money, nullable=False),
    Column("d_frozen", Money, nullable=False),
    Column("d_plan", Money, nullable=False),
    Column("d_gp", Money, nullable=False),
    Column("d_inflight", Money, nullable=False),
    Column("d_paid", Money, nullable=False),
    Column("ref_type", String(16), nullable=False),
    Column("ref_id", String(38), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

ba_bgt_adjsub = Table(  # 指标调整明细: every move between indicators, signed, in batches (bat_num)
    "ba_bgt_adjsub", metadata,
    Column("adj_sub_id", String(38), primary_key=True),
    Column("bat_num", String(38), nullable=False, index=True),
    Column("adj_type", String(16), nullable=False),      # allocate / adjust / reduce
    Column("adj_date", Date, nullable=False),
    Column("bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), nullable=False, index=True),
    Column("ori_bgt_id", String(38)),
    Column("add_amount", Money, nullable=False),
    Column("cor_bgt_doc_no", String(100), nullable=False),
    Column("pro_code", String(21), nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("create_time", DateTime, nullable=False),
)

# -- plans and payments ----------------------------------------------------------------------------------------
pay_plan_voucher = Table(
    "pay_plan_voucher", metadata,
    Column("plan_id", String(38), primary_key=True),
    Column("plan_voucher_no", String(40), nullable=False, unique=True),
    Column("fiscal_year", Integer, nullable=False),
    Column("plan_month", Integer, nullable=False),
    Column("bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("plan_app_amt", Money, nullable=False),
    Column("plan_amt", Money, nullable=False),
    Column("used_amt", Money, nullable=False),
    Column("status", String(16), nullable=False),
    Column("use_des", Text, nullable=False, default=""),
    *_audit(),
    UniqueConstraint("bgt_id", "plan_month", name="uq_pay_plan_voucher_bgt_month"),
)

pay_voucher = Table(  # 国库集中支付申请
    "pay_voucher", metadata,
    Column("pay_app_id", String(38), primary_key=True),
    Column("pay_app_no", String(40), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    Column("create_date", Date, nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("dept_code", String(21), nullable=False),
    Column("bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), nullable=False, index=True),
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), nullable=False),
    Column("pro_cat_code", String(4), nullable=False),
    Column("fund_type_code", String(10), nullable=False),
    Column("exp_func_code", String(13), nullable=False),
    Column("gov_bgt_eco_code", String(11), nullable=False),
    Column("dep_bgt_eco_code", String(20), nullable=False),
    Column("pay_type_code", String(2), nullable=False),
    Column("set_mode_code", String(2), nullable=False),
    Column("fund_traobj_type_code", String(2), nullable=False),
    Column("pay_app_amt", Money, nullable=False),
    Column("xpay_amt", Money, nullable=False),
    Column("refund_amt", Money, nullable=False),
    Column("pay_acct_name", String(200), nullable=False),
    Column("pay_acct_no", String(64), nullable=False),
    Column("pay_acct_bank_name", String(200), nullable=False),
    Column("payee_acct_name", String(200), nullable=False),
    Column("payee_acct_no", String(64), nullable=False),
    Column("payee_acct_bank_name", String(200), nullable=False),
    Column("use_des", Text, nullable=False),
    Column("contract_no", String(64), index=True),
    Column("plan_id", String(38)),
    Column("gp_plan_id", String(38)),                # the procurement plan whose reservation it used
    Column("pay_cert_id", String(38)),
    Column("status", String(16), nullable=False),
    Column("idem_key", String(100), unique=True),
    Column("idem_hash", String(64)),
    *_audit(),
    UniqueConstraint("fiscal_year", "mof_div_code", "pay_app_no", name="uq_pay_voucher_app_no"),
    Index("ix_pay_voucher_agency_status", "agency_code", "status"),   # a unit's inbox
)

pay_detail = Table(  # 支付明细 (beneficiary level: payroll, 补贴到人)
    "pay_detail", metadata,
    Column("pay_detail_id", String(38), primary_key=True),
    Column("pay_app_id", String(38), ForeignKey("pay_voucher.pay_app_id"), nullable=False, index=True),
    # a person is referenced by per_id: name, ID number and card stay only in bas_person_info
    Column("per_id", String(38)),
    Column("detail_type", String(16), nullable=False),   # net_pay / withholding / beneficiary
    Column("payee_acct_name", String(200)),
    Column("payee_acct_no", String(64)),
    Column("payee_acct_bank_name", String(200)),
    Column("pay_amt", Money, nullable=False),
    Column("per_name", String(100)),
    Column("iden_no", String(18)),
    Column("corp_name", String(200)),
    Column("unifsoc_cred_code", String(18)),
    Column("pay_month", String(7)),
    Column("add_word", String(200)),
)

pay_voucher_bill = Table(  # 国库集中支付凭证 (refunds are negative bills referencing the original)
    "pay_voucher_bill", metadata,
    Column("pay_cert_id", String(38), primary_key=True),
    Column("pay_cert_no", String(40), nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("bill_type", String(8), nullable=False),          # pay / refund / return
    Column("pay_app_id", String(38), ForeignKey("pay_voucher.pay_app_id"), nullable=False, index=True),
    Column("ori_pay_cert_id", String(38)),
    Column("vou_date", Date, nullable=False),
    Column("pay_amt", Money, nullable=False),
    Column("xpay_amt", Money, nullable=False),
    Column("xpay_date", Date),
    Column("agent_business_no", String(64)),
    Column("pay_cert_sum_no", String(40)),
    Column("lqd_cert_no", String(40)),
    Column("act_lqd_date", Date, index=True),
    Column("payee_acct_name", String(200), nullable=False),
    Column("payee_acct_no", String(64), nullable=False),
    Column("payee_acct_bank_name", String(200), nullable=False),
    Column("abstract", Text, nullable=False),
    Column("receipt_add_word", String(200)),
    Column("status", String(16), nullable=False),
    *_audit(),
    UniqueConstraint("mof_div_code", "pay_cert_no", name="uq_pay_voucher_bill_cert_no"),
)

pay_clearing = Table(  # one 汇总清算 (划款申请) batch
    "pay_clearing", metadata,
    Column("pay_cert_sum_no", String(40), primary_key=True),
    Column("lqd_cert_no", String(40), nullable=False),
    Column("act_lqd_date", Date, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("total_amt", Money, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

pay_correction = Table(  # 更正: an executed amount moved from one indicator to another
    "pay_correction", metadata,
    Column("corr_id", String(38), primary_key=True),
    Column("pay_app_id", String(38), ForeignKey("pay_voucher.pay_app_id"), nullable=False, index=True),
    Column("from_bgt_id", String(38), nullable=False),
    Column("to_bgt_id", String(38), nullable=False),
    Column("corr_amt", Money, nullable=False),
    Column("cor_doc_no", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("corr_date", Date, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

# -- personnel (财政供养人员库) ---------------------------------------------------------------------------------
bas_person_info = Table(  # identity: personal data, stored here once and never copied into the journal
    "bas_person_info", metadata,
    Column("per_id", String(38), primary_key=True),
    Column("per_name", String(100), nullable=False),
    Column("iden_type_code", String(2), nullable=False),
    Column("iden_no", String(18), nullable=False, unique=True),
    Column("sex_code", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("work_init_date", Date),
    Column("sala_card_no", String(64), nullable=False),
    Column("sala_card_bank", String(200), nullable=False),
    *_audit(),
)

bas_person_hist = Table(  # the person's situation, one row per change, effective from eff_date
    "bas_person_hist", metadata,
    Column("hist_id", String(38), primary_key=True),
    Column("per_id", String(38), ForeignKey("bas_person_info.per_id"), nullable=False),
    Column("eff_date", Date, nullable=False),
    Column("change_type", String(16), nullable=False),    # hire / transfer / retire / grade / leave
    Column("agency_code", String(21), ForeignKey("bas_agency_info.agency_code"), nullable=False),
    Column("per_sta_code", String(2), nullable=False),
    Column("per_ide_code", String(2), nullable=False),
    Column("staf_type_code", String(2), nullable=False),
    Column("gr_code", String(8), nullable=False),
    Column("step_code", String(8), nullable=False),
    Column("is_uni_sala", Boolean, nullable=False),
    # monthly salary structure (fen) fixed from the standards at the change; personal data
    Column("pos_sala", Money, nullable=False),
    Column("grad_sala", Money, nullable=False),
    Column("nation_reg_sub", Money, nullable=False),
    Column("local_reg_sub", Money, nullable=False),
    Column("basc_perf", Money, nullable=False),
    Column("inct_perf", Money, nullable=False),
    Column("ret_pay", Money, nullable=False),
    Column("create_time", DateTime, nullable=False),
    Index("ix_bas_person_hist_per_eff", "per_id", "eff_date"),
    Index("ix_bas_person_hist_agency", "agency_code", "eff_date"),
)

# -- budget preparation (两上两下) -----------------------------------------------------------------------------
bgt_round = Table(
    "bgt_round", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("fiscal_year", Integer, primary_key=True),
    Column("stage", String(16), nullable=False),      # first_up → first_down → second_up → approved
    *_audit(),
)

bgt_control_num = Table(  # 一下 控制数 per department
    "bgt_control_num", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("fiscal_year", Integer, primary_key=True),
    Column("dept_code", String(21), primary_key=True),
    Column("control_amt", Money, nullable=False),
    Column("submitted", Boolean, nullable=False, default=False),   # 二上 submitted by the department
    *_audit(),
)

# -- procurement (政府采购) --------------------------------------------------------------------------------------
gp_plan = Table(
    "gp_plan", metadata,
    Column("plan_id", String(38), primary_key=True),
    Column("gp_plan_no", String(40), nullable=False, unique=True),
    Column("mof_div_code", String(9), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("agency_code", String(21), nullable=False, index=True),
    Column("pro_code", String(21), nullable=False),
    Column("bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), nullable=False, index=True),
    Column("gpdir_code", String(20), nullable=False),
    Column("pur_method_code", String(2), nullable=False),
    Column("pur_org_form", String(2), nullable=False),
    Column("plan_amt", Money, nullable=False),
    Column("reserved_amt", Money, nullable=False),   # reservation still held on the indicator
    Column("is_smes_reserved", Boolean, nullable=False),
    Column("status", String(16), nullable=False),    # open / closed
    *_audit(),
)

gp_contract = Table(
    "gp_contract", metadata,
    Column("contract_no", String(64), primary_key=True),
    Column("plan_id", String(38), ForeignKey("gp_plan.plan_id"), nullable=False, index=True),
    Column("agency_code", String(21), nullable=False),
    Column("supplier_name", String(200), nullable=False),
    Column("supplier_unifsoc_cred_code", String(18), nullable=False),
    Column("supplier_acct_no", String(64), nullable=False),
    Column("supplier_bank_name", String(200), nullable=False),
    Column("contract_amt", Money, nullable=False),
    Column("sign_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
    *_audit(),
)

# -- performance (绩效) -------------------------------------------------------------------------------------------
pm_perf_monitor = Table(  # 双监控: target progress against spending progress
    "pm_perf_monitor", metadata,
    Column("monitor_id", String(38), primary_key=True),
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), nullable=False, index=True),
    Column("fiscal_year", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("target_progress", Integer, nullable=False),   # per mille
    Column("exec_progress", Integer, nullable=False),     # per mille
    Column("is_warning", Boolean, nullable=False),
    Column("detail_json", Text, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

pm_perf_eval = Table(  # 绩效自评: stored for the next year's budget decisions
    "pm_perf_eval", metadata,
    Column("pro_code", String(21), ForeignKey("pm_project.pro_code"), primary_key=True),
    Column("fiscal_year", Integer, primary_key=True),
    Column("score", Integer, nullable=False),             # 0-100
    Column("grade", String(4), nullable=False),           # 优 良 中 差
    Column("exec_rate", Integer, nullable=False),         # per mille, from the ledger
    Column("detail_json", Text, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

# -- year-end (结转结余) ---------------------------------------------------------------------------------------------
bgt_year_close = Table(
    "bgt_year_close", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("fiscal_year", Integer, primary_key=True),
    Column("close_date", Date, nullable=False),
    Column("carried_amt", Money, nullable=False),
    Column("returned_amt", Money, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

ba_bgt_carryovers = Table(  # 财政资金结转指标
    "ba_bgt_carryovers", metadata,
    Column("carryovers_bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), primary_key=True),
    Column("ori_bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("pro_code", String(21), nullable=False),
    Column("exp_func_code", String(13), nullable=False),
    Column("gov_bgt_eco_code", String(11), nullable=False),
    Column("fund_type_code", String(10), nullable=False),
    Column("approve_amt", Money, nullable=False),
    Column("carryovers_amt", Money, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

ba_bgt_balance = Table(  # 财政资金结余指标: returned to the budget stabilisation pool
    "ba_bgt_balance", metadata,
    Column("balance_bgt_id", String(38), ForeignKey("ba_bgt_info.bgt_id"), primary_key=True),
    Column("fiscal_year", Integer, nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("pro_code", String(21), nullable=False),
    Column("balance", Money, nullable=False),
    Column("back_balance", Money, nullable=False),
    Column("reason", String(32), nullable=False),    # finished / terminated / two_years_unused
    Column("create_time", DateTime, nullable=False),
)

# -- treasury revenue and cash (国库收入, 库款) -------------------------------------------------------------------------
inc_treasury_income = Table(  # 入库流水 (TIPS 3139): every treasury inflow, classified by 收入分类; 退库 negative
    "inc_treasury_income", metadata,
    Column("inc_id", String(38), primary_key=True),
    Column("mof_div_code", String(9), nullable=False),
    Column("tre_date", Date, nullable=False),
    Column("inc_code", String(13), nullable=False),
    Column("budget_level_code", String(1), nullable=False),
    Column("amount", Money, nullable=False),
    Column("src_no", String(64), nullable=False),       # the source's serial (idempotency)
    Column("create_time", DateTime, nullable=False),
    UniqueConstraint("mof_div_code", "src_no", name="uq_inc_treasury_income_src"),
    Index("ix_inc_treasury_income_date", "mof_div_code", "tre_date"),
)

bgt_income = Table(  # 收入预算 per category and year
    "bgt_income", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("fiscal_year", Integer, primary_key=True),
    Column("inc_code", String(13), primary_key=True),
    Column("budget_amt", Money, nullable=False),
    *_audit(),
)

trs_opening = Table(  # 国库单一账户 opening balance from which the daily cash position is rolled forward
    "trs_opening", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("open_date", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

# -- journal ---------------------------------------------------------------------------------------------------
journal = Table(
    "journal", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("occurred_at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("before_json", Text, nullable=False),
    Column("after_json", Text, nullable=False),
    Column("opinion", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),   # the previous row's hash *in this row's chain*
    Column("hash", String(64), nullable=False),
    # one hash chain per 区划 (mof_div_code), 'platform' for events of no 区划, 'legacy' for the single chain
    # a journal had before the split (fiscal_core.domain.journal); chain_seq counts 1, 2, … inside the chain
    Column("chain", String(16), nullable=False),
    Column("chain_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Index("ix_journal_object", "object_type", "object_id"),
    Index("ux_journal_chain", "chain", "chain_seq", unique=True),
)

journal_chain = Table(  # each chain's tip: the row a writer locks (FOR UPDATE) to append to that chain
    "journal_chain", metadata,
    Column("chain", String(16), primary_key=True),
    Column("tip_chain_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("tip_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("tip_hash", String(64), nullable=False),
)

journal_anchor = Table(  # cross-anchors: every chain's tip at one moment, chained anchor to anchor
    "journal_anchor", metadata,
    Column("anchor_no", Integer, primary_key=True, autoincrement=False),
    Column("created_at", String(40), nullable=False),
    Column("reason", String(16), nullable=False),            # auto (every ANCHOR_EVERY seqs) / manual (fiscal audit anchor)
    Column("journal_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),  # highest tip seq
    Column("tips_json", Text, nullable=False),               # [[chain, chain_seq, seq, hash], …] by chain
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# -- dynamic monitoring (动态监控, fiscal_core/monitoring) -----------------------------------------------------------
mon_warning = Table(  # one warning: a rule's hit on a payment (real time) or on the ledger (scheduled), and its disposal
    "mon_warning", metadata,
    Column("warning_id", String(38), primary_key=True),
    Column("warning_key", String(120), nullable=False, unique=True),   # rule + objects: a hit is recorded once
    Column("rule_code", String(8), nullable=False),
    Column("rule_no", Integer, nullable=False),                        # the docs/standard/monitoring.md row
    Column("rule_version", Integer, nullable=False),
    Column("trigger_type", String(12), nullable=False),                # realtime / scheduled
    Column("warning_level", String(8), nullable=False),                # red / orange / yellow / blue
    Column("mof_div_code", String(9), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("agency_code", String(21), nullable=False, index=True),
    Column("dept_code", String(21), nullable=False),
    Column("pro_code", String(21)),
    Column("bgt_id", String(38)),
    Column("pay_app_id", String(38), index=True),
    Column("period", String(16)),                                      # scheduled: 2025, 2025Q3, 2025-11
    Column("amount", Money, nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence_json", Text, nullable=False),
    Column("detected_at", DateTime, nullable=False),
    Column("status", String(24), nullable=False, index=True),
    Column("holds_payment", Boolean, nullable=False),                  # orange: the application waits
    Column("hold_released", Boolean, nullable=False),
    Column("due_date", Date),
    Column("escalation_level", Integer, nullable=False),
    Column("feedback_result", String(12)),                             # normal / violation (单位反馈)
    Column("feedback_text", Text),
    Column("attachment_ref", String(200)),
    Column("review_opinion", Text),
    Column("affirm_result", String(12)),                               # normal / violation (确认)
    Column("violation_type", String(4)),                               # docs/standard/monitoring.md §M3
    Column("return_amt", Money, nullable=False),                       # 收回
    Column("transfer_amt", Money, nullable=False),                     # 调账
    Column("other_amt", Money, nullable=False),
    Column("rectify_detail", Text),
    Column("closed_at", DateTime),
    *_audit(),
)

mon_warning_step = Table(  # the disposal trail of a warning, one row per step (also journalled)
    "mon_warning_step", metadata,
    Column("step_id", String(38), primary_key=True),
    Column("warning_id", String(38), ForeignKey("mon_warning.warning_id"), nullable=False, index=True),
    Column("step_no", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("opinion", Text, nullable=False),
    Column("detail_json", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("warning_id", "step_no", name="uq_mon_warning_step_no"),
)

# -- collaboration: users, grants with scope, routing and the inbox (fiscal_core/domain/identity.py, workflow.py) --
sys_user = Table(  # a person or a machine client; the password hash is argon2 (argon2-cffi), never the password
    "sys_user", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("user_name", String(100), nullable=False),
    Column("user_kind", String(8), nullable=False),                    # person / machine
    Column("password_hash", String(200)),
    Column("is_enabled", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime),
    Column("last_login", DateTime),
    *_audit(),
)

sys_grant = Table(  # one role over one scope for a period (revoked grants stay, for the record)
    "sys_grant", metadata,
    Column("grant_id", String(38), primary_key=True),
    Column("user_id", String(64), ForeignKey("sys_user.user_id"), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("scope_kind", String(8), nullable=False),                   # div / division / dept / unit
    Column("scope_code", String(21), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("revoked_at", DateTime),
    Column("create_time", DateTime, nullable=False),
    Index("ix_sys_grant_role_scope", "role", "scope_kind", "scope_code"),
)

sys_scope = Table(  # closure of the scope tree: every node above an agency (and the agency itself)
    "sys_scope", metadata,
    Column("agency_code", String(21), primary_key=True),
    Column("scope_kind", String(8), primary_key=True),
    Column("scope_code", String(21), primary_key=True),
    Index("ix_sys_scope_node", "scope_kind", "scope_code"),
)

sys_division = Table(  # a finance business division (业务处室) and the departments it looks after
    "sys_division", metadata,
    Column("division_code", String(21), primary_key=True),
    Column("division_name", String(100), nullable=False),
    Column("mof_div_code", String(9), nullable=False),
    *_audit(),
)

sys_division_dept = Table(
    "sys_division_dept", metadata,
    Column("division_code", String(21), ForeignKey("sys_division.division_code"), primary_key=True),
    Column("dept_code", String(21), primary_key=True),
)

sys_delegation = Table(  # 代理审批: the delegate takes the delegator's steps for a period
    "sys_delegation", metadata,
    Column("delegation_id", String(38), primary_key=True),
    Column("from_user", String(64), ForeignKey("sys_user.user_id"), nullable=False, index=True),
    Column("to_user", String(64), ForeignKey("sys_user.user_id"), nullable=False, index=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("revoked_at", DateTime),
    Column("create_time", DateTime, nullable=False),
)

sys_route = Table(  # a 区划's routing of one state of a document kind, versioned (the newest enabled version rules)
    "sys_route", metadata,
    Column("mof_div_code", String(9), primary_key=True),
    Column("doc_type", String(32), primary_key=True),
    Column("status", String(24), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("step_code", String(40), nullable=False),
    Column("role", String(32), nullable=False),
    Column("policy", String(8), nullable=False),                       # first (或签) / all (会签)
    Column("due_hours", Integer, nullable=False),
    Column("min_amt", Money),                                          # the step applies from this amount (fen)
    Column("is_enabled", Boolean, nullable=False),
    Column("create_time", DateTime, nullable=False),
)

sys_task = Table(  # the inbox: one row per candidate of a pending step; done / cancelled rows are the 已办 record
    "sys_task", metadata,
    Column("task_id", String(38), primary_key=True),
    Column("doc_type", String(32), nullable=False),
    Column("doc_id", String(64), nullable=False),
    Column("doc_status", String(24), nullable=False),
    Column("step_code", String(40), nullable=False),
    Column("policy", String(8), nullable=False),
    Column("role", String(32), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("on_behalf_of", String(64)),                                # a delegate's task names the delegator
    Column("mof_div_code", String(9), nullable=False),
    Column("agency_code", String(21), nullable=False),
    Column("doc_no", String(40)),
    Column("amount", Money),
    Column("status", String(12), nullable=False),                      # open / done / cancelled / forwarded
    Column("created_at", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("escalated_at", DateTime),
    Column("done_at", DateTime),
    Column("done_by", String(64)),
    Column("outcome", String(24)),
    Column("opinion", Text),
    Index("ix_sys_task_inbox", "user_id", "status"),
    Index("ix_sys_task_doc", "doc_type", "doc_id", "status"),
)

sys_notification = Table(  # the outbox: in-app always; a webhook channel delivers and stamps delivered_at
    "sys_notification", metadata,
    Column("notice_id", String(38), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("task_id", String(38)),
    Column("channel", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),
    Column("read_at", DateTime),
    Index("ix_sys_notification_user", "user_id", "read_at"),
)
