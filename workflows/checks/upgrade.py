"""`upgrade_candidates`: firms whose latest figures put them within reach of the next rung (DESIGN §5).

- 个转企: an individual business at or over the policy's revenue or staff line;
- 小升规 临规 / 达标: a 规下 enterprise at ≥ `near_scale_share` / ≥ 100 % of its sector's 规上/限上 revenue
  threshold (sectors whose rule is not a revenue line — 建筑业's qualification — are not measured here);
- 规改股: a 规上 有限责任公司 at or over the policy's revenue;
- 上市后备: a 股份有限公司 at or over both the policy's revenue and net profit.

Only 存续 firms, on their latest year of figures within the policy's window; a firm already running an
open case of that rung is not flagged (the case is the work). Firms without figures are counted as skipped.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, exists, func, literal, null, select

from models import AnnualIndicator, Firm, UpgradeCase
from models.enums import CaseKind, FirmStatus, FlagKind, Stage
from workflows.checks.base import Check, CheckResult, count, figures_window, hit, latest_figures
from workflows.checks.registry import register
from workflows.checks.settings import checks_policy
from workflows.policy import Policy
from workflows.rules.scale import ScaleBasis

LIMITED = "有限责任公司"
KIND_CASE = {
    FlagKind.IND_TO_ENT: CaseKind.IND_TO_ENT,
    FlagKind.NEAR_SCALE: CaseKind.SMALL_TO_SCALE,
    FlagKind.SCALE_READY: CaseKind.SMALL_TO_SCALE,
    FlagKind.SCALE_TO_STOCK: CaseKind.SCALE_TO_STOCK,
    FlagKind.LISTING_RESERVE: CaseKind.STOCK_TO_LISTED,
}


def scale_threshold(policy: Policy, industry):
    """The 规上/限上 revenue line of a firm's sector as SQL: the policy's industry map, longest prefix first
    (as `Policy.classify_industry` reads it), NULL where the sector's rule is not a revenue line."""
    def line(key: str):
        sector = policy.scale_sectors[policy.industry_map[key].scale]
        return sector.threshold if ScaleBasis(sector.basis) is ScaleBasis.REVENUE else None

    whens = []
    for length in sorted({len(k) for k in policy.industry_map}, reverse=True):
        by_line: dict = {}
        for key in policy.industry_map:
            if len(key) == length:
                by_line.setdefault(line(key), []).append(key)
        for threshold, keys in by_line.items():
            whens.append((func.substr(industry, 1, length).in_(sorted(keys)),
                          literal(threshold) if threshold is not None else null()))
    return case(*whens, else_=null())


def figures(policy: Policy, today: date, max_age_years: int):
    """Every active, unlisted firm with its latest figures and its sector's 规上 line: one CTE, computed once
    for all the rules below (each rule re-deriving it from the 3·N figures cost 7× the work)."""
    latest = latest_figures(today, max_age_years)
    a = AnnualIndicator
    return (select(Firm.id, Firm.district_code, Firm.stage, Firm.legal_form, a.year, a.revenue, a.employees,
                   a.profit, scale_threshold(policy, Firm.industry).label("line"))
            .join(latest, latest.c.firm_id == Firm.id)
            .join(a, and_(a.firm_id == Firm.id, a.year == latest.c.year))
            .where(Firm.status == FirmStatus.ACTIVE, Firm.stage != Stage.LISTED)
            .cte("figures"))


def run(session, today: date, policy: Policy) -> CheckResult:
    settings = checks_policy(policy)
    rules = settings.upgrade
    f = figures(policy, today, settings.figures_max_age_years).c
    base = select(f.id)

    def no_open_case(kind: FlagKind):
        return ~exists().where(UpgradeCase.firm_id == f.id, UpgradeCase.kind == KIND_CASE[kind],
                               UpgradeCase.is_open.is_(True))

    def flagged(kind: FlagKind, *where, rule: str, value, threshold):
        return hit(base.where(*where, no_open_case(kind)), kind=kind, subject_type="firm", subject_id=f.id,
                   firm_id=f.id, district_code=f.district_code, period=f.year, rule=rule, value=value,
                   threshold=threshold, year=f.year)

    individual = f.stage == Stage.INDIVIDUAL
    below_scale = and_(f.stage == Stage.ENTERPRISE, f.line.is_not(None))
    near = rules["near_scale_share"]
    stock = and_(f.stage == Stage.ABOVE_SCALE, f.legal_form == LIMITED)
    listing = and_(f.stage == Stage.JOINT_STOCK, f.revenue >= rules["listing_reserve_revenue"],
                   f.profit >= rules["listing_reserve_profit"])
    hits = [
        flagged(FlagKind.IND_TO_ENT, individual, f.revenue >= rules["ind_to_ent_revenue"],
                rule="ind_to_ent.revenue", value=f.revenue, threshold=rules["ind_to_ent_revenue"]),
        flagged(FlagKind.IND_TO_ENT, individual, f.employees >= rules["ind_to_ent_employees"],
                rule="ind_to_ent.employees", value=f.employees, threshold=rules["ind_to_ent_employees"]),
        flagged(FlagKind.SCALE_READY, below_scale, f.revenue >= f.line,
                rule="scale.revenue", value=f.revenue, threshold=f.line),
        flagged(FlagKind.NEAR_SCALE, below_scale, f.revenue < f.line, f.revenue >= f.line * near,
                rule="scale.revenue", value=f.revenue, threshold=f.line),
        flagged(FlagKind.SCALE_TO_STOCK, stock, f.revenue >= rules["scale_to_stock_revenue"],
                rule="stock.revenue", value=f.revenue, threshold=rules["scale_to_stock_revenue"]),
        flagged(FlagKind.LISTING_RESERVE, listing, rule="listing.revenue", value=f.revenue,
                threshold=rules["listing_reserve_revenue"]),
        flagged(FlagKind.LISTING_RESERVE, listing, rule="listing.profit", value=f.profit,
                threshold=rules["listing_reserve_profit"]),
    ]
    candidates = select(Firm.id).where(Firm.status == FirmStatus.ACTIVE, Firm.stage != Stage.LISTED)
    low, high = figures_window(today, settings.figures_max_age_years)
    examined = count(session, candidates)
    with_figures = count(session, candidates.where(exists().where(
        AnnualIndicator.firm_id == Firm.id, AnnualIndicator.year.between(low, high))))
    return CheckResult(hits=hits, kinds=tuple(KIND_CASE), examined=examined,
                       skipped={"近两年无年度数据": examined - with_figures} if examined > with_figures else {})


CHECK = register(Check(
    "upgrade_candidates", "升级候选检查",
    "按最近一年的年度数据，找出个转企、小升规（临规/达标）、规改股和上市后备候选企业",
    run, kinds=tuple(KIND_CASE),
))
