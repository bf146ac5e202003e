"""`growth_star_screening`: the 成长之星 candidates of the campaign year, ranked per district (DESIGN §6).

Run on 10 January of year Y (and on demand: a campaign's `screen`), it scores every eligible pool member
(`workflows.campaigns.eligibility`, `workflows.campaigns.scoring`) and flags the top
`candidate_factor × quota` (rounded up) of each district: a flag on the firm, period Y, scoped to the firm's
district, its reasons carrying every part of the score with its raw figures, the score and the rank. The
quotas and the factor are the campaign's when year Y has one, else the policy's defaults
(`[growth_star]`: the default total split by admitted county members, the default factor), so the
January run gives officers their candidates before city staff set the campaign up.

Once the year's campaign has opened nomination its candidate list is fixed: a later run (the schedule, a
rerun from the checks page) changes no flag of it and says so in its counts.
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import case, literal, select

from models import Campaign
from models.enums import FlagKind
from workflows.campaigns.eligibility import Context
from workflows.campaigns.quotas import propose_quotas, quota_map
from workflows.campaigns.scoring import PARTS, RANK_RULE, SCORE_RULE, placed
from workflows.campaigns.settings import star_policy
from workflows.checks.base import Check, CheckResult, count, hit
from workflows.checks.registry import register
from workflows.policy import Policy

SCREENABLE = ("draft", "screening")
FROZEN = "本年度评选已开始提名，候选名单不再变动"


def limits(quotas: dict[str, int], factor) -> dict[str, int]:
    """Candidates per district: factor × quota, rounded up."""
    return {district: math.ceil(factor * quota) for district, quota in quotas.items()}


def run(session, today: date, policy: Policy) -> CheckResult:
    year = today.year
    campaign = session.scalar(select(Campaign).where(Campaign.year == year))
    if campaign is not None and campaign.state not in SCREENABLE:
        return CheckResult(skipped={FROZEN: 1})
    star = star_policy(policy)
    if campaign is not None:
        quotas, factor = quota_map(campaign), campaign.candidate_factor
    else:
        quotas, factor = propose_quotas(session, star.default_total), star.candidate_factor
    ctx = Context(today, year)
    table = placed(ctx, star.weights, cte=True)
    c = table.c
    places = case(limits(quotas, factor), value=c.district_code, else_=0)
    chosen = select(c.firm_id).where(c.rank <= places)

    def flagged(rule: str, value, threshold):
        return hit(chosen, kind=FlagKind.GROWTH_STAR, subject_type="firm", subject_id=c.firm_id, firm_id=c.firm_id,
                   district_code=c.district_code, period=literal(str(year)), rule=rule, value=value,
                   threshold=threshold, year=literal(ctx.figures_year))

    hits = [flagged(RANK_RULE, c.rank, c.eligible), flagged(SCORE_RULE, c.score, literal(100))]
    for p in PARTS:
        hits.append(flagged(p.rule, c[f"{p.code}_value"], c[f"{p.code}_base"]))
        hits.append(flagged(p.points_rule, c[f"{p.code}_points"], literal(float(star.weights[p.key]))))
    return CheckResult(hits=hits, kinds=(FlagKind.GROWTH_STAR,), examined=count(session, select(c.firm_id)))


CHECK = register(Check(
    "growth_star_screening", "成长之星候选筛选",
    "按营业收入、纳税、从业人员增长和研发投入强度、研发人员占比在全市的百分位计分，"
    "每个区县得分前列（候选倍数×名额）的在库企业列为成长之星候选",
    run, kinds=(FlagKind.GROWTH_STAR,),
))
