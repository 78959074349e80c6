"""The rule catalogue: every required docs/standard/monitoring.md rule present, parameters typed, the warehouse's copy in step."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fiscal_core.domain.errors import ValidationError
from fiscal_core.monitoring import catalogue as cat
from fiscal_core.monitoring.realtime import CHECKS, REALTIME_RULES

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {1, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 23}


def test_every_required_rule_is_in_the_catalogue_with_all_its_attributes() -> None:
    assert {r.no for r in cat.RULES} >= REQUIRED
    assert len({r.code for r in cat.RULES}) == len(cat.RULES)
    for r in cat.RULES:
        assert r.name and r.name_en and r.basis and r.logic, r.code
        assert r.dimension in cat.DIMENSIONS and r.version >= 1
        if r.trigger == cat.Trigger.SCHEDULED:
            assert r.model and r.level in (cat.Level.YELLOW, cat.Level.BLUE), r.code   # scheduled rules only record
            assert (ROOT / "dbt" / "models" / "intermediate" / "monitoring" / f"{r.model}.sql").exists(), r.model
        elif not r.core_control:
            assert r.code in CHECKS, r.code
    assert {r.code for r in REALTIME_RULES} == set(CHECKS)


def test_the_warehouse_catalogue_is_generated_from_this_one() -> None:
    """python -m fiscal_core.monitoring.catalogue rewrites them; this fails when someone forgot."""
    assert (ROOT / cat.DBT_CATALOGUE).read_text(encoding="utf-8") == cat.dbt_catalogue_sql()
    assert (ROOT / cat.DBT_PARAMS).read_text(encoding="utf-8") == cat.dbt_params_sql()


def test_parameters_parse_by_kind_and_a_division_overrides_them() -> None:
    r03 = cat.rule("R03")
    assert cat.Params(r03, {})["min_amount"] == 5_000_000
    assert cat.Params(r03, {"mon.R03.min_amount": "2000000"})["min_amount"] == 2_000_000
    assert cat.Params(cat.rule("R10"), {})["share"] == Decimal("0.5")
    assert cat.Params(cat.rule("R05"), {"mon.R05.keywords": "工会, 职工之家"})["keywords"] == ("工会", "职工之家")
    assert not cat.Params(r03, {"mon.R03.enabled": "0"}).enabled
    assert cat.validate_setting("R10", "share", "0.6") == "0.6"
    assert cat.validate_setting("R15", "keywords", " 景区 ,茶叶") == "景区,茶叶"
    with pytest.raises(ValidationError) as e:
        cat.validate_setting("R03", "min_amount", "5万")
    assert e.value.rule == "mon_param_value"
    with pytest.raises(ValidationError):
        cat.validate_setting("R03", "nonsense", "1")
    with pytest.raises(ValidationError):
        cat.validate_setting("R99", "min_amount", "1")


def test_the_rules_readme_lists_every_rule() -> None:
    text = (ROOT / "fiscal_core" / "monitoring" / "README.md").read_text(encoding="utf-8")
    for r in cat.RULES:
        assert f"| {r.code} |" in text, r.code
