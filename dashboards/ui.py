"""Shared page furniture: the person logged in and their scope, the page list, the sidebar (language, year,
department, fund nature) with its persistence in session_state and the URL, the error guard around every page,
and small display helpers, among them the names of the core's statuses, levels and roles (from
``fiscal_core.domain.labels``).

Who is looking: app.py logs the person in (``fiscal_app.web_auth.require_login``) and ``sign_in`` reads their
grants from the core (``data.viewer``) on every page view; pages take the scope from ``scope()`` and pass it to
every loader. Nothing a client sends (URL, widgets) changes the scope: a department in the URL outside it is
refused with a message, and the sidebar offers only the departments in scope.

No SQL here (that is the data layer, dashboards/data/).

Persistence: the sidebar widgets live in app.py, which runs on every page, so their values stay in
``st.session_state`` across page switches. They are mirrored into the query string (``?lang=&year=&dept=
&fund=``) at the end of every run so a reload or a shared link opens the same view. A value in the URL that
differs from what the app last wrote there was put there by a link (``st.page_link(..., query_params=)``)
or by hand, and wins over the session; an absent value means nothing (page navigation clears the URL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from dashboards import data
from dashboards.data.scope import Scope, Viewer
from dashboards.fmt import wan
from dashboards.i18n import both, lang, t
from fiscal_app.web_auth import logout
from fiscal_core.domain import labels
from fiscal_core.domain.labels import Label
from fiscal_core.monitoring.catalogue import Level

log = logging.getLogger("dashboards")

ALL = "__all__"   # the "all departments / all fund natures" choice in the sidebar
FILTER_KEYS = ("lang", "year", "dept", "fund")
_SYNCED = "_qp_synced"
_PENDING = "_pending_state"


@dataclass(frozen=True)
class PageDef:
    file: str        # relative to app.py; also what st.page_link and AppTest.switch_page take
    url_path: str
    zh: str
    en: str
    icon: str


PAGES = (
    PageDef("views/cockpit.py", "cockpit", "总览", "Overview", ":material/dashboard:"),
    PageDef("views/revenue.py", "revenue", "收入", "Revenue", ":material/trending_up:"),
    PageDef("views/expenditure.py", "expenditure", "支出", "Expenditure", ":material/payments:"),
    PageDef("views/treasury.py", "treasury", "库款", "Treasury cash", ":material/account_balance:"),
    PageDef("views/warnings.py", "warnings", "预警", "Warnings", ":material/warning:"),
    PageDef("views/projects.py", "projects", "项目库", "Projects", ":material/folder_open:"),
    PageDef("views/staff_procurement.py", "staff-procurement", "人员与采购", "Staff & procurement",
            ":material/groups:"),
    PageDef("views/disclosure.py", "disclosure", "公开", "Disclosure", ":material/public:"),
    PageDef("views/data_quality.py", "data-quality", "数据质量", "Data quality", ":material/fact_check:"),
)
PAGE = {p.url_path: p for p in PAGES}


# Option labels of widgets stay the same in both languages: streamlit keeps a selection by its label, so a
# label that changed with the language switch would drop the user's choice.


def navigation_pages() -> list[Any]:
    return [st.Page(p.file, title=t(p.zh, p.en), icon=p.icon, url_path=p.url_path, default=(i == 0))
            for i, p in enumerate(PAGES)]


def link(url_path: str, label: str | None = None, **query: Any) -> None:
    """A link to another page, carrying the current filters plus ``query`` in the URL."""
    p = PAGE[url_path]
    params = {k: v for k, v in current_query().items() if v is not None}
    params.update({k: str(v) for k, v in query.items() if v is not None})
    st.page_link(p.file, label=label or t(p.zh, p.en), icon=p.icon, query_params=params)


# ---------------------------------------------------------------------------------------------- who


_VIEWER = "_viewer"


class Refused(RuntimeError):
    """The person's scope or roles do not cover what the page shows (a message, not a failure)."""


def sign_in(user: Any) -> Viewer:
    """The logged-in person's grants and scope, read from the core on this page view (a revoked grant counts
    at once); stops the page with a message when the core is missing or nothing is in their scope."""
    try:
        v = data.viewer(user.user_id)
    except data.CoreMissing:
        st.warning(both("核心数据库不存在，无法确定您的数据范围：请先运行 `fiscal demo`",
                        "the core database is missing, so your data scope is unknown: run `fiscal demo` first"),
                   icon=":material/database_off:")
        st.stop()
    st.session_state[_VIEWER] = v
    with st.sidebar:
        st.markdown(f"**{user.name}** · `{user.user_id}`")
        st.caption(v.roles or t("（无授权）", "(no grants)"))
        if st.button(t("退出登录", "Log out"), key="logout", icon=":material/logout:"):
            logout()
    if v.scope.empty:
        st.title(t("领导驾驶舱", "Leadership dashboards"))
        st.warning(both("您的账号没有查看驾驶舱的授权（需要区划、部门或单位范围的角色），请联系系统管理员",
                        "your account holds no grant to read the dashboards (a role over a district, department "
                        "or unit): ask the administrator"), icon=":material/lock:")
        st.stop()
    return v


def viewer() -> Viewer:
    v = st.session_state.get(_VIEWER)
    if not isinstance(v, Viewer):  # app.py signs the person in before any page runs
        raise Refused(both("未登录", "not logged in"))
    return v


def scope() -> Scope:
    """The scope every loader of the page is given."""
    return viewer().scope


def require_district(zh: str, en: str) -> Scope:
    """Pages of the district's own figures (revenue, treasury cash, data quality): a district scope only."""
    s = scope()
    if not s.district:
        raise Refused(both(f"{zh}是全区划的数据，仅对区划范围的角色（局领导、预算处、国库处、数据分析）开放",
                           f"{en} are the whole district's figures, open to roles over the district only"))
    return s


def personnel_scope() -> Scope | None:
    """The scope of the personnel pages (人员经费), None when none of the person's roles may read them
    (``fiscal_core.domain.actors.PERSONNEL_DASHBOARD_ROLES``)."""
    s = viewer().personnel
    return None if s.empty else s


# ---------------------------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    year: int
    dept: str | None
    fund: str | None
    scope: Scope


def _from_url(key: str) -> str | None:
    value = st.query_params.get(key)
    return value if value else None


def init_state() -> None:
    """Before any widget: take a value from the URL when a link (or the user) put a new one there."""
    synced: dict[str, str | None] = st.session_state.get(_SYNCED, {})
    for key in FILTER_KEYS:
        url = _from_url(key)
        if url is not None and (key not in st.session_state or url != synced.get(key)):
            st.session_state[key] = _parse(key, url)
    pending = st.session_state.pop(_PENDING, None)
    if pending:  # values a page asked for before its rerun (widgets are not instantiated yet here)
        st.session_state.update(pending)
    st.session_state.setdefault("lang", "zh")


def _parse(key: str, value: str) -> Any:
    if key == "year":
        try:
            return int(value)
        except ValueError:
            return None
    if key == "lang":
        return value if value in ("zh", "en") else "zh"
    return value


def sidebar_language() -> None:
    with st.sidebar:
        st.radio("语言 / Language", options=["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")


def sidebar_filters(options: dict[str, Any]) -> None:
    """Year, department and fund nature; invalid values from a URL fall back to the defaults."""
    years: list[int] = list(options["years"])
    depts = {d["dept_code"]: d["dept_name"] + (f" · {d['units']}" if d.get("units") else "")
             for d in options["depts"]}
    funds = {f["code"]: f["name"] for f in options["funds"]}
    state = st.session_state
    if not years:
        return
    if state.get("year") not in years:
        state["year"] = years[0]
    if state.get("dept") not in depts:
        if state.get("dept") not in (None, ALL):  # a link or a hand-edited URL outside the person's scope
            st.warning(both(f"部门 {state['dept']} 不在您的数据范围内，已忽略",
                            f"department {state['dept']} is outside your data scope: ignored"),
                       icon=":material/lock:")
        state["dept"] = ALL
    everything = "全部部门 / All" if options.get("district") else "本人范围内全部 / All in my scope"
    if state.get("fund") not in funds:
        state["fund"] = ALL
    with st.sidebar:
        st.selectbox(t("预算年度", "Fiscal year"), years, key="year")
        st.selectbox(t("部门", "Department"), [ALL, *depts], key="dept",
                     format_func=lambda c: everything if c == ALL else f"{c} {depts.get(c, '')}")
        st.selectbox(t("资金性质", "Fund nature"), [ALL, *funds], key="fund",
                     format_func=lambda c: "全部 / All" if c == ALL else f"{c} {funds.get(c, '')}")
        if options.get("as_of"):
            st.caption(t(f"数据截至 {options['as_of']}", f"Data as of {options['as_of']}"))


def sidebar() -> None:
    """The filters, when there is a warehouse to take their choices from (else the page says what to do)."""
    try:
        options = data.filter_options(scope())
    except data.WarehouseMissing:
        return
    sidebar_filters({**options, "district": scope().district})


def filters() -> Filters:
    state = st.session_state
    year = state.get("year")
    if not isinstance(year, int):
        opts = data.filter_options(scope())
        if not opts["years"]:
            raise NoData(both("数据仓库中还没有预算年度", "the warehouse has no fiscal year yet"))
        year = opts["years"][0]
    dept, fund = state.get("dept"), state.get("fund")
    return Filters(year, None if dept in (None, ALL) else dept, None if fund in (None, ALL) else fund, scope())


def current_query() -> dict[str, str | None]:
    state = st.session_state
    out: dict[str, str | None] = {"lang": None if state.get("lang", "zh") == "zh" else state["lang"]}
    year = state.get("year")
    out["year"] = str(year) if isinstance(year, int) else None
    for key in ("dept", "fund"):
        v = state.get(key)
        out[key] = None if v in (None, ALL) else str(v)
    return out


def sync_query_params(extra: dict[str, str | None] | None = None) -> None:
    """Write the filters (and a page's own keys) into the URL, removing empty ones."""
    wanted = current_query()
    if extra:
        wanted.update(extra)
    st.session_state[_SYNCED] = dict(wanted)
    for key, value in wanted.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def page_params(keys: tuple[str, ...]) -> dict[str, str | None]:
    """A page's own URL keys (e.g. the expenditure drill's pro / pay) with their current values."""
    return {k: (str(st.session_state[k]) if st.session_state.get(k) else None) for k in keys}


# ---------------------------------------------------------------------------------------------- guard


class NoData(RuntimeError):
    """Nothing to show (a message for the user, not a failure)."""


def missing_warehouse_message() -> None:
    st.warning(
        "数据仓库尚未生成：请先运行 `fiscal demo`（演示数据）或 `fiscal refresh`（从核心系统刷新），"
        f"然后刷新本页。仓库位置 `{data.warehouse_path()}`。\n\n"
        "The data warehouse has not been built yet: run `fiscal demo` (demo district) or `fiscal refresh` "
        "(from the core), then reload this page.",
        icon=":material/database_off:")


def run_guarded(fn: Callable[[], Any]) -> None:
    """Run a page (or the sidebar); show a message instead of a traceback when something fails.
    Streamlit's own control flow (st.rerun, st.stop, st.switch_page) is a BaseException and passes."""
    try:
        fn()
    except data.WarehouseSwapped:  # a refresh landed mid-view: draw the view again from the new warehouse
        st.rerun()
    except data.WarehouseMissing:
        missing_warehouse_message()
    except NoData as e:
        st.info(str(e), icon=":material/info:")
    except Refused as e:
        st.warning(str(e), icon=":material/lock:")
    except Exception as e:  # a page must never show a traceback
        log.exception("dashboard page failed")
        st.error(both("页面加载失败，请稍后重试或联系管理员", "the page failed to load; try again or ask the "
                      "administrator") + f"\n\n`{type(e).__name__}: {e}`", icon=":material/error:")


# ---------------------------------------------------------------------------------------------- display


def empty(zh: str, en: str) -> None:
    st.info(t(zh, en), icon=":material/info:")


def forecast_missing() -> None:
    empty("预测结果尚未生成（forecast 模式中没有该表）：运行 `fiscal refresh` 后再查看。",
          "Forecasts are not available yet (the table is missing from schema forecast): run `fiscal refresh`.")


AMOUNT_SUFFIX = " · 万元"


def amount_metric(label: str, yuan: Any, *, delta: str | None = None, help: str | None = None,
                  delta_color: str = "normal") -> None:
    """A metric of an amount in 万元: the unit goes in the label so the figure itself fits its column."""
    st.metric(label + AMOUNT_SUFFIX, wan(yuan), delta=delta, help=help, delta_color=delta_color)  # type: ignore[arg-type]


def layout(fig: go.Figure, *, height: int = 360, yaxis_title: str | None = None) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
                      font={"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"})
    if yaxis_title:
        fig.update_yaxes(title_text=yaxis_title, tickformat=",.0f")
    return fig


def wan_axis() -> str:
    return t("万元", "10k yuan (万元)")


# ---------------------------------------------------------------------------------------------- labels
# Statuses, levels, triggers and roles are named by the core (fiscal_core.domain.labels), never re-typed here.


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)  # NaN, pandas NA / NaT
    except TypeError:
        return False


def label(value: Any, table: Mapping[Any, Label]) -> str:
    """The core's label of a status / level / trigger / role code in the chosen language; a code the table
    does not know shows as itself, a missing one as an empty string."""
    return labels.label(None if _missing(value) else str(value), table, lang())


def level_name(level: str) -> str:
    return label(level, labels.WARNING_LEVEL)


def level_name_zh(level: str) -> str:
    """A warning level in Chinese whatever the language: for widget options (which must not change with it)."""
    return labels.label(level, labels.WARNING_LEVEL, "zh")


# presentation only: one colour per warning level of the core (a level the core adds later is grey)
LEVEL_COLOURS: Mapping[str, str] = {Level.RED: "#d62728", Level.ORANGE: "#ff7f0e", Level.YELLOW: "#e6b800",
                                    Level.BLUE: "#1f77b4"}


def level_colour(level: str) -> str:
    return LEVEL_COLOURS.get(level, "#7f7f7f")


NOT_REGISTERED_NAME = ("未登记处置", "not in the disposal workflow")


def disposal_status_name(status: str) -> str:
    """A warning's disposal status: the core's WarnStatus, or the data layer's NOT_REGISTERED (a scheduled hit
    the core's disposal workflow does not hold yet)."""
    if status == data.NOT_REGISTERED:
        return t(*NOT_REGISTERED_NAME)
    return label(status, labels.WARNING_STATUS)


def lang_is_en() -> bool:
    return lang() == "en"


def seed_from_url(keys: tuple[str, ...]) -> None:
    """A page's own URL keys (the expenditure drill's pro / pay): take a value a link put in the URL."""
    synced: dict[str, str | None] = st.session_state.get(_SYNCED, {})
    for key in keys:
        url = _from_url(key)
        if url is not None and url != synced.get(key):
            st.session_state[key] = url
            synced[key] = url  # handled: a rerun with the same URL must not undo the user's next choice
    st.session_state[_SYNCED] = synced


def set_page_params(params: dict[str, str | None]) -> None:
    """Ask app.py to write these page keys into the URL at the end of the run."""
    st.session_state["_page_params"] = params


def set_and_rerun(values: dict[str, Any]) -> None:
    """Change sidebar widgets' values from a page (e.g. a link to a payment of another department):
    the values are applied at the top of the next run, before the widgets exist."""
    st.session_state[_PENDING] = values
    st.rerun()
