"""Benchmark: the leadership dashboards (issue 8) on whatever warehouse ``--home`` points at.

1. Queries: for each page, the data functions its first render calls (with the default filters: latest
   year, all departments, all fund natures; the expenditure drill with the busiest department, its largest
   project and that project's latest payment), run ``--repeat`` times with the cache bypassed
   (``loader.uncached``) inside one ``data.request()`` as a page view runs them (one read-only connection,
   opened by the first function, so filter_options carries the cost of opening the file): median and p95
   of the page's total, including opening and closing the connection, and each function's median.
   CPU time of the process for the same work is recorded too (the VM is shared, wall times drift).
2. Browser: ``streamlit run dashboards/app.py`` on the same home, Debian's Chromium through Playwright;
   each page opened once in a fresh browser context (first render: navigation start → the page's title is
   shown, the script run has finished and every visible chart has drawn), then once more (warm cache).
   The first page also pays for the session's start; each page's first visit runs its own queries cold.

The warehouse is only ever opened read-only. Targets: every page's queries p95 < 300 ms, first render < 3 s.
Results: ``benchmarks/results/dashboards.json`` (one entry per ``--label``, merged) and ``dashboards.md``.

Run: ``.venv/bin/python -m benchmarks.dashboards --home PATH --label sf0.01 [--repeat 20] [--no-browser]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ingest.warehouse import connect_governed

RESULTS = Path(__file__).with_name("results") / "dashboards.json"
QUERY_TARGET_MS = 300.0
RENDER_TARGET_S = 3.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def _sample(home: Path) -> dict[str, Any]:
    """The drill's department, project and payment, and the latest year (chosen by plain SQL)."""
    # governed as the dashboards' own connections are: DuckDB refuses, in one process, two connections to one
    # file with different configurations
    with connect_governed(home / "warehouse.duckdb") as con:
        year = con.execute("select max(fiscal_year) from marts.fct_budget_execution_monthly").fetchall()[0][0]
        dept = con.execute("select dept_code from marts.fct_payment where fiscal_year = ? group by 1 "
                           "order by count(*) desc limit 1", [year]).fetchall()[0][0]
        pro = con.execute("select pro_code from marts.fct_payment where fiscal_year = ? and dept_code = ? "
                          "group by 1 order by sum(pay_app_amt) desc limit 1", [year, dept]).fetchall()[0][0]
        pay = con.execute("select pay_app_id from marts.fct_payment where pro_code = ? and fiscal_year = ? "
                          "order by create_date desc, pay_app_id desc limit 1", [pro, year]).fetchall()[0][0]
        disc = con.execute("select min(dept_code) from marts.disclosure_1_budget_summary where fiscal_year = ?",
                           [year]).fetchall()[0][0]
        warn = con.execute("select min(warning_key) from marts.fct_warning where fiscal_year = ?", [year]).fetchall()[0][0]
        payments = con.execute("select count(*) from marts.fct_payment").fetchall()[0][0]
    return {"year": year, "dept": dept, "pro": pro, "pay": pay, "disc_dept": disc, "warning": warn,
            "payments": payments}


def page_calls(s: dict[str, Any], as_of: date | None) -> dict[str, list[tuple[str, tuple[Any, ...]]]]:
    """Per page, the loaders its first render calls (the sidebar's filter_options on every page)."""
    y = s["year"]
    side = [("filter_options", ())]
    return {
        "cockpit": [*side, ("as_of_date", ()), ("revenue_summary", (y,)), ("spending_summary", (y, None, None)),
                    ("cash_summary", ()), ("warnings", (y, None)), ("cash_forecast_summary", ()),
                    ("revenue_monthly", (y,)), ("execution_by", (y, None, None, "dept")), ("early_warning", ())],
        "revenue": [*side, ("revenue_summary", (y,)), ("revenue_by_category", (y,)), ("revenue_monthly", (y,)),
                    ("revenue_forecast", ()), ("revenue_year_end", (y,)), ("backtest", ())],
        "expenditure": [*side, ("spending_summary", (y, None, None)), ("execution_by", (y, None, None, "dept")),
                        ("execution_by", (y, None, None, "func")), ("execution_by", (y, None, None, "fund")),
                        ("execution_monthly", (y, None, None)), ("expenditure_year_end", (y,))],
        "expenditure drill (dept → project → payment trail)": [
            *side, ("payment", (s["pay"],)), ("spending_summary", (y, s["dept"], None)),
            ("execution_by", (y, None, None, "dept")), ("execution_by", (y, s["dept"], None, "func")),
            ("execution_by", (y, s["dept"], None, "fund")), ("execution_monthly", (y, s["dept"], None)),
            ("expenditure_year_end", (y,)), ("dept_projects", (y, s["dept"], None)),
            ("project_payments", (y, s["pro"])), ("payment_trace", (s["pay"],))],
        "treasury": [*side, ("cash_daily", ()), ("cash_summary", ()), ("cash_forecast_summary", ()),
                     ("cash_forecast", ())],
        "warnings": [*side, ("warnings", (y, None)), ("warning_steps", (s["warning"] or "",))],
        "projects": [*side, ("project_funnel", (y, None)), ("as_of_date", ()), ("stuck_projects", (None, as_of, 60)),
                     ("rolling_projects", (y, None)), ("performance", (y, None))],
        "staff-procurement": [*side, ("staff_summary", (y, None)), ("staff_cost", (y, None)), ("contracts", (y, None)),
                              ("contracts_total", (y, None)), ("split_purchase_suspects", (y, None))],
        "disclosure": [*side, ("disclosure_departments", (y,)),
                       *[("disclosure_table", (t, s["disc_dept"], y)) for t in (
                           "disclosure_1_budget_summary", "disclosure_1_1_income_summary",
                           "disclosure_1_2_expenditure_summary", "disclosure_2_fiscal_appropriation_summary",
                           "disclosure_3_general_public_expenditure",
                           "disclosure_3_1_general_public_basic_expenditure",
                           "disclosure_3_3_three_public_expenditure", "disclosure_4_government_fund_expenditure",
                           "disclosure_5_state_capital_expenditure")]],
        "disclosure: XLSX download (on click)": [("disclosure_xlsx", (s["disc_dept"], y, "万元"))],
        "data-quality": [*side, ("freshness", ()), ("quarantine_by_rule", ()), ("rejected_files", ()),
                         ("reconciliation", ())],
    }


UNSCOPED = {"as_of_date"}  # the data's as-of date: no figure of anyone's


def bench_queries(home: Path, repeat: int, scope_dept: str | None = None) -> dict[str, Any]:
    os.environ["FISCAL_HOME"] = str(home)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from dashboards import data

    s = _sample(home)
    if scope_dept:  # as that department's leader sees them: its agencies, the drill in that department
        with connect_governed(home / "warehouse.duckdb") as con:
            agencies = tuple(r[0] for r in con.execute("select agency_code from marts.dim_agency where dept_code = ? "
                                                       "order by 1", [scope_dept]).fetchall())
        scope = data.Scope(agencies=agencies, depts=(scope_dept,))
        s["disc_dept"] = scope_dept
    else:  # as the 局领导 sees them: the district
        scope = data.Scope(district=True)
    as_of = data.as_of_date.uncached()  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for page, calls in page_calls(s, as_of).items():
        # every loader of facts takes the scope first
        fns: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
            (name, data.LOADERS[name].uncached, args if name in UNSCOPED else (scope, *args))  # type: ignore[attr-defined]
            for name, args in calls]
        for _name, fn, args in fns:  # warm the OS page cache and DuckDB's code paths once
            fn(*args)
        totals: list[float] = []
        cpu: list[float] = []
        per: dict[str, list[float]] = {}
        for _ in range(repeat):
            t_page, c_page = time.perf_counter(), time.process_time()
            with data.request():  # as app.py does: one connection per page view (opened by the first query)
                for name, fn, args in fns:
                    t = time.perf_counter()
                    fn(*args)
                    per.setdefault(name, []).append((time.perf_counter() - t) * 1000)
            totals.append((time.perf_counter() - t_page) * 1000)
            cpu.append((time.process_time() - c_page) * 1000)
        out[page] = {"median_ms": round(statistics.median(totals), 1), "p95_ms": round(_p95(totals), 1),
                     "cpu_median_ms": round(statistics.median(cpu), 1),
                     "max_ms": round(max(totals), 1), "queries": len(fns),
                     "per_function_median_ms": {k: round(statistics.median(v), 1) for k, v in per.items()}}
        print(f"  {page}: median {out[page]['median_ms']} ms, p95 {out[page]['p95_ms']} ms", flush=True)
    return {"sample": {k: str(v) for k, v in s.items()}, "pages": out}


def bench_browser(home: Path, sample: dict[str, Any], log_dir: Path) -> dict[str, Any]:
    # since issue 12 the dashboards show only the login page until the person has logged in at the identity
    # provider: timing that page would not be the dashboards' render (tests/dashboards/test_browser.py shows
    # how to sign on; the benchmark does not yet)
    return {"skipped": "behind the single sign-on: the browser part does not log in yet"}
    from playwright.sync_api import sync_playwright

    from dashboards.ui import PAGES
    from devtools.devserver import CHROMIUM_ARGS, chromium_path, streamlit_server, wait_idle

    chromium = chromium_path()
    if chromium is None:
        return {"skipped": "Debian chromium not installed (make chromium)"}
    urls = [(p.url_path, p.url_path) for p in PAGES]
    urls.insert(3, ("expenditure drill (dept → project → payment trail)", f"expenditure?pay={sample['pay']}"))
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    with streamlit_server(home, log_path=log_dir / "bench_streamlit.log") as base, sync_playwright() as pw:
        startup = time.perf_counter() - t0
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for name, path in urls:
                times = []
                for _visit in range(2):  # first render (cold queries), then warm
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = ctx.new_page()
                    page.set_default_timeout(120_000)
                    t = time.perf_counter()
                    page.goto(f"{base}/{path}")
                    page.locator("h1").first.wait_for()
                    wait_idle(page, 120_000)
                    times.append(time.perf_counter() - t)
                    ctx.close()
                out[name] = {"first_render_s": round(times[0], 2), "warm_render_s": round(times[1], 2)}
                print(f"  {name}: first {times[0]:.2f} s, warm {times[1]:.2f} s", flush=True)
        finally:
            browser.close()
    return {"server_start_s": round(startup, 2), "pages": out}


def _markdown(results: dict[str, Any]) -> str:
    lines = ["# Dashboards benchmark", "",
             f"Targets: each page's queries p95 < {QUERY_TARGET_MS:.0f} ms (cache bypassed), first render in the "
             f"browser < {RENDER_TARGET_S:.0f} s. Written by `benchmarks/dashboards.py`.", ""]
    for label, r in results.items():
        lines += [f"## {label}", "", f"Warehouse {r['warehouse_mb']} MB, {r['payments']:,} payments; "
                  f"{r['repeat']} repeats; {r['machine']}; load average at start {r['load_avg_1m']}.", "",
                  "| page | queries | median ms | p95 ms | CPU ms (median) | first render s | warm render s | meets targets |",
                  "|---|---|---|---|---|---|---|---|"]
        browser = r.get("browser", {}).get("pages", {})
        for page, q in r["queries"]["pages"].items():
            b = browser.get(page, {})
            ok = q["p95_ms"] < QUERY_TARGET_MS and (not b or b["first_render_s"] < RENDER_TARGET_S)
            lines.append(f"| {page} | {q['queries']} | {q['median_ms']} | {q['p95_ms']} | {q.get('cpu_median_ms', '—')} | "
                         f"{b.get('first_render_s', '—')} | {b.get('warm_render_s', '—')} | {'yes' if ok else 'no'} |")
        if r.get("browser", {}).get("server_start_s") is not None:
            lines += ["", f"Server start (process up, health check answers): {r['browser']['server_start_s']} s. "
                      "Pages are visited in the order above, each in a new browser session: the first page's first "
                      "render includes the server's first script run (imports); a later page's first render runs "
                      "its own queries cold (the sidebar's are cached by then); the warm render is a second visit."]
        lines += ["", "Wall times are on a shared 2-core VM under the load average given; CPU ms is this process's "
                  "CPU time for the page's queries (all threads), less sensitive to the other tenants."]
        slow = sorted(((p, f, ms) for p, q in r["queries"]["pages"].items()
                       for f, ms in q["per_function_median_ms"].items()), key=lambda x: -x[2])[:5]
        lines += ["", "Slowest functions (median ms): " + "; ".join(f"{f} ({p}) {ms}" for p, f, ms in slow), ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("FISCAL_HOME", "data")),
                    help="FISCAL_HOME holding warehouse.duckdb (opened read-only)")
    ap.add_argument("--label", default=None, help="name of this run in the results (default: the home's name)")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--scope-dept", default=None, metavar="DEPT",
                    help="run the queries as this department's leader sees them (default: the district, as the 局领导)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    home = a.home.resolve()
    wh = home / "warehouse.duckdb"
    if not wh.exists():
        raise SystemExit(f"no warehouse at {wh} (run fiscal demo / fiscal refresh first)")
    label = a.label or home.name
    print(f"[{label}] queries ({a.repeat} repeats, cache bypassed) …", flush=True)
    q = bench_queries(home, a.repeat, a.scope_dept)
    result: dict[str, Any] = {
        "home": str(home), "warehouse_mb": round(wh.stat().st_size / 2**20, 1), "payments": int(q["sample"]["payments"]),
        "repeat": a.repeat, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_avg_1m": round(os.getloadavg()[0], 2), "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "queries": q,
    }
    if not a.no_browser:
        print(f"[{label}] browser …", flush=True)
        result["browser"] = bench_browser(home, {"pay": q["sample"]["pay"]}, Path(tempfile.gettempdir()))
    results = json.loads(a.out.read_text(encoding="utf-8")) if a.out.exists() else {}
    results[label] = result
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    a.out.with_suffix(".md").write_text(_markdown(results), encoding="utf-8")
    print(f"wrote {a.out} and {a.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
