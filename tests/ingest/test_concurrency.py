"""A refresh against crashes and company: killed part-way it leaves the live warehouse and the inbox as they
were; readers in other processes never block and never see a half-built warehouse; a second refresh of the
same home fails at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ingest.warehouse import RefreshBusy, build_path
from tests.district import District

from .helpers import (
    assert_same_tables,
    copy_home,
    file_sha,
    folder_state,
    grow,
    inbox,
    kept_files,
    live_path,
    query,
    run,
)

# A refresh in a child process, as ``fiscal refresh`` or a scheduler would run it. Its progress callback can
# kill the process (SIGKILL: no cleanup of any kind) or hold it at a step, when a message starts with a marker.
CHILD = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    from fiscal_app.settings import Settings
    from ingest.pipeline import refresh

    home, action, marker = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def progress(msg):
        if not msg.startswith(marker):
            return
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        (home / "holding").touch()
        deadline = time.monotonic() + 120
        while not (home / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    s = Settings.for_home(home)
    refresh(s.core_url, s.refresh_paths(), dbt=False, progress=progress)
    sys.exit(0 if action == "hold" else 3)      # 3: the marker never came
""")

# A dashboard-like reader: a short read-only connection per query, as fast as it can, until told to stop. The
# stop file holds a time: the reader stops once it has made a read that started after it.
READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb

    live, stop, ready, out = sys.argv[1:5]
    SQL = '''select (select count(*) from raw.journal), (select max(seq) from raw.journal),
                    (select last_seq from raw._extract_state where source = 'core'),
                    (select count(*) from raw.pay_voucher where status = 'cleared'),
                    (select count(*) from raw.xch_file), (select sum(rows_loaded) from raw.xch_file),
                    (select count(*) from raw.xch_tax_revenue) + (select count(*) from raw.xch_bank_receipt)
                      + (select count(*) from raw.xch_hr_roster)'''
    reads, errors = [], []
    while not (Path(stop).exists() and reads and reads[-1][0] > float(Path(stop).read_text() or "inf")):
        t = time.time()
        try:
            con = duckdb.connect(live, read_only=True)
            try:
                reads.append([t, *con.execute(SQL).fetchone()])
            finally:
                con.close()
        except Exception as e:
            errors.append([t, f"{type(e).__name__}: {e}"])
        if reads and not Path(ready).exists():
            Path(ready).touch()
    Path(out).write_text(json.dumps({"reads": reads, "errors": errors}))
""")
SENTINEL = READER.split("SQL = '''")[1].split("'''")[0]


def child(home: Path, action: str, marker: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(home), action, marker], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture
def grown(early_built: Path, district: District, tmp_path: Path) -> Path:
    """A live warehouse from the start of April, with four more weeks in the core and the inbox: the state
    from which ``loaded`` was refreshed without interruption."""
    home = copy_home(early_built, tmp_path / "home")
    grow(home, district)
    return home


@pytest.mark.parametrize("marker", ["  raw.pay_voucher:", "  交换文件 exchange files"],
                         ids=["mid_extract", "exchange_files_loaded"])
def test_a_refresh_killed_part_way_leaves_everything_as_it_was(grown: Path, loaded: Path, marker: str) -> None:
    live_before, inbox_before = file_sha(live_path(grown)), folder_state(inbox(grown))
    archive_before = folder_state(grown / "exchange" / "archive")
    proc = child(grown, "kill", marker)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, f"exit {proc.returncode} (3: no progress message began {marker!r}) {err}"
    assert build_path(live_path(grown)).exists()                          # it was killed while writing its build file
    assert file_sha(live_path(grown)) == live_before
    assert folder_state(inbox(grown)) == inbox_before
    assert folder_state(grown / "exchange" / "archive") == archive_before
    assert not (grown / "exchange" / "rejected").exists()

    report = run(grown)                                        # the lock died with the process; re-run
    assert report.mode == "incremental"
    assert not build_path(live_path(grown)).exists()
    assert_same_tables(live_path(grown), live_path(loaded))
    assert not list(inbox(grown).iterdir())
    assert {d: [p.name for p in ps] for d, ps in kept_files(grown).items()} == \
        {d: [p.name for p in ps] for d, ps in kept_files(loaded).items()}


def test_readers_never_block_and_never_see_a_half_built_warehouse(grown: Path, early_built: Path, loaded: Path,
                                                                  tmp_path: Path) -> None:
    old = list(query(early_built, SENTINEL)[0])
    new = list(query(loaded, SENTINEL)[0])
    assert old != new
    stop, ready, out = tmp_path / "stop", tmp_path / "ready", tmp_path / "reads.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(live_path(grown)), str(stop), str(ready), str(out)],
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finished = 0.0
    try:
        wait_for(ready, reader)
        started = time.time()
        run(grown)
        finished = time.time()
    finally:
        stop.write_text(repr(finished))
        _o, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    result = json.loads(out.read_text())
    assert result["errors"] == []
    reads = result["reads"]
    states = [r[1:] for r in reads]
    assert all(s in (old, new) for s in states), [s for s in states if s not in (old, new)][:3]
    during = [r for r in reads if started <= r[0] <= finished]
    assert len(during) >= 3, f"only {len(during)} reads during the refresh"   # a few suffice; a busy machine starves the reader
    # the old warehouse until the swap, the new one after it, never back
    first_new = states.index(new)
    assert old not in states[first_new:] and states[0] == old and states[-1] == new


def test_a_second_refresh_of_the_same_home_fails_at_once(grown: Path, loaded: Path) -> None:
    live_before = file_sha(live_path(grown))
    proc = child(grown, "hold", "[2/5]")                      # holds after extracting, with its build file open
    try:
        wait_for(grown / "holding", proc)
        t0 = time.monotonic()
        with pytest.raises(RefreshBusy, match=r"另一个刷新正在进行 \(another refresh of this warehouse is running"):
            run(grown)
        assert time.monotonic() - t0 < 2
        assert build_path(live_path(grown)).exists()                      # the first refresh's build file is left alone
        assert file_sha(live_path(grown)) == live_before
    finally:
        (grown / "release").touch()
        _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert_same_tables(live_path(grown), live_path(loaded))    # the first refresh completed normally
    os.remove(grown / "holding")
