"""What the forecast step reads and reports, importable without pandas: the report, the inputs, and the
fingerprint of the inputs that tells whether the forecasts must be computed again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import duckdb

# the marts the forecasts read (and, for the commitments the marts do not keep, the raw core tables)
MARTS = ("fct_revenue_monthly", "fct_budget_execution_monthly", "fct_treasury_cash_daily", "fct_indicator_balance",
         "fct_payment", "dim_agency")
RAW = ("pay_voucher", "pay_detail", "gp_contract", "gp_plan", "inc_treasury_income")
INPUTS = tuple(("marts", t) for t in MARTS) + tuple(("raw", t) for t in RAW)


@dataclass
class ForecastReport:
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    reused: bool = False        # the inputs were unchanged: the forecasts already in the warehouse were kept


def inputs_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """A fingerprint of every input table's content (row count and the sum of a hash of each whole row, so the
    order of rows does not matter and any changed value does). None when an input is missing."""
    h = hashlib.sha256()
    for schema, table in INPUTS:
        present = con.execute("select count(*) from information_schema.tables where table_schema = ? and "
                              "table_name = ?", [schema, table]).fetchone()
        if not present or not present[0]:
            return None
        row = con.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {schema}.{table} t").fetchone()
        h.update(f"{schema}.{table}:{row}\n".encode())
    return h.hexdigest()
