"""The 成长之星 score in set-based SQL (DESIGN §6): five parts, each a percentile within the city.

For every eligible firm (`eligibility.eligible_rows`) each part's measure is computed from its figures —
revenue, tax and employment growth from Y−2 to Y−1, R&D intensity (研发费用 / 营业收入) and R&D staff share
(研发人员 / 从业人员) in Y−1 — and ranked across the whole city with PERCENT_RANK (window functions, the same
on SQLite ≥ 3.25 and PostgreSQL): 0 for the lowest, 1 for the highest, equal measures sharing a rank. A
measure that cannot be computed (a base of zero or a figure not given) ranks lowest. A part's points are
its percentile times its weight (`[growth_star.weights]`, summing to 100), the score their sum (0–100,
kept to four decimals), and the firms of each district are ranked by score, ties by the older firm record.

`placed(ctx, weights)` is that whole computation as one subquery, read by the screening check (the top of
each district become flags, one reason per figure, part, score and rank) and by a nomination (one firm's
score, `score_of`). A part's reasons: `star.<part>` carries the raw figures (this year's and the one it
is compared with), `star.<part>.pts` the points and the weight; `star.score` and `star.rank` (the rank,
and how many eligible firms the district has) follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, case, cast, func, literal, select

from models import Firm
from workflows.campaigns.eligibility import Context, Frame, eligible_rows, frame
from workflows.campaigns.settings import PART_NAMES


def growth(now, before):
    return case(((before > 0) & now.is_not(None), (now - before) * 1.0 / before), else_=None)


def share(part, whole):
    return case(((whole > 0) & part.is_not(None), part * 1.0 / whole), else_=None)


@dataclass(frozen=True)
class Part:
    key: str  # the policy's weight key
    code: str  # short, for the reasons' rule names (a flag keeps its rules in 200 characters)
    value: Callable[[Frame], object]  # the figure the part is about
    base: Callable[[Frame], object]  # what it is compared with (last year's, or the whole it is a share of)
    measure: Callable[[object, object], object]  # (value, base) -> the measure ranked

    @property
    def label(self) -> str:
        return PART_NAMES[self.key]

    @property
    def rule(self) -> str:
        return f"star.{self.code}"

    @property
    def points_rule(self) -> str:
        return f"star.{self.code}.pts"


PARTS = (
    Part("revenue_growth", "rev", lambda f: f.now.revenue, lambda f: f.prior.revenue, growth),
    Part("tax_growth", "tax", lambda f: f.now.tax, lambda f: f.prior.tax, growth),
    Part("employment_growth", "emp", lambda f: f.now.employees, lambda f: f.prior.employees, growth),
    Part("rd_intensity", "rd", lambda f: f.now.rd_expense, lambda f: f.now.revenue, share),
    Part("rd_staff_share", "rds", lambda f: f.now.rd_staff, lambda f: f.now.employees, share),
)
SCORE_RULE, RANK_RULE = "star.score", "star.rank"


def rounded(value, places: int = 4):
    """Rounded on both databases alike (PostgreSQL rounds numerics, not doubles)."""
    return func.round(cast(value, Numeric), places)


def placed(ctx: Context, weights: dict[str, Decimal], *, cte: bool = False):
    """Every eligible firm with its figures, points, score, rank in its district and the district's count.
    As a CTE (`cte=True`) when several statements read it, as the screening's hits do: computed once."""
    f = frame()
    measured = eligible_rows(
        f, ctx, Firm.id.label("firm_id"), Firm.district_code.label("district_code"),
        *(col for p in PARTS for col in (p.value(f).label(f"{p.code}_value"), p.base(f).label(f"{p.code}_base"),
                                         p.measure(p.value(f), p.base(f)).label(f"{p.code}_m"))),
    ).subquery("measured")
    m = measured.c
    raw = {p.code: func.percent_rank().over(order_by=m[f"{p.code}_m"].asc().nulls_first()) * float(weights[p.key])
           for p in PARTS}
    total = sum(raw.values(), literal(0.0))
    scored = select(
        m.firm_id, m.district_code,
        *(m[f"{p.code}_{end}"] for p in PARTS for end in ("value", "base")),
        *(rounded(raw[p.code]).label(f"{p.code}_points") for p in PARTS),
        rounded(total).label("score"),
    ).subquery("scored")
    s = scored.c
    ranked = select(
        s,
        func.row_number().over(partition_by=s.district_code, order_by=(s.score.desc(), s.firm_id)).label("rank"),
        func.count().over(partition_by=s.district_code).label("eligible"),
    )
    return ranked.cte("placed") if cte else ranked.subquery("placed")


def score_of(session, firm_id: int, ctx: Context, weights: dict[str, Decimal]) -> dict | None:
    """One firm's score as the screening computes it (its row among the whole city's), or None when it is
    not eligible."""
    table = placed(ctx, weights)
    row = session.execute(select(table).where(table.c.firm_id == firm_id)).mappings().first()
    return dict(row) if row is not None else None


def reasons_of(row: dict, ctx: Context, weights: dict[str, Decimal]) -> list[dict]:
    """A scored row's reasons, exactly as the screening's flag carries them (sorted by rule)."""
    year = ctx.figures_year
    out = [{"rule": RANK_RULE, "value": row["rank"], "threshold": row["eligible"], "year": year},
           {"rule": SCORE_RULE, "value": _plain(row["score"]), "threshold": 100, "year": year}]
    for p in PARTS:
        out.append({"rule": p.rule, "value": _plain(row[f"{p.code}_value"]), "threshold": _plain(row[f"{p.code}_base"]),
                    "year": year})
        out.append({"rule": p.points_rule, "value": _plain(row[f"{p.code}_points"]),
                    "threshold": _plain(weights[p.key]), "year": year})
    return sorted(out, key=lambda r: r["rule"])


def _plain(value):
    """As the flags' JSON holds figures: numbers, never Decimal objects."""
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def card(reasons: list[dict] | None) -> dict:
    """A flag's or an entry's reasons as one structure for pages and the API: the score, the rank among the
    district's eligible firms, and per part its figures, points, weight and percentile (points ÷ weight)."""
    found = {r.get("rule"): r for r in reasons or []}
    score, rank = found.get(SCORE_RULE, {}), found.get(RANK_RULE, {})
    parts = {}
    for p in PARTS:
        figures, points = found.get(p.rule, {}), found.get(p.points_rule, {})
        weight, got = points.get("threshold"), points.get("value")
        parts[p.key] = {
            "label": p.label, "value": figures.get("value"), "base": figures.get("threshold"),
            "points": got, "weight": weight,
            "percentile": round(float(got) / float(weight) * 100, 1) if got is not None and weight else None,
        }
    return {"score": score.get("value"), "rank": rank.get("value"), "eligible": rank.get("threshold"),
            "year": score.get("year"), "parts": parts}
