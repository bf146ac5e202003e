"""Pool membership: nomination, four-eyes admission, removal and graduation (DESIGN §4, §9).

Capacity is a hard limit under any concurrency. Admission claims a seat inside the admitting transaction:
it first UPDATEs the pool row (`admit_seq + 1`). On PostgreSQL that row lock serialises every admission into
the pool (and capacity edits, which take the same lock); on SQLite the UPDATE is the transaction's first
write, so pysqlite's deferred BEGIN takes the database write lock right there, before the count is read
(the DESIGN names `BEGIN IMMEDIATE`; the row-UPDATE gives the same ordering on both databases with one code
path). Only then are admitted members counted. The partial unique index backs the one-active-membership rule.
"""

import re
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from models import Firm, Pool, PoolMembership
from models.enums import (
    CULTIVATION_LABELS,
    END_REASON_LABELS,
    GRADUATE_REASONS,
    REMOVE_REASONS,
    PoolLevel,
)
from workflows.errors import Duplicate, GuardFailed, NotPermitted, PoolFull, ValidationFailed, one_of
from workflows.machine import Action, Field, State, Transition, Workflow, fire, register, start
from workflows.permissions import OFFICERS, can, in_scope, permit, require
from workflows.policy import default_policy
from workflows.reasons import Reason
from workflows.rules.eligibility import check_eligibility
from workflows.timefmt import local_date

NOMINATORS = OFFICERS
BATCH_RE = re.compile(r"^20\d{2}-\d{1,2}$")

# Who may act beyond role and district (`workflows.permissions`): a county officer ends memberships of their
# own county pool only, admits or rejects only what someone else nominated (four eyes), withdraws their own.
_own_county_pool = permit("membership.end")
_reviewer = permit("membership.decide")
_withdrawer = permit("membership.withdraw")


def eligibility_reasons(session, firm: Firm, today) -> list[Reason]:
    return check_eligibility(firm, has_indicators=bool(firm.indicators), today=today,
                             new_firm_months=default_policy().new_firm_months)


def _eligible_still(t: Transition) -> list[Reason]:
    return eligibility_reasons(t.session, t.subject.firm, local_date(t.now))


def _county_admitted(session, firm_id: int) -> bool:
    stmt = select(PoolMembership.id).where(PoolMembership.firm_id == firm_id,
                                           PoolMembership.level == PoolLevel.COUNTY,
                                           PoolMembership.state == "admitted")
    return session.scalar(stmt) is not None


def _city_needs_county(t: Transition) -> list[Reason]:
    if t.subject.level != PoolLevel.CITY or _county_admitted(t.session, t.subject.firm_id):
        return []
    return [Reason("county_membership", "入市级培育库须先入县级培育库")]


def admitted_count(session, pool_id: int) -> int:
    stmt = select(func.count()).where(PoolMembership.pool_id == pool_id, PoolMembership.state == "admitted")
    return session.scalar(stmt) or 0


def lock_pool(session, pool_id: int) -> int | None:
    """Serialise admissions and capacity edits of one pool; returns the pool's capacity as now committed."""
    with session.no_autoflush:
        session.execute(update(Pool).where(Pool.id == pool_id).values(admit_seq=Pool.admit_seq + 1)
                        .execution_options(synchronize_session=False))
        return session.scalar(select(Pool.capacity).where(Pool.id == pool_id))


def _claim_seat(t: Transition) -> None:
    pool_id = t.subject.pool_id
    with t.session.no_autoflush:
        capacity = lock_pool(t.session, pool_id)
        if capacity is not None and admitted_count(t.session, pool_id) >= capacity:
            raise PoolFull(f"{t.subject.pool.name}已满（容量{capacity}家），不能再入库")
    t.subject.decided_by_id = t.actor.id
    t.subject.decided_at = t.now


def _decide(t: Transition) -> None:
    t.subject.decided_by_id = t.actor.id
    t.subject.decided_at = t.now


def _end(t: Transition) -> None:
    """Record the reason; a county membership's end also ends the firm's active city membership.

    The city membership moves by its own consequence action (DESIGN §4), fired by the engine after this
    one is recorded: its version is checked and bumped and it gets its own audit event, naming the cause.
    """
    reason = t.values["reason"]
    t.subject.end_reason = reason
    if t.subject.level != PoolLevel.COUNTY:
        return
    # No autoflush: flushing the half-changed subject here would bump its version twice in one action.
    with t.session.no_autoflush:
        city = t.session.scalar(select(PoolMembership).where(
            PoolMembership.firm_id == t.subject.firm_id, PoolMembership.level == PoolLevel.CITY,
            PoolMembership.is_active))
    if city is not None:
        t.cause(city, f"cascade_{t.action.name}", values={"reason": reason},
                comment=f"随县级培育库{t.action.label}联动：{END_REASON_LABELS[reason]}")


def _end_reason(t: Transition) -> None:
    t.subject.end_reason = t.values["reason"]


REJECT_REASON = Field("reason", "不予入库的理由", kind="textarea")
REMOVE_REASON = Field("reason", "清退原因", kind="choice",
                      choices=tuple((r.value, END_REASON_LABELS[r]) for r in REMOVE_REASONS))
END_REASON = Field("reason", "原因", kind="choice",
                   choices=tuple((r.value, END_REASON_LABELS[r]) for r in (*REMOVE_REASONS, *GRADUATE_REASONS)))
GRADUATE_REASON = Field("reason", "毕业原因", kind="choice",
                        choices=tuple((r.value, END_REASON_LABELS[r]) for r in GRADUATE_REASONS))

MEMBERSHIP = register(Workflow(
    "membership",
    "培育库入库",
    [
        State("nominated", "已推荐待审核", initial=True),
        State("admitted", "已入库"),
        State("rejected", "未予入库", final=True, failure=True),
        State("withdrawn", "已撤回", final=True, failure=True),
        State("removed", "已清退", final=True, failure=True),
        State("graduated", "已毕业", final=True),
    ],
    [
        ("nominated", "admitted", Action("admit", "审核入库", NOMINATORS, permit=_reviewer,
                                         guards=(_eligible_still, _city_needs_county), effects=(_claim_seat,))),
        ("nominated", "rejected", Action("reject", "不予入库", NOMINATORS, fields=(REJECT_REASON,),
                                         permit=_reviewer, effects=(_decide,))),
        ("nominated", "withdrawn", Action("withdraw", "撤回推荐", NOMINATORS, permit=_withdrawer)),
        ("admitted", "removed", Action("remove", "清退出库", NOMINATORS, fields=(REMOVE_REASON,),
                                       permit=_own_county_pool, effects=(_end,))),
        ("admitted", "graduated", Action("graduate", "毕业出库", NOMINATORS, fields=(GRADUATE_REASON,),
                                         permit=_own_county_pool, effects=(_end,))),
        # Consequences of a county membership's end, named after it (never offered to a user; see `_end`).
        ("admitted", "removed", Action("cascade_remove", "随县级培育库联动清退", NOMINATORS, fields=(END_REASON,),
                                       consequence=True, effects=(_end_reason,))),
        ("admitted", "graduated", Action("cascade_graduate", "随县级培育库联动毕业", NOMINATORS,
                                         fields=(END_REASON,), consequence=True, effects=(_end_reason,))),
        ("nominated", "rejected", Action("cascade_remove", "随县级培育库联动清退", NOMINATORS, fields=(END_REASON,),
                                         consequence=True, effects=(_end_reason,))),
        ("nominated", "rejected", Action("cascade_graduate", "随县级培育库联动毕业", NOMINATORS,
                                         fields=(END_REASON,), consequence=True, effects=(_end_reason,))),
    ],
    open_flag="is_active",
    closed_at="ended_at",
))


def _clean_nomination(reason, cultivation_type, batch) -> dict:
    errors = {}
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = "请填写推荐理由"
    if not isinstance(cultivation_type, str) or cultivation_type not in CULTIVATION_LABELS:  # a JSON list: no TypeError
        errors["cultivation_type"] = f"请选择培育类型：{one_of(CULTIVATION_LABELS)}"
    if not isinstance(batch, str) or not BATCH_RE.match(batch.strip()):
        errors["batch"] = "入库批次格式应为“年份-批次”，如2022-1"
    if errors:
        raise ValidationFailed("推荐信息有误", fields=errors)
    return {"nomination_reason": reason.strip(), "cultivation_type": cultivation_type, "batch": batch.strip()}


def _check_nominator(actor, pool: Pool, firm: Firm) -> None:
    require(actor, "pool.nominate")
    if not (can(actor, "pool.nominate", pool) and in_scope(actor, firm.district_code)):
        raise NotPermitted("区县工作人员只能推荐本区县企业入本区县培育库或市级培育库")


def nominate(session, pool: Pool, firm: Firm, *, reason: str, cultivation_type: str, batch: str, actor,
             now: datetime) -> PoolMembership:
    """Create a nomination (audited from no state) after every eligibility check the reviewer will see."""
    clean = _clean_nomination(reason, cultivation_type, batch)
    _check_nominator(actor, pool, firm)
    active = session.scalar(select(PoolMembership).where(
        PoolMembership.firm_id == firm.id, PoolMembership.level == pool.level, PoolMembership.is_active))
    if active is not None:
        raise Duplicate(f"该企业已在{active.pool.name}（{MEMBERSHIP.states[active.state].label}）")
    reasons = []
    if pool.level == PoolLevel.COUNTY and pool.district_code != firm.district_code:
        reasons.append(Reason("pool_district", "企业不属于该区县，不能入该县级培育库"))
    reasons += eligibility_reasons(session, firm, local_date(now))
    if pool.level == PoolLevel.CITY and not _county_admitted(session, firm.id):
        reasons.append(Reason("county_membership", "入市级培育库须先入县级培育库"))
    if reasons:
        raise GuardFailed("该企业不符合入库条件", reasons=reasons)
    membership = PoolMembership(pool=pool, firm=firm, level=pool.level, nominated_by_id=actor.id,
                                nominated_at=now, **clean)
    try:
        start(session, membership, "nominate", actor=actor, now=now, comment=clean["nomination_reason"],
              evidence={"pool_id": pool.id, "cultivation_type": cultivation_type, "batch": clean["batch"]})
    except IntegrityError as exc:  # a concurrent nomination of the same firm won the partial unique index
        raise Duplicate("该企业已有有效的入库记录") from exc
    return membership


def act(session, membership: PoolMembership, action: str, *, actor, now: datetime, expected_version,
        comment: str = "", values: dict | None = None):
    """One membership action through the engine (capacity is claimed inside `admit`'s effect)."""
    return fire(session, membership, action, actor=actor, now=now, expected_version=expected_version,
                comment=comment, values=values)
