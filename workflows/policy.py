"""Policy data (thresholds, allow-lists, industry mapping) loaded from TOML and validated up front.

The numbers come from several documents of uneven certainty and will change (a new 划型 revision, a
confirmed medium row, a local rule), so they live in ``data/policy.toml`` rather than in code. Everything
is checked at load time so a typo in the file fails the process start with a message naming the key,
instead of misclassifying firms later. Top-level tables this module does not know are kept in
``Policy.extra`` untouched, so other parts of the system can add their own sections to the same file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from workflows.rules.scale import ScaleBasis
from workflows.rules.uscc import UsccError, normalise_uscc, validate_uscc

DEFAULT_PATH = Path(__file__).parent / "data" / "policy.toml"

INDICATORS = ("employees", "revenue", "total_assets")
SIZE_CLASSES = ("large", "medium", "small")  # highest first: the order 划型 is decided in

PREFIX_RE = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")
INDUSTRY_CODE_RE = re.compile(r"^[A-T]\d{2}(\d{1,2})?$")
INDUSTRY_FORMAT_MESSAGE = "行业代码格式应为门类字母加2–4位数字，如C39"

_KNOWN_TOP = {"version", "effective_year", "meta", "uscc", "size_rows", "scale_sectors", "industry", "pools",
              "eligibility"}


class PolicyError(ValueError):
    """The policy file is unreadable or inconsistent; the message names the offending key."""


@dataclass(frozen=True)
class SizeRow:
    """One 划型 row: per class, the lower bounds that must all be met. ``medium``/``large`` may be None
    where the source text was not confirmed."""

    key: str
    label_zh: str
    small: dict[str, Decimal]
    medium: dict[str, Decimal] | None = None
    large: dict[str, Decimal] | None = None

    def bounds(self, size_class: str) -> dict[str, Decimal] | None:
        return {"large": self.large, "medium": self.medium, "small": self.small}[str(size_class)]

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(name for name in INDICATORS if name in self.small)


@dataclass(frozen=True)
class ScaleSector:
    """A 规上/限上 sector: how a firm qualifies (``basis``) and, for revenue, the threshold in 万元."""

    key: str
    label_zh: str
    basis: ScaleBasis
    threshold: Decimal | None = None


@dataclass(frozen=True)
class IndustryMapping:
    prefix: str
    size: str | None
    scale: str


@dataclass(frozen=True)
class Policy:
    """Validated policy. The dicts are shared by every caller of ``default_policy()``: treat as read-only."""

    version: str
    effective_year: int
    uscc_allow_list: frozenset[str]
    size_rows: dict[str, SizeRow]
    scale_sectors: dict[str, ScaleSector]
    industry_map: dict[str, IndustryMapping]
    industry_sections: dict[str, tuple[int, int]]
    county_pool_total: int  # [pools] county_total: the plan's 县级培育库 total, split into district targets
    new_firm_months: int  # [eligibility] new_firm_months: the 新设 window in which no figures are needed
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def normalise_industry(self, code: str) -> str:
        """Return the upper-cased code, or raise ValueError (Chinese message) if it is not a GB/T 4754 code."""
        if not isinstance(code, str):
            raise ValueError(INDUSTRY_FORMAT_MESSAGE)
        code = code.strip().upper()
        if not INDUSTRY_CODE_RE.match(code):
            raise ValueError(INDUSTRY_FORMAT_MESSAGE)
        letter, division = code[0], int(code[1:3])
        if letter not in self.industry_sections:
            raise ValueError(f"行业代码{code}不合法：门类{letter}未在政策数据中定义")
        low, high = self.industry_sections[letter]
        if not low <= division <= high:
            raise ValueError(f"行业代码{code}不合法：门类{letter}的大类应在{low:02d}–{high:02d}之间")
        return code

    def classify_industry(self, code: str) -> tuple[SizeRow | None, ScaleSector]:
        """Longest-prefix lookup: deeper codes (K7020 物业管理) override their 大类 or 门类."""
        code = self.normalise_industry(code)
        for end in range(len(code), 0, -1):
            mapping = self.industry_map.get(code[:end])
            if mapping is not None:
                size = self.size_rows[mapping.size] if mapping.size else None
                return size, self.scale_sectors[mapping.scale]
        # Unreachable for a validated policy: every 大类 is covered at load time.
        raise ValueError(f"行业代码{code}在政策数据中没有对应的行业")


def normalise_industry(code: str, policy: Policy | None = None) -> str:
    """Module-level form of ``Policy.normalise_industry`` for callers (forms, imports) without a policy."""
    return (policy or default_policy()).normalise_industry(code)


# --------------------------------------------------------------------------------------------- loading


def load_policy(path: str | Path | None = None) -> Policy:
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"无法读取政策文件{path}：{exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path.name}：TOML语法错误：{exc}") from exc
    return parse_policy(data, source=path.name)


@cache
def default_policy() -> Policy:
    return load_policy()


def parse_policy(data: dict[str, Any], source: str = "policy") -> Policy:
    """Validate an already-parsed TOML document; ``source`` prefixes every error message."""
    try:
        return _parse(data)
    except PolicyError as exc:
        raise PolicyError(f"{source}：{exc}") from None


def _parse(data: dict[str, Any]) -> Policy:
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise PolicyError("缺少version（非空文本）")
    year = data.get("effective_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise PolicyError("缺少effective_year（整数年份）")
    size_rows = _parse_size_rows(_table(data, "size_rows"))
    sectors = _parse_sectors(_table(data, "scale_sectors"))
    industry = _table(data, "industry")
    sections = _parse_sections(_table(industry, "sections", "industry."))
    mapping = _parse_map(_table(industry, "map", "industry."), sections, size_rows, sectors)
    return Policy(
        version=version.strip(),
        effective_year=year,
        uscc_allow_list=_parse_allow_list(data.get("uscc", {})),
        size_rows=size_rows,
        scale_sectors=sectors,
        industry_map=mapping,
        industry_sections=sections,
        county_pool_total=_positive_int(_table(data, "pools"), "county_total", "pools", {"county_total"}),
        new_firm_months=_positive_int(_table(data, "eligibility"), "new_firm_months", "eligibility",
                                      {"new_firm_months"}),
        meta=dict(data.get("meta", {})),
        extra={k: v for k, v in data.items() if k not in _KNOWN_TOP},
    )


def _table(data: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"缺少表[{where}{key}]")
    return value


def _positive_int(table: dict[str, Any], key: str, where: str, allowed: set[str]) -> int:
    _check_keys(table, allowed, where)
    value = table.get(key)
    if type(value) is not int or value <= 0:
        raise PolicyError(f"{where}.{key}：应为正整数")
    return value


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PolicyError(f"{where}：未知键{', '.join(unknown)}（可用：{', '.join(sorted(allowed))}）")


def _label(table: dict[str, Any], where: str) -> str:
    label = table.get("label_zh")
    if not isinstance(label, str) or not label.strip():
        raise PolicyError(f"{where}：缺少label_zh")
    return label


def policy_amount(value: Any, where: str) -> Decimal:
    """A non-negative number of a policy table, as a Decimal (also for the tables other modules own)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{where}：应为数字，实为{value!r}")
    amount = Decimal(str(value))
    if amount < 0:
        raise PolicyError(f"{where}：不能为负数")
    return amount


def _parse_allow_list(table: Any) -> frozenset[str]:
    codes = table.get("allow_list", []) if isinstance(table, dict) else None
    if not isinstance(codes, list):
        raise PolicyError("uscc.allow_list应为代码列表")
    result = set()
    for code in codes:
        if not isinstance(code, str):
            raise PolicyError(f"uscc.allow_list：{code!r}不是文本")
        normalised = normalise_uscc(code)
        try:  # format checks still apply to allow-listed codes
            validate_uscc(normalised, allow_list={normalised})
        except UsccError as exc:
            raise PolicyError(f"uscc.allow_list：{code}：{exc}") from None
        result.add(normalised)
    return frozenset(result)


def _parse_bounds(value: Any, where: str) -> dict[str, Decimal]:
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"{where}：应为非空的指标表")
    for name in value:
        if name not in INDICATORS:
            raise PolicyError(f"{where}：未知指标“{name}”（可用：{', '.join(INDICATORS)}）")
    return {name: policy_amount(value[name], f"{where}.{name}") for name in INDICATORS if name in value}


def _parse_size_row(key: str, table: Any) -> SizeRow:
    where = f"size_rows.{key}"
    if not isinstance(table, dict):
        raise PolicyError(f"{where}：应为表")
    _check_keys(table, {"label_zh", *SIZE_CLASSES}, where)
    if "small" not in table:
        raise PolicyError(f"{where}：缺少small（微型的判断依赖它）")
    classes = {cls: _parse_bounds(table[cls], f"{where}.{cls}") for cls in SIZE_CLASSES if cls in table}
    # The "drop one class" rule only makes sense when classes are nested: same indicators, bounds that
    # never decrease going up. Anything else is a data-entry mistake.
    lower: tuple[str, dict[str, Decimal]] | None = None
    for cls in reversed(SIZE_CLASSES):
        bounds = classes.get(cls)
        if bounds is None:
            continue
        if set(bounds) != set(classes["small"]):
            raise PolicyError(f"{where}.{cls}：指标应与small相同（{', '.join(classes['small'])}）")
        if lower is not None:
            for name, bound in bounds.items():
                if bound < lower[1][name]:
                    raise PolicyError(f"{where}.{cls}.{name}：下限{bound}小于{lower[0]}的{lower[1][name]}")
        lower = (cls, bounds)
    return SizeRow(key=key, label_zh=_label(table, where), **classes)


def _parse_size_rows(table: dict[str, Any]) -> dict[str, SizeRow]:
    return {key: _parse_size_row(key, value) for key, value in table.items()}


def _parse_sector(key: str, table: Any) -> ScaleSector:
    where = f"scale_sectors.{key}"
    if not isinstance(table, dict):
        raise PolicyError(f"{where}：应为表")
    _check_keys(table, {"label_zh", "basis", "threshold"}, where)
    try:
        basis = ScaleBasis(table.get("basis"))
    except ValueError:
        allowed = ", ".join(b.value for b in ScaleBasis)
        raise PolicyError(f"{where}.basis：未知依据{table.get('basis')!r}（可用：{allowed}）") from None
    threshold = None
    if basis is ScaleBasis.REVENUE:
        if "threshold" not in table:
            raise PolicyError(f"{where}：basis为revenue时须给出threshold（万元）")
        threshold = policy_amount(table["threshold"], f"{where}.threshold")
    elif "threshold" in table:
        raise PolicyError(f"{where}：basis为{basis.value}时不应有threshold")
    return ScaleSector(key=key, label_zh=_label(table, where), basis=basis, threshold=threshold)


def _parse_sectors(table: dict[str, Any]) -> dict[str, ScaleSector]:
    return {key: _parse_sector(key, value) for key, value in table.items()}


def _parse_sections(table: dict[str, Any]) -> dict[str, tuple[int, int]]:
    sections: dict[str, tuple[int, int]] = {}
    taken: dict[int, str] = {}
    for letter, span in table.items():
        where = f"industry.sections.{letter}"
        if not re.fullmatch(r"[A-T]", letter):
            raise PolicyError(f"{where}：门类应为A–T中的一个字母")
        ok = isinstance(span, list) and len(span) == 2 and all(type(n) is int for n in span)
        if not ok or not 1 <= span[0] <= span[1] <= 99:
            raise PolicyError(f"{where}：应为[起始大类, 结束大类]，1–99")
        for division in range(span[0], span[1] + 1):
            if division in taken:
                raise PolicyError(f"{where}：大类{division:02d}已属于门类{taken[division]}")
            taken[division] = letter
        sections[letter] = (span[0], span[1])
    return sections


def _parse_map(
    table: dict[str, Any],
    sections: dict[str, tuple[int, int]],
    size_rows: dict[str, SizeRow],
    sectors: dict[str, ScaleSector],
) -> dict[str, IndustryMapping]:
    mapping: dict[str, IndustryMapping] = {}
    for prefix, entry in table.items():
        where = f"industry.map.{prefix}"
        if not PREFIX_RE.match(prefix):
            raise PolicyError(f"{where}：前缀应为门类字母加可选的2–4位数字，如C、C39、K7020")
        if prefix[0] not in sections:
            raise PolicyError(f"{where}：门类{prefix[0]}未在industry.sections中定义")
        low, high = sections[prefix[0]]
        if len(prefix) > 1 and not low <= int(prefix[1:3]) <= high:
            raise PolicyError(f"{where}：门类{prefix[0]}的大类应在{low:02d}–{high:02d}之间")
        if not isinstance(entry, dict):
            raise PolicyError(f"{where}：应为{{size = ..., scale = ...}}")
        _check_keys(entry, {"size", "scale"}, where)
        size, scale = entry.get("size"), entry.get("scale")
        if size is not None and size not in size_rows:
            raise PolicyError(f"{where}.size：划型行“{size}”不存在于size_rows")
        if scale not in sectors:
            raise PolicyError(f"{where}.scale：规上行业“{scale}”不存在于scale_sectors")
        mapping[prefix] = IndustryMapping(prefix=prefix, size=size, scale=scale)
    for letter, (low, high) in sections.items():
        for division in range(low, high + 1):
            if letter not in mapping and f"{letter}{division:02d}" not in mapping:
                raise PolicyError(f"industry.map：大类{letter}{division:02d}未被任何前缀覆盖")
    return mapping
