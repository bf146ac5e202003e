"""What the firm detail page shows beyond the stored columns: the ladder, case rows, 划型 note, timeline.

Kept out of the view so the view stays "look up, render", and out of `workflows/` because these are
words for a page, not domain rules. Everything here only reads.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from models import AuditEvent, District, Firm, Flag, PoolMembership, UpgradeCase
from models.enums import SizeClass
from pool.campaigns import display as star_words
from pool.inbox import display as flag_words
from pool.pools import display as membership_words
from pool.templating import FIELD_LABELS, change_rows, change_value
from workflows.case_flows import CASE_WORKFLOWS
from workflows.firm_status import STATUS_CHANGES
from workflows.ladder import CASE_LABELS, LADDER
from workflows.machine import workflow_for
from workflows.policy import default_policy

INDICATOR_NAMES = {"employees": "从业人员", "revenue": "营业收入", "total_assets": "资产总额"}
INDICATOR_UNITS = {"employees": "人", "revenue": "万元", "total_assets": "万元"}
FIRM_ACTIONS = {
    "create": "登记企业",
    "update": "修改企业信息",
    "indicators_create": "录入年度指标",
    "indicators_update": "修改年度指标",
    "status_change": "变更状态",
}
CASE_OPEN = "发起案件"
SUBJECT_LABELS = {"firm": "企业信息", "membership": "培育库", "user": "用户", "flag": "工作提醒", "campaign_entry": "成长之星"}


def district_names(session) -> dict[str, str]:
    return {d.code: d.name for d in session.scalars(select(District).order_by(District.sort_order))}


def change_summary(changes: dict, districts: dict[str, str] | None = None) -> str:
    """{field: [old, new]} as one line for a flash message: "企业名称 A → B；行业代码 C39 → C40", in the
    timeline's labels and value words (a value that was empty shows only the new one)."""
    return "；".join(
        f"{row['label']} {row['new']}" if row["old_empty"] else f"{row['label']} {row['old']} → {row['new']}"
        for row in change_rows(changes, districts)
    )


def ladder_steps(firm: Firm) -> list[dict]:
    """All five rungs in ladder order; the firm's own rung is current, the ones below it are passed."""
    order = list(LADDER.states)
    current = order.index(firm.stage) if firm.stage in order else -1
    return [
        {"code": name, "label": state.label, "current": i == current, "passed": i < current}
        for i, (name, state) in enumerate(LADDER.states.items())
    ]


@dataclass
class CaseRow:
    case: UpgradeCase
    kind_label: str
    state_label: str
    days_in_state: int | None
    attributes: list[tuple[str, str]] = field(default_factory=list)


def case_rows(cases: list[UpgradeCase], now: datetime) -> list[CaseRow]:
    rows = []
    for case in cases:
        workflow = workflow_for(case)
        state = workflow.states.get(case.state)
        days = max(0, (now - case.state_entered_at).days) if case.is_open else None
        attrs = [(_attr_label(k), change_value(k, v)) for k, v in (case.attributes or {}).items()]
        rows.append(CaseRow(case, CASE_LABELS.get(case.kind, case.kind), state.label if state else case.state,
                            days, attrs))
    return rows


def _attr_label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def size_note(firm: Firm) -> str:
    """Why the firm has its 划型: which standard row, which year's figures, which bounds."""
    policy = default_policy()
    try:
        row, _sector = policy.classify_industry(firm.industry)
    except ValueError:
        return "行业代码无法识别，未划型。"
    if row is None:
        return f"行业{firm.industry}在划型标准中没有对应行业，未划型。"
    basis = "、".join(INDICATOR_NAMES[name] for name in row.indicators)
    source = f"按“{row.label_zh}”标准（工信部联企业〔2011〕300号）以{basis}划型"
    latest = firm.latest_indicator
    if latest is None:
        return f"{source}；尚无年度指标，未划型。"
    text = f"{source}，依据{latest.year}年度数据"
    size = firm.size_class
    if size == SizeClass.UNKNOWN:
        return f"{text}；数据不全或该档标准尚未确认，暂未划型。"
    if size == SizeClass.MICRO:
        return f"{text}；低于小型下限（{_bounds(row.small, '或')}），为微型。"
    bounds = row.bounds(size)
    return f"{text}；达到该档下限（{_bounds(bounds, '且')}）。" if bounds else f"{text}。"


def _bounds(bounds: dict, joiner: str) -> str:
    parts = [f"{INDICATOR_NAMES[k]}{v.normalize():f}{INDICATOR_UNITS[k]}" for k, v in bounds.items()]
    return joiner.join(parts)


@dataclass
class TimelineEntry:
    event: AuditEvent
    subject: str
    action: str
    from_label: str
    to_label: str
    changes: list[dict]
    fields: list[dict]


def timeline(session, events: list[AuditEvent], districts: dict[str, str]) -> list[TimelineEntry]:
    """Audit events (newest first, as firm_history returns them) in an officer's words."""
    case_ids = {e.subject_id for e in events if e.subject_type == "case"}
    cases = {c.id: c for c in session.scalars(select(UpgradeCase).where(UpgradeCase.id.in_(case_ids)))} \
        if case_ids else {}
    membership_ids = {e.subject_id for e in events if e.subject_type == "membership"}
    memberships = {m.id: m for m in session.scalars(
        select(PoolMembership).where(PoolMembership.id.in_(membership_ids)))} if membership_ids else {}
    flag_ids = {e.subject_id for e in events if e.subject_type == "flag"}
    flags = {f.id: f for f in session.scalars(select(Flag).where(Flag.id.in_(flag_ids))).unique()} \
        if flag_ids else {}
    entry_years = star_words.entry_years(session, {e.subject_id for e in events if e.subject_type == "campaign_entry"})
    entries = []
    for event in events:
        evidence = event.evidence or {}
        changes = change_rows(evidence.get("changes"), districts)
        changes += change_rows(evidence.get("firm_changes"), districts)
        fields = [row | {"old": None} for row in change_rows(
            {k: [None, v] for k, v in (evidence.get("fields") or {}).items() if v not in (None, "")}, districts
        )]
        subject, action, from_label, to_label = _describe(event, cases.get(event.subject_id))
        if event.action.startswith("indicators_") and evidence.get("year"):
            subject = f"{evidence['year']}年度指标"
        if event.action == "status_change":
            action, fields = _status_change(evidence)
        if event.subject_type == "membership":  # the membership workflow's own words (pool.pools.display)
            subject, action, from_label, to_label = membership_words.describe(event, memberships.get(event.subject_id))
            fields = membership_words.event_fields(event)
        if event.subject_type == "campaign_entry":  # 成长之星 (pool.campaigns.display)
            subject, action, from_label, to_label = star_words.describe_event(event, entry_years.get(event.subject_id))
            fields = star_words.history("campaign_entry", [event], districts)[0].fields
        if event.subject_type == "flag":  # the flag workflow's words (pool.inbox.display)
            subject, action, from_label, to_label = flag_words.describe(event, flags.get(event.subject_id))
            fields = flag_words.event_fields(event)
        entries.append(TimelineEntry(event, subject, action, from_label, to_label, changes, fields))
    return entries


def _status_change(evidence: dict) -> tuple[str, list[dict]]:
    """A status change reads as what happened (注销, 列入经营异常名录), when it took effect and who said so."""
    spec = STATUS_CHANGES.get(evidence.get("change"))
    rows = [{"field": key, "label": text, "new": evidence[key], "old": None}
            for key, text in (("effective_on", "生效日期"), ("source", "来源")) if evidence.get(key)]
    return (spec.label if spec else FIRM_ACTIONS["status_change"]), rows


def _describe(event: AuditEvent, case: UpgradeCase | None) -> tuple[str, str, str, str]:
    if event.subject_type != "case" or case is None:
        subject = SUBJECT_LABELS.get(event.subject_type, event.subject_type)
        return subject, FIRM_ACTIONS.get(event.action, event.action), event.from_state or "", \
            event.to_state or ""
    workflow = CASE_WORKFLOWS[case.kind]
    subject = f"{CASE_LABELS.get(case.kind, case.kind)}案件 #{case.id}"
    if event.action == "open":
        action = CASE_OPEN
    else:
        edge = workflow.edge(event.from_state, event.action) if event.from_state else None
        action = edge[1].label if edge else event.action

    def state_label(name):
        return workflow.states[name].label if name in workflow.states else (name or "")

    return subject, action, state_label(event.from_state), state_label(event.to_state)
