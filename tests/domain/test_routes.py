"""Every default route waits on a state its document kind really has, so each pending step reaches an inbox."""

from __future__ import annotations

from enum import StrEnum

import pytest

from fiscal_core.domain.payments import PayStatus, PlanStatus
from fiscal_core.domain.projects import ProjectStatus
from fiscal_core.domain.workflow import DEFAULT_ROUTES, DOC_KINDS
from fiscal_core.monitoring.disposal import WarnStatus

STATES: dict[str, type[StrEnum]] = {"pay_voucher": PayStatus, "pay_plan_voucher": PlanStatus,
                                    "pm_project": ProjectStatus, "mon_warning": WarnStatus}


def test_every_document_kind_has_its_states_here() -> None:
    assert set(STATES) == set(DOC_KINDS)


@pytest.mark.parametrize("route", DEFAULT_ROUTES, ids=lambda r: r.step_code)
def test_the_route_waits_on_a_real_state(route) -> None:  # type: ignore[no-untyped-def]
    assert route.status in {s.value for s in STATES[route.doc_type]}, (route.doc_type, route.status)


def test_the_warning_disposal_steps_are_all_routed() -> None:
    routed = {r.status for r in DEFAULT_ROUTES if r.doc_type == "mon_warning"}
    assert {WarnStatus.FEEDBACK, WarnStatus.REVIEW, WarnStatus.CONFIRM} <= routed
