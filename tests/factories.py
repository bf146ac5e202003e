"""Builders shared by the test modules; the fixtures that use them live in the conftest.py files.

- Codes and payloads: a valid USCC no other test uses, a firm as the API and the workflows take it.
- Rows made straight on the session, without the HTTP layer and with a cheap password hash (the
  integration tests fire hundreds of steps): users of every role, firms on a rung, cases walked through
  their steps, pool memberships in any state.
"""

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from models import AnnualIndicator, AuditEvent, Firm, Pool, PoolMembership, User
from models.enums import PoolLevel, Role, SizeClass, Stage
from workflows.ladder import open_case
from workflows.machine import fire
from workflows.membership import act, nominate
from workflows.rules.uscc import CHARSET, make_uscc

NOW = datetime(2026, 11, 30, 2, 0, 0)  # naive UTC: 10:00 in Hangzhou; the `now` fixture and the pinned clock
XIHU, SHANGCHENG = "330106", "330102"
_serial = itertools.count(1)


# ------------------------------------------------------------------------------------- codes, payloads

def uscc(area: str = XIHU, kind: str = "91", n: int | None = None) -> str:
    """A fresh valid code: 'MA' plus six body characters from the USCC charset."""
    n = next(_serial) if n is None else n
    digits = []
    for _ in range(6):
        n, r = divmod(n, len(CHARSET))
        digits.append(CHARSET[r])
    return make_uscc(kind, area, "MA" + "".join(reversed(digits)))


def firm_payload(**overrides) -> dict:
    district = overrides.get("district", XIHU)
    data = {
        "uscc": uscc(district if str(district).isdigit() and len(str(district)) == 6 else XIHU),
        "name": "杭州西溪精密机械有限公司",
        "legal_form": "有限责任公司",
        "district": district,
        "industry": "C39",
        "registered_on": "2019-05-20",
        "tags": ["equipment"],
    }
    data.update(overrides)
    return data


# ------------------------------------------------------------------------------------- users, firms, cases

PASSWORD = "tulip-harbor-93"  # every test user's: passes workflows.passwords (length, not common, not the name)
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")  # these users never log in
FORMS = {Stage.INDIVIDUAL: "个体工商户", Stage.ENTERPRISE: "有限责任公司", Stage.ABOVE_SCALE: "有限责任公司",
         Stage.JOINT_STOCK: "股份有限公司", Stage.LISTED: "股份有限公司"}
KIND_STAGE = {"ind_to_ent": Stage.INDIVIDUAL, "small_to_scale": Stage.ENTERPRISE,
              "scale_to_stock": Stage.ABOVE_SCALE, "stock_to_listed": Stage.JOINT_STOCK}
REASON = {"reason": "企业暂缓推进"}
DIRECT = {"legal_form": "有限责任公司", "route": "direct_change"}
TO_REGISTERING = [("confirm_intent", {}), ("submit_registration", {})]


def make_actors(session) -> dict[str, User]:
    """The roles of conftest's `users`, without its slow password hashing (these tests fire hundreds of steps)."""
    made = {key: User(username=key, display_name=key, role=role, district_code=district, password_hash=_HASH)
            for key, role, district in [("admin", Role.ADMIN, None), ("city", Role.CITY_STAFF, None),
                                        ("leader", Role.LEADER, None),
                                        ("xihu", Role.COUNTY_OFFICER, XIHU),
                                        ("shangcheng", Role.COUNTY_OFFICER, SHANGCHENG)]}
    session.add_all(made.values())
    session.flush()
    return made


def make_firm(session, stage=Stage.ENTERPRISE, *, district=XIHU, industry="C39", revenue="2500", **kw):
    firm = Firm(uscc=uscc(kind="92" if stage == Stage.INDIVIDUAL else "91"), name=f"测试企业{next(_serial)}",
                legal_form=FORMS[stage], stage=stage, district_code=district, industry=industry, **{"tags": [], **kw})
    session.add(firm)
    if revenue is not None:
        session.add(AnnualIndicator(firm=firm, year=2025, revenue=Decimal(revenue), employees=50))
    session.flush()
    return firm


def step(session, case, action, actor, now, comment="", **values):
    return fire(session, case, action, actor=actor, now=now, expected_version=case.version, comment=comment,
                values=values)


def walk(session, case, steps, actor, now):
    visited = [case.state]
    for action, values in steps:
        step(session, case, action, actor, now, **values)
        visited.append(case.state)
    return visited


def new_case(session, actors, now, kind, steps=(), *, firm=None, **firm_kw):
    firm = firm or make_firm(session, KIND_STAGE[kind], **firm_kw)
    case = open_case(session, firm, kind, actor=actors["city"], now=now)
    walk(session, case, steps, actors["city"], now)
    return case


# ------------------------------------------------------------------------------------- pool memberships

VALUES = {"admit": {}, "reject": {"reason": "材料不全"}, "withdraw": {}, "remove": {"reason": "violation"},
          "graduate": {"reason": "scaled_up"}}
# How to reach each state from a fresh nomination, as city staff.
PATHS = {"nominated": [], "admitted": ["admit"], "rejected": ["reject"], "withdrawn": ["withdraw"],
         "removed": ["admit", "remove"], "graduated": ["admit", "graduate"]}


def make_staff(session) -> dict[str, User]:
    """make_actors' roles plus a second 西湖区 officer, the other pair of eyes."""
    made = make_actors(session)
    made["xihu2"] = User(username="xihu2", display_name="xihu2", role=Role.COUNTY_OFFICER, district_code=XIHU,
                         password_hash=_HASH)
    session.add(made["xihu2"])
    session.commit()
    return made


def eligible_firm(session, district=XIHU, **kw):
    """A 小型 enterprise, active, with a year of figures: eligible for both pools."""
    attrs = {"stage": Stage.ENTERPRISE, "industry": "C39", "tags": [], "registered_on": date(2018, 5, 1),
             "size_class": SizeClass.SMALL, **kw}
    firm = Firm(uscc=uscc(district), name=f"入库测试企业{next(_serial)}", legal_form="有限责任公司",
                district_code=district, **attrs)
    session.add(firm)
    session.add(AnnualIndicator(firm=firm, year=2025, revenue=Decimal("800"), employees=30))
    session.flush()
    return firm


def pool_of(session, level, district=None) -> Pool:
    return session.scalar(select(Pool).filter_by(level=level, district_code=district))


def nominate_to(session, firm, actor, now, level=PoolLevel.COUNTY, **kw):
    pool = pool_of(session, level, firm.district_code if level == PoolLevel.COUNTY else None)
    args = {"reason": "成长性好", "cultivation_type": "growth", "batch": "2026-1", **kw}
    membership = nominate(session, pool, firm, actor=actor, now=now, **args)
    session.commit()
    return membership


def do(session, m, action, actor, now, **values):
    event = act(session, m, action, actor=actor, now=now, expected_version=m.version, comment="测试",
                values=values or VALUES[action])
    session.commit()
    return event


def membership_in(session, actors, now, state, *, level=PoolLevel.COUNTY, nominator="xihu2", firm=None):
    firm = firm or eligible_firm(session)
    if level == PoolLevel.CITY:
        do(session, nominate_to(session, firm, actors["city"], now), "admit", actors["city"], now)
    m = nominate_to(session, firm, actors[nominator], now, level)
    for action in PATHS[state]:
        do(session, m, action, actors["city"], now)
    return m


def snapshot(session):
    """Everything a failed action must leave alone."""
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(AuditEvent)),
            session.execute(select(PoolMembership.id, PoolMembership.state, PoolMembership.version,
                                   PoolMembership.is_active).order_by(PoolMembership.id)).all(),
            session.execute(select(Pool.id, Pool.target, Pool.capacity, Pool.admit_seq).order_by(Pool.id)).all())


def refused(session, error, call):
    """`call` raises `error`; after the edge's rollback nothing has changed. Returns the exception."""
    before = snapshot(session)
    with pytest.raises(error) as info:
        call()
    session.rollback()
    assert snapshot(session) == before
    return info.value


# ------------------------------------------------------------------------------------- checks and flags

def run_check(session, name, now, today):
    """One clean run of a check, as the CLI does it (the caller's transaction)."""
    from models.enums import RunTrigger
    from workflows.checks.runs import run_inline

    return run_inline(session, name, today=today, actor=None, now=now, trigger=RunTrigger.CLI)


def raise_flag(session, membership, kind, now, reasons=None):
    """A flag on a pool membership as `pool_hygiene` raises it, without building the firm's whole history:
    through the engine's `start`, audited, scoped to the membership's district."""
    from models import Flag
    from workflows.flags import RAISE
    from workflows.machine import start

    flag = Flag(kind=kind, subject_type="membership", subject_id=membership.id, firm_id=membership.firm_id,
                district_code=membership.district_code, period=str(now.year), first_seen_at=now, last_seen_at=now,
                reasons=reasons or [{"rule": "removal.deregistered", "value": None, "threshold": None, "year": None}],
                outcome={})
    start(session, flag, RAISE, actor=None, now=now, comment="定时检查发现")
    return flag


def live_flags(session, **where):
    """Open, acted and dismissed flags matching `where` (column=value), oldest first."""
    from models import Flag

    return session.scalars(select(Flag).filter_by(is_open=True, **where).order_by(Flag.id)).all()


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent))


# ------------------------------------------------------------------------------------- 成长之星

STAR_YEAR = 2026  # the campaign year of the star tests: figures of 2025 against 2024
STAR_DAY = date(2026, 1, 10)  # its screening day (a full year in the pool: admitted by 2025-01-10)
ADMITTED_AT = datetime(2024, 6, 3, 2, 0)  # long enough before it


def star_member(session, actors, *, district=XIHU, now2025=None, now2024=None, admitted_at=ADMITTED_AT, **firm_kw):
    """An admitted county member with figures for 2024 and 2025 (`now2025`, `now2024`: dicts of figures),
    nominated and admitted through the membership workflow at `admitted_at`."""
    firm = Firm(uscc=uscc(district), name=f"成长测试企业{next(_serial)}", legal_form="有限责任公司",
                district_code=district, **{"stage": Stage.ENTERPRISE, "industry": "C39", "tags": [],
                                           "registered_on": date(2018, 5, 1), "size_class": SizeClass.SMALL,
                                           **firm_kw})
    session.add(firm)
    for year, figures in ((2024, now2024), (2025, now2025)):
        if figures is not None:
            values = {k: (v if k in ("employees", "rd_staff") else Decimal(str(v))) for k, v in figures.items()}
            session.add(AnnualIndicator(firm=firm, year=year, **values))
    session.flush()
    if admitted_at is not None:
        pool = pool_of(session, PoolLevel.COUNTY, district)
        membership = nominate(session, pool, firm, reason="成长性好", cultivation_type="growth", batch="2024-1",
                              actor=actors["city"], now=admitted_at)
        act(session, membership, "admit", actor=actors["city"], now=admitted_at, expected_version=membership.version)
    session.flush()
    return firm


def figures(revenue=1000, tax=50, employees=40, rd_expense=30, rd_staff=4, **more) -> dict:
    return {"revenue": revenue, "tax": tax, "employees": employees, "rd_expense": rd_expense, "rd_staff": rd_staff,
            **more}


def execute_screening(session, campaign, now):
    """The campaign's queued screening run, executed as the scheduler process would (the caller commits)."""
    from models import CheckRun
    from workflows.checks.runs import begin_run, execute_run

    run = session.get(CheckRun, campaign.screening_run_id)
    begin_run(session, run, now=now)
    return execute_run(session, run, now=now)


def star_campaign(session, city, *, now, state="nominating", year=2026, total=15, factor=1,
                  nomination_deadline="2026-03-31", review_deadline="2026-04-30"):
    """A campaign created by `city` and walked through the engine to `state` (draft, screening, nominating)."""
    from workflows.campaigns.workflow import act, create_campaign

    campaign = create_campaign(session, {"year": year, "total": total, "candidate_factor": factor,
                                         "nomination_deadline": nomination_deadline,
                                         "review_deadline": review_deadline}, actor=city, now=now)
    if state != "draft":
        act(session, campaign, "screen", actor=city, now=now, expected_version=campaign.version)
        execute_screening(session, campaign, now)
    if state == "nominating":
        act(session, campaign, "open_nomination", actor=city, now=now, expected_version=campaign.version)
    session.flush()
    return campaign


def star_snapshot(session):
    """Everything a refused campaign step or nomination must leave alone."""
    from models import Campaign, CampaignEntry, CampaignQuota, CheckRun, Flag, Honour

    session.expire_all()
    return (snapshot(session),
            session.execute(select(Campaign.id, Campaign.state, Campaign.version, Campaign.total,
                                   Campaign.screening_run_id).order_by(Campaign.id)).all(),
            session.execute(select(CampaignQuota.id, CampaignQuota.quota, CampaignQuota.seq)
                            .order_by(CampaignQuota.id)).all(),
            session.execute(select(CampaignEntry.id, CampaignEntry.state, CampaignEntry.version)
                            .order_by(CampaignEntry.id)).all(),
            session.execute(select(Flag.id, Flag.state, Flag.version).order_by(Flag.id)).all(),
            session.scalar(select(func.count()).select_from(Honour)),
            session.scalar(select(func.count()).select_from(CheckRun)))


def refused_star(session, error, call):
    """`refused` for the 成长之星 steps: what was set up is committed first, and nothing of the campaign, its
    quotas (their lock included), entries, flags, honours or runs changes."""
    session.commit()
    before = star_snapshot(session)
    with pytest.raises(error) as info:
        call()
    session.rollback()
    assert star_snapshot(session) == before
    return info.value
