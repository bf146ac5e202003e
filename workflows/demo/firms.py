"""The pure part of the demo: firm records and their annual figures, from (seed, n_firms) alone.

No database and no clock: the same seed and size give the same USCCs, names and figures on any machine
and any day (``today`` only clips registration dates that would lie in the future). Shares are exact
quotas (largest remainder) rather than independent draws, so even a small demo has every district and
every rung of the ladder.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from workflows.demo.data import (
    ADJUSTMENT_DAY,
    BRAND_CHARS,
    CITY_AREA,
    DATA_END,
    DISTRICT_NAMES,
    DISTRICTS,
    FORMER_AREAS,
    INDUSTRIES,
    LEGAL_FORMS,
    REG_YEARS,
    STAGE_SHARES,
    STATUS_WEIGHTS,
    SURNAMES,
    USCC_PREFIX,
    YEARS,
)
from workflows.policy import default_policy
from workflows.rules.fields import clean_tags
from workflows.rules.scale import ScaleBasis, scale_rule
from workflows.rules.size_class import classify_size
from workflows.rules.uscc import CHARSET, make_uscc

STATUSES = ("active", "deregistered", "revoked", "moved_out")
BIG = ("above_scale", "joint_stock", "listed")
NEW_STYLE_FROM = date(2016, 1, 1)  # codes issued since carry an "MA…" body
SHORT_NAMES = {code: short for code, _, short, *_ in DISTRICTS}


@dataclass(slots=True)
class FirmRecord:
    """One generated firm: its `firms` row (without id and timestamps) and its indicator rows."""

    row: dict
    indicators: list[dict] = field(default_factory=list)
    scale_ready: bool = False  # a 小升规 declaration would pass on the latest figures
    near_scale: bool = False  # 临规: 80–100 % of the sector's threshold
    scale_basis: str = ""  # the sector's 规上 basis (revenue, qualification, all, none)


def allocate(rng: random.Random, weights: dict[str, float], n: int) -> list[str]:
    """Exactly n keys in proportion to the weights (largest remainder), in random order."""
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    keys = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(keys)
    return keys


ZERO = Decimal("0.00")


def money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


class FirmGenerator:
    def __init__(self, seed: int, *, today: date | None = None, taken: set[str] | None = None):
        self.rng = random.Random(seed)
        self.label_rng = random.Random(f"demo-labels:{seed}")  # apart, so the firms stay what they were
        self.policy = default_policy()
        self.last_day = min(DATA_END, today) if today else DATA_END
        self.used_codes: set[str] = set(taken or ())
        self.used_names: set[str] = set()
        groups = {"individual": 2, "enterprise": 3, "big": 4}
        self.industries = {}
        for group, col in groups.items():
            codes = [c for c, spec in INDUSTRIES.items() if spec[col] > 0]
            weights = [INDUSTRIES[c][col] for c in codes]
            self.industries[group] = _Picker(codes, weights)
        # size_class_for's lookup, done once per industry: it is the same classify_size afterwards.
        self.size_rows = {code: self.policy.classify_industry(code)[0] for code in INDUSTRIES}
        self.sectors = {}
        for code in INDUSTRIES:
            sector = scale_rule(self.policy, code)
            self.sectors[code] = (ScaleBasis(sector.basis), float(sector.threshold or 0))
        self.reg_years = {}
        for stage, (first, growth) in REG_YEARS.items():
            years = list(range(first, self.last_day.year + 1))
            self.reg_years[stage] = _Picker(years, [growth ** (y - first) for y in years])
        self.statuses = {stage: _Picker(STATUSES, w) for stage, w in STATUS_WEIGHTS.items()}

    # ----------------------------------------------------------------------------------------- firms

    def firms(self, n_firms: int) -> Iterator[FirmRecord]:
        stages = allocate(self.rng, STAGE_SHARES, n_firms)
        districts = allocate(self.rng, {code: w for code, *_, w in DISTRICTS}, n_firms)
        for stage, district in zip(stages, districts, strict=True):
            yield self.firm(stage, district)

    def firm(self, stage: str, district: str) -> FirmRecord:
        rng = self.rng
        industry = self.industries["big" if stage in BIG else stage].pick(rng)
        words, shops, *_, per_head, tag_odds, tech = INDUSTRIES[industry]
        registered_on = self.registered_on(stage)
        status = self.statuses[stage].pick(rng)
        legal_form = self.legal_form(stage, industry)
        abnormal = rng.random() < (0.6 if status == "revoked" else 0.04 if stage == "individual" else 0.025)
        record = FirmRecord(row={
            "uscc": self.uscc(legal_form, district, registered_on, stage),
            "name": self.name(stage, legal_form, district, words, shops),
            "legal_form": legal_form,
            "stage": stage,
            "district_code": district,
            "industry": industry,
            # In the order every other writer keeps (the import compares lists): a re-imported export is unchanged.
            "tags": clean_tags([tag for tag, p in tag_odds if rng.random() < p]),
            "registered_on": registered_on,
            "status": status,
            "abnormal": abnormal,
            "serious_violation": rng.random() < (0.2 if status == "revoked" else 0.004),
            "tech_sme": stage != "individual" and rng.random() < _tech_sme_odds(stage, tech),
            "high_tech": stage != "individual" and rng.random() < _high_tech_odds(stage, tech, industry),
        })
        row = record.row
        row["tech_sme_on"] = self.label_day(row["registered_on"]) if row["tech_sme"] else None
        row["high_tech_on"] = self.label_day(row["registered_on"]) if row["high_tech"] else None
        self.add_indicators(record, per_head, tech)
        latest = record.indicators[-1] if record.indicators else None
        record.row["size_class"] = str(classify_size(
            self.size_rows[industry], employees=latest and latest["employees"],
            revenue=latest and latest["revenue"], total_assets=latest and latest["total_assets"]))
        return record

    def label_day(self, registered_on: date) -> date:
        """When a 科技型/高新 label was granted: a year or more after registration, mostly since 2018."""
        first = max(registered_on + timedelta(days=365), date(2018, 1, 1))
        if first >= self.last_day:
            return self.last_day
        return first + timedelta(days=self.label_rng.randrange((self.last_day - first).days + 1))

    def registered_on(self, stage: str) -> date:
        year = self.reg_years[stage].pick(self.rng)
        start = date(year, 1, 1)
        end = min(date(year, 12, 31), self.last_day)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def legal_form(self, stage: str, industry: str) -> str:
        if stage == "individual":
            return "个体工商户"
        if stage in ("joint_stock", "listed"):
            return "股份有限公司"
        if industry.startswith("A") and stage == "enterprise" and self.rng.random() < 0.4:
            return "农民专业合作社"
        forms = LEGAL_FORMS[stage]
        return self.rng.choices([f for f, _ in forms], weights=[w for _, w in forms])[0]

    def uscc(self, legal_form: str, district: str, registered_on: date, stage: str) -> str:
        """A valid, unique code; its area is the registering authority's code at the time (§1.1)."""
        rng = self.rng
        area = district
        if registered_on < ADJUSTMENT_DAY and district in FORMER_AREAS:
            former, share = FORMER_AREAS[district]
            if rng.random() < share:
                area = former
        if registered_on < NEW_STYLE_FROM and stage != "individual" and rng.random() < (
                0.3 if stage in BIG else 0.08):
            area = CITY_AREA
        prefix = USCC_PREFIX.get(legal_form, "91")
        while True:
            if registered_on >= NEW_STYLE_FROM:
                body = "MA" + _base31(rng.getrandbits(30) % 887_503_681)  # 31**6 six-character bodies
            else:
                body = f"{rng.randrange(100_000_000):08d}"
            code = make_uscc(prefix, area, body)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def name(self, stage: str, legal_form: str, district: str, words, shops) -> str:
        rng = self.rng
        for _ in range(5):
            brand = "".join(rng.choices(BRAND_CHARS, k=2))
            word = rng.choice(words)
            short = SHORT_NAMES[district]
            if stage == "individual":
                owner = rng.choice(SURNAMES) + "记" if rng.random() < 0.5 else brand
                name = f"{DISTRICT_NAMES[district]}{owner}{rng.choice(shops or words)}"
            elif legal_form == "个人独资企业":
                name = f"杭州{short}{brand}{word}{rng.choice(('商行', '经营部', '厂'))}"
            elif legal_form == "合伙企业":
                name = f"杭州{brand}{word}合伙企业（有限合伙）"
            elif legal_form == "农民专业合作社":
                name = f"杭州{short}{brand}{word}专业合作社"
            else:
                suffix = "股份有限公司" if legal_form == "股份有限公司" else "有限公司"
                u = rng.random()
                place = "浙江" if u < (0.4 if stage in BIG else 0.08) else f"杭州{short}" if u > 0.8 else "杭州"
                name = f"{place}{brand}{word}{suffix}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        return name

    # ------------------------------------------------------------------------------------ indicators

    def add_indicators(self, record: FirmRecord, per_head: float, tech: bool) -> None:
        rng, row = self.rng, record.row
        stage, status = row["stage"], row["status"]
        years = [y for y in YEARS if y >= row["registered_on"].year]
        if status != "active":  # no annual report after the firm stopped trading
            years = years[: -2 if rng.random() < 0.5 else -1]
        missing_all, missing_one = {"individual": (0.15, 0.10), "enterprise": (0.03, 0.06)}.get(stage, (0, 0.01))
        u = rng.random()
        if u < missing_all:
            years = []
        elif u < missing_all + missing_one and len(years) > 1:
            years.remove(rng.choice(years))
        if not years:
            return
        basis, threshold = self.sectors[row["industry"]]
        record.scale_basis = basis
        by_revenue = basis is ScaleBasis.REVENUE
        revenue = self.latest_revenue(record, threshold if by_revenue else 1000.0, by_revenue)
        record.scale_ready = (revenue >= threshold) if by_revenue else stage == "enterprise"
        employees = max(1, round(revenue / per_head * rng.lognormvariate(0, 0.35)))
        employees = min(employees, 20) if stage == "individual" else employees + rng.randrange(5)
        floor = threshold * 1.01 if by_revenue and stage in BIG else 0.0
        figures = []
        for i, year in enumerate(reversed(years)):
            if i:
                revenue = max(floor, revenue / (1 + max(-0.2, min(0.5, rng.gauss(0.08, 0.15)))))
            figures.append((year, revenue))
        latest_revenue = figures[0][1]
        shape = self.shape(row, tech)
        for year, rev in reversed(figures):
            heads = max(1, round(employees * math.sqrt(rev / latest_revenue)))
            record.indicators.append(self.figures(shape, year, rev, heads))

    def latest_revenue(self, record: FirmRecord, threshold: float, by_revenue: bool) -> float:
        rng, stage = self.rng, record.row["stage"]
        if stage == "individual":
            return rng.uniform(100, 600) if rng.random() < 0.05 else min(rng.lognormvariate(math.log(25), 0.9), 400)
        if stage == "enterprise":
            u = rng.random()
            if by_revenue and u < 0.025:
                return threshold * rng.uniform(1.0, 1.35)
            if by_revenue and u < 0.10:
                record.near_scale = True
                return threshold * rng.uniform(0.8, 0.995)
            return min(threshold * rng.lognormvariate(math.log(0.08), 0.9), threshold * 0.79)
        if stage == "above_scale":
            return threshold * (1.02 + rng.lognormvariate(0, 0.8))
        if stage == "joint_stock":
            return threshold * (2 + rng.lognormvariate(math.log(5), 0.8))
        return 20000 + 30000 * rng.lognormvariate(0, 1)

    def shape(self, row: dict, tech: bool) -> tuple[float, ...]:
        """A firm's ratios to revenue (tax, margin, assets, R&D, R&D staff share, export): they persist."""
        rng = self.rng
        individual = row["stage"] == "individual"
        manufacturing = row["industry"].startswith("C")
        if individual or not (tech or manufacturing):
            rd, rd_share = 0.0, 0.0
        elif tech:
            rd, rd_share = rng.uniform(0.03, 0.12), rng.uniform(0.1, 0.4)
        else:
            rd, rd_share = rng.uniform(0, 0.03), rng.uniform(0, 0.1)
        exporter = not individual and (manufacturing or row["industry"] == "F51") and rng.random() < 0.3
        return (
            rng.uniform(0.0, 0.02) if individual else rng.uniform(0.01, 0.06),
            rng.gauss(0.06, 0.06),
            rng.uniform(0.3, 1.6),
            rd,
            rd_share,
            rng.uniform(0.05, 0.6) if exporter else 0.0,
        )

    def figures(self, shape: tuple[float, ...], year: int, revenue: float, employees: int) -> dict:
        tax, margin, assets, rd, rd_share, export = shape
        return {
            "year": year,
            "revenue": money(revenue),
            "tax": money(revenue * tax),
            "profit": money(revenue * (margin + self.rng.gauss(0, 0.03))),
            "employees": employees,
            "rd_expense": money(revenue * rd) if rd else ZERO,
            "rd_staff": round(employees * rd_share),
            "total_assets": money(revenue * assets),
            "export": money(revenue * export) if export else ZERO,
        }


def _base31(n: int) -> str:
    chars = []
    for _ in range(6):
        n, digit = divmod(n, 31)
        chars.append(CHARSET[digit])
    return "".join(chars)


class _Picker:
    """A weighted choice by bisection: random.choices is several times slower per call."""

    def __init__(self, items, weights):
        self.items, self.cum, total = list(items), [], 0.0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


def _tech_sme_odds(stage: str, tech: bool) -> float:
    if stage == "enterprise":
        return 0.2 if tech else 0.01
    return 0.25 if tech else 0.03


def _high_tech_odds(stage: str, tech: bool, industry: str) -> float:
    if stage == "enterprise":
        return 0.05 if tech else 0.003
    return 0.45 if tech else 0.12 if industry.startswith("C") else 0.02


def generate_firms(seed: int, n_firms: int, *, today: date | None = None,
                   taken: set[str] | None = None) -> Iterator[FirmRecord]:
    """The demo's firms in a fixed order: a pure function of (seed, n_firms), up to the date clip and
    to codes already `taken` in a register seeded before (those are drawn again)."""
    return FirmGenerator(seed, today=today, taken=taken).firms(n_firms)
