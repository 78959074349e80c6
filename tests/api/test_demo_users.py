"""The demo district's people: every role, two units of two departments, one password, work waiting."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fiscal_app.demo_users import create_demo_users, demo_password, password_file, seed_inbox
from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Role

from ..district import District, copy_home, settings


@pytest.fixture
def home(district: District, tmp_path: Path) -> Path:
    return copy_home(district.final, tmp_path / "home")


def test_demo_users_cover_every_role_and_find_work_in_their_inboxes(home: Path, monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:
    monkeypatch.delenv("FISCAL_DEMO_PASSWORD", raising=False)
    s = settings(home)
    password, generated = demo_password(s)
    assert generated and len(password) >= 12
    assert stat.S_IMODE(password_file(s).stat().st_mode) == 0o600
    assert demo_password(s) == (password, False)           # kept, the README tells how to read it again
    core = s.open_core()
    try:
        people = create_demo_users(core, password)
        granted = {p.role for p in people}
        assert granted >= {r.value for r in Role if r not in (Role.SYSTEM,)}
        units = [p for p in people if p.role == "unit_clerk"]
        depts = {p.scope_code for p in people if p.role == "dept_reviewer"}
        assert len(units) == 2 and len(depts) == 2
        assert len([p for p in people if p.role == "unit_leader"]) == 2
        pending = seed_inbox(core, people)
        leaders = [p.user_id for p in people if p.role == "unit_leader"]
        assert all(pending.get(u, 0) >= 1 for u in leaders), pending
        assert pending.get("sim-gkk", 0) >= 1, pending                # a large application for the treasury
        assert any(pending.get(p.user_id, 0) for p in people if p.role == "dept_reviewer"), pending
        account = core.handle(c.Authenticate(units[0].user_id, password))
        assert account.roles == ("unit_clerk",)
        again = create_demo_users(core, password)                 # idempotent
        assert [p.user_id for p in again] == [p.user_id for p in people]
    finally:
        core.close()
    env = {**os.environ, "FISCAL_HOME": str(home)}
    out = subprocess.run([sys.executable, "-m", "fiscal_app.cli", "users", "list", "--format", "csv"], env=env,
                         capture_output=True, text=True, check=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"user_id", "name", "role", "scope"} <= set(rows[0])
    assert {(r["user_id"], r["role"], r["scope"]) for r in rows} >= {
        (units[0].user_id, "unit_clerk", f"unit:{units[0].scope_code}")}
    assert all(password not in v for r in rows for v in r.values())


def test_users_add_grant_revoke_from_the_command_line(home: Path) -> None:
    env = {**os.environ, "FISCAL_HOME": str(home)}

    def fiscal(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fiscal_app.cli", *args], env=env, input=stdin,
                              capture_output=True, text=True)

    assert fiscal("users", "add", "li.ming", "--name", "李明", stdin="s3cret-pass\n").returncode == 0
    bad = fiscal("users", "grant", "li.ming", "unit_clerk", "div:999999999")
    assert bad.returncode == 2 and "scope" in bad.stderr + bad.stdout
    ok = fiscal("users", "grant", "li.ming", "treasury", "div:" + _div(home))
    assert ok.returncode == 0, ok.stderr
    gid = ok.stdout.strip()
    listed = fiscal("users", "list", "--format", "csv").stdout
    assert "li.ming,李明,person,treasury" in listed
    assert fiscal("users", "revoke", gid).returncode == 0
    assert "li.ming,李明,person,treasury" not in fiscal("users", "list", "--format", "csv").stdout


def _div(home: Path) -> str:
    core = settings(home).open_core()
    try:
        from sqlalchemy import text
        with core.db.read() as conn:
            return str(conn.execute(text("SELECT min(mof_div_code) FROM bas_mof_div")).scalar())
    finally:
        core.close()
