"""Demo 成长之星 campaigns: last year's, published, and this year's, open for nominations.

A campaign holds tens of entries, not tens of thousands, so both are walked through the real engine with
their moments in the past (`create_campaign`, `act`, `entries.nominate`, `entries.act`, the screening
run executed as the scheduler would): their audit trails, flags, quotas and honours are exactly what the
pages would have produced, and every rule holds by construction.

- Last year (Y−1): screened late in its year (the register "went live" two years ago, so only members
  admitted in its first weeks have a full year in the pool by then), nominated by every district with
  candidates (one nomination withdrawn, one non-candidate with a written reason), reviewed (a few declined
  with reasons), sent back once by the leader, approved and published a few weeks before today;
- this year (Y): screened three weeks ago, nominating until three weeks from today, about two districts in
  three having nominated (some to their full quota).

Totals scale with the eligible members (at least one place per district). Deterministic by seed.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from models import Campaign, CheckRun, Firm, Flag
from workflows.campaigns import entries as entry_flow
from workflows.campaigns.eligibility import Context, eligible_rows, frame
from workflows.campaigns.queries import candidates, rank_of
from workflows.campaigns.workflow import act, create_campaign
from workflows.checks.runs import begin_run, execute_run
from workflows.timefmt import local_date, utc_start_of

DECLINE = ("研发投入数据与年报不一致，暂不入围", "增长主要来自一次性大额订单，可持续性不足", "纳税增长依据材料不全")
EXTRA_REASONS = ("出口订单连续两年翻番，区里重点培育", "新获国家级专精特新“小巨人”认定，成长性突出")
SEND_BACK = "请再核实上城区、余杭区入围企业的研发人员数据后报批"


def at(day: date, rng: random.Random) -> datetime:
    """A moment in office hours (09:00–17:00 Hangzhou) on `day`, stored as UTC."""
    return utc_start_of(day) + timedelta(hours=9, seconds=rng.randrange(8 * 3600))


def eligible(session, reference: date, year: int) -> int:
    return session.scalar(select(func.count()).select_from(
        eligible_rows(frame(), Context(reference, year), Firm.id).subquery())) or 0


def seed_campaigns(session, users: dict, *, seed: int, now: datetime) -> list[Campaign]:
    """Last year's campaign (when the register has members a full year in the pool by then) and this
    year's; a year that already has one (a second seed on the same register) is left as it is."""
    rng = random.Random(f"demo-campaigns:{seed}")
    today = local_date(now)
    taken = set(session.scalars(select(Campaign.year)))
    made = []
    if today.year - 1 not in taken:
        made.append(_published(session, users, rng, today.year - 1, today))
    if today.year not in taken:
        made.append(_nominating(session, users, rng, today.year, today, now))
    return [c for c in made if c is not None]


def _total(count: int, share: float) -> int:
    return max(13, min(100, round(count * share)))


def _screen(session, campaign: Campaign, city, day: date, rng) -> None:
    moment = utc_start_of(day) + timedelta(hours=3)  # 03:00, when the scheduled screening would run
    act(session, campaign, "screen", actor=city, now=moment, expected_version=campaign.version,
        comment="按默认名额筛选候选企业")
    run = session.get(CheckRun, campaign.screening_run_id)
    begin_run(session, run, now=moment, runner="demo")
    execute_run(session, run, now=moment + timedelta(seconds=rng.randrange(20, 90)))


def _create(session, city, year: int, total: int, created: datetime, deadlines: tuple[date, date]) -> Campaign:
    return create_campaign(session, {"year": year, "total": total, "candidate_factor": 3,
                                     "nomination_deadline": deadlines[0].isoformat(),
                                     "review_deadline": deadlines[1].isoformat(),
                                     "comment": f"{year}年小微企业成长之星评选"}, actor=city, now=created)


def _nominate(session, campaign: Campaign, officers: dict, rng, days: tuple[date, date], share: float, *,
              extra: bool, latest: datetime) -> list:
    """The officers of `officers`' districts nominate their top candidates (`share` of the quota, rounded
    up), in order of rank, at moments between `days` (never after `latest`); with `extra`, one district whose
    quota is not used up also nominates a non-candidate with a written reason."""
    by_district: dict[str, list[Flag]] = {}
    for flag in candidates(session, campaign, None):
        by_district.setdefault(flag.district_code, []).append(flag)
    quotas = {q.district_code: q.quota for q in campaign.quotas}
    made, span = [], max(0, (days[1] - days[0]).days)
    for district, flags in sorted(by_district.items()):
        if district not in officers:
            continue
        ranked = sorted(flags, key=rank_of)
        for flag in ranked[:min(len(ranked), math.ceil(quotas[district] * share))]:
            moment = min(at(days[0] + timedelta(days=rng.randint(0, span)), rng), latest)
            made.append(entry_flow.nominate(session, campaign, flag.firm, reason=None, actor=officers[district],
                                            now=moment))
    if extra:
        for district, flags in sorted(by_district.items()):
            taken = {e.firm_id for e in made}
            spare = [f for f in flags if f.firm_id not in taken]
            if spare and district in officers and sum(e.district_code == district for e in made) < quotas[district]:
                made.append(entry_flow.nominate(session, campaign, spare[-1].firm, reason=rng.choice(EXTRA_REASONS),
                                                actor=officers[district], now=min(at(days[1], rng), latest)))
                break
    return made


def _published(session, users: dict, rng, year: int, today: date) -> Campaign | None:
    screened = min(date(year, 12, 31), today - timedelta(days=40))
    count = eligible(session, screened, year)
    if count == 0 or screened.year != year:
        return None
    city, leader = users["city"], users["leader"]
    campaign = _create(session, city, year, _total(count, 0.2), at(screened - timedelta(days=2), rng),
                       (screened + timedelta(days=12), screened + timedelta(days=24)))
    _screen(session, campaign, city, screened, rng)
    act(session, campaign, "open_nomination", actor=city, now=at(screened + timedelta(days=1), rng),
        expected_version=campaign.version, comment="请各区县在截止日前提名")
    nominated = (screened + timedelta(days=2), screened + timedelta(days=11))
    made = _nominate(session, campaign, users["officers"], rng, nominated, 1.0, extra=True,
                     latest=at(nominated[1], rng))
    if len(made) >= 3:  # one officer thinks again about a nomination and withdraws it before the deadline
        withdrawn = made.pop(rng.randrange(len(made)))
        entry_flow.act(session, withdrawn, "withdraw", actor=users["officers"][withdrawn.district_code],
                       now=withdrawn.nominated_at + timedelta(hours=2), expected_version=withdrawn.version,
                       comment="企业申请暂不参评")
    act(session, campaign, "close_nomination", actor=city, now=at(screened + timedelta(days=13), rng),
        expected_version=campaign.version)
    for i, entry in enumerate(made):
        day = screened + timedelta(days=14 + i % 4)
        if rng.random() < 0.15 and i:
            entry_flow.act(session, entry, "decline", actor=city, now=at(day, rng), expected_version=entry.version,
                           values={"reason": rng.choice(DECLINE)})
        else:
            entry_flow.act(session, entry, "shortlist", actor=city, now=at(day, rng), expected_version=entry.version)
    act(session, campaign, "send_back", actor=leader, now=at(screened + timedelta(days=19), rng),
        expected_version=campaign.version, values={"reason": SEND_BACK})
    act(session, campaign, "approve", actor=leader, now=at(screened + timedelta(days=22), rng),
        expected_version=campaign.version, comment="同意")
    act(session, campaign, "publish", actor=city, now=at(screened + timedelta(days=25), rng),
        expected_version=campaign.version, comment=f"{year}年小微企业成长之星名单公示")
    return campaign


def _nominating(session, users: dict, rng, year: int, today: date, now: datetime) -> Campaign:
    screened = max(date(year, 1, 1), today - timedelta(days=20))
    city = users["city"]
    created = at(screened - timedelta(days=1), rng) if screened.month > 1 or screened.day > 1 \
        else utc_start_of(screened) + timedelta(hours=1)
    campaign = _create(session, city, year, _total(eligible(session, screened, year), 0.05), created,
                       (today + timedelta(days=21), today + timedelta(days=45)))
    _screen(session, campaign, city, screened, rng)
    opened = min(today, screened + timedelta(days=1))
    act(session, campaign, "open_nomination", actor=city, now=min(at(opened, rng), now - timedelta(hours=2)),
        expected_version=campaign.version, comment="请各区县在截止日前提名")
    officers = {d: u for i, (d, u) in enumerate(sorted(users["officers"].items())) if i % 3 != 2}
    last = max(opened, today - timedelta(days=1))
    _nominate(session, campaign, officers, rng, (min(opened + timedelta(days=1), last), last), 0.6, extra=False, latest=now - timedelta(hours=1))
    return campaign




def campaign_line(session, campaign: Campaign) -> str:
    """What the seed says about a campaign: its state and entries."""
    from workflows.campaigns.queries import progress, totals
    from workflows.campaigns.workflow import CAMPAIGN

    t = totals(progress(session, campaign))
    return (f"成长之星 {campaign.year}年：{CAMPAIGN.states[campaign.state].label}，总名额 {campaign.total}，"
            f"候选 {t.candidates}，已提名 {t.nominated}，入围 {t.shortlisted}，获评 {t.awarded}")
