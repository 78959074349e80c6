import pytest

from fiscal_core.domain.errors import ControlViolation
from fiscal_core.domain.indicators import Indicator, check_dep_eco

from .builders import indicator


def ind(**kw) -> Indicator:  # type: ignore[no-untyped-def]
    return indicator(10_000, **kw)


def test_balance_identity_through_the_life_cycle() -> None:
    i = ind()
    i.freeze(1_000)
    i.occupy(3_000, "A1", via_plan=False)
    i.pay(3_000, "A1")
    i.reduce(2_000)
    assert i.canuse_amt == 10_000 - 2_000 - 1_000 - 0 - 0 - 3_000 == 4_000
    assert i.cur_amt == 10_000 - 2_000 - 3_000
    i.unpay(500, "A1", to_plan=False, entry_type="REFUND")
    assert (i.paid_amt, i.canuse_amt) == (2_500, 4_500)


def test_occupation_beyond_available_is_refused_and_changes_nothing() -> None:
    i = ind()
    i.occupy(9_000, "A1", via_plan=False)
    with pytest.raises(ControlViolation) as e:
        i.occupy(1_001, "A2", via_plan=False)
    assert e.value.rule == "insufficient_balance"
    assert "available=10.00" in str(e.value) and "requested=10.01" in str(e.value)
    assert (i.inflight_amt, i.canuse_amt) == (9_000, 1_000)


def test_frozen_balance_is_named_when_it_blocks() -> None:
    i = ind()
    i.freeze(8_000)
    with pytest.raises(ControlViolation) as e:
        i.occupy(5_000, "A1", via_plan=False)
    assert e.value.rule == "indicator_frozen"


def test_reduce_only_the_uncommitted_balance() -> None:
    i = ind()
    i.occupy(6_000, "A1", via_plan=False)
    with pytest.raises(ControlViolation) as e:
        i.reduce(4_001)
    assert e.value.rule == "reduce_exceeds_available"
    i.reduce(4_000)
    assert i.canuse_amt == 0


def test_unfreeze_cannot_exceed_frozen() -> None:
    i = ind()
    i.freeze(100)
    with pytest.raises(ControlViolation):
        i.unfreeze(101)


def test_plan_reserve_moves_into_flight_without_touching_available() -> None:
    i = ind()
    i.reserve_plan(4_000, "PL1")
    assert i.canuse_amt == 6_000
    i.occupy(1_000, "A1", via_plan=True)
    assert (i.plan_amt, i.inflight_amt, i.canuse_amt) == (3_000, 1_000, 6_000)
    i.release(1_000, "A1", to_plan=True)
    assert (i.plan_amt, i.inflight_amt) == (4_000, 0)


@pytest.mark.parametrize(("ind_code", "pay_code", "ok"), [
    ("30201", "30201", True), ("302", "30201", True), ("30201", "30202", False), ("302", "30101", False),
])
def test_dep_eco_equal_or_child_of_a_class_level_indicator(ind_code, pay_code, ok) -> None:  # type: ignore[no-untyped-def]
    i = ind(dep_bgt_eco_code=ind_code)
    if ok:
        check_dep_eco(pay_code, i)
    else:
        with pytest.raises(ControlViolation):
            check_dep_eco(pay_code, i)
