"""A small fixture world for the access matrix: one object of each kind in 西湖区 and in 上城区, made through
the workflows as the pages would make them, plus a user and an API token for every role.

Per district: a firm that is an admitted county-pool member with two years of figures (a 成长之星 candidate),
an open 小升规 case on it, its admitted membership and a pending nomination of a second firm, a pool-hygiene
flag on the membership, its 成长之星 entry in the 2026 campaign (nominating), an import run and an export job
of the district's officer. City-wide: the campaign, a check run, the migrated plan and pools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from models import Plan, PlanMetric, Pool
from models.enums import FlagKind, PoolLevel
from tests.factories import NOW, PASSWORD, SHANGCHENG, XIHU, figures, star_campaign, star_member
from tests.queued_runs import queued_check, queued_export, queued_import

DISTRICTS = {"own": XIHU, "other": SHANGCHENG}


@dataclass
class Objects:
    """One district's objects, by id (firms by USCC)."""

    firm: str
    firm_id: int
    case: int
    member: int
    nominee: int
    nominee_firm: str
    flag: int
    entry: int
    import_run: int
    export: int
    pool: int
    case_v: int = 1
    member_v: int = 1
    nominee_v: int = 1
    flag_v: int = 1
    entry_v: int = 1


@dataclass
class World:
    users: dict  # role key -> User id
    tokens: dict  # role key -> Bearer token
    own: Objects
    other: Objects
    campaign: int = 2026
    check_run: int = 0
    plan: int = 0
    metric: str = ""
    city_pool: int = 0
    city_export: int = 0
    campaign_v: int = 1
    extra: dict = field(default_factory=dict)

    def values(self) -> dict:
        """The placeholders a matrix row's URL and body may name: `{firm}` is 西湖区's, `{other_firm}` 上城区's."""
        found = {"year": self.campaign, "check_run": self.check_run, "plan": self.plan, "metric": self.metric,
                 "city_pool": self.city_pool, "city_export": self.city_export,
                 "campaign_v": self.campaign_v, "officer_user": self.users["own"]}
        for prefix, objects in (("", self.own), ("other_", self.other)):
            found.update({prefix + name: value for name, value in vars(objects).items()})
        return found


def build_world(session, folder: Path, now=NOW) -> World:
    """Everything committed; the caller's outer transaction (module scope) rolls it back at the end."""
    from workflows.campaigns.entries import nominate as nominate_entry
    from workflows.ladder import open_case
    from workflows.membership import nominate
    from workflows.users import create_user, issue_token

    roles = {"admin": ("admin", None), "city": ("city_staff", None), "leader": ("leader", None),
             "own": ("county_officer", XIHU), "other": ("county_officer", SHANGCHENG)}
    users = {key: create_user(session, f"m_{key}", PASSWORD, role, district=district, now=now)
             for key, (role, district) in roles.items()}
    tokens = {key: issue_token(session, user, now=now) for key, user in users.items()}
    members = {key: star_member(session, users, district=code, now2024=figures(100, 10, 10),
                                now2025=figures(150, 12, 12, 15, 3))
               for key, code in DISTRICTS.items()}
    session.flush()
    campaign = star_campaign(session, users["city"], now=now, total=15, factor=1,
                             nomination_deadline="2026-12-31", review_deadline="2027-01-31")
    made = {}
    for key, code in DISTRICTS.items():
        firm = members[key]
        county = session.scalar(select(Pool).filter_by(level=PoolLevel.COUNTY, district_code=code))
        membership = _membership_of(session, firm)
        second = star_member(session, users, district=code, admitted_at=None, now2025=figures(90, 9, 9))
        nominee = nominate(session, county, second, reason="成长性好", cultivation_type="growth", batch="2026-1",
                           actor=users["city"], now=now)
        case = open_case(session, firm, "small_to_scale", actor=users["city"], now=now)
        flag = _flag(session, membership, now)
        entry = nominate_entry(session, campaign, firm, reason="", actor=users[key], now=now)
        run = queued_import(session, users[key], folder, now=now)
        run.district_code = code
        export = queued_export(session, users[key], now=now)
        session.flush()
        made[key] = Objects(firm=firm.uscc, firm_id=firm.id, case=case.id, member=membership.id,
                            nominee=nominee.id, nominee_firm=second.uscc, flag=flag.id, entry=entry.id,
                            import_run=run.id, export=export.id, pool=county.id, case_v=case.version,
                            member_v=membership.version, nominee_v=nominee.version, flag_v=flag.version,
                            entry_v=entry.version)
    check = queued_check(session, users["city"], now=now, today=now.date())
    plan = session.scalar(select(Plan).order_by(Plan.id))
    metric = session.scalar(select(PlanMetric.key).filter_by(plan_id=plan.id, kind="reported")
                            .order_by(PlanMetric.id))
    city_pool = session.scalar(select(Pool.id).filter_by(level=PoolLevel.CITY))
    city_export = queued_export(session, users["city"], now=now)
    session.commit()
    return World(users={key: user.id for key, user in users.items()}, tokens=tokens, own=made["own"],
                 other=made["other"], check_run=check.id, plan=plan.id, metric=metric, city_pool=city_pool,
                 city_export=city_export.id, campaign_v=campaign.version)


def _membership_of(session, firm):
    from models import PoolMembership

    return session.scalar(select(PoolMembership).filter_by(firm_id=firm.id, is_active=True))


def _flag(session, membership, now):
    from tests.factories import raise_flag

    return raise_flag(session, membership, FlagKind.REMOVAL, now)
