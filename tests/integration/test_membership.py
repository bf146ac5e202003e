"""Pool memberships on real rows (SQLite and PostgreSQL): every action from every state, who may take it in
which pool, four eyes, the county → city cascade, the nomination checks, and nothing written on failure."""

from datetime import date

import pytest
from sqlalchemy import select, update

from models import AuditEvent, Firm, PoolMembership
from models.enums import FirmStatus, PoolLevel, SizeClass, Stage
from tests.factories import (
    SHANGCHENG,
    VALUES,
    XIHU,
    do,
    eligible_firm,
    make_staff,
    membership_in,
    nominate_to,
    pool_of,
    refused,
    snapshot,
    uscc,
)
from workflows.errors import (
    Duplicate,
    GuardFailed,
    IllegalTransition,
    NotPermitted,
    StaleVersion,
    UnknownAction,
    ValidationFailed,
)
from workflows.membership import MEMBERSHIP, act, nominate

STATES = ["nominated", "admitted", "rejected", "withdrawn", "removed", "graduated"]
LEGAL = {("nominated", "admit"): "admitted", ("nominated", "reject"): "rejected",
         ("nominated", "withdraw"): "withdrawn", ("admitted", "remove"): "removed",
         ("admitted", "graduate"): "graduated"}


@pytest.fixture
def actors(session):
    return make_staff(session)


def events(session, m, action=None):
    stmt = select(AuditEvent).filter_by(subject_type="membership", subject_id=m.id).order_by(AuditEvent.id)
    return [e for e in session.scalars(stmt) if action is None or e.action == action]


# -- the machine ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(VALUES))
def test_every_action_from_every_state(session, actors, now, state, action):
    m = membership_in(session, actors, now, state)
    if (state, action) not in LEGAL:
        refused(session, IllegalTransition, lambda: act(session, m, action, actor=actors["city"], now=now,
                                                         expected_version=m.version, values=VALUES[action]))
        return
    version, before = m.version, len(events(session, m))
    event = do(session, m, action, actors["city"], now)
    session.expire_all()
    assert (m.state, m.version) == (LEGAL[state, action], version + 1)
    assert m.is_active == (m.state in ("nominated", "admitted"))
    assert (m.ended_at is not None) == MEMBERSHIP.is_final(m.state)
    assert len(events(session, m)) == before + 1
    assert (event.action, event.from_state, event.to_state, event.actor_name) == (action, state, m.state, "city")


def test_the_actions_offered_in_each_state(session, actors, now):
    offered = {s: sorted(a.name for a in MEMBERSHIP.available(membership_in(session, actors, now, s), actors["city"]))
               for s in STATES}
    assert offered == {"nominated": ["admit", "reject", "withdraw"], "admitted": ["graduate", "remove"],
                       "rejected": [], "withdrawn": [], "removed": [], "graduated": []}


def test_an_unknown_action_is_not_found(session, actors, now):
    m = membership_in(session, actors, now, "nominated")
    refused(session, UnknownAction, lambda: act(session, m, "promote", actor=actors["city"], now=now,
                                                 expected_version=m.version))


def test_nomination_is_audited_from_no_state(session, actors, now):
    firm = eligible_firm(session)
    m = nominate_to(session, firm, actors["xihu"], now, cultivation_type="leading", batch=" 2026-2 ", reason=" 领军 ")
    [event] = events(session, m)
    assert (event.action, event.from_state, event.to_state, event.comment) == ("nominate", None, "nominated", "领军")
    assert (m.state, m.version, m.is_active, m.batch, m.cultivation_type) == ("nominated", 1, True, "2026-2", "leading")
    assert (m.nominated_by_id, m.nominated_at, m.level, m.pool.district_code) == (actors["xihu"].id, now, "county", XIHU)


def test_admission_records_the_decider(session, actors, now):
    m = membership_in(session, actors, now, "nominated")
    do(session, m, "admit", actors["xihu"], now)
    assert (m.decided_by_id, m.decided_at) == (actors["xihu"].id, now)


def test_a_stale_version_is_refused(session, actors, now):
    m = membership_in(session, actors, now, "nominated")
    for stale in (m.version - 1, m.version + 1, None):
        refused(session, StaleVersion, lambda v=stale: act(session, m, "admit", actor=actors["city"], now=now,
                                                            expected_version=v))


@pytest.mark.parametrize("action, values, field", [
    ("reject", {}, "reason"), ("reject", {"reason": "  "}, "reason"),
    ("remove", {}, "reason"), ("remove", {"reason": "scaled_up"}, "reason"), ("remove", {"reason": ["violation"]}, "reason"),
    ("graduate", {"reason": "violation"}, "reason"), ("graduate", {"reason": "上市"}, "reason"),
])
def test_reasons_must_be_given_and_from_the_list(session, actors, now, action, values, field):
    m = membership_in(session, actors, now, "admitted" if action != "reject" else "nominated")
    error = refused(session, ValidationFailed, lambda: act(session, m, action, actor=actors["city"], now=now,
                                                            expected_version=m.version, values=values))
    assert set(error.fields) == {field}


@pytest.mark.parametrize("reason", ["deregistered", "moved_out", "violation", "ineligible"])
def test_each_removal_reason_is_recorded(session, actors, now, reason):
    m = membership_in(session, actors, now, "admitted")
    do(session, m, "remove", actors["xihu"], now, reason=reason)
    assert (m.state, m.end_reason, m.ended_at) == ("removed", reason, now)


@pytest.mark.parametrize("reason", ["scaled_up", "outgrew_small"])
def test_each_graduation_reason_is_recorded(session, actors, now, reason):
    m = membership_in(session, actors, now, "admitted")
    do(session, m, "graduate", actors["city"], now, reason=reason)
    assert (m.state, m.end_reason) == ("graduated", reason)


# -- who may act --------------------------------------------------------------------------------------

ACTORS = ["city", "xihu", "xihu2", "shangcheng", "leader", "admin"]
# (level, state) -> who may take each action. xihu2 nominated everything; the firm is in 西湖区.
MAY = {
    ("county", "nominated"): {"admit": {"city", "xihu"}, "reject": {"city", "xihu"}, "withdraw": {"city", "xihu2"}},
    ("county", "admitted"): {"remove": {"city", "xihu", "xihu2"}, "graduate": {"city", "xihu", "xihu2"}},
    ("city", "nominated"): {"admit": {"city"}, "reject": {"city"}, "withdraw": {"city", "xihu2"}},
    ("city", "admitted"): {"remove": {"city"}, "graduate": {"city"}},
}
CASES = [(level, state, action, who) for (level, state), rights in MAY.items() for action in rights
         for who in ACTORS]


@pytest.mark.parametrize("level, state, action, who", CASES)
def test_who_may_take_each_action(session, actors, now, level, state, action, who):
    m = membership_in(session, actors, now, state, level=level)
    allowed = who in MAY[level, state][action]
    assert (action in [a.name for a in MEMBERSHIP.available(m, actors[who])]) == allowed
    if not allowed:
        refused(session, NotPermitted, lambda: act(session, m, action, actor=actors[who], now=now,
                                                    expected_version=m.version, values=VALUES[action]))
        return
    do(session, m, action, actors[who], now)
    assert m.state == LEGAL[state, action]


def test_four_eyes_a_county_officer_cannot_decide_their_own_nomination(session, actors, now):
    mine, theirs = (membership_in(session, actors, now, "nominated", nominator="xihu") for _ in range(2))
    for action in ("admit", "reject"):
        refused(session, NotPermitted, lambda a=action: act(session, mine, a, actor=actors["xihu"], now=now,
                                                             expected_version=mine.version, values=VALUES[a]))
    do(session, mine, "admit", actors["xihu2"], now)
    do(session, theirs, "reject", actors["city"], now)
    assert (mine.state, mine.decided_by_id, theirs.state) == ("admitted", actors["xihu2"].id, "rejected")


def test_city_staff_decide_what_they_nominated_themselves(session, actors, now):
    m = membership_in(session, actors, now, "nominated", nominator="city")
    do(session, m, "admit", actors["city"], now)
    assert m.state == "admitted"


# -- the county -> city cascade ------------------------------------------------------------------------

def both_levels(session, actors, now, city_state):
    county = membership_in(session, actors, now, "admitted")
    city = nominate_to(session, county.firm, actors["xihu"], now, PoolLevel.CITY)
    if city_state == "admitted":
        do(session, city, "admit", actors["city"], now)
    return county, city


@pytest.mark.parametrize("action, reason", [("remove", "violation"), ("remove", "moved_out"),
                                            ("graduate", "scaled_up"), ("graduate", "outgrew_small")])
def test_ending_a_county_membership_ends_the_admitted_city_membership_the_same_way(session, actors, now,
                                                                                   action, reason):
    county, city = both_levels(session, actors, now, "admitted")
    version = city.version
    do(session, county, action, actors["xihu"], now, reason=reason)
    session.expire_all()
    assert (city.state, city.end_reason, city.is_active, city.ended_at) == (LEGAL["admitted", action], reason,
                                                                           False, now)
    assert city.version == version + 1
    [cascade] = events(session, city, f"cascade_{action}")
    assert (cascade.from_state, cascade.to_state, cascade.actor_name) == ("admitted", city.state, "xihu")
    assert cascade.evidence["caused_by"] == {"subject_type": "membership", "subject_id": county.id, "action": action}
    assert cascade.evidence["fields"] == {"reason": reason}
    [own] = events(session, county, action)
    assert own.evidence["consequences"] == [{"subject_type": "membership", "subject_id": city.id,
                                             "action": f"cascade_{action}"}]
    assert len(events(session, city)) == 3  # nominate, admit, the one cascade event


@pytest.mark.parametrize("action", ["remove", "graduate"])
def test_ending_a_county_membership_rejects_a_pending_city_nomination(session, actors, now, action):
    county, city = both_levels(session, actors, now, "nominated")
    do(session, county, action, actors["city"], now)
    session.expire_all()
    assert (city.state, city.is_active, city.end_reason) == ("rejected", False, VALUES[action]["reason"])
    [cascade] = events(session, city, f"cascade_{action}")
    assert (cascade.from_state, cascade.to_state) == ("nominated", "rejected")


def test_ending_a_city_membership_leaves_the_county_one_alone(session, actors, now):
    county, city = both_levels(session, actors, now, "admitted")
    do(session, city, "graduate", actors["city"], now)
    session.expire_all()
    assert (county.state, city.state) == ("admitted", "graduated")


def test_an_ended_city_membership_is_not_touched_again(session, actors, now):
    county, city = both_levels(session, actors, now, "nominated")
    do(session, city, "withdraw", actors["city"], now)
    do(session, county, "remove", actors["city"], now)
    session.expire_all()
    assert (city.state, city.end_reason) == ("withdrawn", None)
    assert events(session, city, "cascade_remove") == []


def test_after_the_cascade_the_firm_may_be_nominated_again(session, actors, now):
    county, city = both_levels(session, actors, now, "admitted")
    do(session, county, "remove", actors["city"], now, reason="ineligible")
    again = nominate_to(session, county.firm, actors["xihu"], now)
    assert again.state == "nominated" and again.id != county.id


# -- nomination ----------------------------------------------------------------------------------------

def nominate_call(session, firm, actor, now, level=PoolLevel.COUNTY, district=None, **kw):
    pool = pool_of(session, level, (district or firm.district_code) if level == PoolLevel.COUNTY else None)
    args = {"reason": "成长性好", "cultivation_type": "growth", "batch": "2026-1", **kw}
    return lambda: nominate(session, pool, firm, actor=actor, now=now, **args)


def test_an_ineligible_firm_is_refused_with_every_reason(session, actors, now):
    firm = eligible_firm(session, abnormal=True, serious_violation=True, size_class=SizeClass.MEDIUM,
                         status=FirmStatus.REVOKED)
    session.commit()
    error = refused(session, GuardFailed, nominate_call(session, firm, actors["xihu"], now))
    assert [r.rule for r in error.reasons] == ["status", "abnormal", "serious_violation", "size_class"]


def test_a_firm_without_figures_and_too_old_to_be_new_is_refused(session, actors, now):
    firm = Firm(uscc=uscc(), name="无年报企业", legal_form="有限责任公司", stage=Stage.ENTERPRISE, district_code=XIHU,
                industry="C39", tags=[], registered_on=date(2024, 11, 30))
    session.add(firm)
    session.commit()
    error = refused(session, GuardFailed, nominate_call(session, firm, actors["xihu"], now))
    assert [r.rule for r in error.reasons] == ["no_indicators"]
    firm.registered_on = date(2024, 12, 1)
    assert nominate_call(session, firm, actors["xihu"], now)().state == "nominated"


@pytest.mark.parametrize("state", ["nominated", "admitted"])
def test_a_firm_already_active_at_that_level_is_a_duplicate(session, actors, now, state):
    m = membership_in(session, actors, now, state)
    refused(session, Duplicate, nominate_call(session, m.firm, actors["city"], now))


@pytest.mark.parametrize("state", ["rejected", "withdrawn", "removed", "graduated"])
def test_an_ended_membership_does_not_block_a_new_nomination(session, actors, now, state):
    m = membership_in(session, actors, now, state)
    assert nominate_call(session, m.firm, actors["xihu"], now)().state == "nominated"


def test_the_unique_index_backs_the_one_active_rule(session, actors, now):
    from sqlalchemy.exc import IntegrityError

    m = membership_in(session, actors, now, "nominated")
    session.add(PoolMembership(pool_id=m.pool_id, firm_id=m.firm_id, level="county", state="nominated",
                               cultivation_type="growth", batch="2026-1"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("county_state", [None, "nominated", "rejected", "removed"])
def test_a_city_nomination_needs_an_admitted_county_membership(session, actors, now, county_state):
    firm = eligible_firm(session)
    session.commit()
    if county_state:
        membership_in(session, actors, now, county_state, firm=firm)
    error = refused(session, GuardFailed, nominate_call(session, firm, actors["city"], now, PoolLevel.CITY))
    assert [r.rule for r in error.reasons] == ["county_membership"]


def test_a_county_officer_nominates_their_own_firms_into_the_city_pool(session, actors, now):
    county = membership_in(session, actors, now, "admitted")
    assert nominate_call(session, county.firm, actors["xihu"], now, PoolLevel.CITY)().level == "city"


def test_a_firm_goes_only_into_its_own_districts_county_pool(session, actors, now):
    firm = eligible_firm(session)
    session.commit()
    error = refused(session, GuardFailed, nominate_call(session, firm, actors["city"], now, district=SHANGCHENG))
    assert [r.rule for r in error.reasons] == ["pool_district"]
    refused(session, NotPermitted, nominate_call(session, firm, actors["xihu"], now, district=SHANGCHENG))


@pytest.mark.parametrize("who, level", [("shangcheng", "county"), ("shangcheng", "city"), ("leader", "county"),
                                        ("leader", "city"), ("admin", "county"), ("admin", "city")])
def test_who_may_not_nominate(session, actors, now, who, level):
    """Another district's officer, leaders and admins nominate nothing, even a firm the pool would accept."""
    if level == "city":
        firm = membership_in(session, actors, now, "admitted").firm
    else:
        firm = eligible_firm(session)
        session.commit()
    refused(session, NotPermitted, nominate_call(session, firm, actors[who], now, level))


def test_bad_nomination_details_are_all_reported(session, actors, now):
    firm = eligible_firm(session)
    session.commit()
    error = refused(session, ValidationFailed, nominate_call(session, firm, actors["xihu"], now, reason="  ",
                                                             cultivation_type="big", batch="2026"))
    assert set(error.fields) == {"reason", "cultivation_type", "batch"}


@pytest.mark.parametrize("field, value", [("batch", "26-1"), ("batch", "2026-1x"), ("batch", None), ("batch", 2026),
                                          ("cultivation_type", None), ("cultivation_type", ["growth"]),
                                          ("cultivation_type", "成长型"), ("reason", None), ("reason", ["x"])])
def test_each_bad_nomination_detail(session, actors, now, field, value):
    firm = eligible_firm(session)
    session.commit()
    error = refused(session, ValidationFailed, nominate_call(session, firm, actors["xihu"], now, **{field: value}))
    assert set(error.fields) == {field}


def test_eligibility_is_checked_again_at_admission(session, actors, now):
    m = membership_in(session, actors, now, "nominated")
    m.firm.abnormal = True
    m.firm.size_class = SizeClass.LARGE
    session.commit()
    error = refused(session, GuardFailed, lambda: act(session, m, "admit", actor=actors["city"], now=now,
                                                       expected_version=m.version))
    assert [r.rule for r in error.reasons] == ["abnormal", "size_class"]
    do(session, m, "reject", actors["city"], now)  # still decidable the other way
    assert m.state == "rejected"


@pytest.mark.parametrize("role", ["xihu", "city"])
def test_nobody_fires_a_cascade_action_directly(session, actors, now, role):
    """A consequence is the engine's: a county officer cannot end a city membership by naming it."""
    _, city = both_levels(session, actors, now, "admitted")
    before = snapshot(session)
    with pytest.raises(NotPermitted):
        act(session, city, "cascade_remove", actor=actors[role], now=now, expected_version=city.version,
            values={"reason": "violation"})
    session.rollback()
    assert snapshot(session) == before


def test_a_stale_city_membership_fails_the_whole_cascade(session, actors, now):
    """The city membership's version is checked: a concurrent change to it refuses the county action too."""
    county, city = both_levels(session, actors, now, "admitted")
    session.execute(update(PoolMembership).where(PoolMembership.id == city.id)
                    .values(version=PoolMembership.version + 1)  # another transaction moved it meanwhile
                    .execution_options(synchronize_session=False))
    with pytest.raises(StaleVersion):
        do(session, county, "remove", actors["xihu"], now, reason="violation")
    session.rollback()
    session.expire_all()
    assert (county.state, city.state) == ("admitted", "admitted")
