"""Words for the 成长之星 pages: campaign and entry states and steps, their timelines, score cards.

Only reads. Labels come from the two workflows themselves (`REGISTRY["campaign"]`, `["campaign_entry"]`),
plus the steps the engine does not carry as edges: a campaign's `create` and `edit`, an entry's `nominate`.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import AuditEvent
from pool.subject_page import HistoryEntry
from workflows.campaigns.scoring import card
from workflows.campaigns.settings import PART_NAMES
from workflows.checks.wording import describe
from workflows.machine import REGISTRY

EXTRA_ACTIONS = {"create": "新建评选", "edit": "调整评选设置", "nominate": "提名"}
CAMPAIGN_BADGES = {"draft": "text-bg-secondary", "screening": "text-bg-info", "nominating": "text-bg-primary",
                   "reviewing": "text-bg-warning", "approved": "text-bg-success", "published": "text-bg-dark"}
ENTRY_BADGES = {"nominated": "text-bg-primary", "shortlisted": "text-bg-success", "declined": "text-bg-warning",
                "awarded": "text-bg-dark"}
SETTING_LABELS = {"total": "总名额", "candidate_factor": "候选倍数", "nomination_deadline": "提名截止日期",
                  "review_deadline": "复核截止日期", "screened_on": "筛选基准日", "screening_run": "筛选运行"}


def state_label(workflow: str, state: str | None) -> str:
    states = REGISTRY[workflow].states
    return states[state].label if state in states else (state or "")


def action_label(workflow: str, action: str, from_state: str | None = None) -> str:
    """An action in words: the edge's own label when the state it left from is known (`send_back` reads
    differently from review and from approval), else every label the action has."""
    if action in EXTRA_ACTIONS:
        return EXTRA_ACTIONS[action]
    edge = REGISTRY[workflow].edge(from_state, action) if from_state in REGISTRY[workflow].states else None
    if edge is not None:
        return edge[1].label
    labels = []
    for _, _, key, data in REGISTRY[workflow].graph.edges(keys=True, data=True):
        if key == action and data["action"].label not in labels:
            labels.append(data["action"].label)
    return "／".join(labels) or action


def campaign_badge(state: str) -> str:
    return CAMPAIGN_BADGES.get(state, "text-bg-secondary")


def entry_badge(state: str) -> str:
    return ENTRY_BADGES.get(state, "text-bg-secondary")


def _rows(event: AuditEvent, districts: dict[str, str]) -> list[dict]:
    evidence = event.evidence or {}
    rows = []
    for name, value in (evidence.get("fields") or {}).items():
        if value not in (None, ""):
            label = {"reason": "理由", "nomination_deadline": "新的提名截止日期"}.get(name, name)
            rows.append({"field": name, "label": label, "new": str(value), "old": None})
    changes = dict(evidence.get("changes") or {})
    quotas = changes.pop("quotas", None) or {}
    for code, (old, new) in sorted(quotas.items()):
        rows.append({"field": f"quota.{code}", "label": f"{districts.get(code, code)}名额", "old": old, "new": new})
    for name, pair in changes.items():
        if isinstance(pair, list) and len(pair) == 2:
            rows.append({"field": name, "label": SETTING_LABELS.get(name, name), "old": pair[0], "new": pair[1]})
    if event.action == "create":
        settings = evidence.get("settings") or {}
        rows += [{"field": k, "label": SETTING_LABELS[k], "new": v, "old": None}
                 for k, v in settings.items() if k in SETTING_LABELS]
    if evidence.get("flags_resolved"):
        rows.append({"field": "flags", "label": "候选提醒", "new": f"{evidence['flags_resolved']}条随提名截止关闭",
                     "old": None})
    honour = evidence.get("honour")
    if honour:
        rows.append({"field": "honour", "label": honour.get("category", "良好信息"),
                     "new": f"{honour['name']}（{honour['level']}，{honour['year']}年）", "old": None})
    return rows


def history(workflow: str, events: list[AuditEvent], districts: dict[str, str]) -> list[HistoryEntry]:
    out = []
    for event in events:
        rows = _rows(event, districts)
        fields = [r for r in rows if r["old"] is None]
        changes = [{**r, "old_empty": r["old"] in (None, "")} for r in rows if r["old"] is not None]
        out.append(HistoryEntry(event, action_label(workflow, event.action, event.from_state),
                                state_label(workflow, event.from_state),
                                state_label(workflow, event.to_state), fields, changes))
    return out


def describe_event(event: AuditEvent, year: int | None) -> tuple[str, str, str, str]:
    """(subject, action, from, to) of an entry event on the firm timeline."""
    subject = f"{year}年成长之星提名" if year else "成长之星提名"
    return (subject, action_label("campaign_entry", event.action, event.from_state),
            state_label("campaign_entry", event.from_state),
            state_label("campaign_entry", event.to_state))


def entry_years(session, ids: set[int]) -> dict[int, int]:
    """Entry id -> its campaign's year, for the firm timeline (one query)."""
    if not ids:
        return {}
    from sqlalchemy import select

    from models import Campaign, CampaignEntry

    rows = session.execute(select(CampaignEntry.id, Campaign.year).join(Campaign, Campaign.id == CampaignEntry.campaign_id)
                           .where(CampaignEntry.id.in_(ids)))
    return dict(rows.all())


@dataclass
class PartRow:
    key: str
    label: str
    points: float | None
    weight: float | None
    percentile: float | None
    words: str  # the raw figures in a sentence


def score_rows(reasons: list[dict] | None) -> list[PartRow]:
    """Each part of a score in the order the policy names them, with its figures in words."""
    scored = card(reasons)
    found = {r.get("rule"): r for r in reasons or []}
    codes = {"revenue_growth": "rev", "tax_growth": "tax", "employment_growth": "emp", "rd_intensity": "rd",
             "rd_staff_share": "rds"}
    rows = []
    for key in PART_NAMES:
        part = scored["parts"][key]
        raw = found.get(f"star.{codes[key]}")
        rows.append(PartRow(key, part["label"], part["points"], part["weight"], part["percentile"],
                            describe(raw) if raw else "—"))
    return rows
