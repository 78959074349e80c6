"""``adapters/tables.py`` and the Alembic migrations describe the same schema: a database migrated to head and the
table metadata compare equal under Alembic's autogenerate (the comparison ``alembic revision --autogenerate``
runs), on SQLite and on PostgreSQL. A column added to tables.py without a migration, or
a migration that tables.py does not know, fails this test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fiscal_core.adapters import tables as t
from fiscal_core.adapters.db import Database
from fiscal_core.adapters.migrate import upgrade
from fiscal_core.service_layer.core import Core


def schema_differences(db: Database) -> list[Any]:
    with db.write() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return list(compare_metadata(ctx, t.metadata))


def test_migrations_at_head_equal_the_table_metadata(core: Core) -> None:
    """On both backends (the ``core`` fixture migrates a fresh SQLite file, or a PostgreSQL database)."""
    diff = schema_differences(core.db)
    assert diff == [], "tables.py and the migrations differ (write a migration):\n" + "\n".join(map(str, diff))


def test_the_comparison_sees_a_difference(tmp_path: Path) -> None:
    """The check itself can fail: a table the migrations do not create is reported."""
    db = Database(f"sqlite:///{tmp_path / 'core.db'}")
    upgrade(db)
    with db.write() as conn:
        conn.exec_driver_sql("DROP TABLE sys_meta")
        conn.commit()
    diff = schema_differences(db)
    assert any(d[0] == "add_table" and d[1].name == "sys_meta" for d in diff)
