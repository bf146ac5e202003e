"""The 成长之星 campaign through the engine: each step by role, quotas with remainders, nominations within
them and before the deadline, review, the leader's approval or sending back, and what publication leaves."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Campaign, CampaignEntry, CheckRun, Flag, Honour
from models.enums import FlagKind
from tests.factories import (
    SHANGCHENG,
    XIHU,
    execute_screening,
    figures,
    make_actors,
    star_campaign,
    star_member,
)
from tests.factories import refused_star as refused
from workflows.campaigns import entries as entry_flow
from workflows.campaigns.quotas import propose_quotas
from workflows.campaigns.workflow import act, create_campaign, edit_campaign
from workflows.errors import (
    Duplicate,
    GuardFailed,
    IllegalTransition,
    NotPermitted,
    QuotaFull,
    StaleVersion,
    ValidationFailed,
)

T0 = datetime(2026, 1, 9, 19, 0)  # 2026-01-10 03:00 in Hangzhou
DAY = timedelta(days=1)


@pytest.fixture
def actors(session):
    return make_actors(session)


@pytest.fixture
def members(session, actors):
    """Two members in 西湖区 (A leads B) and two in 上城区 (D leads C), all eligible, plus a third 西湖区 member
    E below the candidates."""
    made = {
        "A": star_member(session, actors, now2024=figures(100, 10, 10), now2025=figures(150, 12, 12, 15, 3)),
        "B": star_member(session, actors, now2024=figures(100, 10, 20), now2025=figures(110, 15, 20, 5, 2)),
        "C": star_member(session, actors, district=SHANGCHENG, now2024=figures(200, 1, 10), now2025=figures(220, 1, 11)),
        "D": star_member(session, actors, district=SHANGCHENG, now2024=figures(100, 5, 5), now2025=figures(150, 8, 6)),
        "E": star_member(session, actors, now2024=figures(100, 10, 10), now2025=figures(90, 9, 9, 0, 0)),
    }
    session.flush()
    return made


def step(session, subject, action, actor, now=T0, comment="", **values):
    move = act if isinstance(subject, Campaign) else entry_flow.act
    return move(session, subject, action, actor=actor, now=now, expected_version=subject.version, comment=comment,
                values=values)


def nominate(session, campaign, firm, actor, now=T0, reason=None):
    return entry_flow.nominate(session, campaign, firm, reason=reason, actor=actor, now=now)


def events(session, subject_type, subject_id):
    return session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == subject_type,
                                                           AuditEvent.subject_id == subject_id)
                           .order_by(AuditEvent.id)).all()


# --- quotas ---------------------------------------------------------------------------------------------------

def test_quotas_split_by_members_with_largest_remainders(session, actors, members):
    # Members: 西湖区 3, 上城区 2, the other eleven districts none. 20 places: one each (13), the other 7 by
    # share: 西湖区 7·3/5 = 4.2, 上城区 2.8 → 4 and 2, the last place to the larger remainder (上城区 .8).
    quotas = propose_quotas(session, 20)
    assert (quotas[XIHU], quotas[SHANGCHENG]) == (5, 4)
    assert sum(quotas.values()) == 20 and min(quotas.values()) == 1 and len(quotas) == 13
    with pytest.raises(ValidationFailed) as info:
        propose_quotas(session, 12)
    assert "至少1名" in info.value.fields["total"]


def test_quotas_are_edited_until_nomination_opens(session, actors, members):
    campaign = star_campaign(session, actors["city"], now=T0, state="screening")
    first_run = campaign.screening_run_id
    changes = edit_campaign(session, campaign, {"quotas": {XIHU: 3, SHANGCHENG: 1}}, actor=actors["city"], now=T0,
                            comment="西湖区多一名")
    assert changes["quotas"] == {XIHU: [2, 3], SHANGCHENG: [2, 1]} and campaign.total == 15
    assert campaign.screening_run_id != first_run  # the candidates are screened again for the new quotas
    assert events(session, "campaign", campaign.id)[-1] == "edit"
    with pytest.raises(ValidationFailed) as info:
        edit_campaign(session, campaign, {"quotas": {"999999": 1, XIHU: -1}}, actor=actors["city"], now=T0)
    assert set(info.value.fields) == {"quotas.999999", f"quotas.{XIHU}"}
    execute_screening(session, campaign, T0)
    step(session, campaign, "open_nomination", actors["city"])
    with pytest.raises(IllegalTransition):
        edit_campaign(session, campaign, {"quotas": {XIHU: 4}}, actor=actors["city"], now=T0)
    # Deadlines still move; a review deadline before the nominations' is refused.
    assert edit_campaign(session, campaign, {"nomination_deadline": "2026-04-15", "review_deadline": "2026-05-15"},
                         actor=actors["city"], now=T0)["nomination_deadline"] == ["2026-03-31", "2026-04-15"]
    with pytest.raises(ValidationFailed):
        edit_campaign(session, campaign, {"review_deadline": "2026-04-01"}, actor=actors["city"], now=T0)


def test_a_second_campaign_of_a_year_is_a_duplicate(session, actors):
    data = {"year": 2026, "total": 20, "nomination_deadline": "2026-03-31", "review_deadline": "2026-04-30"}
    create_campaign(session, data, actor=actors["city"], now=T0)
    refused(session, Duplicate, lambda: create_campaign(session, data, actor=actors["city"], now=T0))
    with pytest.raises(NotPermitted):
        create_campaign(session, {**data, "year": 2027}, actor=actors["leader"], now=T0)
    with pytest.raises(ValidationFailed) as info:
        create_campaign(session, {"year": "x", "total": 0, "candidate_factor": 0.5, "nomination_deadline": "2026-13-01"},
                        actor=actors["city"], now=T0)
    assert set(info.value.fields) == {"year", "total", "candidate_factor", "nomination_deadline", "review_deadline"}


# --- the machine by role ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "action", "allowed", "refused_to"), [
    ("draft", "screen", {"city"}, {"leader", "xihu", "admin"}),
    ("screening", "rescreen", {"city"}, {"leader", "xihu"}),
    ("screening", "open_nomination", {"city"}, {"leader", "xihu"}),
    ("nominating", "close_nomination", {"city"}, {"leader", "xihu"}),
    ("reviewing", "reopen_nomination", {"city"}, {"leader", "xihu"}),
    ("reviewing", "approve", {"leader"}, {"city", "xihu", "admin"}),
    ("reviewing", "send_back", {"leader"}, {"city", "xihu"}),
    ("approved", "send_back", {"leader", "city"}, {"xihu", "admin"}),
    ("approved", "publish", {"city"}, {"leader", "xihu"}),
])
def test_each_step_by_role(session, actors, members, state, action, allowed, refused_to):
    campaign = walk_to(session, actors, state)
    values = {"reason": "请补充材料"} if action in ("reopen_nomination", "send_back") else {}
    for who in sorted(refused_to):
        with pytest.raises(NotPermitted):
            step(session, campaign, action, actors[who], **values)
    for who in sorted(allowed):
        attempt = session.begin_nested()
        step(session, campaign, action, actors[who], **values)
        attempt.rollback()


def walk_to(session, actors, state):
    """A campaign in `state`: A (西湖区) and D (上城区) nominated, and by review A shortlisted, D declined."""
    first = "nominating" if state in ("nominating", "reviewing", "approved", "published") else state
    campaign = star_campaign(session, actors["city"], now=T0, state=first)
    if first != "nominating":
        return campaign
    firms = {f.district_code: f for f in session.scalars(select(Flag).where(Flag.kind == FlagKind.GROWTH_STAR)).unique()}
    a = nominate(session, campaign, firms[XIHU].firm, actors["xihu"])
    d = nominate(session, campaign, firms[SHANGCHENG].firm, actors["shangcheng"])
    if state == "nominating":
        return campaign
    step(session, campaign, "close_nomination", actors["city"])
    step(session, a, "shortlist", actors["city"])
    step(session, d, "decline", actors["city"], reason="研发投入偏低")
    if state in ("approved", "published"):
        step(session, campaign, "approve", actors["leader"])
    if state == "published":
        step(session, campaign, "publish", actors["city"])
    return campaign


def test_publishing_an_unapproved_list_is_refused(session, actors, members):
    campaign = walk_to(session, actors, "reviewing")
    refused(session, IllegalTransition, lambda: step(session, campaign, "publish", actors["city"]))
    refused(session, StaleVersion, lambda: act(session, campaign, "approve", actor=actors["leader"], now=T0,
                                               expected_version=campaign.version - 1))


def test_screening_must_finish_before_nomination_opens(session, actors, members):
    campaign = star_campaign(session, actors["city"], now=T0, state="draft")
    # A campaign of a year not yet begun cannot be screened: its figures are not complete.
    later = star_campaign(session, actors["city"], now=T0, state="draft", year=2027)
    error = refused(session, GuardFailed, lambda: step(session, later, "screen", actors["city"]))
    assert error.reasons[0].rule == "year_not_begun"
    step(session, campaign, "screen", actors["city"])
    run = session.get(CheckRun, campaign.screening_run_id)
    assert run.status == "queued" and run.today == date(2026, 1, 10)
    error = refused(session, GuardFailed, lambda: step(session, campaign, "open_nomination", actors["city"]))
    assert error.reasons[0].rule == "screening_running"
    execute_screening(session, campaign, T0)
    # A deadline already passed: nomination cannot open until it is moved.
    error = refused(session, GuardFailed, lambda: step(session, campaign, "open_nomination", actors["city"],
                                                       now=datetime(2026, 4, 1, 2)))
    assert error.reasons[0].rule == "nomination_deadline"
    step(session, campaign, "open_nomination", actors["city"])
    assert (campaign.state, campaign.screened_on) == ("nominating", date(2026, 1, 10))


# --- nominations ------------------------------------------------------------------------------------------------

def test_nominating_within_the_quota_from_the_candidates_or_with_a_reason(session, actors, members):
    campaign = star_campaign(session, actors["city"], now=T0, total=14)  # 西湖区 2 places, 上城区 1
    xihu = actors["xihu"]
    a = nominate(session, campaign, members["A"], xihu)
    flag = session.get(Flag, a.flag_id)
    assert (flag.state, flag.outcome) == ("acted", {"entry": a.id})
    assert a.rank == 1 and float(a.score) > 0 and a.reason == ""
    # E is eligible but not a candidate: it needs a written reason, and gets the screening's score for it.
    error = refused(session, ValidationFailed, lambda: nominate(session, campaign, members["E"], xihu))
    assert "reason" in error.fields
    e = nominate(session, campaign, members["E"], xihu, reason="出口订单大幅增长，区里重点培育")
    assert e.flag_id is None and e.rank == 3 and {r["rule"] for r in e.parts} >= {"star.score", "star.rev"}
    refused(session, QuotaFull, lambda: nominate(session, campaign, members["B"], xihu))
    refused(session, Duplicate, lambda: nominate(session, campaign, members["A"], actors["city"]))
    # Another district's firm is not the officer's to nominate; a leader nominates nothing.
    refused(session, NotPermitted, lambda: nominate(session, campaign, members["D"], xihu))
    refused(session, NotPermitted, lambda: nominate(session, campaign, members["D"], actors["leader"]))
    # Withdrawing frees the place.
    step(session, e, "withdraw", xihu)
    b = nominate(session, campaign, members["B"], xihu)
    assert b.state == "nominated" and e.state == "withdrawn"


def test_an_ineligible_firm_is_refused_with_every_reason(session, actors, members):
    campaign = star_campaign(session, actors["city"], now=T0)
    firm = star_member(session, actors, now2024=None, now2025=figures(), admitted_at=datetime(2025, 6, 1, 2))
    firm.abnormal = True
    session.flush()
    error = refused(session, GuardFailed, lambda: nominate(session, campaign, firm, actors["xihu"], reason="试试"))
    assert [r.rule for r in error.reasons] == ["member_year", "abnormal", "figures"]


def test_nominations_lock_at_the_deadline(session, actors, members):
    campaign = star_campaign(session, actors["city"], now=T0)  # nominations until 2026-03-31 (Hangzhou)
    last_minute = datetime(2026, 3, 31, 15, 59)  # 23:59 on the 31st in Hangzhou
    a = nominate(session, campaign, members["A"], actors["xihu"], now=last_minute)
    too_late = datetime(2026, 3, 31, 16, 0)  # 00:00 on 1 April in Hangzhou
    error = refused(session, GuardFailed, lambda: nominate(session, campaign, members["D"], actors["shangcheng"],
                                                           now=too_late))
    assert error.reasons[0].rule == "nomination_deadline"
    error = refused(session, GuardFailed, lambda: step(session, a, "withdraw", actors["xihu"], now=too_late))
    assert error.reasons[0].rule == "nomination_deadline"
    step(session, campaign, "close_nomination", actors["city"], now=too_late)
    refused(session, IllegalTransition, lambda: nominate(session, campaign, members["D"], actors["city"], now=too_late))


# --- review, approval, publication ----------------------------------------------------------------------------

def test_a_whole_campaign_from_review_to_published_honours(session, actors, members):
    city, leader = actors["city"], actors["leader"]
    campaign = star_campaign(session, city, now=T0, total=14, factor=2)  # 西湖区 2 places, 上城区 1: C a candidate too
    a = nominate(session, campaign, members["A"], actors["xihu"])
    b = nominate(session, campaign, members["B"], actors["xihu"])
    d = nominate(session, campaign, members["D"], actors["shangcheng"])
    step(session, campaign, "close_nomination", city, now=T0 + 80 * DAY)
    # C's candidate flag was never acted on: it leaves the inbox when nomination closes.
    c_flag = session.scalar(select(Flag).where(Flag.firm_id == members["C"].id))
    assert c_flag.state == "resolved"
    refused(session, GuardFailed, lambda: step(session, a, "withdraw", actors["xihu"]))  # nominations are over
    refused(session, ValidationFailed, lambda: step(session, b, "decline", city))  # a decline needs its reason
    step(session, a, "shortlist", city, comment="指标突出")
    step(session, b, "decline", city, reason="增长主要来自一次性订单")
    error = refused(session, GuardFailed, lambda: step(session, campaign, "approve", leader))
    assert error.reasons[0].rule == "not_reviewed"  # D still waits
    step(session, d, "shortlist", city)
    refused(session, NotPermitted, lambda: step(session, campaign, "approve", city))
    step(session, campaign, "send_back", leader, comment="请再核实西湖区两家的纳税数据")  # a comment is the reason
    assert campaign.state == "reviewing"
    step(session, campaign, "approve", leader)
    refused(session, ValidationFailed, lambda: step(session, campaign, "send_back", leader))  # no reason: refused
    step(session, campaign, "send_back", city, reason="上城区材料有误，需重新复核")
    assert campaign.state == "reviewing"
    step(session, b, "shortlist", city)  # 西湖区 has two places
    step(session, campaign, "approve", leader, now=T0 + 95 * DAY)
    published_at = T0 + 100 * DAY
    step(session, campaign, "publish", city, now=published_at)
    assert (campaign.state, campaign.published_at, campaign.is_open) == ("published", published_at, False)
    assert {e.state for e in (a, b, d)} == {"awarded"}
    honours = session.scalars(select(Honour).order_by(Honour.firm_id)).all()
    assert {(h.firm_id, h.name, h.level, h.category, h.year, h.published_at) for h in honours} == {
        (f.id, "小微企业成长之星", "市级", "良好信息", 2026, published_at)
        for f in (members["A"], members["B"], members["D"])}
    assert events(session, "campaign", campaign.id) == [
        "create", "screen", "open_nomination", "close_nomination", "send_back", "approve", "send_back", "approve",
        "publish"]
    award = session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "campaign_entry",
                                                    AuditEvent.action == "award", AuditEvent.subject_id == a.id))
    assert award.firm_id == members["A"].id  # on the firm's timeline
    assert award.evidence["caused_by"] == {"subject_type": "campaign", "subject_id": campaign.id, "action": "publish"}
    assert events(session, "campaign_entry", b.id) == ["nominate", "decline", "shortlist", "award"]


def test_declined_entries_close_unawarded_and_reshortlisting_needs_a_place(session, actors, members):
    city = actors["city"]
    campaign = star_campaign(session, city, now=T0, total=13)  # one place in 西湖区
    a = nominate(session, campaign, members["A"], actors["xihu"])
    step(session, campaign, "close_nomination", city)
    step(session, a, "decline", city, reason="材料不全")
    step(session, campaign, "reopen_nomination", city, reason="西湖区补充提名", nomination_deadline="2026-05-10")
    assert (campaign.state, campaign.nomination_deadline) == ("nominating", date(2026, 5, 10))
    e = nominate(session, campaign, members["E"], actors["xihu"], now=T0 + 100 * DAY, reason="补充提名")
    step(session, campaign, "close_nomination", city)
    error = refused(session, GuardFailed, lambda: step(session, a, "shortlist", city))
    assert error.reasons[0].rule == "quota_full"
    step(session, e, "shortlist", city)
    step(session, campaign, "approve", actors["leader"])
    step(session, campaign, "publish", city)
    assert (a.state, e.state) == ("not_awarded", "awarded")
    assert session.scalar(select(func.count()).select_from(Honour)) == 1
    assert session.scalar(select(func.count()).select_from(CampaignEntry).where(CampaignEntry.is_open)) == 0
