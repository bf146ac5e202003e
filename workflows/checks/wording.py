"""A flag's reasons in words, as an officer reads them ("2025年营业收入1,850万元，达到规上标准2,000万元的92.5%").

One registry, rule name -> sentence builder; every check adds its rules here. A reason whose rule is not
registered still reads as something (its rule and figures), never as an error.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def money(value) -> str:
    """万元 with thousands separators and at most two decimals, trailing zeros dropped."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return text


def whole(value) -> str:
    amount = _decimal(value)
    return "—" if amount is None else f"{int(amount):,}"


def percent(value, threshold) -> str:
    amount, line = _decimal(value), _decimal(threshold)
    if amount is None or not line:
        return "—"
    return f"{(amount / line * 100).quantize(Decimal('0.1'))}%"


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _year(reason: dict) -> str:
    return f"{reason['year']}年" if reason.get("year") else ""


def _on(reason: dict) -> str:
    """"（2026-10-12）" from a day carried as the number YYYYMMDD; "" when the day is not known."""
    day = _decimal(reason.get("value"))
    if day is None:
        return ""
    text = f"{int(day):08d}"
    return f"（{text[:4]}-{text[4:6]}-{text[6:]}）"


def share(value, threshold) -> str:
    """A percentage to one decimal; two where one would round it onto the line it is compared with."""
    amount, line = _decimal(value), _decimal(threshold)
    if amount is None:
        return "—"
    text = amount.quantize(Decimal("0.1"), ROUND_HALF_UP)  # 四舍五入, as officers round
    if line is not None and amount != line and text == line:
        text = amount.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{text}%"


CHINESE_COUNTS = {2: "两", 3: "三", 4: "四", 5: "五"}


def _no_figures(reason: dict) -> str:
    years, last = int(_decimal(reason["value"])), int(reason["year"])
    listed = "、".join(str(y) for y in range(last - years + 1, last + 1))
    return f"{listed}年连续{CHINESE_COUNTS.get(years, str(years))}年无年度数据"


def _district_changed(reason: dict) -> str:
    return (f"企业所属区县已变更（{whole(reason['threshold']).replace(',', '')}→"
            f"{whole(reason['value']).replace(',', '')}），不再属于本县级库的区县")


def _change(now, before) -> str:
    """"增长12.5%" / "下降3.0%" from two figures; what cannot be compared says why (it ranks lowest)."""
    a, b = _decimal(now), _decimal(before)
    if a is None or b is None:
        return "数据不全，无法比较（按最低计）"
    if b <= 0:
        return "上年为零，无法计算增长率（按最低计）"
    rate = ((a - b) / b * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"增长{rate}%" if rate >= 0 else f"下降{-rate}%"


def _portion(part, whole) -> str:
    a, b = _decimal(part), _decimal(whole)
    if a is None or b is None or b <= 0:
        return "无法计算（按最低计）"
    return f"{(a / b * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _figure(reason: dict, unit: str) -> str:
    return f"{money(reason['value'])}万元" if unit == "万元" else f"{whole(reason['value'])}人"


def _star_growth(name: str, unit: str):
    def sentence(r: dict) -> str:
        before = f"{money(r['threshold'])}万元" if unit == "万元" else f"{whole(r['threshold'])}人"
        return f"{_year(r)}{name}{_figure(r, unit)}，上年{before}，{_change(r['value'], r['threshold'])}"
    return sentence


def _star_share(name: str, whole_name: str, unit: str):
    def sentence(r: dict) -> str:
        base = f"{money(r['threshold'])}万元" if unit == "万元" else f"{whole(r['threshold'])}人"
        return f"{_year(r)}{name}{_figure(r, unit)}，占{whole_name}{base}的{_portion(r['value'], r['threshold'])}"
    return sentence


def _star_points(name: str):
    def sentence(r: dict) -> str:
        points, weight = _decimal(r["value"]), _decimal(r["threshold"])
        rank = (points / weight * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if points is not None and weight else None
        return (f"{name}在全市位于第{rank if rank is not None else '—'}百分位，"
                f"得{points.quantize(Decimal('0.01'), ROUND_HALF_UP) if points is not None else '—'}分"
                f"（满分{money(r['threshold'])}）")
    return sentence


STAR_PARTS = {"rev": "营业收入增长率", "tax": "纳税总额增长率", "emp": "从业人员增长率", "rd": "研发投入强度",
              "rds": "研发人员占比"}

Sentence = Callable[[dict], str]

SENTENCES: dict[str, Sentence] = {
    "ind_to_ent.revenue": lambda r: (f"{_year(r)}营业收入{money(r['value'])}万元，"
                                     f"达到个转企参考线{money(r['threshold'])}万元"),
    "ind_to_ent.employees": lambda r: (f"{_year(r)}从业人员{whole(r['value'])}人，"
                                       f"达到个转企参考线{whole(r['threshold'])}人"),
    "scale.revenue": lambda r: (f"{_year(r)}营业收入{money(r['value'])}万元，"
                                f"达到规上标准{money(r['threshold'])}万元的{percent(r['value'], r['threshold'])}"),
    "stock.revenue": lambda r: (f"{_year(r)}营业收入{money(r['value'])}万元，"
                                f"达到规改股参考线{money(r['threshold'])}万元"),
    "listing.revenue": lambda r: (f"{_year(r)}营业收入{money(r['value'])}万元，"
                                  f"达到上市后备参考线{money(r['threshold'])}万元"),
    "listing.profit": lambda r: (f"{_year(r)}净利润{money(r['value'])}万元，"
                                 f"达到上市后备参考线{money(r['threshold'])}万元"),
    # pool_hygiene: removal
    "removal.deregistered": lambda r: f"企业已注销{_on(r)}",
    "removal.revoked": lambda r: f"企业已被吊销营业执照{_on(r)}",
    "removal.moved_out": lambda r: f"企业已迁出{_on(r)}",
    "removal.abnormal": lambda r: f"企业已列入经营异常名录{_on(r)}",
    "removal.violation": lambda r: f"企业已列入严重违法失信名单{_on(r)}",
    "removal.district_changed": _district_changed,
    "removal.no_figures": _no_figures,
    "removal.revenue_drop": lambda r: (f"{_year(r)}营业收入较上年下降{share(r['value'], r['threshold'])}，"
                                       f"超过{money(r['threshold'])}%"),
    "removal.revenue_drop_prior": lambda r: (f"{_year(r)}营业收入较上年下降{share(r['value'], r['threshold'])}，"
                                             f"连续两年超过{money(r['threshold'])}%"),
    # pool_hygiene: graduation
    "graduation.scaled_up": lambda r: "企业已升为规上企业，可从小微企业培育库毕业",
    "graduation.medium": lambda r: "企业划型已为中型企业，超出小微企业范围",
    "graduation.large": lambda r: "企业划型已为大型企业，超出小微企业范围",
    # overdue_cases
    "overdue.case": lambda r: f"已在当前环节停留{whole(r['value'])}天，超过时限{whole(r['threshold'])}天",
    "overdue.nomination": lambda r: f"推荐已等待审核{whole(r['value'])}天，超过时限{whole(r['threshold'])}天",
    # growth_star_screening: each part's figures, its points, the score and the rank
    "star.rev": _star_growth("营业收入", "万元"),
    "star.tax": _star_growth("纳税总额", "万元"),
    "star.emp": _star_growth("从业人员", "人"),
    "star.rd": _star_share("研发费用", "营业收入", "万元"),
    "star.rds": _star_share("研发人员", "从业人员", "人"),
    **{f"star.{code}.pts": _star_points(name) for code, name in STAR_PARTS.items()},
    "star.score": lambda r: f"综合得分{_decimal(r['value']).quantize(Decimal('0.01'), ROUND_HALF_UP)}分（满分100）",
    "star.rank": lambda r: f"在本区县{whole(r['threshold'])}家符合条件的在库企业中排名第{whole(r['value'])}",
}


def register_sentence(rule: str, sentence: Sentence) -> None:
    if rule in SENTENCES:
        raise ValueError(f"rule {rule!r} worded twice")
    SENTENCES[rule] = sentence


def describe(reason: dict) -> str:
    sentence = SENTENCES.get(reason.get("rule", ""))
    if sentence is not None:
        try:
            return sentence(reason)
        except (KeyError, TypeError):
            pass
    figures = "，".join(f"{k}={v}" for k, v in reason.items() if k != "rule" and v is not None)
    return f"{reason.get('rule', '未知规则')}：{figures}"


# Where a flag's reasons (stored sorted by rule) read better in another order; other rules keep theirs.
READING_ORDER = {rule: i for i, rule in enumerate(
    ["star.rank", "star.score", *(f"star.{code}{end}" for code in STAR_PARTS for end in ("", ".pts"))])}


def describe_all(reasons: list[dict] | None) -> list[str]:
    ordered = sorted(reasons or [], key=lambda r: READING_ORDER.get(r.get("rule"), len(READING_ORDER)))
    return [describe(r) for r in ordered]


def _star_summary(reasons: list[dict]) -> list[str]:
    """A 成长之星 candidate in a list: rank and score, then the five parts' points in one line."""
    found = {r.get("rule"): r for r in reasons}
    head = [describe(found[rule]) for rule in ("star.rank", "star.score") if rule in found]
    parts = [f"{name}{_decimal(found[f'star.{code}.pts']['value']).quantize(Decimal('0.1'), ROUND_HALF_UP)}/"
             f"{money(found[f'star.{code}.pts']['threshold'])}"
             for code, name in STAR_PARTS.items() if f"star.{code}.pts" in found]
    return head + (["各项得分：" + "、".join(parts)] if parts else [])


# Kinds whose flags carry many reasons: a list shows this summary, the flag's own page every reason.
SUMMARIES: dict[str, Callable[[list[dict]], list[str]]] = {"growth_star": _star_summary}


def summarise(kind: str, reasons: list[dict] | None) -> list[str]:
    summary = SUMMARIES.get(kind)
    if summary is not None and reasons:
        try:
            return summary(reasons)
        except (KeyError, TypeError, AttributeError):
            pass
    return describe_all(reasons)
