"""No recoverable personal data in the warehouse (the analysts' copy included), on the shared small district
refreshed through the whole pipeline.

- The brute force that reversed the old unsalted SHA-256 of the 身份证号 (every region code of the person's
  province × every sequence number, the check digit computed, for the person's *exact* birth date, which an
  attacker is given here although the warehouse keeps only the year) recovers nothing: the candidate set holds
  every true number, and no digest of any candidate is anywhere in the warehouse.
- A scan of every text column of every table finds nothing shaped like an ID number (valid GB 11643 check
  digit), a mobile number or a bank card (16-19 digits, valid Luhn), and no person's name; the same scan over
  the core finds them (it can fail).
- Persons are matched across the core and the HR files by the keyed digest: the roster still matches.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from stdnum import luhn
from stdnum.cn import ric

from ingest import person_key
from tests.district import Built

ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9A-Za-z:.,-])1[3-9][0-9]{9}(?![0-9A-Za-z.])")     # not a JSON number (an amount in fen)
CARD_RE = re.compile(r"(?<![0-9A-Za-z])[0-9]{16,19}(?![0-9A-Za-z])")
BRUTE_FORCED = 12          # persons attacked (each ~100-400 thousand candidates)


def _loc_codes() -> dict[str, list[str]]:
    """Region codes (6 digits) by province, from python-stdnum's table of 行政区划代码."""
    path = Path(ric.__file__).with_name("loc.dat")
    out: dict[str, list[str]] = {}
    prov = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code = line.split()[0]
        if not line.startswith(" "):
            prov = code
        elif len(code) == 4:
            out.setdefault(prov, []).append(prov + code)
    return out


def _candidates(regions: Iterable[str], birth: date) -> Iterator[str]:
    ymd = birth.strftime("%Y%m%d")
    for region in regions:
        for seq in range(1000):
            body = f"{region}{ymd}{seq:03d}"
            yield body + ric.calc_check_digit(body + "0")    # it wants a placeholder for the digit


UNKEYED = (hashlib.sha256, hashlib.sha1, hashlib.md5)
_HEX, _B32 = set("0123456789abcdef"), set("abcdefghijklmnopqrstuvwxyz234567")


def _as_digests(values: Iterable[str]) -> set[bytes]:
    """The raw bytes of every stored value that could be an unkeyed digest (SHA-256, SHA-1 or MD5 in hex or
    base32): an attacker's candidate is hashed once per algorithm and looked up, not re-encoded every way."""
    out: set[bytes] = set()
    for v in values:
        s = v.strip().lower()
        if len(s) in (64, 40, 32) and set(s) <= _HEX:
            out.add(bytes.fromhex(s))
        if len(s) in (52, 32, 26) and set(s) <= _B32:
            with contextlib.suppress(ValueError):
                out.add(base64.b32decode(s.upper() + "=" * (-len(s) % 8)))
    return out


def _reversed(cand: str, stored: set[bytes]) -> bool:
    return any(h(v.encode()).digest() in stored for v in {cand, cand.lower()} for h in UNKEYED)


def _core_persons(home: Path) -> list[tuple[str, str, str, date, str]]:
    with sqlite3.connect(home / "core.sqlite3") as con:
        rows = con.execute("select per_id, per_name, iden_no, birth_date, sala_card_no from bas_person_info "
                           "order by per_id").fetchall()
    return [(p, n, i, date.fromisoformat(b), c) for p, n, i, b, c in rows]


def _text_values(db: Path) -> Iterator[tuple[str, str]]:
    """(table.column, value) for every non-empty text value of every table of a DuckDB file."""
    with duckdb.connect(str(db), read_only=True) as con:
        cols = con.execute("select schema_name, table_name, column_name from duckdb_columns() "
                           "where data_type = 'VARCHAR' and database_name = current_database() "
                           "and schema_name not in ('information_schema', 'pg_catalog')").fetchall()
        for schema, table, col in cols:
            for (v,) in con.execute(f'select distinct "{col}" from "{schema}"."{table}" where "{col}" <> \'\'').fetchall():
                yield f"{schema}.{table}.{col}", v


def scan(values: Iterable[tuple[str, str]], names: set[str]) -> list[tuple[str, str, str]]:
    """(what, where, the value masked) for every ID number, mobile number, bank card or person's name."""
    hits = []
    for where, v in values:
        for m in ID_RE.findall(v):
            if ric.is_valid(m):
                hits.append(("id_number", where, m[:4] + "…"))
        for m in PHONE_RE.findall(v):
            hits.append(("phone", where, m[:3] + "…"))
        for m in CARD_RE.findall(v):
            if luhn.is_valid(m) and not ric.is_valid(m):
                hits.append(("bank_card", where, m[:4] + "…"))
        if v.strip() in names:
            hits.append(("name", where, v[:1] + "…"))
    return hits


def _warehouse_files(b: Built) -> list[Path]:
    files = [b.warehouse, b.home / "analytics.duckdb"]
    assert all(f.exists() for f in files), files
    return files


def test_the_brute_force_recovers_no_id_number(built_district: Built) -> None:
    persons = _core_persons(built_district.home)[:BRUTE_FORCED]
    by_province = _loc_codes()
    stored = _as_digests(v for db in _warehouse_files(built_district) for _w, v in _text_values(db))
    # the attack works on an unkeyed digest, in either encoding
    first = persons[0][2]
    for shown in (hashlib.sha256(first.encode()).hexdigest(),
                  base64.b32encode(hashlib.md5(first.encode()).digest()).decode().rstrip("=").lower()):
        assert _reversed(first, stored | _as_digests([shown]))
    tried, recovered = 0, []
    for _p, _n, iden, birth, _c in persons:
        cands = list(_candidates(by_province[iden[:2]], birth))
        assert iden in cands                                   # the attack would find it, were digests unkeyed
        tried += len(cands)
        for cand in cands:
            if _reversed(cand, stored):
                recovered.append(cand[:4])
    assert tried > 100_000 * BRUTE_FORCED / 2 and recovered == []


def test_no_birth_date_beside_the_person(built_district: Built) -> None:
    key = person_key.load(built_district.home)
    born = {key.person(p): b for p, _n, _i, b, _c in _core_persons(built_district.home)}
    with duckdb.connect(str(built_district.warehouse), read_only=True) as con:
        cols = con.execute("select schema_name, table_name, column_name, data_type from duckdb_columns() "
                           "where database_name = current_database()").fetchall()
        assert not [c for c in cols if c[2] in ("birth_date", "per_name", "iden_no", "sala_card_no")]
        with_person = {(s, t) for s, t, c, _d in cols if c == "per_id"}
        assert ("raw", "bas_person_info") in with_person
        for s, t, c, d in cols:
            if (s, t) in with_person and d == "DATE":
                same = [p for p, v in con.execute(f'select per_id, "{c}" from "{s}"."{t}"').fetchall() if born.get(p) == v]
                assert same == [], (s, t, c, len(same))
        years = dict(con.execute("select per_id, birth_year from raw.bas_person_info").fetchall())
    assert years and all(years[p] == b.year for p, b in born.items())


def test_no_value_shaped_like_personal_data_in_the_warehouse(built_district: Built) -> None:
    home = built_district.home
    persons = _core_persons(home)
    with sqlite3.connect(home / "core.sqlite3") as con:
        payees = {n for (n,) in con.execute(
            "select per_name from pay_detail where per_name is not null union select payee_acct_name from pay_voucher "
            "where fund_traobj_type_code = '3' and payee_acct_name not like '%户' and payee_acct_name not like '%干部'")}
        core_values = [(f"core.{t}", str(v)) for t, q in (
            ("bas_person_info", "select iden_no || ' ' || sala_card_no from bas_person_info"),
            ("pay_detail", "select payee_acct_no from pay_detail where payee_acct_no is not null"))
            for (v,) in con.execute(q)]
    names = {n for _p, n, _i, _b, _c in persons} | payees
    assert len(payees) > 5, "the district pays people: subsidies, union money, large personal transfers"
    # the scan finds them where they belong, in the core
    found = {k for k, _w, _v in scan(core_values, names)}
    assert {"id_number", "bank_card"} <= found
    for db in _warehouse_files(built_district):
        assert scan(_text_values(db), names) == [], db.name


def test_warnings_about_a_person_do_not_name_them(built_district: Built) -> None:
    with sqlite3.connect(built_district.home / "core.sqlite3") as con:
        about = con.execute("select w.warning_key, w.message, v.payee_acct_name, v.payee_acct_no from mon_warning w "
                            "join pay_voucher v using (pay_app_id) where v.fund_traobj_type_code = '3'").fetchall()
    assert about, "the district's planted payments to persons raise real-time warnings"
    assert any(name in msg for _k, msg, name, _a in about), "the core's own message names the payee"
    got = dict(built_district.query("select warning_key, message || ' ' || coalesce(evidence, '') from marts.fct_warning"))
    for key, _msg, name, acct in about:
        assert key in got and name not in got[key] and acct not in got[key], key


def test_the_core_person_ids_stay_in_the_core(built_district: Built) -> None:
    """The core's per_id links a person to a name for anyone who can read the core (the workbench's users): the
    warehouse holds its keyed id instead, the same in every table, so payroll lines, history and the journal's
    person events still join — and nothing in the warehouse or the analysts' copy contains a core per_id."""
    persons = _core_persons(built_district.home)
    key = person_key.load(built_district.home)
    core_ids = {p for p, *_rest in persons}
    assert len(core_ids) > 50
    uuid = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
    assert all(uuid.fullmatch(p) for p in core_ids)      # the shape the scan looks for
    for db in _warehouse_files(built_district):
        for where, v in _text_values(db):
            assert not set(uuid.findall(v)) & core_ids, where
    keyed = {key.person(p) for p in core_ids}
    for table, column in (("raw.bas_person_info", "per_id"), ("raw.bas_person_hist", "per_id"),
                          ("raw.pay_detail", "per_id"), ("raw.journal", "object_id")):
        where = " where object_type = 'bas_person_info'" if table == "raw.journal" else f" where {column} is not null"
        ids = {v for (v,) in built_district.query(f"select distinct {column} from {table}{where}")}
        assert ids and ids <= keyed, table
    # the payroll mart's headcount still comes from the keyed ids' joins
    assert built_district.query("select sum(paid_headcount) from marts.fct_staff_cost_monthly")[0][0] > 50


def test_the_hr_roster_still_matches_the_personnel_database(built_district: Built) -> None:
    matched, roster = built_district.query(
        "select count(p.per_id), count(*) from raw.xch_hr_roster r left join raw.bas_person_info p using (iden_hash)")[0]
    assert roster > 0 and matched == roster
    lengths = {n for (n,) in built_district.query("select distinct length(iden_hash) from raw.bas_person_info")}
    assert lengths == {52}


def test_the_key_is_outside_the_warehouse_and_owner_only(built_district: Built) -> None:
    path = person_key.key_path(built_district.home)
    assert path.exists() and path.parent.name == "secrets"
    assert path.stat().st_mode & 0o077 == 0
    secret = person_key.load(built_district.home).secret
    assert len(secret) == 32
    for db in _warehouse_files(built_district):
        assert secret not in db.read_bytes() and base64.b64encode(secret) not in db.read_bytes()


CARD = "622202020011223344" + luhn.calc_check_digit("622202020011223344")
NOT_CARD = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)          # the check digit wrong


@pytest.mark.parametrize("value, kinds", [
    ("11010519491231002X", {"id_number"}), ("110105194912310021", set()),       # valid / wrong check digit
    ("请致电13912345678", {"phone"}), ("项目320509000202520000001", set()),        # a phone / a 21-digit code
    (f"卡号{CARD}", {"bank_card"}), (f"卡号{NOT_CARD}", set()), ("张三", {"name"}), ("张三丰有限公司", set())])
def test_the_scan_sees_the_shapes(value: str, kinds: set[str]) -> None:
    assert {k for k, _w, _v in scan([("t.c", value)], {"张三"})} == kinds


def test_fiscal_init_creates_the_key_and_a_rotation_forces_a_rekeyed_rebuild(built_district: Built, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from fiscal_app.cli import main
    from ingest.pipeline import what_is_new
    from tests.district import copy_home, settings

    home = copy_home(built_district.home, tmp_path / "home")
    monkeypatch.setenv("FISCAL_HOME", str(home))
    monkeypatch.delenv("FISCAL_CORE_URL", raising=False)
    before = person_key.load(home).secret
    s = settings(home)
    assert not what_is_new(s.core_url, s.refresh_paths()).full          # the key the warehouse was built with
    assert main(["init"]) == 0 and person_key.load(home).secret == before  # init keeps an existing key
    assert main(["init", "--rotate-person-key"]) == 0
    assert person_key.load(home).secret != before
    assert person_key.key_path(home).stat().st_mode & 0o077 == 0
    changes = what_is_new(s.core_url, s.refresh_paths())
    assert changes.full and any("人员键" in r for r in changes.reasons)

    fresh = tmp_path / "fresh"
    monkeypatch.setenv("FISCAL_HOME", str(fresh))
    assert main(["init"]) == 0 and len(person_key.load(fresh).secret) == 32
