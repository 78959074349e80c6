"""The subsystem marts (staff cost, procurement contracts, performance) on a real dbt build of a small
simulated built_district: they exist as documented, and their figures agree with the core's own records."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import yaml

from ingest.pipeline import DBT_PROJECT
from tests.district import Built


def documented_columns(folder: str) -> dict[str, list[tuple[str, str]]]:
    """model → [(column, data_type)] from the models' yml files."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((DBT_PROJECT / "models" / "marts" / folder).glob("*.yml")):
        for m in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            out[m["name"]] = [(c["name"], c["data_type"]) for c in m["columns"]]
    return out


def assert_marts_match_their_docs(built_district: Built, folder: str) -> dict[str, list[tuple[str, str]]]:
    docs = documented_columns(folder)
    assert docs, folder
    for model, columns in docs.items():
        rows = built_district.query("select column_name, data_type from information_schema.columns "
                              "where table_schema = 'marts' and table_name = ? order by ordinal_position", [model])
        assert [r[0] for r in rows] == [c for c, _ in columns], model
        for (name, actual), (_n, documented) in zip(rows, columns, strict=True):
            assert actual.replace(" ", "").lower() == documented.replace(" ", "").lower(), (model, name)
    return docs


def test_subsystem_marts_exist_with_the_documented_columns_and_have_rows(built_district: Built) -> None:
    docs = assert_marts_match_their_docs(built_district, "subsystems")
    assert set(docs) == {"fct_staff_cost_monthly", "fct_procurement_contract", "fct_performance"}
    for model in docs:
        assert built_district.query(f"select count(*) from marts.{model}")[0][0] > 0, model


def test_headcount_is_the_people_in_post_per_bas_person_hist(built_district: Built) -> None:
    """Recount from the raw history in Python: for each month end, each person's latest row in force."""
    hist = built_district.query("select per_id, eff_date, create_time, hist_id, agency_code, per_sta_code "
                          "from raw.bas_person_hist")
    by_person: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in hist:
        by_person[row[0]].append(row)
    mart = built_district.query("select agency_code, pay_month, month_end_date, sum(headcount_in_post) "
                          "from marts.fct_staff_cost_monthly group by all")
    month_ends = {(m, e) for _a, m, e, _n in mart}
    assert len(month_ends) >= 4                                  # January to April 2025 at least
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for rows in by_person.values():
        rows.sort(key=lambda r: (r[1], r[2], r[3]))
        for month, end in month_ends:
            in_force = [r for r in rows if r[1] <= end]
            if in_force and in_force[-1][5] == "1":
                expected[(in_force[-1][4], month)] += 1
    actual = {(a, m): int(n) for a, m, _e, n in mart if n}
    assert actual == dict(expected)
    assert sum(actual.values()) > 50


def test_payroll_paid_ties_to_the_payroll_payments(built_district: Built) -> None:
    """Per agency and month: gross = the executed 工资统发 payment, withheld = its withholding rows, net = its
    net_pay rows — so the per-person recomputation of the withholding loses nothing."""
    payments = built_district.query("""
        select v.agency_code, d.pay_month, any_value(v.pay_app_amt),
               sum(case when d.detail_type = 'withholding' then d.pay_amt else 0 end),
               sum(case when d.detail_type = 'net_pay' then d.pay_amt else 0 end)
        from staging.stg_core__pay_voucher v join staging.stg_core__pay_detail d using (pay_app_id)
        where v.status in ('paid', 'cleared') and d.detail_type in ('net_pay', 'withholding')   -- not 补贴到人 rows
        group by v.pay_app_id, v.agency_code, d.pay_month""")
    mart = {(a, m): (g, w, n) for a, m, g, w, n in built_district.query(
        "select agency_code, pay_month, sum(gross_pay_amt), sum(withheld_amt), sum(net_pay_amt) "
        "from marts.fct_staff_cost_monthly group by all having sum(paid_headcount) > 0")}
    assert len(payments) > 10
    assert {(a, m): (g, w, n) for a, m, g, w, n in payments} == mart


def test_contract_paid_to_date_never_exceeds_the_contract_and_matches_the_payments(built_district: Built) -> None:
    rows = built_district.query("select contract_no, contract_amt, paid_to_date_amt, remaining_amt, instalment_count, "
                          "is_fully_paid from marts.fct_procurement_contract")
    assert rows
    for contract_no, amount, paid, remaining, instalments, fully in rows:
        assert Decimal(0) <= paid <= amount, contract_no
        assert remaining == amount - paid
        assert fully == (paid >= amount)
        assert (instalments > 0) == (paid > 0)
    # the same money seen from the payment applications: executed amount net of refunds
    by_voucher = dict(built_district.query(
        "select contract_no, sum(xpay_amt - refund_amt) from staging.stg_core__pay_voucher "
        "where contract_no is not null and status in ('paid', 'cleared') group by 1"))
    assert {c: p for c, _a, p, _r, _i, _f in rows if p} == by_voucher
    assert sum(r[4] for r in rows) > 0


def test_performance_is_one_row_per_project_and_year_with_its_execution(built_district: Built) -> None:
    rows = built_district.query("select pro_code, fiscal_year, perf_indicator_count, perf_indicator_weight, "
                          "indicator_amt, paid_amt, exec_ratio, pro_cat_code from marts.fct_performance")
    assert rows
    assert len({(r[0], r[1]) for r in rows}) == len(rows)
    for pro, year, count, weight, indicator, paid, ratio, cat in rows:
        assert cat.startswith("3"), pro                          # 特定目标类 only in this built_district
        assert count > 0 and weight == 90, pro
        assert year == 2025
        if indicator:
            assert ratio == round(float(paid) / float(indicator), 4)
    ledger = dict(built_district.query("select pro_code, sum(paid_amt) from staging.stg_core__ba_bgt_info "
                                 "where bgt_exe_flag and fiscal_year = 2025 group by 1"))
    assert all(paid == ledger.get(pro, 0) for pro, _y, _c, _w, _i, paid, _r, _k in rows)
