"""Domain objects for unit tests (no database)."""

from fiscal_core.domain.indicators import Indicator


def indicator(amount: int = 100_000, **kw) -> Indicator:  # type: ignore[no-untyped-def]
    """An executable 2026 indicator of 吴江实验小学 (101001) issued with ``amount`` fen."""
    base = dict(bgt_id="B1", mof_div_code="320509000", fiscal_year=2026, agency_code="101001", dept_code="101",
                pro_code="P1", exp_func_code="2050202", gov_bgt_eco_code="50502", dep_bgt_eco_code="30201",
                fund_type_code="11", source_type_code="1")
    i = Indicator(**(base | kw))
    i.issue(amount)
    return i
