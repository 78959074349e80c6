"""Number formatting for the dashboards, in one place.

Amounts arrive in yuan (the marts' DECIMAL(18,2), as ``Decimal``) and are shown in 万元 with thousands
separators, rounded half-up to two decimals by exact decimal arithmetic (never through a binary float).
A float (a plotly axis value, a pandas mean) is converted through its shortest repr first, so 0.1 stays 0.1.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

WAN = Decimal(10000)
_CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    """Decimal of a yuan amount, or None for a missing value (None, NaN, pandas NA)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return None if value.is_nan() else value
    if isinstance(value, bool):
        raise TypeError("an amount cannot be a bool")
    if isinstance(value, numbers.Integral):  # int and numpy integers
        return Decimal(int(value))
    if isinstance(value, numbers.Real):  # float and numpy floats (repr of np.float64 is not a number)
        f = float(value)
        return None if math.isnan(f) else Decimal(repr(f))
    try:
        if value != value:  # pandas NA / NaT compare unequal to themselves (or raise)
            return None
    except TypeError:
        return None
    return Decimal(str(value))


def wan_decimal(yuan: Any, places: int = 2) -> Decimal | None:
    """Yuan → 万元, rounded half-up to ``places`` decimals."""
    d = to_decimal(yuan)
    if d is None:
        return None
    return (d / WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def wan(yuan: Any, places: int = 2, *, unit: bool = False) -> str:
    """'12,345.68' for 123,456,789.01 yuan (万元 with thousands separators); '—' when missing."""
    d = wan_decimal(yuan, places)
    if d is None:
        return "—"
    text = f"{d:,.{places}f}"
    return f"{text} 万元" if unit else text


def yuan(value: Any) -> str:
    """'1,234.50' (元, two decimals); '—' when missing."""
    d = to_decimal(value)
    if d is None:
        return "—"
    return f"{d.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def pct(ratio: Any, places: int = 1) -> str:
    """'37.5%' for 0.375; '—' when missing."""
    d = to_decimal(ratio)
    if d is None:
        return "—"
    return f"{(d * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}%"


def ratio(numerator: Any, denominator: Any) -> Decimal | None:
    """numerator ÷ denominator as a Decimal, None when either is missing or the denominator is 0."""
    n, d = to_decimal(numerator), to_decimal(denominator)
    if n is None or d is None or d == 0:
        return None
    return n / d


def wan_float(yuan: Any) -> float | None:
    """For chart axes only: 万元 as a float (plotly needs floats; labels still come from ``wan``)."""
    d = to_decimal(yuan)
    return None if d is None else float(d / WAN)
