"""Concurrent writers can never overspend an indicator, and a repeated idempotency key pays once.

Workers are separate processes with their own connections (SQLite: ``BEGIN IMMEDIATE`` across
processes; PostgreSQL: ``SELECT … FOR UPDATE``), plus one run with threads sharing a pool.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from fiscal_core.adapters.db import Database
from fiscal_core.domain.errors import DomainError
from fiscal_core.service_layer.core import Core

from ..support import World

WORKERS, PER_WORKER, AMOUNT = 8, 200, 100_00
COVERED = 613          # the indicator covers exactly this many applications


def _submit_many(url: str, cmd_args: dict, n: int, worker: int, keyed: bool) -> tuple[list[str], Counter]:
    from dataclasses import replace

    from fiscal_core.domain import commands as c

    core = Core(Database(url))
    accepted: list[str] = []
    refused: Counter = Counter()
    base = c.SubmitPayment(**cmd_args)
    try:
        for i in range(n):
            key = f"same-{i}" if keyed else f"w{worker}-{i}"
            try:
                accepted.append(core.handle(replace(base, idem_key=key)).pay_app_id)
            except DomainError as e:
                refused[e.rule] += 1
    finally:
        core.close()
    return accepted, refused


def _setup(world: World) -> tuple[str, dict]:
    _, bgt = world.funded(COVERED * AMOUNT)
    cmd = world.pay_cmd(bgt, AMOUNT)
    args = {f: getattr(cmd, f) for f in cmd.__dataclass_fields__}
    return bgt, args


def _url(world: World) -> str:
    return world.core.db.url.render_as_string(hide_password=False)


def test_processes_never_overspend(world: World) -> None:
    bgt, args = _setup(world)
    with ProcessPoolExecutor(WORKERS, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(_submit_many, [_url(world)] * WORKERS, [args] * WORKERS, [PER_WORKER] * WORKERS,
                                range(WORKERS), [False] * WORKERS))
    accepted = [a for acc, _ in results for a in acc]
    refused = sum((r for _, r in results), Counter())
    assert len(accepted) == COVERED == len(set(accepted))
    assert refused == Counter({"insufficient_balance": WORKERS * PER_WORKER - COVERED})
    b = world.balance(bgt)
    assert (b["inflight_amt"] + b["paid_amt"], b["canuse_amt"]) == (COVERED * AMOUNT, 0)
    assert world.core.counts()["pay_voucher"] == COVERED
    world.assert_consistent()


def test_threads_never_overspend(world: World) -> None:
    bgt, args = _setup(world)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda w: _submit_many(_url(world), args, PER_WORKER, w, False), range(WORKERS)))
    assert sum(len(a) for a, _ in results) == COVERED
    assert world.balance(bgt)["inflight_amt"] == COVERED * AMOUNT
    world.assert_consistent()


def test_repeated_keys_under_concurrency_pay_once(world: World) -> None:
    bgt, args = _setup(world)
    keys = 50
    with ProcessPoolExecutor(WORKERS, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(_submit_many, [_url(world)] * WORKERS, [args] * WORKERS, [keys] * WORKERS,
                                range(WORKERS), [True] * WORKERS))
    for acc, refused in results:
        assert len(acc) == keys and not refused
    per_key = {tuple(acc) for acc, _ in results}
    assert len(per_key) == 1                      # every worker got the same application for each key
    assert world.core.counts()["pay_voucher"] == keys
    assert world.balance(bgt)["inflight_amt"] == keys * AMOUNT
    world.assert_consistent()
