"""Who may do what to which subject: the one home of role sets and district scope (DESIGN §1).

Every question is asked by capability name, the same way from a page, an API route, a CLI command or a
workflow:

    can(actor, "firm.edit", firm)          # may this actor edit this firm?
    can(actor, "firm.edit")                # may this actor's role edit firms at all (a menu, a gate)?
    require(actor, "case.open", firm)      # the same question, refused with NotPermitted (403)

A capability is a registry entry, not an if/elif: the roles that hold it, whether a county officer's
district scope applies to its subject, and any further rule (whose pool, four eyes). Without a subject a
question is about the role only; with one, scope and rule apply too. A subject is anything with a
`district_code` (firm, case, membership) or a district code itself; `district_code` of a membership is
its county pool's district, or its firm's in the city pool.

The state machine's actions carry role sets from here (`OFFICERS`, `CITY_STAFF_ONLY`), and the engine's
scope check is `in_scope`; the membership actions' extra rules are `permit(...)` of the capabilities below.

Roles (DESIGN §1): city staff act city-wide; a county officer acts on their own district only; leaders
read everything and change nothing; the admin manages users, tokens and pool targets and capacities, and
reads no firm or case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_

from models import PoolMembership
from models.enums import PoolLevel, Role
from workflows.errors import NotPermitted

# --- role sets ----------------------------------------------------------------------------------------------

READERS = frozenset({Role.CITY_STAFF, Role.COUNTY_OFFICER, Role.LEADER})  # firms, cases, pools, memberships
OFFICERS = frozenset({Role.CITY_STAFF, Role.COUNTY_OFFICER})  # act on firms, cases and pool memberships
CITY_STAFF_ONLY = frozenset({Role.CITY_STAFF})  # approving steps, key designations
ADMINS = frozenset({Role.ADMIN})
LEADERS = frozenset({Role.LEADER})  # approve the 成长之星 list
POOL_READERS = READERS | ADMINS  # the admin sets targets and capacities, so sees the pools (not members)

Rule = Callable[[Any, Any], bool]


# --- district scope -----------------------------------------------------------------------------------------

def is_scoped(actor) -> bool:
    """A county officer sees and acts on their own district only; every other role is city-wide."""
    return getattr(actor, "role", None) == Role.COUNTY_OFFICER


def in_scope(actor, district_code: str | None) -> bool:
    """Whether a subject of `district_code` lies within the actor's reach (city-wide roles: always)."""
    return not is_scoped(actor) or (district_code is not None and district_code == actor.district_code)


def scope_district(actor) -> str | None:
    """The district an actor's lists and imports are narrowed to, or None for a city-wide role."""
    return actor.district_code if is_scoped(actor) else None


def district_of(subject) -> str | None:
    if subject is None or isinstance(subject, str):
        return subject
    return subject.district_code


# --- the rules beyond role and scope ------------------------------------------------------------------------

def _pool_in_reach(actor, pool) -> bool:
    """A county officer works with the city pool and their own county's pool, not another county's."""
    return not is_scoped(actor) or pool.level == PoolLevel.CITY or pool.district_code == actor.district_code


def _in_own_county_pool(actor, membership) -> bool:
    """City staff act in every pool; a county officer only in their own county pool (the city pool's
    decisions are city staff's)."""
    return not is_scoped(actor) or (membership.level == PoolLevel.COUNTY
                                    and membership.pool.district_code == actor.district_code)


def four_eyes(actor, membership) -> bool:
    """A county officer's own nomination in a county pool: someone else must admit or reject it."""
    return (is_scoped(actor) and membership.level == PoolLevel.COUNTY
            and membership.nominated_by_id == getattr(actor, "id", None))


def not_own_nomination(actor):
    """`four_eyes` in SQL, for the review queue: the memberships this actor did not nominate."""
    return or_(PoolMembership.nominated_by_id.is_(None), PoolMembership.nominated_by_id != getattr(actor, "id", None))


def _decides(actor, membership) -> bool:
    return _in_own_county_pool(actor, membership) and not four_eyes(actor, membership)


def _withdraws(actor, membership) -> bool:
    """The nominator takes their own nomination back; city staff may withdraw any."""
    return not is_scoped(actor) or membership.nominated_by_id == getattr(actor, "id", None)


# --- the registry -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Capability:
    roles: frozenset
    refusal: str  # the Chinese sentence of the NotPermitted that `require` raises
    scoped: bool = True  # a county officer only on subjects of their own district
    rule: Rule | None = None  # anything beyond role and scope; called only with a subject


CAPABILITIES: dict[str, Capability] = {
    # Reading: the admin reads no firm, case or member; every other role reads (officers their district).
    "domain.read": Capability(READERS, "您的角色无权查看企业和案件数据"),
    # Any change to firms, cases or memberships: refused before validation, so a leader learns nothing more.
    "domain.write": Capability(OFFICERS, "您的角色无权修改企业和案件数据"),
    "firm.edit": Capability(OFFICERS, "您无权修改该区县的企业"),  # create, edit, annual figures, status
    "case.open": Capability(OFFICERS, "您无权为该企业发起升级案件"),
    "import.run": Capability(OFFICERS, "只有市局工作人员和区县工作人员可以导入数据"),
    "pool.read": Capability(POOL_READERS, "您的角色无权查看培育库", scoped=False),
    "pool.members": Capability(READERS, "您无权查看该培育库的成员", scoped=False, rule=_pool_in_reach),
    "pool.nominate": Capability(OFFICERS, "您无权推荐企业入库", scoped=False, rule=_pool_in_reach),
    "pool.configure": Capability(ADMINS, "只有系统管理员可以调整培育库目标和容量", scoped=False),
    "membership.decide": Capability(OFFICERS, "您无权审核该推荐", rule=_decides),  # admit, reject
    "membership.withdraw": Capability(OFFICERS, "只有推荐人或市局工作人员可以撤回推荐", rule=_withdraws),
    "membership.end": Capability(OFFICERS, "您无权让该企业出库", rule=_in_own_county_pool),  # remove, graduate
    # Scheduled checks: officers work their district's flags; city staff run checks and read their log.
    "flag.read": Capability(READERS, "您无权查看该区县的工作提醒"),
    "flag.act": Capability(OFFICERS, "您无权处理该区县的工作提醒"),  # act on, dismiss
    "checks.run": Capability(CITY_STAFF_ONLY, "只有市局工作人员可以运行检查", scoped=False),
    # 成长之星: every domain reader follows the campaign; city staff run it, county officers nominate their
    # district's firms (a firm is the subject), a leader approves the list.
    "campaign.read": Capability(READERS, "您的角色无权查看成长之星评选", scoped=False),
    "campaign.manage": Capability(CITY_STAFF_ONLY, "只有市局工作人员可以组织成长之星评选", scoped=False),
    "campaign.nominate": Capability(OFFICERS, "只能提名本区县的企业"),
    "campaign.approve": Capability(LEADERS, "只有领导可以批准成长之星名单", scoped=False),
    # The plan and the leaders' dashboard (DESIGN §7): every domain role reads (an officer's firm lists stay
    # within their district; other districts' aggregates are open); city staff add plans and reported figures.
    "plan.read": Capability(READERS, "您的角色无权查看计划和看板", scoped=False),
    "plan.manage": Capability(CITY_STAFF_ONLY, "只有市局工作人员可以新增计划", scoped=False),
    "plan.report": Capability(CITY_STAFF_ONLY, "只有市局工作人员可以填报计划指标数据", scoped=False),
    # Accounts: the admin creates users, resets passwords, deactivates accounts and reads the login log.
    "user.manage": Capability(ADMINS, "只有系统管理员可以管理用户", scoped=False),
    "login_log.read": Capability(ADMINS, "只有系统管理员可以查看登录日志", scoped=False),
}


def capability(name: str) -> Capability:
    try:
        return CAPABILITIES[name]
    except KeyError:
        raise KeyError(f"unknown capability {name!r}; known: {', '.join(sorted(CAPABILITIES))}") from None


def can(actor, name: str, subject=None) -> bool:
    """May `actor` do `name` (to `subject`)? Without a subject: does the actor's role hold it at all."""
    cap = capability(name)
    if getattr(actor, "role", None) not in cap.roles:
        return False
    if subject is None:
        return True
    if cap.scoped and not in_scope(actor, district_of(subject)):
        return False
    return cap.rule is None or cap.rule(actor, subject)


def require(actor, name: str, subject=None, message: str | None = None) -> None:
    """`can`, or NotPermitted with the capability's refusal (or `message`, where the caller says more)."""
    if not can(actor, name, subject):
        raise NotPermitted(message or capability(name).refusal)


def may_read_domain(actor) -> bool:
    return can(actor, "domain.read")


def permit(name: str) -> Rule:
    """The capability as a workflow Action's `permit(actor, subject)` (the engine checks role and scope first)."""
    capability(name)  # fail at import on a misspelt name, not when an officer presses the button

    def allowed(actor, subject) -> bool:
        return can(actor, name, subject)

    allowed.__name__ = allowed.__qualname__ = f"permit_{name.replace('.', '_')}"
    return allowed
