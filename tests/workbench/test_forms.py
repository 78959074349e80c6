"""The 发起 pages against the real API: declaring a project and sending it to review, answering an orange
warning (the core asks for an attachment on the attachment field; the file is kept under
$FISCAL_HOME/attachments/<warning_id>/), and the batch import from the XLSX template: a bad row names itself and
nothing is imported, a good sheet is imported whole."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from workbench import template

from ..api.conftest import Api
from ..support import World
from .conftest import Workbench

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSON = {"payee_acct_name": "王建国", "payee_acct_no": "6228480000001234", "fund_traobj_type_code": "3"}


def rows(core: Any, sql: str, **params: Any) -> list[Any]:
    with core.db.read() as conn:
        return list(conn.execute(text(sql), params).all())


def test_declare_a_project_and_send_it_to_the_units_review(world: World, api: Api) -> None:
    wb = Workbench(api, "jb101001", page="pages/declare_project.py")
    at = wb.at
    at.text_input(key="pro_name").input("校园安防设备更新")
    at.selectbox(key="pro_cat_code").set_value("22")
    at.text_input(key="pro_total_amt").input("350000.00")
    at.text_area(key="pro_desc").input("更新教学楼监控与门禁设备")
    at.button[[b.label for b in at.button].index("申报")].click()
    wb.run()
    assert any("已申报项目" in s.value for s in at.success), wb.texts()
    [(pro, status, amount)] = rows(world.core, "SELECT pro_code, pro_status, pro_total_amt FROM pm_project "
                                               "WHERE pro_name = '校园安防设备更新'")
    assert (status, amount) == ("unit_review", 350_000_00)
    assert {r[0] for r in rows(world.core, "SELECT user_id FROM sys_task WHERE doc_id = :d AND status = 'open'",
                               d=pro)} == {"fz101001", "deputy"}
    # a total that is not an amount of yuan is refused on its field, and nothing is declared
    at.text_input(key="pro_name").input("第二个项目")
    at.text_input(key="pro_total_amt").input("12.345")
    at.button[[b.label for b in at.button].index("申报")].click()
    wb.run()
    assert "pro_total_amt" in " ".join(e.value for e in at.error)
    assert rows(world.core, "SELECT count(*) FROM pm_project WHERE pro_name = '第二个项目'") == [(0,)]


def test_answer_an_orange_warning_with_an_attachment(world: World, api: Api, tmp_path: Path) -> None:
    _, bgt = world.funded(200_000_00)
    res = world.pay(bgt, 80_000_00, use_des="支付项目咨询服务费", **PERSON)       # R03: orange, held
    [(wid, status)] = rows(world.core, "SELECT warning_id, status FROM mon_warning WHERE pay_app_id = :p",
                           p=res.pay_app_id)
    assert status == "awaiting_feedback"
    wb = Workbench(api, "jb101001", page="pages/warning_feedback.py")
    at = wb.at
    [task] = api.client("jb101001").get("/api/v1/inbox", params={"step_code": "warning.feedback"}).json()["items"]
    tid = task["task_id"]
    assert "R03" in wb.texts()
    at.text_area(key=f"reason_{tid}").input("专家咨询合同，已签订")
    at.button[[b.label for b in at.button].index("提交反馈")].click()
    wb.run()
    assert any("附件" in e.value or "attachment" in e.value for e in at.error), wb.texts()  # the core asks for it
    assert rows(world.core, "SELECT status FROM mon_warning WHERE warning_id = :w", w=wid) == [("awaiting_feedback",)]
    at.file_uploader(key=f"file_{tid}").set_value(("../合同 0310.pdf", b"%PDF-1.4 contract", "application/pdf"))
    at.text_area(key=f"reason_{tid}").input("专家咨询合同，已签订")
    at.button[[b.label for b in at.button].index("提交反馈")].click()
    wb.run()
    assert any("已反馈预警" in s.value for s in at.success), wb.texts()
    [(status, ref, result)] = rows(world.core, "SELECT status, attachment_ref, feedback_result FROM mon_warning "
                                               "WHERE warning_id = :w", w=wid)
    assert status != "awaiting_feedback" and result == "normal"
    home = tmp_path / "home"
    assert ref == f"attachments/{wid}/合同_0310.pdf"                 # the path is the platform's, not the upload's
    assert (home / ref).read_bytes() == b"%PDF-1.4 contract"


def sheet(lines: list[dict[str, str]]) -> bytes:
    wb = load_workbook(io.BytesIO(template.template()))
    ws = wb[template.SHEET]
    for r, values in enumerate(lines, start=3):
        for c, name in enumerate(template.NAMES, start=1):
            if name in values:
                ws.cell(row=r, column=c, value=values[name])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_template_names_the_standards_fields_in_both_languages() -> None:
    ws = load_workbook(io.BytesIO(template.template()))[template.SHEET]
    first = [c.value for c in ws[1]]
    second = [c.value for c in ws[2]]
    assert first[:6] == ["bgt_id", "pay_app_amt", "payee_acct_name", "payee_acct_no", "payee_acct_bank_name", "use_des"]
    assert second[1] == "申请金额（元） * / amount (yuan)"
    assert template.read_rows(template.template()) == []


def test_batch_import_all_or_nothing_with_the_bad_rows_named(world: World, api: Api) -> None:
    _, bgt = world.funded(1_000_00)
    good = {"bgt_id": bgt, "pay_app_amt": "100.00", "payee_acct_name": "苏州恒信商贸有限公司",
            "payee_acct_no": "6222020000000001", "payee_acct_bank_name": "中国银行吴江支行", "use_des": "购买办公用品及耗材"}
    wb = Workbench(api, "jb101001", page="pages/batch_import.py")
    at = wb.at
    assert at.download_button(key="template").label == "下载导入模板（XLSX）"
    bad = sheet([good, {**good, "pay_app_amt": "5000.00"}, good, {**good, "exp_func_code": "9999999"}])
    at.file_uploader(key="batch_file").set_value(("import.xlsx", bad, XLSX))
    wb.run()
    at.button(key="batch_go").click()
    wb.run()
    assert any("未导入：2 行有误" in e.value for e in at.error), wb.texts()
    errs = at.dataframe[-1].value
    assert list(errs["表格行"]) == [4, 6]                        # sheet rows: data starts on row 3
    assert world.core.indicator(bgt)["inflight_amt"] == 0        # nothing half-imported
    at.file_uploader(key="batch_file").set_value(("import.xlsx", sheet([good, good, {**good, "pay_app_amt": 300}]),
                                                  XLSX))
    wb.run()
    at.button(key="batch_go").click()
    wb.run()
    assert any("已导入 3 笔支付申请" in s.value for s in at.success), wb.texts()
    assert world.core.indicator(bgt)["inflight_amt"] == 500_00
    world.assert_consistent()
