from decimal import Decimal

import pytest

from fiscal_core.domain.errors import ValidationError
from fiscal_core.domain.money import check_fen, to_fen, to_yuan, yuan


def test_yuan_strings_and_decimals_convert_exactly() -> None:
    assert to_fen("1234.56") == 123456
    assert to_fen(Decimal("0.01")) == 1
    assert to_fen(7) == 700
    assert to_yuan(123456) == Decimal("1234.56")
    assert yuan(-123456789) == "-1,234,567.89"


@pytest.mark.parametrize(("value", "rule"), [
    (0.1, "amount_exact"), ("1.234", "amount_precision"), ("abc", "amount_format"), ("-5", "amount_negative"),
    ("0", "amount_zero"), ("1e20", "amount_range"), ("NaN", "amount_format"),
])
def test_bad_amounts_are_rejected_naming_the_field(value, rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        to_fen(value, "pay_app_amt")
    assert e.value.rule == rule
    assert "pay_app_amt" in str(e.value)


def test_check_fen_allows_zero_or_negative_only_when_asked() -> None:
    assert check_fen(0, allow_zero=True) == 0
    assert check_fen(-5, allow_negative=True) == -5
    with pytest.raises(ValidationError):
        check_fen(True)  # bools are not amounts
