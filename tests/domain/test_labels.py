"""The core's bilingual labels (fiscal_core/domain/labels.py): every member of every labelled enum has a
Chinese and an English label, the Chinese is the core's own where the core names the member, a value a table
does not know shows as itself, and the module stays inside fiscal_core."""

from __future__ import annotations

import ast
import re
from enum import StrEnum
from pathlib import Path

import pytest

from fiscal_core.domain import labels
from fiscal_core.domain.actors import ROLE_NAMES, Role
from fiscal_core.domain.labels import ALL, label
from fiscal_core.domain.payments import PAY_STATUS_NAMES, PayStatus, PlanStatus
from fiscal_core.domain.projects import STATUS_NAMES as PROJECT_STATUS_NAMES
from fiscal_core.domain.projects import ProjectStatus
from fiscal_core.monitoring.catalogue import LEVEL_NAMES, Level, Trigger
from fiscal_core.monitoring.disposal import STATUS_NAMES as WARN_STATUS_NAMES
from fiscal_core.monitoring.disposal import WarnStatus

CJK = re.compile(r"[\u4e00-\u9fff]")
TABLES = sorted(ALL.items(), key=lambda kv: kv[0].__name__)


def test_the_tables_cover_the_cores_status_level_trigger_and_role_enums() -> None:
    assert set(ALL) == {ProjectStatus, PayStatus, PlanStatus, Level, WarnStatus, Trigger, Role}


@pytest.mark.parametrize(("enum", "table"), TABLES, ids=[e.__name__ for e, _ in TABLES])
def test_every_member_has_a_chinese_and_an_english_label(enum: type[StrEnum], table: dict) -> None:
    assert set(table) == set(enum)
    for member in enum:
        zh, en = label(member, table, "zh"), label(member, table, "en")
        assert CJK.search(zh), (member, zh)
        assert en.strip() and en.isascii() and not CJK.search(en), (member, en)
        assert zh != en
    # within a table no two members read the same in either language (a reader could not tell them apart)
    for lang in ("zh", "en"):
        shown = [label(m, table, lang) for m in enum]
        assert len(set(shown)) == len(shown), (enum.__name__, lang, shown)


@pytest.mark.parametrize(("table", "core_names"), [
    (labels.PROJECT_STATUS, PROJECT_STATUS_NAMES), (labels.PAY_STATUS, PAY_STATUS_NAMES),
    (labels.WARNING_LEVEL, LEVEL_NAMES), (labels.WARNING_STATUS, WARN_STATUS_NAMES), (labels.ROLE, ROLE_NAMES),
], ids=["project", "payment", "level", "warning", "role"])
def test_the_chinese_is_the_cores_own_name(table: dict, core_names: dict) -> None:
    assert {str(k): label(k, table) for k in table} == {str(k): v for k, v in core_names.items()}


def test_the_values_strings_find_their_labels_as_the_warehouse_holds_them() -> None:
    """The marts hold plain strings ('fin_review', 'dept_reviewer'), not enum members."""
    assert label("fin_review", labels.PROJECT_STATUS) == "财政审核"
    assert label("fin_review", labels.PAY_STATUS, "en") == "awaiting bureau review"
    assert label("dept_reviewer", labels.ROLE) == "主管部门"
    assert label("awaiting_feedback", labels.WARNING_STATUS, "en") == "awaiting feedback"
    assert label(Level.RED, labels.WARNING_LEVEL) == "红色"


def test_a_value_the_table_does_not_know_shows_as_itself() -> None:
    for table in ALL.values():
        assert label("not_a_status_yet", table) == "not_a_status_yet"
        assert label("not_a_status_yet", table, "en") == "not_a_status_yet"
        assert label(None, table) == ""
    # a value of another table is unknown here too (no silent cross-table match)
    assert label("awaiting_feedback", labels.PAY_STATUS) == "awaiting_feedback"


def test_an_unknown_language_falls_back_to_chinese() -> None:
    assert label("paid", labels.PAY_STATUS, "fr") == label("paid", labels.PAY_STATUS, "zh") == "银行已支付"


def test_a_table_missing_a_member_or_naming_a_value_the_enum_lacks_fails_when_built() -> None:
    class Colour(StrEnum):
        RED = "red"
        BLUE = "blue"

    both = {Colour.RED: "红", Colour.BLUE: "蓝"}
    en = {Colour.RED: "red", Colour.BLUE: "blue"}
    assert labels._bilingual(Colour, both, en)[Colour.BLUE] == ("蓝", "blue")
    with pytest.raises(KeyError, match="blue"):
        labels._bilingual(Colour, both, {Colour.RED: "red"})
    with pytest.raises(KeyError, match="blue"):
        labels._bilingual(Colour, {Colour.RED: "红", Colour.BLUE: ""}, en)
    with pytest.raises(KeyError, match="green"):
        labels._bilingual(Colour, {**both, "green": "绿"}, en)


def test_the_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        labels.PAY_STATUS[PayStatus.PAID] = ("x", "y")  # type: ignore[index]


def test_labels_imports_only_the_standard_library_and_fiscal_core() -> None:
    path = Path(labels.__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    outside = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            assert node.level <= 2, "a relative import reaching above fiscal_core"
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        outside += [n for n in names if n.split(".")[0] not in ("__future__", "collections", "enum", "types", "typing")]
    assert outside == []  # relative imports only: fiscal_core's own modules
