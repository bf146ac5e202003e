"""A flag's reasons in words, as an officer reads them ("2025年营业收入1,850万元，达到规上标准2,000万元的92.5%").

One registry, rule name -> sentence builder; every check adds its rules here. A reason whose rule is not
registered still reads as something (its rule and figures), never as an error.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation


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


def describe_all(reasons: list[dict] | None) -> list[str]:
    return [describe(r) for r in reasons or []]
