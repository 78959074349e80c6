"""The one amount formatter: yuan in, 万元 out, exact half-up rounding, thousands separators."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from dashboards.fmt import pct, ratio, wan, wan_decimal, yuan


def test_wan_rounds_half_up_exactly() -> None:
    assert wan(Decimal("123456789.01")) == "12,345.68"
    assert wan(Decimal("50.00")) == "0.01"          # 0.005 万元 rounds up, exactly
    assert wan(Decimal("49.99")) == "0.00"
    assert wan(Decimal("-50.00")) == "-0.01"        # half away from zero
    assert wan(Decimal("229548507.68"), unit=True) == "22,954.85 万元"
    assert wan_decimal(Decimal("1")) == Decimal("0.00")


def test_floats_go_through_their_shortest_repr() -> None:
    assert wan(0.1 * 10000 + 50) == "0.11"   # 1050.0000000000002 yuan is 0.105 万元 → 0.11
    assert wan(np.float64(1234567.5)) == "123.46"
    assert wan(np.int64(10000)) == "1.00"


def test_missing_values_show_a_dash() -> None:
    for missing in (None, float("nan"), pd.NA, Decimal("NaN")):
        assert wan(missing) == "—" and pct(missing) == "—" and yuan(missing) == "—"


def test_pct_and_ratio() -> None:
    assert pct(Decimal("0.3755")) == "37.6%"
    assert ratio(Decimal(1), Decimal(0)) is None
    assert ratio(Decimal(1), Decimal(4)) == Decimal("0.25")
    assert yuan(Decimal("1234.5")) == "1,234.50"
