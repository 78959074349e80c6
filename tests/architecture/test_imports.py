"""Imports point one way (README, architecture): entry points (the app, the simulator, Dagster, the dashboards)
→ ingest / models_forecast → fiscal_core, with no cycles between top-level packages, and nothing shipped
imports the test and benchmark infrastructure. Every import counts, including those inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("fiscal_core", "models_forecast", "ingest", "demo_district", "fiscal_app", "dagster_project", "dashboards",
           "workbench")
OURS = (*SHIPPED, "devtools", "benchmarks", "tests")

# what each top-level package may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "fiscal_core": set(),
    "models_forecast": set(),
    "ingest": {"fiscal_core", "models_forecast"},
    "demo_district": {"fiscal_core", "ingest"},
    "fiscal_app": {"fiscal_core", "ingest", "models_forecast", "demo_district"},
    "dagster_project": {"fiscal_app", "fiscal_core", "ingest", "models_forecast"},
    "dashboards": {"fiscal_app", "fiscal_core", "ingest"},
    "workbench": {"fiscal_app", "fiscal_core"},          # the workbench calls the API; no warehouse
    "devtools": set(),
    "benchmarks": set(SHIPPED) | {"devtools", "tests"},    # the benchmark builds its district as the tests do
}


def imports_of(package: str) -> dict[str, set[str]]:
    """Top-level package imported → the files of ``package`` that import it."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in OURS and top != package:
                    out.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return out


def test_every_package_imports_only_downwards() -> None:
    wrong = {f"{pkg} → {dep}": sorted(files) for pkg, allowed in ALLOWED.items()
             for dep, files in imports_of(pkg).items() if dep not in allowed}
    assert wrong == {}


def test_no_cycles_between_top_level_packages() -> None:
    graph = {pkg: set(imports_of(pkg)) for pkg in ALLOWED}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep})) for dep in graph.get(start, ()))

    assert [p for p in graph if reaches(p, p, {p})] == []


def test_the_wheel_ships_exactly_the_shipped_packages() -> None:
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert sorted(conf["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]) == sorted(SHIPPED)
