import pytest

from fiscal_core.adapters.migrate import read_codeset_files
from fiscal_core.domain.codes import CODE_SETS, CodeSets
from fiscal_core.domain.errors import ValidationError


@pytest.fixture(scope="module")
def codes() -> CodeSets:
    sets, eco_map = read_codeset_files()
    return CodeSets(sets, eco_map)


def test_every_code_set_has_a_file_with_consistent_hierarchy(codes: CodeSets) -> None:
    assert set(codes.names()) == set(CODE_SETS)
    for name in CODE_SETS:
        rows = codes.rows(name)
        assert rows, name
        for r in rows:
            assert r.parent_code is None or codes.get(name, r.parent_code) is not None, (name, r.code)


def test_hierarchical_code_lengths(codes: CodeSets) -> None:
    lengths = {"exp_func": {1: 3, 2: 5, 3: 7}, "dep_bgt_eco": {1: 3, 2: 5}, "gov_bgt_eco": {1: 3, 2: 5},
               "income": {1: 3, 2: 5, 3: 7}}
    for name, by_level in lengths.items():
        for r in codes.rows(name):
            assert len(r.code) == by_level[r.level], (name, r.code)


def test_standard_names_from_the_domain_reference(codes: CodeSets) -> None:
    assert codes.require("exp_func", "2050202", "f").name == "小学教育"
    assert codes.require("dep_bgt_eco", "30217", "f").name == "公务接待费"
    assert codes.sangong_kind("30231") == "公务用车运行维护费"
    assert codes.is_forbidden_eco("39999") and not codes.is_forbidden_eco("30201")


def test_unknown_and_non_leaf_codes_name_the_field(codes: CodeSets) -> None:
    with pytest.raises(ValidationError) as e:
        codes.require("exp_func", "2059999", "exp_func_code")
    assert e.value.rule == "unknown_code" and "exp_func_code" in str(e.value)
    with pytest.raises(ValidationError) as e:
        codes.require("exp_func", "20502", "exp_func_code", leaf=True)
    assert e.value.rule == "not_leaf"


def test_dep_to_gov_mapping_depends_on_agency_type(codes: CodeSets) -> None:
    assert codes.gov_eco_for("30201", "1") == {"50201"}     # 行政单位 → 机关商品和服务支出
    assert codes.gov_eco_for("30201", "3") == {"50502"}     # 事业单位 → 对事业单位经常性补助
    codes.check_eco_mapping("30101", "50501", "3")
    with pytest.raises(ValidationError) as e:
        codes.check_eco_mapping("30101", "50101", "3")
    assert e.value.rule == "eco_mapping"
    for r in codes.rows("dep_bgt_eco"):
        if r.level == 2:
            for kind_type in ("1", "3"):
                for gov in codes.gov_eco_for(r.code, kind_type):
                    assert codes.get("gov_bgt_eco", gov) is not None, (r.code, gov)
