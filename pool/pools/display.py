"""Words for the pool pages and the firm timeline: membership actions, states and refusals in Chinese.

Only reads. Labels come from the membership workflow itself (`REGISTRY["membership"]`), plus the three
actions the engine does not carry as edges: `nominate` (a membership is created, audited from no state)
and the county → city cascade (`cascade_remove`, `cascade_graduate`).
"""


from models import AuditEvent, PoolMembership
from models.enums import CULTIVATION_LABELS, END_REASON_LABELS
from pool.subject_page import HistoryEntry
from workflows import permissions
from workflows.errors import (
    GuardFailed,
    NotFound,
    NotPermitted,
    PoolFull,
    StaleVersion,
    ValidationFailed,
)
from workflows.machine import REGISTRY

MEMBERSHIP_ACTIONS = {
    "nominate": "推荐入库",
    "cascade_remove": "随县级培育库联动清退",
    "cascade_graduate": "随县级培育库联动毕业",
}
# State badges: pending blue, in the pool green, ended grey.
STATE_BADGES = {"nominated": "text-bg-primary", "admitted": "text-bg-success"}


def workflow():
    return REGISTRY["membership"]


def state_label(name: str | None) -> str:
    states = workflow().states
    return states[name].label if name in states else (name or "")


def state_badge(name: str) -> str:
    return STATE_BADGES.get(name, "text-bg-secondary")


def action_label(action: str, from_state: str | None = None) -> str:
    if action in MEMBERSHIP_ACTIONS:
        return MEMBERSHIP_ACTIONS[action]
    flow = workflow()
    edge = flow.edge(from_state, action) if from_state in flow.states else None
    if edge:
        return edge[1].label
    return next((d["action"].label for _, _, k, d in flow.graph.edges(keys=True, data=True) if k == action), action)


def _action_field(action: str, name: str):
    for _, _, key, data in workflow().graph.edges(keys=True, data=True):
        if key == action:
            return next((f for f in data["action"].fields if f.name == name), None)
    return None


def event_fields(event: AuditEvent) -> list[dict]:
    """What a membership event recorded beyond its comment, as rows {"field", "label", "new", "old"}:
    the type and batch of a nomination, the reason of a rejection, removal or graduation (codes in words)."""
    evidence = event.evidence or {}
    rows = []
    if event.action == "nominate":
        if evidence.get("cultivation_type"):
            text = CULTIVATION_LABELS.get(evidence["cultivation_type"], evidence["cultivation_type"])
            rows.append({"field": "cultivation_type", "label": "培育类型", "new": text, "old": None})
        if evidence.get("batch"):
            rows.append({"field": "batch", "label": "入库批次", "new": evidence["batch"], "old": None})
    for name, value in (evidence.get("fields") or {}).items():
        if value in (None, ""):
            continue
        field = _action_field(event.action, name)
        text = dict(field.choices).get(value, value) if field and field.choices else value
        rows.append({"field": name, "label": field.label if field else name, "new": str(text), "old": None})
    return rows


def _field_label(action: str | None, name: str) -> str:
    field = _action_field(action, name) if action else None
    return field.label if field else name


def describe(event: AuditEvent, membership: PoolMembership | None) -> tuple[str, str, str, str]:
    """(subject, action, from, to) of a membership event for the firm timeline."""
    subject = membership.pool.name if membership is not None else "培育库"
    return (subject, action_label(event.action, event.from_state), state_label(event.from_state),
            state_label(event.to_state))


def history(events: list[AuditEvent]) -> list[HistoryEntry]:
    return [HistoryEntry(e, action_label(e.action, e.from_state), state_label(e.from_state),
                         state_label(e.to_state), event_fields(e)) for e in events]


def end_reason(membership: PoolMembership) -> str:
    return END_REASON_LABELS.get(membership.end_reason, membership.end_reason or "")


def refusal(exc, membership: PoolMembership | None = None, actor=None, action: str | None = None) -> str:
    """One Chinese sentence for a refused review action, as the queue and the bulk results show it."""
    if isinstance(exc, PoolFull):
        return exc.message  # "XX培育库已满（容量N家），不能再入库"
    if isinstance(exc, StaleVersion):  # the version the page showed is no longer the record's
        now = f"（当前状态：{state_label(membership.state)}）" if membership is not None else ""
        return f"已被他人处理{now}，请刷新后查看"
    if isinstance(exc, GuardFailed):
        return "不符合入库条件：" + "；".join(r.message for r in exc.reasons) if exc.reasons else exc.message
    if isinstance(exc, ValidationFailed) and exc.fields:
        return "；".join(f"{_field_label(action, name)}：{message}" for name, message in exc.fields.items())
    if isinstance(exc, NotPermitted) and four_eyes(membership, actor):
        return "本人推荐的企业须由他人审核（四眼原则）"
    if isinstance(exc, NotFound):
        return "未找到该入库记录"
    return exc.message


def four_eyes(membership: PoolMembership | None, actor) -> bool:
    """A county officer's own pending nomination in a county pool: someone else must decide it."""
    return (membership is not None and actor is not None and membership.state == "nominated"
            and permissions.four_eyes(actor, membership))
