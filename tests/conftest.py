"""Fixtures: the core on a real SQLite file and on a real PostgreSQL server (one throwaway cluster per
test session, one fresh database per test, cloned from a migrated template), and the one small simulated
district the warehouse-side tests share (``tests/district.py``)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator

import pytest

from devtools.pgserver import TempPostgres, available
from fiscal_core.adapters.db import Database
from fiscal_core.service_layer.core import Core, init_schema

from .district import Built, District, build_district, simulate_district
from .support import World

# Passwords in the tests are hashed with argon2-cffi's own test profile (``argon2.profiles.CHEAPEST``): the default
# profile costs ~0.1 s a hash, and the suite makes hundreds. Set before anything imports the core, and inherited by
# every process the tests start; ``tests/integration/test_inbox.py`` checks the default profile itself.
os.environ.setdefault("FISCAL_PASSWORD_PROFILE", "cheapest-for-tests")

# Tiers: `make test-fast` runs what is neither slow nor PostgreSQL (unit and integration on SQLite, in minutes);
# `make test` runs everything. Slow: whatever builds or uses the shared district (a simulation, dbt, Dagster, a
# browser, a server, a demo), marked here by the fixtures and folders it uses rather than test by test.
SLOW_FIXTURES = {"district", "built_district"}
SLOW_FOLDERS = {"e2e", "dagster_project", "dashboards", "dbt", "forecast_apps", "simulate"}


def pytest_itemcollected(item: pytest.Item) -> None:
    """Markers by fixture and folder, set as each test is collected (before pytest-xdist reads the groups in its
    own collection hook)."""
    folder = item.path.parent.name
    uses_district = bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))
    if uses_district or folder in SLOW_FOLDERS:
        item.add_marker(pytest.mark.slow)
    if uses_district:
        # with pytest-xdist (`make test`: -n 2 --dist loadgroup) the shared district is built once, by the one
        # worker that runs every test using it; the other tests go to whichever worker is free
        item.add_marker(pytest.mark.xdist_group("district"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """pytest-xdist 3.8 groups a test by an ``@group`` suffix it writes into ``item._nodeid``, which pytest 9.2 no
    longer reads (a node's id is ``item._id``): write the suffix where pytest reads it, so that --dist loadgroup
    keeps the district's tests on one worker."""
    if not getattr(config.option, "loadgroup", False):      # set in xdist workers under --dist loadgroup
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        group = item.get_closest_marker("xdist_group")
        if group is not None and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{group.args[0]}")  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Streamlit's script runner (AppTest) installs the page as ``sys.modules["__main__"]`` and leaves it there;
    a later test's ``spawn`` worker would then re-run that page as its main module and die before it starts
    (BrokenProcessPool). Put pytest's own main module back after every test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TempPostgres]:
    if not available():
        if os.environ.get("FISCAL_SKIP_PG") == "1":
            pytest.skip("PostgreSQL skipped by FISCAL_SKIP_PG=1")
        pytest.fail("PostgreSQL server binaries not found (install Debian's postgresql, or FISCAL_SKIP_PG=1)")
    with TempPostgres(fsync=False) as pg:
        pg.admin("CREATE DATABASE fiscal_template")
        db = Database(pg.url("fiscal_template"))
        init_schema(db)
        db.dispose()
        yield pg


def _pg_url(pg: TempPostgres) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg.admin(f"CREATE DATABASE {name} TEMPLATE fiscal_template")
    return pg.url(name)


def sqlite_core(tmp_path, **kw) -> Core:  # type: ignore[no-untyped-def]
    return Core.open(f"sqlite:///{tmp_path / 'core.sqlite3'}", **kw)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:  # type: ignore[no-untyped-def]
    return str(request.param)


@pytest.fixture
def core(backend: str, tmp_path, request) -> Iterator[Core]:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        c = sqlite_core(tmp_path)
    else:
        pg = request.getfixturevalue("pg_server")
        c = Core(Database(_pg_url(pg)))
    yield c
    c.close()


@pytest.fixture
def world(core: Core) -> World:
    return World(core)


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """The shared small district, simulated (``early`` and ``final`` homes, never refreshed): copy before use."""
    return simulate_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="session")
def built_district(district: District, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The shared district refreshed through the whole pipeline: copy before changing it."""
    return build_district(district, tmp_path_factory.mktemp("built") / "home")
