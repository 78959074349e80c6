"""项目库 loaders: the project lifecycle (fct_project_lifecycle, dim_project): how many projects reached each
stage, the projects waiting at one, and the multi-year rolling projects. Their performance is in
``performance``."""

from __future__ import annotations

from datetime import date

import pandas as pd

from fiscal_core.domain.projects import LIBRARY_STATES, ProjectStatus

from .connection import cached, frame
from .filters import scoped
from .scope import Scope, in_scope
from .sql import literal, literals

S = ProjectStatus
# The core's project statuses in three groups (every status in exactly one: tests/dashboards checks it):
# before the library (申报 and its reviews, 退回修改), in the library (LIBRARY_STATES), and finished.
BEFORE_LIBRARY = (S.DRAFT, S.UNIT_REVIEW, S.DEPT_REVIEW, S.FIN_REVIEW, S.RETURNED)
IN_LIBRARY = tuple(s for s in ProjectStatus if s in LIBRARY_STATES)
FINISHED = (S.COMPLETED, S.TERMINATED, S.VOIDED)

# the lifecycle's stages in order, each with the fct_project_lifecycle column that dates it
FUNNEL = (
    ("declared", "declared_at"), ("submitted", "submitted_at"), ("unit_approved", "unit_approved_at"),
    ("dept_approved", "dept_approved_at"), ("library", "library_at"), ("budgeted", "budgeted_at"),
    ("indicator", "first_indicator_at"), ("applied", "first_applied_date"), ("paid", "first_paid_date"),
    ("cleared", "last_cleared_date"),
)
# where stuck_projects says a project waits (its stuck_at codes)
STUCK_AT = ("review", "library", "budgeted", "indicator")


@cached
def project_funnel(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    """Projects running in ``year`` (start ≤ year ≤ end) that reached each lifecycle stage."""
    counts = ", ".join(f"count(l.{col}) as {stage}" for stage, col in FUNNEL)
    df = frame(f"""
        select {counts}
        from marts.fct_project_lifecycle l join marts.dim_project p on p.pro_code = l.pro_code
        where coalesce(p.pro_start_year, p.setup_year) <= $year and coalesce(p.end_year, $year) >= $year
          and ($dept is null or l.dept_code = $dept) and {in_scope("l.agency_code")}""", scoped(scope, dept=dept, year=year))
    return pd.DataFrame({"stage": [s for s, _ in FUNNEL], "projects": [int(df.iloc[0][s]) for s, _ in FUNNEL]})


@cached
def stuck_projects(scope: Scope, dept: str | None, as_of: date, min_days: int) -> pd.DataFrame:
    """Projects waiting at a stage longer than ``min_days`` as of ``as_of``: in review (before the library),
    in the library without a budget, budgeted without an indicator, or with an indicator but no payment."""
    review, reserved = literals(BEFORE_LIBRARY), literal(S.RESERVED)
    return frame(f"""
        with s as (
            select l.pro_code, l.pro_name, l.dept_code, l.agency_code, l.pro_status, l.pro_total_amt,
                   case
                     when l.pro_status in {review} then 'review'
                     when l.pro_status = {reserved} then 'library'
                     when l.first_indicator_at is null and l.budgeted_at is not null then 'budgeted'
                     when l.first_indicator_at is not null and l.first_paid_date is null then 'indicator'
                   end as stuck_at,
                   case
                     when l.pro_status in {review} then coalesce(p.last_event_at, l.submitted_at, l.declared_at)
                     when l.pro_status = {reserved} then l.library_at
                     when l.first_indicator_at is null and l.budgeted_at is not null then l.budgeted_at
                     when l.first_indicator_at is not null and l.first_paid_date is null then l.first_indicator_at
                   end as since
            from marts.fct_project_lifecycle l join marts.dim_project p on p.pro_code = l.pro_code
            where l.pro_status not in {literals(FINISHED)}
              and ($dept is null or l.dept_code = $dept) and {in_scope("l.agency_code")}
        )
        select *, date_diff('day', cast(since as date), cast($as_of as date)) as days_waiting
        from s
        where stuck_at is not null and date_diff('day', cast(since as date), cast($as_of as date)) >= $min_days
        order by days_waiting desc""", scoped(scope, dept=dept, as_of=as_of, min_days=min_days))


@cached
def rolling_projects(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    """Multi-year projects (term > 1 year or continuing) running in ``year``."""
    return frame(f"""
        select p.pro_code, p.pro_name, p.dept_code, p.pro_cat_name, p.pro_start_year, p.end_year, p.pro_term,
               p.exist_statue_code, p.roll_year, p.pro_total_amt, p.pro_status,
               l.indicator_amt, l.paid_amt
        from marts.dim_project p left join marts.fct_project_lifecycle l on l.pro_code = p.pro_code
        where (p.pro_term > 1 or p.exist_statue_code = '2')
          and coalesce(p.pro_start_year, p.setup_year) <= $year and coalesce(p.end_year, $year) >= $year
          and ($dept is null or p.dept_code = $dept) and {in_scope("p.agency_code")}
        order by p.pro_total_amt desc nulls last""", scoped(scope, dept=dept, year=year))
