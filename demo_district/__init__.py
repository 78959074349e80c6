"""The demo district: ``fiscal simulate`` drives the core through its own commands (issue 4)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fiscal_core.domain import commands as c
from fiscal_core.service_layer.core import Core

from .engine import SimClock, SimConfig, Simulation
from .profile import profile, render

__all__ = ["SimConfig", "SimResult", "render", "simulate"]


def seeded_ids(seed: int) -> Callable[[], str]:
    """Deterministic UUIDs: the same seed gives the same ids, so the same district byte for byte."""
    rng = random.Random(f"ids:{seed}")
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class SimResult:
    stats: dict[str, Any]
    profile: dict[str, Any]
    journal_ok: bool
    ledger_violations: int
    ground_truth_cases: int


def simulate(core_url: str, home: Path, cfg: SimConfig, log: Callable[[str], None] = print) -> SimResult:
    """The demo district into the (empty) core at ``core_url``; exchange files into ``home/exchange/inbox``,
    the planted cases into ``home/simulation``."""
    clock = SimClock(date(cfg.as_of.year - cfg.years, 9, 1))
    core = Core.open(core_url, clock=clock, new_id=seeded_ids(cfg.seed))
    try:
        if core.counts()["journal"] > 1:
            raise RuntimeError("核心库不是空的，模拟需要一个空库 (the core is not empty; use another FISCAL_HOME)")
        core.handle(c.DeclareCoreOrigin("demo"))
        sim = Simulation(core, clock, home, cfg, log)
        stats = sim.run()
        log("校验 · verifying the journal chain and every ledger identity")
        report = core.verify_journal()
        bad = core.check_ledger()
        return SimResult(stats, profile(core), report.ok, len(bad), len(sim.truth))
    finally:
        core.close()
