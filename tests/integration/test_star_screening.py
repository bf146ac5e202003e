"""`growth_star_screening`: who is eligible, the score against a hand computation, the top of each district
flagged with every part of its score, and a candidate list that stops moving once nomination opens."""

from datetime import date, datetime
from fractions import Fraction

import pytest
from sqlalchemy import select

from models import CheckRun, Flag
from models.enums import FlagKind, RunTrigger
from tests.factories import SHANGCHENG, STAR_DAY, XIHU, figures, make_actors, star_member
from workflows.campaigns import eligibility
from workflows.campaigns.scoring import card
from workflows.campaigns.workflow import act, create_campaign
from workflows.checks.runs import begin_run, execute_run, run_inline
from workflows.checks.wording import describe_all

WEIGHTS = {"rev": 30, "tax": 25, "emp": 15, "rd": 20, "rds": 10}
SCREENED_AT = datetime(2026, 1, 9, 19, 0)  # 03:00 on 10 January in Hangzhou


@pytest.fixture
def actors(session):
    return make_actors(session)


def screen(session, today=STAR_DAY, now=SCREENED_AT):
    return run_inline(session, "growth_star_screening", today=today, actor=None, now=now, trigger=RunTrigger.CLI)


def screened(session, campaign, now):
    """The campaign's queued screening, executed as the scheduler process would."""
    run = session.get(CheckRun, campaign.screening_run_id)
    begin_run(session, run, now=now)
    return execute_run(session, run, now=now)


def star_flags(session):
    return {f.firm_id: f for f in session.scalars(select(Flag).where(Flag.kind == FlagKind.GROWTH_STAR,
                                                                     Flag.is_open.is_(True))).unique()}


# Four eligible members, their 2024 and 2025 figures chosen so that every part has ties, a base of zero or a
# decline somewhere (the measures each part ranks: growth rates and the two shares).
FOUR = {
    "A": (XIHU, figures(100, 10, 10), figures(150, 12, 12, 15, 3)),
    "B": (XIHU, figures(100, 10, 20), figures(110, 15, 20, "5.5", 2)),
    "C": (SHANGCHENG, figures(200, 0, 10), figures(220, 8, 11, 0, 0)),
    "D": (SHANGCHENG, figures(0, 5, 5), figures(50, 5, 4, 10, 1)),
}


@pytest.fixture
def four(session, actors):
    made = {key: star_member(session, actors, district=d, now2024=old, now2025=new) for key, (d, old, new) in FOUR.items()}
    session.flush()
    return made


def measures(old: dict, new: dict) -> dict:
    def growth(a, b):
        return Fraction(str(a)) / Fraction(str(b)) - 1 if b and b > 0 else None

    def share(a, b):
        return Fraction(str(a)) / Fraction(str(b)) if b and b > 0 else None

    return {"rev": growth(new["revenue"], old["revenue"]), "tax": growth(new["tax"], old["tax"]),
            "emp": growth(new["employees"], old["employees"]), "rd": share(new["rd_expense"], new["revenue"]),
            "rds": share(new["rd_staff"], new["employees"])}


def percent_rank(values: dict) -> dict:
    """By hand: (rank - 1) / (n - 1), rank = 1 + how many are strictly lower; a missing measure is lowest."""
    n = len(values)
    low = Fraction(-10**9)
    key = {k: (low if v is None else v) for k, v in values.items()}
    return {k: Fraction(sum(1 for other in key.values() if other < mine), n - 1) for k, mine in key.items()}


def hand_scores() -> dict:
    per_part = {k: measures(old, new) for k, (_, old, new) in FOUR.items()}
    ranks = {part: percent_rank({k: m[part] for k, m in per_part.items()}) for part in WEIGHTS}
    return {k: {part: WEIGHTS[part] * ranks[part][k] for part in WEIGHTS} for k in FOUR}


def test_the_score_is_the_weighted_percentiles_computed_by_hand(session, four):
    expected = hand_scores()
    # The hand computation itself, as a reader would check it: A leads revenue and staff growth, B tax growth.
    assert sum(expected["A"].values()) == Fraction(245, 3)  # 81.67
    assert sum(expected["B"].values()) == 50
    run = screen(session)
    assert run.counts["examined"] == 4 and run.counts["opened"] == 4  # the default quotas take all four
    flags = star_flags(session)
    for key, firm in four.items():
        scored = card(flags[firm.id].reasons)
        for part, code in zip(("revenue_growth", "tax_growth", "employment_growth", "rd_intensity", "rd_staff_share"),
                              WEIGHTS, strict=True):
            assert scored["parts"][part]["points"] == pytest.approx(float(expected[key][code]), abs=1e-4), (key, part)
            assert scored["parts"][part]["weight"] == WEIGHTS[code]
        assert scored["score"] == pytest.approx(float(sum(expected[key].values())), abs=1e-4)
    ranks = {key: card(flags[firm.id].reasons)["rank"] for key, firm in four.items()}
    assert ranks == {"A": 1, "B": 2, "D": 1, "C": 2}  # within each district: A 81.67 > B 50; D 35 > C 20
    assert card(flags[four["A"].id].reasons)["eligible"] == 2


def test_a_flag_carries_the_raw_figures_and_reads_as_sentences(session, four):
    screen(session)
    flag = star_flags(session)[four["A"].id]
    assert (flag.period, flag.district_code, flag.subject_type) == ("2026", XIHU, "firm")
    found = {r["rule"]: r for r in flag.reasons}
    assert (found["star.rev"]["value"], found["star.rev"]["threshold"], found["star.rev"]["year"]) == (150, 100, 2025)
    assert (found["star.rd"]["value"], found["star.rd"]["threshold"]) == (15, 150)  # 研发费用 over 营业收入
    words = describe_all(flag.reasons)
    assert "2025年营业收入150万元，上年100万元，增长50.0%" in words
    assert "2025年研发费用15万元，占营业收入150万元的10.0%" in words
    assert "营业收入增长率在全市位于第100.0百分位，得30.00分（满分30）" in words
    assert "综合得分81.67分（满分100）" in words
    assert "在本区县2家符合条件的在库企业中排名第1" in words
    d = {r["rule"]: r for r in star_flags(session)[four["D"].id].reasons}
    assert "上年为零，无法计算增长率（按最低计）" in describe_all([d["star.rev"]])[0]


@pytest.mark.parametrize("trouble", ["a_year_to_the_day", "abnormal", "violation", "no_2024", "not_member",
                                     "deregistered"])
def test_who_is_not_eligible_and_why(session, actors, four, trouble):
    kw = {"now2024": figures(), "now2025": figures(revenue=5000)}
    if trouble == "a_year_to_the_day":
        kw["admitted_at"] = datetime(2025, 1, 10, 2, 0)  # 2025-01-10 10:00 in Hangzhou: a full year by 2026-01-10
    elif trouble == "no_2024":
        kw["now2024"] = None
    elif trouble == "not_member":
        kw["admitted_at"] = None
    firm = star_member(session, actors, **kw)
    later = {"abnormal": {"abnormal": True}, "violation": {"serious_violation": True},
             "deregistered": {"status": "deregistered"}}.get(trouble, {})
    for name, value in later.items():  # what happened to the member after its admission
        setattr(firm, name, value)
    session.flush()
    reasons = eligibility.reasons(session, firm, eligibility.Context(STAR_DAY, 2026))
    screen(session)
    flagged = firm.id in star_flags(session)
    codes = [r.rule for r in reasons]
    if trouble == "a_year_to_the_day":
        assert codes == [] and flagged
    else:
        expected = {"abnormal": "abnormal", "violation": "serious_violation", "no_2024": "figures",
                    "not_member": "member", "deregistered": "status"}[trouble]
        assert codes == [expected] and not flagged


def test_a_day_short_of_a_full_year_is_refused_with_both_dates(session, actors):
    firm = star_member(session, actors, now2024=figures(), now2025=figures(),
                       admitted_at=datetime(2025, 1, 10, 16, 30))  # 2025-01-11 00:30 in Hangzhou
    (reason,) = eligibility.reasons(session, firm, eligibility.Context(STAR_DAY, 2026))
    assert reason.rule == "member_year"
    assert reason.message == "入库未满一年：2025-01-11入库，须不晚于2025-01-10"


def test_the_campaigns_quotas_and_factor_choose_the_top_of_each_district(session, actors, four, now):
    campaign = create_campaign(session, {"year": 2026, "total": 13, "candidate_factor": 1,
                                         "nomination_deadline": "2026-03-31", "review_deadline": "2026-04-30"},
                               actor=actors["city"], now=SCREENED_AT)
    assert {q.district_code: q.quota for q in campaign.quotas}[XIHU] == 1  # 13 places, one per district
    screen(session)
    assert set(star_flags(session)) == {four["A"].id, four["D"].id}
    # A rerun changes nothing; a factor of 2 brings the seconds in.
    assert screen(session).counts["opened"] == 0
    campaign.candidate_factor = 2
    session.flush()
    assert screen(session).counts["opened"] == 2


def test_once_nomination_opened_the_list_stays_as_it_was(session, actors, four):
    campaign = create_campaign(session, {"year": 2026, "total": 13, "candidate_factor": 1,
                                         "nomination_deadline": "2026-03-31", "review_deadline": "2026-04-30"},
                               actor=actors["city"], now=SCREENED_AT)
    act(session, campaign, "screen", actor=actors["city"], now=SCREENED_AT, expected_version=campaign.version)
    run = screened(session, campaign, SCREENED_AT)
    act(session, campaign, "open_nomination", actor=actors["city"], now=SCREENED_AT, expected_version=campaign.version)
    assert campaign.screened_on == date(2026, 1, 10) and campaign.candidates_run_id == run.id
    campaign.candidate_factor = 2  # as if it had changed: the schedule's rerun must not move the list
    session.flush()
    later = screen(session, today=date(2026, 2, 1))
    assert later.counts["opened"] == 0 and later.counts["resolved"] == 0
    assert later.counts["skipped"] == {"本年度评选已开始提名，候选名单不再变动": 1}
    assert set(star_flags(session)) == {four["A"].id, four["D"].id}
