"""A refresh when exchange files land in ``$FISCAL_HOME/exchange/inbox/``.

The inbox is found when the sensor runs (settings from the environment then, not at import). A file is
taken once it has not changed for 30 s, so a half-copied file is not read as a truncated one. The same set
of files asks for one run (the cursor and the run key name it); no run is asked for while a refresh is
queued or running, since the next one would only fail on the refresh lock.
"""

import dagster as dg

from fiscal_app.settings import Settings
from ingest.inbox import inbox_state

from .job import REFRESH_JOB

SETTLE_SECONDS = 30.0
_ACTIVE = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
           dg.DagsterRunStatus.STARTED]


@dg.sensor(name="exchange_inbox_sensor", job_name=REFRESH_JOB, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="交换文件到达收件箱时刷新数据仓库 (refresh when exchange files arrive in the inbox)")
def exchange_inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    state = inbox_state(Settings.from_env().exchange, settle_seconds=SETTLE_SECONDS)
    if not state.ready:
        if state.settling:
            return dg.SkipReason(f"{len(state.settling)} 个文件正在写入，等待其稳定 (files still being written)")
        return dg.SkipReason("收件箱为空 (the inbox is empty)")
    if state.signature == context.cursor:
        return dg.SkipReason("这些文件已请求过刷新 (a refresh was already requested for these files)")
    active = context.instance.get_run_records(
        dg.RunsFilter(job_name=REFRESH_JOB, statuses=_ACTIVE), limit=1)
    if active:
        return dg.SkipReason("刷新正在进行，结束后再看收件箱 (a refresh is running; the inbox is looked at again after)")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"inbox-{state.signature}",
                                    tags={"fiscal/trigger": "exchange_inbox", "fiscal/inbox_files": str(len(state.ready))})],
        cursor=state.signature,
    )
