"""SQL fragments built from fixed vocabularies (the core's enums, the data layer's own codes), never from
user input: user input only ever travels as a query parameter (``$dept``, ``$year`` …).

Loaders filter and order by the core's status and level codes; writing them through ``literal`` /
``literals`` / ``rank`` from the enums (``ProjectStatus``, ``Level`` …) keeps the SQL in step with the core
instead of re-typing its names."""

from __future__ import annotations

import re
from collections.abc import Iterable

_CODE = re.compile(r"[a-z0-9_]+")


def literal(value: str) -> str:
    """A code (an enum value) as an SQL string literal; ValueError for anything that is not a plain code."""
    if not _CODE.fullmatch(value):
        raise ValueError(f"not a code: {value!r}")
    return f"'{value}'"


def literals(values: Iterable[str]) -> str:
    """Codes as an SQL list, ``('a', 'b')``, for ``in`` / ``not in``; the order given is kept."""
    codes = list(values)
    if not codes:
        raise ValueError("an empty list of codes")
    return "(" + ", ".join(literal(v) for v in codes) + ")"


def rank(expr: str, values: Iterable[str]) -> str:
    """An SQL expression ranking ``expr`` by the order of ``values`` (1, 2, …; anything else last)."""
    codes = list(values)
    cases = " ".join(f"when {literal(v)} then {i}" for i, v in enumerate(codes, 1))
    return f"case {expr} {cases} else {len(codes) + 1} end"


def coalesce_code(column: str, default: str) -> str:
    """``coalesce(column, 'default')``: a code standing in for null (e.g. a warning the core does not hold)."""
    return f"coalesce({column}, {literal(default)})"
