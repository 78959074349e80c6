"""绩效 loaders: each project's performance targets, the dual monitoring (target progress against execution
progress) and the self-evaluation (fct_performance)."""

from __future__ import annotations

import pandas as pd

from .connection import cached, frame
from .filters import scoped
from .scope import Scope, in_scope


@cached
def performance(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    """The year's projects with targets, widest gap between target and execution progress first."""
    return frame(f"""
        select pro_code, pro_name, dept_code, pro_cat_name, perf_indicator_count, monitor_count,
               monitor_warning_count, target_progress_per_mille, exec_progress_per_mille, progress_gap_per_mille,
               is_last_monitor_warning, is_evaluated, eval_score, eval_grade, indicator_amt, paid_amt, exec_ratio
        from marts.fct_performance
        where fiscal_year = $year and ($dept is null or dept_code = $dept) and {in_scope("agency_code")}
        order by abs(progress_gap_per_mille) desc nulls last""", scoped(scope, dept=dept, year=year))
