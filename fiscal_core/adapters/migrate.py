"""Schema migrations (Alembic) and the reference data every core needs (code sets, journal head)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, delete, insert, select, update

from ..domain.codes import CODE_SETS, Code, CodeSets
from . import tables as t
from .db import Database

MIGRATIONS = Path(__file__).with_name("migrations")
CODESETS_DIR = Path(__file__).resolve().parent.parent / "codesets"
ECO_MAP_FILE = "dep_gov_eco_map.csv"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision."""
    with db.write() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


# -- code sets ---------------------------------------------------------------------------------------------
def read_codeset_files(folder: Path = CODESETS_DIR) -> tuple[dict[str, list[Code]], list[tuple[str, str, str]]]:
    sets: dict[str, list[Code]] = {}
    for name in CODE_SETS:
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
            rows = []
            for r in csv.DictReader(fh):
                attrs = {k: v for k, v in r.items() if k not in ("code", "name", "parent_code", "level")}
                rows.append(Code(r["code"], r["name"], r["parent_code"] or None, int(r["level"]), attrs))
            sets[name] = rows
    with open(folder / ECO_MAP_FILE, encoding="utf-8", newline="") as fh:
        eco_map = [(r["dep_bgt_eco_code"], r["eco_map_kind"], r["gov_bgt_eco_code"]) for r in csv.DictReader(fh)]
    return sets, eco_map


def codeset_checksum(folder: Path = CODESETS_DIR) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.csv")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def sync_codesets(conn: Connection, folder: Path = CODESETS_DIR) -> str | None:
    """Load the CSVs into ``ele_code`` / ``ele_dep_gov_eco_map`` when they changed. Returns the new
    checksum when it loaded, None when the tables were already current."""
    checksum = codeset_checksum(folder)
    current = conn.execute(select(t.sys_meta.c.meta_value).where(t.sys_meta.c.meta_key == "codeset_checksum")
                           ).scalar_one_or_none()
    if current == checksum:
        return None
    sets, eco_map = read_codeset_files(folder)
    conn.execute(delete(t.ele_code))
    conn.execute(delete(t.ele_dep_gov_eco_map))
    rows = []
    for name, codes in sets.items():
        parents = {c.parent_code for c in codes if c.parent_code}
        rows += [{"ele_set": name, "ele_code": c.code, "ele_name": c.name, "parent_code": c.parent_code,
                  "level_no": c.level, "is_leaf": c.code not in parents,
                  "attrs_json": json.dumps(dict(c.attrs), ensure_ascii=False, sort_keys=True)} for c in codes]
    conn.execute(insert(t.ele_code), rows)
    conn.execute(insert(t.ele_dep_gov_eco_map),
                 [{"dep_bgt_eco_code": d, "eco_map_kind": k, "gov_bgt_eco_code": g} for d, k, g in eco_map])
    if current is None:
        conn.execute(insert(t.sys_meta).values(meta_key="codeset_checksum", meta_value=checksum))
    else:
        conn.execute(update(t.sys_meta).where(t.sys_meta.c.meta_key == "codeset_checksum")
                     .values(meta_value=checksum))
    return checksum


def load_codesets(conn: Connection) -> CodeSets:
    """Code sets as stored in the reference tables (what every process validates against)."""
    sets: dict[str, list[Code]] = {}
    for r in conn.execute(select(t.ele_code)).mappings():
        sets.setdefault(r["ele_set"], []).append(
            Code(r["ele_code"], r["ele_name"], r["parent_code"], r["level_no"], json.loads(r["attrs_json"])))
    eco_map = [tuple(r) for r in conn.execute(select(t.ele_dep_gov_eco_map.c.dep_bgt_eco_code,
                                                     t.ele_dep_gov_eco_map.c.eco_map_kind,
                                                     t.ele_dep_gov_eco_map.c.gov_bgt_eco_code))]
    return CodeSets(sets, eco_map)  # type: ignore[arg-type]
