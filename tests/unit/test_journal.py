from fiscal_core.domain.journal import GENESIS, chain_hash, verify_chain


def _rows(n: int) -> list[dict]:
    rows, prev = [], GENESIS
    for i in range(1, n + 1):
        r = {"seq": i, "occurred_at": f"2026-01-0{i}T09:00:00+08:00", "actor": "u", "actor_role": "system",
             "action": "x", "object_type": "t", "object_id": str(i), "before_json": "{}",
             "after_json": '{"金额":100}', "opinion": "同意"}
        r["prev_hash"] = prev
        prev = r["hash"] = chain_hash(prev, r)
        rows.append(r)
    return rows


def test_intact_chain_verifies() -> None:
    n, broken = verify_chain(_rows(5))
    assert (n, broken) == (5, None)


def test_changed_row_is_named() -> None:
    rows = _rows(5)
    rows[2]["after_json"] = '{"金额":101}'
    _, broken = verify_chain(rows)
    assert broken is not None and broken.seq == 3


def test_deleted_row_breaks_the_sequence() -> None:
    rows = _rows(5)
    del rows[1]
    _, broken = verify_chain(rows)
    assert broken is not None and broken.seq == 3


def test_rehashed_row_still_breaks_the_next_link() -> None:
    rows = _rows(4)
    rows[1]["opinion"] = "不同意"
    rows[1]["hash"] = chain_hash(rows[1]["prev_hash"], rows[1])  # forger recomputes this row's hash
    _, broken = verify_chain(rows)
    assert broken is not None and broken.seq == 3
