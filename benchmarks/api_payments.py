"""Benchmark: controlled payment applications per second through the HTTP API, beside the service layer.

On one SQLite core (a file, WAL), the same ``SubmitPayment`` (every hard control, the idempotency key, the
ledger, the journal with its hash, the real-time monitoring rules, the inbox tasks of the unit's leaders):

- ``service``: ``Core.handle`` called directly, from 1 and from 8 threads of this process;
- ``api``: ``POST /api/v1/payment-applications`` over real HTTP to uvicorn (its own process, one worker) with a
  bearer JWT checked against the issuer's JWKS on every request, from 1 and 8 client threads (httpx,
  keep-alive), each request with its own ``Idempotency-Key``.

Runs are interleaved (service-1, api-1, service-8, api-8, repeated) and the medians reported with the load
average, so ratios come from the same moments of a shared machine. Targets (issue 12): ≥ 500/s with 8 clients
on SQLite, and the API ≥ 0.4 × the service layer.

Run: ``.venv/bin/python -m benchmarks.api_payments`` (``--quick`` for a short run); results in
``benchmarks/results/api_payments.json``. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).with_name("results") / "api_payments.json"
INDICATORS = 64


def bench_app() -> Any:
    """uvicorn factory: the API on the benchmark's core, trusting the benchmark's token issuer."""
    from fiscal_app.api.app import create_app
    from fiscal_app.api.auth import TokenVerifier
    from fiscal_core.service_layer.core import Core

    issuer = os.environ["BENCH_ISSUER"]
    return create_app(Core.open(os.environ["BENCH_CORE_URL"], migrate_schema=False),
                      TokenVerifier(issuer, "fiscal-api", jwks_uri=f"{issuer}/jwks"))


def setup(url: str) -> list[dict[str, Any]]:
    """The test district with its platform users and 64 funded indicators of unit 101001."""
    from fiscal_core.service_layer.core import Core
    from tests.support import World, platform_users

    world = World(Core.open(url))
    platform_users(world)
    bodies = []
    for _ in range(INDICATORS):
        _, bgt = world.funded(10_000_000_00)
        ind = world.core.indicator(bgt)
        assert ind is not None
        bodies.append({"agency_code": ind["agency_code"], "bgt_id": bgt, "pro_code": ind["pro_code"],
                       "exp_func_code": ind["exp_func_code"], "gov_bgt_eco_code": ind["gov_bgt_eco_code"],
                       "dep_bgt_eco_code": ind["dep_bgt_eco_code"], "fund_type_code": ind["fund_type_code"],
                       "pay_app_amt": "1.00", "payee_acct_name": "苏州恒信商贸有限公司",
                       "payee_acct_no": "6222020000000001", "payee_acct_bank_name": "中国银行吴江支行",
                       "use_des": "购买办公用品及耗材", "create_date": "2026-03-10"})
    world.core.close()
    return bodies


def run_service(url: str, bodies: list[dict[str, Any]], n: int, threads: int) -> float:
    from datetime import date

    from fiscal_core.domain import commands as c
    from fiscal_core.domain.actors import Actor, Role
    from fiscal_core.service_layer.core import Core

    core = Core.open(url, migrate_schema=False)
    actor = Actor("jb101001", Role.UNIT_CLERK, agency_code="101001")
    base = [c.SubmitPayment(b["agency_code"], b["bgt_id"], b["pro_code"], b["exp_func_code"], b["gov_bgt_eco_code"],
                            b["dep_bgt_eco_code"], b["fund_type_code"], 100, b["payee_acct_name"], b["payee_acct_no"],
                            b["payee_acct_bank_name"], b["use_des"], date(2026, 3, 10), actor=actor) for b in bodies]

    def work(k: int) -> None:
        for i in range(n // threads):
            core.handle(replace(base[(k * 7 + i) % len(base)], idem_key=f"s-{uuid.uuid4().hex}"))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    dt = time.perf_counter() - t0
    core.close()
    return (n // threads * threads) / dt


def run_api(api: str, token: str, bodies: list[dict[str, Any]], n: int, threads: int) -> float:
    def work(k: int) -> None:
        with httpx.Client(base_url=api, headers={"authorization": f"Bearer {token}"}, timeout=60) as cl:
            for i in range(n // threads):
                r = cl.post("/api/v1/payment-applications", json=bodies[(k * 7 + i) % len(bodies)],
                            headers={"Idempotency-Key": uuid.uuid4().hex})
                assert r.status_code == 201, r.text

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    dt = time.perf_counter() - t0
    return (n // threads * threads) / dt


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--n", type=int, default=None, help="applications per run")
    p.add_argument("--reps", type=int, default=None)
    args = p.parse_args(argv)
    n = args.n or (400 if args.quick else 2000)
    reps = args.reps or (1 if args.quick else 3)
    from tests.api.conftest import Issuer, free_port

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'core.sqlite3'}"
        bodies = setup(url)
        issuer = Issuer()
        port = free_port()
        env = {**os.environ, "BENCH_CORE_URL": url, "BENCH_ISSUER": issuer.url}
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "benchmarks.api_payments:bench_app",
                                   "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level",
                                   "warning"], env=env)
        api = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{api}/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
            token = issuer.token("jb101001", exp_in=3600)
            runs: dict[str, list[float]] = {"service_1": [], "api_1": [], "service_8": [], "api_8": []}
            loads = []
            for rep in range(reps):
                for name in runs:
                    kind, threads = name.split("_")
                    rate = (run_service(url, bodies, n, int(threads)) if kind == "service"
                            else run_api(api, token, bodies, n, int(threads)))
                    runs[name].append(rate)
                    loads.append(os.getloadavg()[0])
                    print(f"rep {rep + 1}/{reps} {name:<10} {rate:8.0f}/s  load {loads[-1]:.1f}", flush=True)
        finally:
            server.terminate()
            server.wait(10)
            issuer.server.shutdown()
    med = {k: statistics.median(v) for k, v in runs.items()}
    out = {"command": "python -m benchmarks.api_payments" + (" --quick" if args.quick else ""), "n": n, "reps": reps,
           "cpus": os.cpu_count(), "load_median": statistics.median(loads), "runs": runs, "median": med,
           "ratio_api_to_service_1": med["api_1"] / med["service_1"],
           "ratio_api_to_service_8": med["api_8"] / med["service_8"],
           "targets": {"api_8_per_s": 500, "ratio_min": 0.4}}
    RESULTS.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("median", "ratio_api_to_service_1", "ratio_api_to_service_8",
                                          "load_median")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
