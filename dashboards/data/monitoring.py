"""预警 loaders: the dynamic-monitoring warnings (fct_warning) and the core's disposal steps of each
(raw.mon_warning_step). Named after the core's ``fiscal_core.monitoring``: a module called ``warnings`` would
share its name with the ``warnings()`` loader it holds, and with the standard library."""

from __future__ import annotations

import pandas as pd

from fiscal_core.monitoring.catalogue import Level

from .connection import cached, frame, optional
from .filters import scoped
from .scope import Scope, in_scope
from .sql import coalesce_code, rank

# A warning the core's disposal workflow does not hold (a scheduled hit not synced yet) has no disposal status
# in fct_warning; the loaders say this instead of null. Not a core status (WarnStatus): the dashboards' own.
NOT_REGISTERED = "not_registered"
LEVELS = tuple(Level)  # the core's warning levels, most severe first


def disposal_status(column: str) -> str:
    """The SQL of a warning's disposal status: the core's WarnStatus, NOT_REGISTERED when it holds none."""
    return coalesce_code(column, NOT_REGISTERED)


@cached
def warnings(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    """The year's warnings (of one department, or all), most severe level first, then the latest."""
    return frame(f"""
        select w.warning_key, w.rule_code, w.rule_name, w.warning_level, w.level_name, w.handling, w.dimension,
               w.trigger_type, w.period, w.agency_code, a.agency_name, w.dept_code, d.dept_name, w.pro_code,
               w.bgt_id, w.pay_app_id, w.payee_acct_name, w.amount, w.message, w.evidence, w.detected_at,
               w.is_in_core, {disposal_status("w.disposal_status")} as disposal_status,
               w.escalation_level
        from marts.fct_warning w
        left join marts.dim_agency a on a.agency_code = w.agency_code
        left join (select dept_code, max(dept_name) as dept_name from marts.dim_agency group by 1) d
               on d.dept_code = w.dept_code
        where w.fiscal_year = $year and ($dept is null or w.dept_code = $dept) and {in_scope("w.agency_code")}
        order by {rank("w.warning_level", LEVELS)},
                 w.detected_at desc""", scoped(scope, dept=dept, year=year))


@cached
def warning_steps(scope: Scope, warning_key: str) -> pd.DataFrame | None:
    """The core's disposal steps of a warning (raw.mon_warning_step, by the warning's id in raw.mon_warning);
    None when the warehouse predates their extraction. A scheduled hit not yet synced into the core has none."""
    return optional("raw", "mon_warning_step", f"""
        select s.step_no, s.created_at, s.action, s.from_status, s.to_status, s.actor, s.actor_role, s.opinion
        from raw.mon_warning_step as s
        inner join raw.mon_warning as w on w.warning_id = s.warning_id
        where w.warning_key = $k and {in_scope("w.agency_code")}
        order by s.step_no""", scoped(scope, k=warning_key))
