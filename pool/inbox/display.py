"""Words for flags and check runs: the inbox rows, the flag's timeline events, schedules and run counts.

Only reads. The firm timeline (`pool.firms.display`) asks `describe` and `event_fields` for flag events, the
checks pages and `flask checks` print counts and schedules through `count_text` and `schedule_words`, so
every place says the same thing for the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for

from models import AuditEvent, Flag
from models.enums import FLAG_KIND_LABELS, FLAG_STATE_LABELS, RUN_STATUS_LABELS, RUN_TRIGGER_LABELS
from workflows.checks.registry import CHECKS
from workflows.checks.wording import describe_all, summarise
from workflows.inbox.actions import FlagAction, action_label, may_dismiss, offered, subjects_of

# Audit actions of the flag workflow: the checks' (raise, resolve, reopen) and the officers' (act, dismiss).
FLAG_ACTIONS = {
    "raise": "检查发现，发出提醒",
    "act": "处理提醒",
    "dismiss": "忽略提醒",
    "resolve": "条件已消除",
    "reopen": "数据变化，重新提醒",
}
STATE_BADGES = {"open": "text-bg-warning", "acted": "text-bg-success", "dismissed": "text-bg-secondary",
                "resolved": "text-bg-light border"}
COUNT_LABELS = {"examined": "检查对象", "flagged": "符合条件", "opened": "新提醒", "reopened": "重新提醒",
                "resolved": "已消除", "stored": "写入统计"}
RUN_BADGES = {"queued": "text-bg-info", "running": "text-bg-primary", "succeeded": "text-bg-success",
              "failed": "text-bg-danger"}
WEEKDAYS = dict(zip("0123456", "日一二三四五六", strict=True)) | {"7": "日"}


def kind_label(kind: str) -> str:
    return FLAG_KIND_LABELS.get(kind, kind)


def state_label(state: str | None) -> str:
    return FLAG_STATE_LABELS.get(state, state or "")


def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "text-bg-secondary")


def run_status_label(status: str) -> str:
    return RUN_STATUS_LABELS.get(status, status)


def run_badge(status: str) -> str:
    return RUN_BADGES.get(status, "text-bg-secondary")


def trigger_label(trigger: str) -> str:
    return RUN_TRIGGER_LABELS.get(trigger, trigger)


def check_label(name: str) -> str:
    check = CHECKS.get(name)
    return check.label if check else name


# --- check runs -----------------------------------------------------------------------------------------

def count_rows(counts: dict | None) -> list[tuple[str, str]]:
    """(label, number) per count a run recorded, zeros of `stored` left out; skips as their reasons say."""
    counts = counts or {}
    rows = [(text, f"{counts[key]:,}") for key, text in COUNT_LABELS.items()
            if isinstance(counts.get(key), int) and not (key == "stored" and not counts[key])]
    for reason, n in (counts.get("skipped") or {}).items():
        rows.append((f"跳过（{reason}）", f"{n:,}"))
    return rows


def count_text(counts: dict | None) -> str:
    return "；".join(f"{label} {n}" for label, n in count_rows(counts)) or "—"


def schedule_words(cron: str | None) -> str:
    """A five-field crontab as officers read it ("每天 02:00", "每月1日 03:00"); anything unusual as it is."""
    if not cron:
        return "未设定"
    parts = cron.split()
    if len(parts) != 5 or not (parts[0].isdigit() and parts[1].isdigit()):
        return f"crontab：{cron}"
    minute, hour, day, month, weekday = parts
    at = f"{int(hour):02d}:{int(minute):02d}"
    if (day, month, weekday) == ("*", "*", "*"):
        return f"每天 {at}"
    if day == "*" and month == "*" and weekday in WEEKDAYS:
        return f"每周{WEEKDAYS[weekday]} {at}"
    if day.isdigit() and month == "*" and weekday == "*":
        return f"每月{int(day)}日 {at}"
    if day.isdigit() and month.isdigit() and weekday == "*":
        return f"每年{int(month)}月{int(day)}日 {at}"
    return f"crontab：{cron}"


# --- inbox rows -----------------------------------------------------------------------------------------

@dataclass
class Offer:
    """One action a row or the flag page offers: a link, or a one-click form (`post`)."""

    name: str
    label: str
    url: str
    post: bool = False


@dataclass
class FlagRow:
    flag: Flag
    kind_label: str
    reasons: list[str]
    offers: list[Offer] = field(default_factory=list)
    may_dismiss: bool = False
    summary: list[str] = field(default_factory=list)  # what a list shows (every reason, or a kind's summary)


def offer(flag: Flag, action: FlagAction) -> Offer:
    label = action_label(flag, action.name)
    if action.name == "open_case":
        return Offer(action.name, label, url_for("inbox.open_case", flag_id=flag.id), post=True)
    if action.name == "nominate":
        return Offer(action.name, label, url_for("pools.nominate_firm", uscc=flag.firm.uscc, flag=flag.id))
    if action.name in ("remove", "graduate"):
        return Offer(action.name, label, url_for("inbox.flag", flag_id=flag.id, _anchor=f"end-{action.name}"))
    if action.name == "view_case":
        return Offer(action.name, label, url_for("ladder.case", case_id=flag.subject_id))
    if action.name == "nominate_star":
        return Offer(action.name, label, url_for("campaigns.nominate", year=flag.period, flag=flag.id))
    return Offer(action.name, label, url_for("pools.membership", membership_id=flag.subject_id))


def flag_row(flag: Flag, actor, subject=None) -> FlagRow:
    return FlagRow(flag, kind_label(flag.kind), describe_all(flag.reasons),
                   [offer(flag, a) for a in offered(flag, actor, subject)], may_dismiss(flag, actor),
                   summarise(flag.kind, flag.reasons))


def flag_rows(session, flags: list[Flag], actor) -> list[FlagRow]:
    subjects = subjects_of(session, flags)
    return [flag_row(f, actor, subjects.get((f.subject_type, f.subject_id))) for f in flags]


def outcome_links(flag: Flag) -> list[tuple[str, str]]:
    """What acting on the flag did, as (words, url)."""
    links = []
    outcome = flag.outcome or {}
    if outcome.get("case"):
        links.append((f"案件 #{outcome['case']}", url_for("ladder.case", case_id=outcome["case"])))
    if outcome.get("membership"):
        links.append((f"入库记录 #{outcome['membership']}",
                      url_for("pools.membership", membership_id=outcome["membership"])))
    if outcome.get("entry"):
        links.append((f"成长之星提名 #{outcome['entry']}",
                      url_for("campaigns.entry", year=flag.period, entry_id=outcome["entry"])))
    return links


# --- the firm timeline ----------------------------------------------------------------------------------

def describe(event: AuditEvent, flag: Flag | None) -> tuple[str, str, str, str]:
    """(subject, action, from, to) of a flag event for the firm timeline."""
    subject = f"工作提醒·{kind_label(flag.kind)}" if flag is not None else "工作提醒"
    return (subject, FLAG_ACTIONS.get(event.action, event.action), state_label(event.from_state),
            state_label(event.to_state))


def event_fields(event: AuditEvent) -> list[dict]:
    """What a flag event recorded beyond its comment: the check that raised it, the reason it was dismissed
    for, what acting on it did; as the timeline's rows {"field", "label", "new", "old"}."""
    evidence = event.evidence or {}
    rows = []
    if evidence.get("check"):
        rows.append({"field": "check", "label": "检查", "new": check_label(evidence["check"]), "old": None})
    values = evidence.get("fields") or {}
    if event.action == "dismiss" and values.get("reason") and values["reason"] != event.comment:
        rows.append({"field": "reason", "label": "忽略原因", "new": values["reason"], "old": None})
    outcome = (evidence.get("changes") or {}).get("outcome") or {}
    if outcome.get("case"):
        rows.append({"field": "case", "label": "处理结果", "new": f"升级案件 #{outcome['case']}", "old": None})
    if outcome.get("membership"):
        rows.append({"field": "membership", "label": "处理结果", "new": f"入库记录 #{outcome['membership']}",
                     "old": None})
    if outcome.get("entry"):
        rows.append({"field": "entry", "label": "处理结果", "new": f"成长之星提名 #{outcome['entry']}", "old": None})
    return rows

