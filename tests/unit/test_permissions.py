"""workflows.permissions without a database: every role against every capability, the district scope, and
the pool and membership rules (whose pool, four eyes), on plain stand-ins for users and subjects."""

from types import SimpleNamespace

import pytest

from models.enums import PoolLevel, Role
from workflows import permissions
from workflows.errors import NotPermitted
from workflows.permissions import can, in_scope, is_scoped, may_read_domain, permit, require, scope_district

XIHU, SHANGCHENG = "330106", "330102"


def user(role, district=None, uid=1):
    return SimpleNamespace(role=role, district_code=district, id=uid)


CITY = user(Role.CITY_STAFF, uid=1)
XIHU_OFFICER = user(Role.COUNTY_OFFICER, XIHU, uid=2)
SHANGCHENG_OFFICER = user(Role.COUNTY_OFFICER, SHANGCHENG, uid=3)
LEADER = user(Role.LEADER, uid=4)
ADMIN = user(Role.ADMIN, uid=5)
EVERYONE = {"city": CITY, "xihu": XIHU_OFFICER, "leader": LEADER, "admin": ADMIN}

CITY_POOL = SimpleNamespace(level=PoolLevel.CITY, district_code=None)
XIHU_POOL = SimpleNamespace(level=PoolLevel.COUNTY, district_code=XIHU)
SHANGCHENG_POOL = SimpleNamespace(level=PoolLevel.COUNTY, district_code=SHANGCHENG)


def membership(pool, firm_district=XIHU, nominated_by=1):
    """As PoolMembership: its district is the county pool's, or the firm's in the city pool."""
    return SimpleNamespace(pool=pool, level=pool.level, nominated_by_id=nominated_by,
                           district_code=pool.district_code or firm_district)


# --- roles ----------------------------------------------------------------------------------------------

ROLE_TABLE = {  # capability -> the users (of EVERYONE) whose role holds it
    "domain.read": {"city", "xihu", "leader"},
    "domain.write": {"city", "xihu"},
    "firm.edit": {"city", "xihu"},
    "case.open": {"city", "xihu"},
    "import.run": {"city", "xihu"},
    "pool.read": {"city", "xihu", "leader", "admin"},
    "pool.members": {"city", "xihu", "leader"},
    "pool.nominate": {"city", "xihu"},
    "pool.configure": {"admin"},
    "membership.decide": {"city", "xihu"},
    "membership.withdraw": {"city", "xihu"},
    "membership.end": {"city", "xihu"},
    "flag.read": {"city", "xihu", "leader"},
    "flag.act": {"city", "xihu"},
    "checks.run": {"city"},
    "campaign.read": {"city", "xihu", "leader"},
    "campaign.manage": {"city"},
    "campaign.nominate": {"city", "xihu"},
    "campaign.approve": {"leader"},
    "plan.read": {"city", "xihu", "leader"},
    "plan.manage": {"city"},
    "plan.report": {"city"},
    "user.manage": {"admin"},
    "login_log.read": {"admin"},
}


def test_the_table_covers_every_capability():
    assert set(ROLE_TABLE) == set(permissions.CAPABILITIES)


@pytest.mark.parametrize("name", sorted(ROLE_TABLE))
def test_without_a_subject_a_question_is_about_the_role(name):
    assert {key for key, who in EVERYONE.items() if can(who, name)} == ROLE_TABLE[name]


def test_no_actor_or_an_unknown_role_may_nothing():
    for name in permissions.CAPABILITIES:
        assert not can(None, name)
        assert not can(user("visitor"), name)


def test_an_unknown_capability_is_a_programming_error():
    with pytest.raises(KeyError, match="firm.delete"):
        can(CITY, "firm.delete")
    with pytest.raises(KeyError):
        permit("firm.delete")


def test_may_read_domain():
    assert [k for k, who in EVERYONE.items() if may_read_domain(who)] == ["city", "xihu", "leader"]


# --- district scope -------------------------------------------------------------------------------------

def test_district_scope():
    assert is_scoped(XIHU_OFFICER) and not is_scoped(CITY) and not is_scoped(LEADER)
    assert in_scope(XIHU_OFFICER, XIHU) and not in_scope(XIHU_OFFICER, SHANGCHENG)
    assert not in_scope(XIHU_OFFICER, None)  # a subject without a district is city-level
    assert in_scope(CITY, SHANGCHENG) and in_scope(LEADER, None)
    assert scope_district(XIHU_OFFICER) == XIHU and scope_district(CITY) is None


@pytest.mark.parametrize("subject", [XIHU, SimpleNamespace(district_code=XIHU)])
def test_a_subject_is_a_district_code_or_has_one(subject):
    assert can(XIHU_OFFICER, "firm.edit", subject)
    assert not can(SHANGCHENG_OFFICER, "firm.edit", subject)
    assert can(CITY, "firm.edit", subject)
    assert not can(LEADER, "firm.edit", subject)


def test_scoped_reads():
    firm = SimpleNamespace(district_code=SHANGCHENG)
    assert can(LEADER, "domain.read", firm) and can(CITY, "domain.read", firm)
    assert not can(XIHU_OFFICER, "domain.read", firm) and can(SHANGCHENG_OFFICER, "case.open", firm)
    assert not can(ADMIN, "domain.read", firm)


# --- pools ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, pool, members, nominate", [
    (CITY, SHANGCHENG_POOL, True, True),
    (LEADER, SHANGCHENG_POOL, True, False),
    (ADMIN, CITY_POOL, False, False),
    (XIHU_OFFICER, CITY_POOL, True, True),
    (XIHU_OFFICER, XIHU_POOL, True, True),
    (XIHU_OFFICER, SHANGCHENG_POOL, False, False),
])
def test_pools_in_reach(who, pool, members, nominate):
    assert can(who, "pool.members", pool) is members
    assert can(who, "pool.nominate", pool) is nominate
    assert can(who, "pool.read", pool)  # targets and fill are the plan's published figures, for every role


# --- memberships ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, m, decide, withdraw, end", [
    # city staff act in every pool, on anyone's nomination
    (CITY, membership(SHANGCHENG_POOL, nominated_by=3), True, True, True),
    (CITY, membership(CITY_POOL, nominated_by=1), True, True, True),
    # an officer in their own county pool, but never admits their own nomination (four eyes)
    (XIHU_OFFICER, membership(XIHU_POOL, nominated_by=1), True, False, True),
    (XIHU_OFFICER, membership(XIHU_POOL, nominated_by=2), False, True, True),
    # the city pool's decisions are city staff's; an officer withdraws their own nomination there
    (XIHU_OFFICER, membership(CITY_POOL, nominated_by=2), False, True, False),
    (XIHU_OFFICER, membership(CITY_POOL, nominated_by=1), False, False, False),
    # another district: out of scope, whoever nominated
    (XIHU_OFFICER, membership(CITY_POOL, firm_district=SHANGCHENG, nominated_by=2), False, False, False),
    (XIHU_OFFICER, membership(SHANGCHENG_POOL, nominated_by=2), False, False, False),
    (LEADER, membership(XIHU_POOL), False, False, False),
])
def test_membership_rules(who, m, decide, withdraw, end):
    assert can(who, "membership.decide", m) is decide
    assert can(who, "membership.withdraw", m) is withdraw
    assert can(who, "membership.end", m) is end
    assert permit("membership.decide")(who, m) is decide  # as the workflow's Action carries it


def test_four_eyes():
    assert permissions.four_eyes(XIHU_OFFICER, membership(XIHU_POOL, nominated_by=2))
    assert not permissions.four_eyes(XIHU_OFFICER, membership(XIHU_POOL, nominated_by=1))
    assert not permissions.four_eyes(XIHU_OFFICER, membership(CITY_POOL, nominated_by=2))  # not theirs to decide
    assert not permissions.four_eyes(CITY, membership(XIHU_POOL, nominated_by=1))


# --- refusals ---------------------------------------------------------------------------------------------

def test_require_raises_the_capabilitys_refusal_or_the_callers():
    require(ADMIN, "pool.configure")  # allowed: returns quietly
    with pytest.raises(NotPermitted, match="只有系统管理员可以调整培育库目标和容量"):
        require(CITY, "pool.configure")
    with pytest.raises(NotPermitted, match="您无权修改该区县的企业"):
        require(XIHU_OFFICER, "firm.edit", SHANGCHENG)
    with pytest.raises(NotPermitted, match="另一句话"):
        require(LEADER, "domain.write", message="另一句话")


def test_the_workflows_role_sets_come_from_here():
    from workflows.case_flows import common
    from workflows.membership import NOMINATORS

    assert common.OFFICERS is permissions.OFFICERS and common.CITY is permissions.CITY_STAFF_ONLY
    assert NOMINATORS is permissions.OFFICERS
