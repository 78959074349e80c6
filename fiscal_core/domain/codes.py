"""Code sets (要素/码表) as an in-memory value the domain checks codes against.

The rows come from ``fiscal_core/codesets/*.csv`` (one file per set, the single source that also feeds
the dbt seeds); the adapters load them and the reference tables, the domain only reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import ValidationError

# code set name → the field it validates (for messages) and a Chinese label
CODE_SETS: dict[str, str] = {
    "exp_func": "支出功能分类科目",
    "dep_bgt_eco": "部门预算支出经济分类",
    "gov_bgt_eco": "政府预算支出经济分类",
    "income": "收入分类科目",
    "fund_type": "资金性质",
    "pro_cat": "项目类别",
    "pay_type": "支付方式",
    "set_mode": "结算方式",
    "bgt_source_type": "指标来源",
    "bgt_type": "指标类型",
    "agency_type": "单位类型",
    "fund_traobj_type": "资金往来对象类别",
    "budget_level": "预算级次",
    "pur_method": "政府采购方式",
    "pur_org_form": "政府采购组织形式",
    "gp_catalog": "政府采购品目",
    "gp_threshold": "政府采购限额标准",
    "per_sta": "人员状态",
    "per_ide": "人员身份",
    "staf_type": "编制类型",
    "sex": "性别",
    "salary_grade": "职务职级/岗位等级",
    "salary_step": "级别/薪级",
    "allowance_standard": "津补贴及绩效工资标准",
    "contribution_rate": "社会保险和公积金缴费比例",
    "public_fund_standard": "公用经费定额标准",
    "public_fund_split": "公用经费科目结构",
    "perf_frame": "绩效指标体系",
}


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    parent_code: str | None
    level: int
    attrs: Mapping[str, str] = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        return self.attrs.get(name, "").lower() == "true"


class CodeSets:
    """All code sets plus the 部门→政府 economic-classification mapping."""

    def __init__(self, sets: Mapping[str, Iterable[Code]],
                 eco_map: Iterable[tuple[str, str, str]] = ()) -> None:
        self._sets: dict[str, dict[str, Code]] = {name: {c.code: c for c in rows} for name, rows in sets.items()}
        self._children: dict[str, set[str]] = {}
        for name, rows in self._sets.items():
            self._children[name] = {c.parent_code for c in rows.values() if c.parent_code}
        # (dep_bgt_eco_code, eco_map_kind) → set of allowed gov_bgt_eco_code
        self._eco_map: dict[tuple[str, str], set[str]] = {}
        for dep, kind, gov in eco_map:
            self._eco_map.setdefault((dep, kind), set()).add(gov)

    # -- lookups -------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._sets)

    def get(self, code_set: str, code: str | None) -> Code | None:
        if code is None:
            return None
        return self._sets.get(code_set, {}).get(code)

    def rows(self, code_set: str) -> list[Code]:
        return list(self._sets.get(code_set, {}).values())

    def require(self, code_set: str, code: str | None, field: str, *, leaf: bool = False) -> Code:
        """The code, or a ValidationError naming the field and the code set."""
        if code is None or code == "":
            raise ValidationError("required", "必填字段为空", "required field is empty", field=field)
        found = self._sets.get(code_set, {}).get(code)
        if found is None:
            raise ValidationError("unknown_code", f"代码不在{CODE_SETS.get(code_set, code_set)}代码集中",
                                  f"code not in code set {code_set}", field=field, code=code)
        if leaf and self.has_children(code_set, code):
            raise ValidationError("not_leaf", f"须使用{CODE_SETS.get(code_set, code_set)}的末级科目",
                                  f"a leaf code of {code_set} is required", field=field, code=code)
        return found

    def has_children(self, code_set: str, code: str) -> bool:
        return code in self._children.get(code_set, set())

    # -- economic classification rules --------------------------------------------------------------
    def eco_map_kind(self, agency_type_code: str) -> str:
        """行政 or 事业: which half of the 部门→政府 mapping an agency type uses."""
        code = self.require("agency_type", agency_type_code, "agency_type_code")
        return code.attrs.get("eco_map_kind", "行政")

    def gov_eco_for(self, dep_bgt_eco_code: str, agency_type_code: str) -> set[str]:
        kind = self.eco_map_kind(agency_type_code)
        key = dep_bgt_eco_code if len(dep_bgt_eco_code) == 5 else dep_bgt_eco_code[:5]
        return set(self._eco_map.get((key, kind), set()))

    def check_eco_mapping(self, dep_bgt_eco_code: str, gov_bgt_eco_code: str, agency_type_code: str) -> None:
        """部门→政府 经济分类对照 (docs/standard/codesets.md §C6): the pair must be a valid mapping for the agency type."""
        allowed = self.gov_eco_for(dep_bgt_eco_code, agency_type_code)
        if gov_bgt_eco_code not in allowed:
            raise ValidationError(
                "eco_mapping", "部门经济分类与政府经济分类不匹配", "department/government economic codes do not map",
                field="gov_bgt_eco_code", dep_bgt_eco_code=dep_bgt_eco_code, gov_bgt_eco_code=gov_bgt_eco_code,
                agency_type_code=agency_type_code, allowed="/".join(sorted(allowed)) or "-")

    def sangong_kind(self, dep_bgt_eco_code: str) -> str:
        code = self.get("dep_bgt_eco", dep_bgt_eco_code)
        return code.attrs.get("sangong_kind", "") if code else ""

    def is_forbidden_eco(self, dep_bgt_eco_code: str) -> bool:
        code = self.get("dep_bgt_eco", dep_bgt_eco_code)
        return bool(code and code.flag("is_forbidden"))
