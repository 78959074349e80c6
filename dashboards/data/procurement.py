"""政府采购 loaders: contracts with their payments (fct_procurement_contract) and the split-purchase suspects
of rule R12 (化整为零, fct_warning)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from fiscal_core.monitoring.catalogue import rule

from .connection import cached, frame, rows
from .filters import scoped
from .monitoring import disposal_status
from .scope import Scope, in_scope

SPLIT_PURCHASE_RULE = rule("R12").code  # 拆分采购（化整为零）: fails at import should the catalogue drop it


@cached
def contracts(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    return frame(f"""
        select contract_no, gp_plan_no, agency_code, dept_code, pro_code, gpdir_name, gp_kind, pur_method_name,
               pur_org_form_name, supplier_name, contract_amt, sign_date, contract_status, instalment_count,
               paid_to_date_amt, remaining_amt, paid_ratio, is_fully_paid, is_overpaid, is_smes_reserved
        from marts.fct_procurement_contract
        where fiscal_year = $year and ($dept is null or dept_code = $dept) and {in_scope("agency_code")}
        order by contract_amt desc""", scoped(scope, dept=dept, year=year))


@cached
def contracts_total(scope: Scope, year: int, dept: str | None) -> Decimal:
    found = rows(f"""select coalesce(sum(contract_amt), 0) as total from marts.fct_procurement_contract
                    where fiscal_year = $year and ($dept is null or dept_code = $dept)
                      and {in_scope("agency_code")}""", scoped(scope, dept=dept, year=year))
    return found[0]["total"]


@cached
def split_purchase_suspects(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    """Rule R12 (化整为零, splitting a purchase to stay under the procurement threshold)."""
    return frame(f"""
        select warning_key, agency_code, dept_code, pro_code, payee_acct_name, amount, period, message, evidence,
               detected_at, {disposal_status("disposal_status")} as disposal_status
        from marts.fct_warning
        where rule_code = $rule and fiscal_year = $year and ($dept is null or dept_code = $dept)
          and {in_scope("agency_code")}
        order by amount desc""", scoped(scope, dept=dept, year=year, rule=SPLIT_PURCHASE_RULE))
