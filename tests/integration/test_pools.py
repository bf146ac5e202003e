"""Pools as data (SQLite and PostgreSQL): capacity as a hard limit on admission, the admin's target and
capacity edits with the county-sum rule, the overview counts, and the county target split."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Firm, Pool
from models.enums import FirmStatus, PoolLevel, SizeClass, Stage
from tests.factories import (
    SHANGCHENG,
    XIHU,
    do,
    eligible_firm,
    make_staff,
    membership_in,
    pool_of,
    refused,
    uscc,
)
from workflows.errors import NotFound, NotPermitted, PoolFull, ValidationFailed
from workflows.membership import act, eligibility_reasons
from workflows.pools import (
    all_pools,
    apply_split,
    county_total,
    eligible_counts,
    pool_counts,
    propose_split,
    update_pools,
)

TODAY = date(2026, 11, 30)


@pytest.fixture
def actors(session):
    return make_staff(session)


def set_capacity(session, pool, capacity):
    pool.capacity = capacity
    session.commit()


def pool_events(session):
    return session.scalars(select(AuditEvent).filter_by(subject_type="pool").order_by(AuditEvent.id)).all()


# -- capacity on admission -----------------------------------------------------------------------------

def test_the_migration_seeds_the_plans_targets(session):
    pools = all_pools(session)
    city = [p for p in pools if p.level == PoolLevel.CITY]
    county = [p for p in pools if p.level == PoolLevel.COUNTY]
    assert [(p.target, p.capacity, p.name) for p in city] == [(12_000, None, "市级培育库")]
    assert len(county) == 13 and sum(p.target for p in county) == county_total()
    assert {p.capacity for p in county} == {None}


def test_admitting_into_a_full_pool_is_refused_and_writes_nothing(session, actors, now):
    first, second = (membership_in(session, actors, now, "nominated") for _ in range(2))
    set_capacity(session, first.pool, 1)
    do(session, first, "admit", actors["city"], now)
    error = refused(session, PoolFull, lambda: act(session, second, "admit", actor=actors["xihu"], now=now,
                                                    expected_version=second.version))
    assert "容量1家" in error.message
    assert (second.state, second.version, second.decided_by_id) == ("nominated", 1, None)


def test_a_full_pool_still_takes_rejections_and_withdrawals(session, actors, now):
    first, second, third = (membership_in(session, actors, now, "nominated") for _ in range(3))
    set_capacity(session, first.pool, 1)
    do(session, first, "admit", actors["city"], now)
    do(session, second, "reject", actors["city"], now)
    do(session, third, "withdraw", actors["xihu2"], now)
    assert (second.state, third.state) == ("rejected", "withdrawn")


def test_an_ended_membership_frees_its_seat(session, actors, now):
    first, second = (membership_in(session, actors, now, "nominated") for _ in range(2))
    set_capacity(session, first.pool, 1)
    do(session, first, "admit", actors["city"], now)
    do(session, first, "graduate", actors["city"], now)
    do(session, second, "admit", actors["city"], now)
    assert second.state == "admitted"


def test_capacity_counts_only_the_pools_own_members(session, actors, now):
    other = membership_in(session, actors, now, "admitted")  # 西湖区 county pool
    elsewhere = membership_in(session, actors, now, "nominated", firm=eligible_firm(session, SHANGCHENG),
                              nominator="shangcheng")
    set_capacity(session, elsewhere.pool, 1)
    do(session, elsewhere, "admit", actors["city"], now)
    assert (other.pool_id != elsewhere.pool_id, elsewhere.state) == (True, "admitted")


def test_a_capacity_of_zero_admits_nobody(session, actors, now):
    m = membership_in(session, actors, now, "nominated")
    set_capacity(session, m.pool, 0)
    refused(session, PoolFull, lambda: act(session, m, "admit", actor=actors["city"], now=now,
                                           expected_version=m.version))


def test_the_city_pool_has_its_own_capacity(session, actors, now):
    city = membership_in(session, actors, now, "nominated", level=PoolLevel.CITY)
    set_capacity(session, city.pool, 0)
    refused(session, PoolFull, lambda: act(session, city, "admit", actor=actors["city"], now=now,
                                           expected_version=city.version))


def test_pool_counts_groups_by_pool_and_state(session, actors, now):
    for state in ("nominated", "nominated", "admitted", "rejected"):
        membership_in(session, actors, now, state)
    membership_in(session, actors, now, "admitted", level=PoolLevel.CITY)
    county, city = pool_of(session, "county", XIHU), pool_of(session, "city")
    # The city membership's firm holds an admitted county membership too.
    assert pool_counts(session) == {county.id: {"nominated": 2, "admitted": 2, "rejected": 1},
                                    city.id: {"admitted": 1}}


# -- the admin's edits ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["city", "leader", "xihu"])
def test_only_the_admin_edits_pools(session, actors, now, who):
    city = pool_of(session, "city")
    refused(session, NotPermitted, lambda: update_pools(session, {city.id: {"target": 13_000}}, actor=actors[who],
                                                         now=now))


def test_the_city_target_and_a_capacity_change_on_their_own_and_are_audited(session, actors, now):
    city = pool_of(session, "city")
    result = update_pools(session, {city.id: {"target": 13_000, "capacity": 12_500}}, actor=actors["admin"], now=now,
                          comment="年度调整")
    session.commit()
    session.expire_all()
    assert (city.target, city.capacity) == (13_000, 12_500)
    assert result == {city.id: {"target": [12_000, 13_000], "capacity": [None, 12_500]}}
    [event] = pool_events(session)
    assert (event.subject_id, event.action, event.actor_name, event.comment) == (city.id, "update", "admin", "年度调整")
    assert event.evidence["changes"] == {"target": [12_000, 13_000], "capacity": [None, 12_500]}


def test_an_unchanged_value_writes_no_event(session, actors, now):
    city = pool_of(session, "city")
    assert update_pools(session, {city.id: {"target": 12_000, "capacity": None}}, actor=actors["admin"], now=now) == {}
    session.commit()
    assert pool_events(session) == []


def test_moving_target_between_two_districts_in_one_edit(session, actors, now):
    xihu, shangcheng = pool_of(session, "county", XIHU), pool_of(session, "county", SHANGCHENG)
    x, s = xihu.target, shangcheng.target
    update_pools(session, {xihu.id: {"target": x + 500}, shangcheng.id: {"target": s - 500}},
                 actor=actors["admin"], now=now)
    session.commit()
    session.expire_all()
    assert (xihu.target, shangcheng.target) == (x + 500, s - 500)
    assert sum(p.target for p in all_pools(session) if p.level == "county") == county_total()
    assert sorted(e.subject_id for e in pool_events(session)) == sorted([xihu.id, shangcheng.id])


def test_county_targets_that_no_longer_sum_to_the_plan_are_refused(session, actors, now):
    xihu, shangcheng = pool_of(session, "county", XIHU), pool_of(session, "county", SHANGCHENG)
    error = refused(session, ValidationFailed, lambda: update_pools(
        session, {xihu.id: {"target": xihu.target + 500}, shangcheng.id: {"target": shangcheng.target - 499}},
        actor=actors["admin"], now=now))
    assert "45000" in error.fields["target"] and "45001" in error.fields["target"]


def test_capacity_never_below_the_admitted_count(session, actors, now):
    members = [membership_in(session, actors, now, "admitted") for _ in range(3)]
    pool = members[0].pool
    error = refused(session, ValidationFailed, lambda: update_pools(session, {pool.id: {"capacity": 2}},
                                                                    actor=actors["admin"], now=now))
    assert "已入库3家" in error.fields["capacity"]
    update_pools(session, {pool.id: {"capacity": 3}}, actor=actors["admin"], now=now)
    session.commit()
    assert pool.capacity == 3
    membership_in(session, actors, now, "nominated")  # pending nominations do not count against it
    update_pools(session, {pool.id: {"capacity": None}}, actor=actors["admin"], now=now)
    session.commit()
    assert pool.capacity is None


@pytest.mark.parametrize("change, field", [
    ({"capacity": -1}, "capacity"), ({"capacity": "abc"}, "capacity"), ({"capacity": True}, "capacity"),
    ({"capacity": 1.5}, "capacity"), ({"target": None}, "target"), ({"target": -5}, "target"),
    ({"target": [1]}, "target"), ({"size": 3}, "size"),
])
def test_bad_values_are_refused(session, actors, now, change, field):
    city = pool_of(session, "city")
    error = refused(session, ValidationFailed, lambda: update_pools(session, {city.id: change}, actor=actors["admin"],
                                                                    now=now))
    assert set(error.fields) == {field}


def test_numbers_as_text_are_accepted(session, actors, now):
    city = pool_of(session, "city")
    update_pools(session, {city.id: {"target": "12500", "capacity": "13000"}}, actor=actors["admin"], now=now)
    assert (city.target, city.capacity) == (12_500, 13_000)


def test_one_bad_pool_refuses_the_whole_edit(session, actors, now):
    city, xihu = pool_of(session, "city"), pool_of(session, "county", XIHU)
    refused(session, ValidationFailed, lambda: update_pools(
        session, {city.id: {"target": 20_000}, xihu.id: {"capacity": -1}}, actor=actors["admin"], now=now))
    refused(session, NotFound, lambda: update_pools(session, {city.id: {"target": 20_000}, 99_999: {"target": 1}},
                                                    actor=actors["admin"], now=now))


# -- the county target split ---------------------------------------------------------------------------

def firm(session, district=XIHU, *, figures=True, **kw):
    if figures:
        return eligible_firm(session, district, **kw)
    attrs = {"stage": Stage.ENTERPRISE, "industry": "C39", "tags": [], "size_class": SizeClass.UNKNOWN, **kw}
    made = Firm(uscc=uscc(district), name="新设企业", legal_form="有限责任公司", district_code=district,
                **attrs)
    session.add(made)
    return made


@pytest.fixture
def dataset(session):
    """西湖区: three eligible (one new without figures); 上城区: one; and one of each way to be ineligible."""
    firms = [
        firm(session), firm(session, size_class=SizeClass.MICRO),
        firm(session, figures=False, registered_on=TODAY - timedelta(days=100)),
        firm(session, figures=False, registered_on=date(2024, 12, 1)),  # 23 months: still new
        firm(session, SHANGCHENG),
        # Ineligible, each for one reason:
        firm(session, figures=False, registered_on=date(2024, 11, 30)),  # exactly 24 months
        firm(session, figures=False, registered_on=None),
        firm(session, size_class=SizeClass.MEDIUM), firm(session, abnormal=True),
        firm(session, serious_violation=True), firm(session, status=FirmStatus.DEREGISTERED),
        firm(session, stage=Stage.INDIVIDUAL), firm(session, SHANGCHENG, stage=Stage.ABOVE_SCALE),
    ]
    session.commit()
    return firms


def test_eligible_counts_agree_with_the_nomination_rule(session, dataset):
    assert eligible_counts(session, TODAY) == {XIHU: 4, SHANGCHENG: 1}
    by_rule = {}
    for f in dataset:
        if not eligibility_reasons(session, f, TODAY):
            by_rule[f.district_code] = by_rule.get(f.district_code, 0) + 1
    assert by_rule == eligible_counts(session, TODAY)


def test_propose_split_shares_45000_by_eligible_firms(session, dataset):
    split = propose_split(session, TODAY)
    assert sum(split.values()) == county_total() == 45_000 and len(split) == 13
    # 44,987 after the minimums, 4:1 -> 35,989.6 and 8,997.4; the .6 takes the last seat.
    assert (split[XIHU], split[SHANGCHENG]) == (35_991, 8_998)
    assert {v for k, v in split.items() if k not in (XIHU, SHANGCHENG)} == {1}


def test_apply_split_sets_every_county_target_and_audits_the_changes(session, actors, now, dataset):
    split = propose_split(session, TODAY)
    result = apply_split(session, split, actor=actors["admin"], now=now)
    session.commit()
    session.expire_all()
    assert {p.district_code: p.target for p in all_pools(session) if p.level == "county"} == split
    assert pool_of(session, "city").target == 12_000
    assert len(result) == len(pool_events(session)) == 13
    assert session.scalar(select(func.sum(Pool.target)).where(Pool.level == "county")) == county_total()


def test_apply_split_is_the_admins(session, actors, now, dataset):
    split = propose_split(session, TODAY)
    refused(session, NotPermitted, lambda: apply_split(session, split, actor=actors["city"], now=now))
