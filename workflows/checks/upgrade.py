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
from workflows.checks.base import Check, CheckResult, count, hit, latest_figures
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


def _no_open_case(kind: FlagKind):
    return ~exists().where(UpgradeCase.firm_id == Firm.id, UpgradeCase.kind == KIND_CASE[kind],
                           UpgradeCase.is_open.is_(True))


def run(session, today: date, policy: Policy) -> CheckResult:
    settings = checks_policy(policy)
    rules = settings.upgrade
    latest = latest_figures(today, settings.figures_max_age_years)
    a = AnnualIndicator
    base = (select(Firm.id)
            .join(latest, latest.c.firm_id == Firm.id)
            .join(a, and_(a.firm_id == Firm.id, a.year == latest.c.year))
            .where(Firm.status == FirmStatus.ACTIVE, Firm.stage != Stage.LISTED))

    def flagged(kind: FlagKind, *where, rule: str, value, threshold):
        return hit(base.where(*where, _no_open_case(kind)), kind=kind, subject_type="firm", subject_id=Firm.id,
                   firm_id=Firm.id, district_code=Firm.district_code, period=a.year, rule=rule, value=value,
                   threshold=threshold, year=a.year)

    individual = Firm.stage == Stage.INDIVIDUAL
    line = scale_threshold(policy, Firm.industry)
    below_scale = and_(Firm.stage == Stage.ENTERPRISE, line.is_not(None))
    near = rules["near_scale_share"]
    stock = and_(Firm.stage == Stage.ABOVE_SCALE, Firm.legal_form == LIMITED)
    listing = and_(Firm.stage == Stage.JOINT_STOCK, a.revenue >= rules["listing_reserve_revenue"],
                   a.profit >= rules["listing_reserve_profit"])
    hits = [
        flagged(FlagKind.IND_TO_ENT, individual, a.revenue >= rules["ind_to_ent_revenue"],
                rule="ind_to_ent.revenue", value=a.revenue, threshold=rules["ind_to_ent_revenue"]),
        flagged(FlagKind.IND_TO_ENT, individual, a.employees >= rules["ind_to_ent_employees"],
                rule="ind_to_ent.employees", value=a.employees, threshold=rules["ind_to_ent_employees"]),
        flagged(FlagKind.SCALE_READY, below_scale, a.revenue >= line,
                rule="scale.revenue", value=a.revenue, threshold=line),
        flagged(FlagKind.NEAR_SCALE, below_scale, a.revenue < line, a.revenue >= line * near,
                rule="scale.revenue", value=a.revenue, threshold=line),
        flagged(FlagKind.SCALE_TO_STOCK, stock, a.revenue >= rules["scale_to_stock_revenue"],
                rule="stock.revenue", value=a.revenue, threshold=rules["scale_to_stock_revenue"]),
        flagged(FlagKind.LISTING_RESERVE, listing, rule="listing.revenue", value=a.revenue,
                threshold=rules["listing_reserve_revenue"]),
        flagged(FlagKind.LISTING_RESERVE, listing, rule="listing.profit", value=a.profit,
                threshold=rules["listing_reserve_profit"]),
    ]
    candidates = select(Firm.id).where(Firm.status == FirmStatus.ACTIVE, Firm.stage != Stage.LISTED)
    examined = count(session, candidates)
    with_figures = count(session, base)
    return CheckResult(hits=hits, kinds=tuple(KIND_CASE), examined=examined,
                       skipped={"近两年无年度数据": examined - with_figures} if examined > with_figures else {})


CHECK = register(Check(
    "upgrade_candidates", "升级候选检查",
    "按最近一年的年度数据，找出个转企、小升规（临规/达标）、规改股和上市后备候选企业",
    run, kinds=tuple(KIND_CASE),
))
