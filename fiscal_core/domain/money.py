"""Money is integer fen (分) inside the core; yuan ``Decimal`` at the edges. Never binary floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import ValidationError

Fen = int

MAX_FEN = 10**16 - 1  # DECIMAL(18,2) upper bound in yuan


def to_fen(value: Decimal | str | int, field: str = "amount", *, allow_zero: bool = False,
           allow_negative: bool = False) -> Fen:
    """Yuan (``Decimal``, ``str`` or ``int``) → fen. Rejects floats, more than two decimals and out-of-range."""
    if isinstance(value, (bool, float)):
        raise ValidationError("amount_exact", "金额必须是精确的十进制数（不接受浮点数）",
                              "amount must be an exact decimal (no floats)", field=field, value=value)
    try:
        dec = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError("amount_format", "金额格式错误", "malformed amount",
                              field=field, value=value) from None
    if not dec.is_finite():
        raise ValidationError("amount_format", "金额格式错误", "malformed amount", field=field, value=value)
    fen = dec * 100
    if fen != fen.to_integral_value():
        raise ValidationError("amount_precision", "金额最多两位小数", "amount has more than two decimals",
                              field=field, value=value)
    return check_fen(int(fen), field, allow_zero=allow_zero, allow_negative=allow_negative)


def check_fen(fen: int, field: str = "amount", *, allow_zero: bool = False,
              allow_negative: bool = False) -> Fen:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValidationError("amount_exact", "金额必须是整数分", "amount must be integer fen", field=field)
    if fen < 0 and not allow_negative:
        raise ValidationError("amount_negative", "金额不能为负数", "amount must not be negative",
                              field=field, value=yuan(fen))
    if fen == 0 and not allow_zero:
        raise ValidationError("amount_zero", "金额必须大于零", "amount must be positive", field=field)
    if abs(fen) > MAX_FEN:
        raise ValidationError("amount_range", "金额超出范围", "amount out of range", field=field)
    return fen


def to_yuan(fen: Fen) -> Decimal:
    return Decimal(fen).scaleb(-2)


def yuan(fen: Fen) -> str:
    """Fen → ``'1,234.56'`` for messages."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q:,}.{r:02d}"
