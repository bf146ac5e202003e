"""Working a flag: what each kind of flag offers, and the functions that do it (DESIGN §5, issue 9 item 4).

Acting on a flag is two changes in ONE unit of work, both through the engine: the domain action (open the
case, nominate, remove or graduate the member) and `workflows.flags.act`, which marks the flag acted and
links what was done (`{"case": id}` / `{"membership": id}`). Either both are committed or neither is: a
refused nomination leaves the flag open. Dismissing needs a written reason and stays for its period.

What a flag offers depends on its kind only, through `KIND_ACTIONS`: a new check registers its kinds there
(or relies on the entries below, written for every kind in `FlagKind`), and the pages, the API and these
functions follow. Links that only lead somewhere (the overdue case, the waiting nomination) do not act on
the flag: it resolves when the check finds the case moved or the nomination decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models import Flag, Pool, PoolMembership, UpgradeCase
from models.enums import (
    END_REASON_LABELS,
    FLAG_STATE_LABELS,
    GRADUATE_REASONS,
    REMOVE_REASONS,
    FlagKind,
    FlagState,
)
from workflows import flags
from workflows.checks.upgrade import KIND_CASE
from workflows.errors import IllegalTransition, StaleVersion, ValidationFailed
from workflows.ladder import CASE_LABELS, open_case
from workflows.membership import act as membership_act
from workflows.membership import nominate
from workflows.permissions import can, require

MAX_REASON = 500


@dataclass(frozen=True)
class FlagAction:
    name: str
    label: str
    subject: str  # what the flag must be about: firm / membership / case
    acts: bool = True  # doing it marks the flag acted; a plain link (acts=False) does not


ACTIONS = {a.name: a for a in (
    FlagAction("open_case", "发起案件", "firm"),
    FlagAction("nominate", "推荐入库", "firm"),
    FlagAction("remove", "清退出库", "membership"),
    FlagAction("graduate", "毕业出库", "membership"),
    FlagAction("view_case", "查看超期案件", "case", acts=False),
    FlagAction("view_membership", "查看待审推荐", "membership", acts=False),
    FlagAction("nominate_star", "提名成长之星", "firm"),  # leads to the campaign's nomination page
)}
END_REASONS = {"remove": REMOVE_REASONS, "graduate": GRADUATE_REASONS}

KIND_ACTIONS: dict[str, tuple[str, ...]] = {
    FlagKind.IND_TO_ENT: ("open_case",),
    FlagKind.NEAR_SCALE: ("open_case", "nominate"),  # 临规 small firms are what the pools cultivate
    FlagKind.SCALE_READY: ("open_case", "nominate"),
    FlagKind.SCALE_TO_STOCK: ("open_case",),
    FlagKind.LISTING_RESERVE: ("open_case",),
    FlagKind.REMOVAL: ("remove",),
    FlagKind.GRADUATION: ("graduate",),
    FlagKind.OVERDUE_CASE: ("view_case",),
    FlagKind.OVERDUE_NOMINATION: ("view_membership",),
    FlagKind.GROWTH_STAR: ("nominate_star",),
}


def register_actions(kind: str, *names: str) -> None:
    """A check whose kinds are not above names what its flags offer."""
    unknown = [n for n in names if n not in ACTIONS]
    if unknown:
        raise ValueError(f"unknown flag actions {unknown}; known: {', '.join(ACTIONS)}")
    KIND_ACTIONS[kind] = tuple(names)


def action_label(flag: Flag, name: str) -> str:
    if name == "open_case" and flag.kind in KIND_CASE:
        return f"发起{CASE_LABELS[KIND_CASE[flag.kind]]}案件"
    return ACTIONS[name].label


# The capability the domain action itself needs, asked of the flag's subject (a membership's pool rules).
SUBJECT_CAPABILITY = {"remove": "membership.end", "graduate": "membership.end"}


def offered(flag: Flag, actor, subject=None) -> list[FlagAction]:
    """What this actor may do with this flag now: for an open flag in reach, its kind's actions (links to
    look at for every reader); nothing more for a flag already worked. Given the flag's `subject`, an action
    the actor may not take on it (a county officer ending a city-pool membership) is left out too."""
    if flag.state != FlagState.OPEN:
        return []
    acting = can(actor, "flag.act", flag)
    chosen = [ACTIONS[n] for n in KIND_ACTIONS.get(flag.kind, ()) if ACTIONS[n].subject == flag.subject_type]
    return [a for a in chosen if (acting or not a.acts) and _may_on(actor, a.name, subject)]


def _may_on(actor, name: str, subject) -> bool:
    capability = SUBJECT_CAPABILITY.get(name)
    return capability is None or subject is None or can(actor, capability, subject)


def may_dismiss(flag: Flag, actor) -> bool:
    return flag.state == FlagState.OPEN and can(actor, "flag.act", flag)


def _ready(flag: Flag, actor, expected_version, name: str | None) -> None:
    """Refuse before anything is written: who, which copy of the flag, and whether its kind offers this."""
    require(actor, "flag.act", flag)
    if expected_version is not None and _as_int(expected_version) != flag.version:
        raise StaleVersion("该工作提醒已被他人处理，请刷新后查看")
    if flag.state != FlagState.OPEN:
        raise IllegalTransition(f"该工作提醒{FLAG_STATE_LABELS[FlagState(flag.state)]}，不能再处理")
    if name is not None and (name not in KIND_ACTIONS.get(flag.kind, ()) or ACTIONS[name].subject != flag.subject_type):
        raise IllegalTransition(f"此类提醒不能“{ACTIONS[name].label if name in ACTIONS else name}”")


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def open_case_for(session, flag: Flag, *, actor, now: datetime, expected_version, comment: str = "") -> UpgradeCase:
    """Open the case of the flag's rung (个转企 for a 个转企 candidate, 小升规 for 临规 and 达标, ...)."""
    _ready(flag, actor, expected_version, "open_case")
    kind = KIND_CASE[flag.kind]
    case = open_case(session, flag.firm, kind, actor=actor, now=now, comment=comment or "由工作提醒发起")
    flags.act(session, flag, actor=actor, now=now, outcome={"case": case.id},
              comment=f"发起{CASE_LABELS[kind]}案件 #{case.id}")
    return case


def nominate_for(session, flag: Flag, pool: Pool, *, reason: str, cultivation_type: str, batch: str, actor,
                 now: datetime, expected_version) -> PoolMembership:
    """Nominate the flag's firm to `pool`, with every check `nominate` runs (eligibility, scope, duplicate)."""
    _ready(flag, actor, expected_version, "nominate")
    membership = nominate(session, pool, flag.firm, reason=reason, cultivation_type=cultivation_type, batch=batch,
                          actor=actor, now=now)
    flags.act(session, flag, actor=actor, now=now, outcome={"membership": membership.id},
              comment=f"推荐入{pool.name}")
    return membership


def end_membership_for(session, flag: Flag, action: str, *, reason: str, actor, now: datetime, expected_version,
                       comment: str = "") -> PoolMembership:
    """Remove or graduate the member the flag is about, with a reason code of that action."""
    _ready(flag, actor, expected_version, action if action in END_REASONS else None)
    if action not in END_REASONS:
        raise IllegalTransition(f"此类提醒不能“{action}”")
    if reason not in END_REASONS[action]:
        choices = "、".join(END_REASON_LABELS[r] for r in END_REASONS[action])
        raise ValidationFailed("提交的内容有误", fields={"reason": f"请选择原因：{choices}"})
    membership = session.get(PoolMembership, flag.subject_id)
    membership_act(session, membership, action, actor=actor, now=now, expected_version=membership.version,
                   comment=comment or "由工作提醒发起", values={"reason": reason})
    flags.act(session, flag, actor=actor, now=now, outcome={"membership": membership.id},
              comment=f"{ACTIONS[action].label}：{END_REASON_LABELS[reason]}")
    return membership


def dismiss_flag(session, flag: Flag, *, reason, actor, now: datetime, expected_version) -> Flag:
    """Judge that the flag needs nothing, in words a colleague can read later; it stays for its period."""
    _ready(flag, actor, expected_version, None)
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed("提交的内容有误", fields={"reason": "忽略原因应为文本"})
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed("请填写忽略原因", fields={"reason": "请写明为何无需处理（如：企业已说明为一次性收入）"})
    if len(text) > MAX_REASON:
        raise ValidationFailed("忽略原因过长", fields={"reason": f"不超过{MAX_REASON}个字"})
    flags.dismiss(session, flag, actor=actor, now=now, reason=text, expected_version=flag.version)
    return flag


SUBJECT_MODELS = {"membership": PoolMembership, "case": UpgradeCase}


def subject_of(session, flag: Flag):
    """The membership or case a flag is about (None for a firm's flag)."""
    model = SUBJECT_MODELS.get(flag.subject_type)
    return session.get(model, flag.subject_id) if model else None


def subjects_of(session, flags: list[Flag]) -> dict[tuple[str, int], object]:
    """The subjects of a page of flags, one query per kind of subject: {(subject_type, id): subject}."""
    found = {}
    for name, model in SUBJECT_MODELS.items():
        ids = {f.subject_id for f in flags if f.subject_type == name}
        if ids:
            found |= {(name, s.id): s for s in session.scalars(select(model).where(model.id.in_(ids)))}
    return found
