"""The journal's chains per 区划 and its cross-anchors, on the real backends.

Every 区划 writes its own hash chain (platform-wide events a chain of their own), so a tampered row is named
in its chain while the others still verify; cross-anchors catch a chain rewritten wholesale (every hash
recomputed) and are themselves chained; 8 writers in 8 区划 write valid chains without overspending; an
existing single-chain journal migrates to the closed legacy chain with its hashes unchanged.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text

from fiscal_core.adapters.db import Database
from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError
from fiscal_core.domain.journal import GENESIS, LEGACY, PLATFORM, chain_hash
from fiscal_core.service_layer.core import Core

from ..support import DIV, World, leader

AMOUNT = 100_00


def _sql(core: Core, sql: str, **params: Any) -> Any:
    with core.db.write() as conn:
        res = conn.execute(text(sql), params).all() if sql.lstrip().upper().startswith("SELECT") else \
            conn.execute(text(sql), params)
        conn.commit()
    return res


def test_each_division_has_its_own_chain_and_a_tampered_row_is_named_in_it(world: World) -> None:
    div, unit = world.add_division(11)
    app = world.pay(world.funded(10 * AMOUNT, agency=unit)[1], AMOUNT).pay_app_id
    home = world.pay(world.funded(10 * AMOUNT)[1], AMOUNT).pay_app_id
    world.h(c.ReviewPayment(app, "approve", "同意", actor=leader(unit)))   # a review joins the payment's chain
    report = world.core.verify_journal()
    assert report.ok and {div, DIV, PLATFORM} <= set(report.chains)
    assert report.rows == sum(t.rows for t in report.chains.values()) == world.core.counts()["journal"]
    rows = _sql(world.core, "SELECT object_id, chain, action FROM journal WHERE object_type = 'pay_voucher'")
    assert {(o, ch) for o, ch, _ in rows} == {(app, div), (home, DIV)}
    assert ("payment.approve" in {a for o, _, a in rows if o == app})
    # the platform chain holds what belongs to no 区划 (the code sets loaded at start)
    assert _sql(world.core, "SELECT chain FROM journal WHERE action = 'codeset.load'")[0][0] == PLATFORM

    seq, pos = _sql(world.core, "SELECT seq, chain_seq FROM journal WHERE object_id = :a AND action = "
                                "'payment.submit'", a=app)[0]
    _sql(world.core, "UPDATE journal SET after_json = :j WHERE seq = :s", j='{"pay_app_amt":1}', s=seq)
    report = world.core.verify_journal()
    assert not report.ok and report.broken is not None
    assert (report.broken.chain, report.broken.seq, report.broken.chain_seq) == (div, seq, pos)
    assert "内容哈希不符" in report.broken.reason and "hash mismatch" in report.broken.reason
    assert [b.chain for b in report.breaks] == [div]          # the other chains verify alone
    assert report.chains[DIV].rows > 0 and report.chains[div].rows == pos - 1


def test_anchors_catch_a_rewritten_chain_and_a_tampered_anchor(world: World) -> None:
    div, unit = world.add_division(12)
    bgt = world.funded(10 * AMOUNT, agency=unit)[1]
    world.pay(bgt, AMOUNT)
    first = world.core.anchor_journal()
    assert first.anchor_no == 1 and {t[0] for t in first.tips} >= {div, DIV, PLATFORM}
    world.pay(bgt, AMOUNT)
    second = world.core.anchor_journal()
    assert second.anchor_no == 2
    report = world.core.verify_journal(cross_anchors=[(2, second.hash)])
    assert report.ok and report.cross_anchors_checked == 2

    # rewrite the 区划's chain wholesale: one row changed and every hash after it recomputed, tip row too
    rows = [dict(r._mapping) for r in _sql(world.core, "SELECT * FROM journal WHERE chain = :c ORDER BY chain_seq",
                                           c=div)]
    rows[1]["opinion"] = "伪造"
    prev = GENESIS
    for r in rows:
        r["prev_hash"] = prev
        prev = r["hash"] = chain_hash(prev, r)
        _sql(world.core, "UPDATE journal SET opinion = :o, prev_hash = :p, hash = :h WHERE seq = :s",
             o=r["opinion"], p=r["prev_hash"], h=r["hash"], s=r["seq"])
    _sql(world.core, "UPDATE journal_chain SET tip_hash = :h WHERE chain = :c", h=prev, c=div)
    report = world.core.verify_journal()
    assert not report.ok and report.broken is not None
    assert report.broken.chain == div and report.broken.anchor_no == 1 and "改写" in report.broken.reason
    assert "rewritten" in report.broken.reason


def test_a_tampered_or_removed_anchor_is_found(world: World) -> None:
    world.pay(world.funded(10 * AMOUNT)[1], AMOUNT)
    world.core.anchor_journal()
    second = world.core.anchor_journal()
    _sql(world.core, "UPDATE journal_anchor SET tips_json = replace(tips_json, 'platform', 'platfor') "
                     "WHERE anchor_no = 1")
    report = world.core.verify_journal()
    assert report.broken is not None and report.broken.anchor_no == 1 and report.broken.chain == ""
    assert "锚点内容哈希不符" in report.broken.reason
    _sql(world.core, "DELETE FROM journal_anchor WHERE anchor_no = 2")
    _sql(world.core, "DELETE FROM journal_anchor WHERE anchor_no = 1")
    report = world.core.verify_journal(cross_anchors=[(2, second.hash)])   # the copy kept outside the database
    assert report.broken is not None and report.broken.anchor_no == 2 and "库外" in report.broken.reason


def _pay_in(url: str, args: dict[str, Any], n: int, tag: str) -> tuple[int, Counter[str]]:
    core = Core(Database(url))
    ok, refused = 0, Counter[str]()
    try:
        for i in range(n):
            try:
                core.handle(replace(c.SubmitPayment(**args), idem_key=f"{tag}-{i}"))
                ok += 1
            except DomainError as e:
                refused[e.rule] += 1
    finally:
        core.close()
    return ok, refused


def test_eight_writers_in_eight_divisions_write_valid_chains(world: World) -> None:
    covered, per_writer = 30, 40       # each 区划's indicator covers 30 of its writer's 40 applications
    jobs = []
    for i in range(8):
        div, unit = world.add_division(20 + i)
        cmd = world.pay_cmd(world.funded(covered * AMOUNT, agency=unit)[1], AMOUNT)
        jobs.append((div, {f: getattr(cmd, f) for f in cmd.__dataclass_fields__}))
    url = world.core.db.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(8, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(_pay_in, [url] * 8, [a for _, a in jobs], [per_writer] * 8,
                                [d for d, _ in jobs]))
    assert [ok for ok, _ in results] == [covered] * 8
    assert all(r == Counter({"insufficient_balance": per_writer - covered}) for _, r in results)
    report = world.core.verify_journal()
    assert report.ok, report.breaks
    for div, _ in jobs:
        assert report.chains[div].rows >= covered
    seqs = [s for (s,) in _sql(world.core, "SELECT seq FROM journal ORDER BY seq")]
    assert len(seqs) == len(set(seqs))
    world.assert_consistent()


def test_an_existing_journal_becomes_the_legacy_chain(tmp_path: Path) -> None:
    """A core written before the split (migrated to 0002, journal rows in the single-chain format) keeps its
    rows and hashes; new events go to their chains; a change to an old row is still named."""
    from alembic import command

    from fiscal_core.adapters.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'core.sqlite3'}"
    command.upgrade(alembic_config(url), "0002")
    db = Database(url)
    prev = GENESIS
    with db.write() as conn:
        for i in range(1, 6):
            r = {"seq": i, "occurred_at": f"2026-01-0{i}T09:00:00.000000+08:00", "actor": "admin",
                 "actor_role": "admin", "action": "x.y", "object_type": "sys_meta", "object_id": str(i),
                 "before_json": "{}", "after_json": '{"金额":100}', "opinion": ""}
            r["prev_hash"] = prev
            prev = r["hash"] = chain_hash(prev, r)
            conn.execute(text("INSERT INTO journal VALUES (:seq, :occurred_at, :actor, :actor_role, :action, "
                              ":object_type, :object_id, :before_json, :after_json, :opinion, :prev_hash, :hash)"), r)
        conn.commit()
    db.dispose()
    core = Core.open(url)          # migrates to head (0003) and loads the code sets: a platform event
    try:
        World(core)
        report = core.verify_journal()
        assert report.ok and report.chains[LEGACY].rows == 5 and report.chains[LEGACY].hash == prev
        assert report.chains[DIV].seq > 5
        _sql(core, "UPDATE journal SET opinion = '改' WHERE seq = 3")
        report = core.verify_journal()
        assert report.broken is not None and (report.broken.chain, report.broken.seq) == (LEGACY, 3)
    finally:
        core.close()
