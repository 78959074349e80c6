"""The staging layer on a real dbt build of a small simulated built_district: every staging model is documented
column for column as built and tests its key, the sources list the raw tables' columns as loaded, and no model
reads the raw schema except through source() (which would cut the lineage from the ingest assets)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ingest.core_extract import RAW_TABLES
from ingest.pipeline import DBT_PROJECT
from tests.district import Built

STAGING = DBT_PROJECT / "models" / "staging"


def _load(pattern: str) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(STAGING.glob(pattern))]


def _type(data_type: str) -> str:
    return data_type.replace(" ", "").lower()


def documented_models() -> dict[str, dict[str, Any]]:
    return {m["name"]: m for doc in _load("*/_*__models.yml") for m in doc.get("models", [])}


def declared_sources() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(source, table) → [(column, data_type)] from the sources' yml files."""
    return {(s["name"], t["name"]): [(c["name"], _type(c["data_type"])) for c in t.get("columns", [])]
            for doc in _load("*/_*__sources.yml") for s in doc["sources"] for t in s["tables"]}


def _columns(built: Built, schema: str, table: str) -> list[tuple[str, str]]:
    return [(n, _type(t)) for n, t in built.query(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table])]


def test_every_staging_model_is_documented_with_its_columns_as_built(built_district: Built) -> None:
    docs = documented_models()
    assert set(docs) == {p.stem for p in STAGING.glob("*/stg_*.sql")}
    for model, spec in docs.items():
        documented = [(c["name"], _type(c["data_type"])) for c in spec["columns"]]
        assert _columns(built_district, "staging", model) == documented, model
        assert all(c.get("description") for c in spec["columns"]), model


def test_every_staging_model_tests_its_key() -> None:
    for model, spec in documented_models().items():
        unique = [c["name"] for c in spec["columns"] if "unique" in (c.get("data_tests") or [])]
        grains = [t["unique_grain"]["arguments"]["columns"] for t in spec.get("data_tests") or []
                  if isinstance(t, dict) and "unique_grain" in t]
        assert unique or grains, f"{model}: no key test"
        not_null = {c["name"] for c in spec["columns"] if "not_null" in (c.get("data_tests") or [])}
        # unique_grain counts a null as a value: the key's columns are tested for nulls on their own
        for key in [[u] for u in unique] + grains:
            assert set(key) <= not_null, (model, key)


def test_sources_list_the_raw_tables_as_loaded(built_district: Built) -> None:
    sources = declared_sources()
    assert {t.name for t in RAW_TABLES} <= {t for s, t in sources if s == "raw"}
    for (_source, table), documented in sources.items():
        assert documented, f"{table}: no columns listed"
        assert _columns(built_district, "raw", table) == documented, table


def _code(path: Path) -> str:
    """The SQL of a model without its comments."""
    text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"--[^\n]*", "", text)


def test_models_read_the_raw_schema_only_through_source() -> None:
    direct = re.compile(r"\braw\.\w+|schema\s*=\s*['\"]raw['\"]", re.I)
    offenders = [str(p.relative_to(DBT_PROJECT)) for p in sorted((DBT_PROJECT / "models").rglob("*.sql"))
                 if direct.search(_code(p))]
    assert not offenders
    # and the one real reader of raw.mon_warning is its staging model
    assert "source('raw', 'mon_warning')" in (STAGING / "core" / "stg_core__mon_warning.sql").read_text()
