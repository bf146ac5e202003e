"""The API's edge, shared by its views: reading request bodies and the JSON shapes of DESIGN §8.

Output conventions, chosen once so every route agrees:
- Money goes out as a string with two decimals ("1500.00"), never a float, so 万元 figures survive exactly;
  an unknown figure is null.
- Dates are ISO dates ("2021-03-15"). Timestamps are stored in UTC and go out as ISO 8601 in Hangzhou time
  with its offset ("2026-11-30T10:00:00+08:00"), the clock officers read; a client may convert as it likes.
- Codes stay codes (`stage`, `state`, `kind`); a Chinese `*_label` rides along where a client shows them.
- Names are returned exactly as typed (HTML included): JSON is data, escaping is the renderer's job.
"""

from datetime import date, datetime
from decimal import Decimal

from flask import request

from models import AnnualIndicator, AuditEvent, Firm, Pool, PoolMembership, UpgradeCase
from models.enums import CULTIVATION_LABELS, END_REASON_LABELS
from models.firm import INDICATOR_FIELDS
from workflows.errors import ValidationFailed
from workflows.ladder import CASE_LABELS
from workflows.machine import workflow_for
from workflows.rules.text import is_int_text
from workflows.timefmt import iso_local

CENT = Decimal("0.01")
MONEY_FIELDS = frozenset({"revenue", "tax", "profit", "rd_expense", "total_assets", "export"})


# --- request side ----------------------------------------------------------------------------------------

def json_body() -> dict:
    """The request's JSON object; an empty body is {}. Content-Type is not insisted on (curl users forget it)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise ValidationFailed("请求体不是有效的JSON", fields={"body": "无法解析为JSON"})
    if not isinstance(body, dict):
        raise ValidationFailed("请求体应为JSON对象", fields={"body": "应为JSON对象"})
    return body


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def action_envelope(body: dict, record: str) -> tuple[int, str]:
    """Take `version` and `comment` out of an action's body, leaving the action's fields; a missing or
    non-integer version is a 400 (the request is malformed), never a 409 (a stale copy)."""
    errors = {}
    version = body.pop("version", None)
    if is_int_text(version):
        version = int(version)
    if not is_int(version):
        errors["version"] = f"须提供{record}的当前版本号（整数）"
    comment = body.pop("comment", None) or ""
    if not isinstance(comment, str):
        errors["comment"] = "备注应为文本"
    if errors:
        raise ValidationFailed("提交的内容有误", fields=errors)
    return version, comment


# --- response side ---------------------------------------------------------------------------------------

def iso_time(value: datetime | None) -> str | None:
    return iso_local(value)


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).quantize(CENT), "f")


def firm_summary(firm: Firm) -> dict:
    """A firm as list rows show it: every DESIGN §8 field, nothing that needs another query."""
    return {
        "uscc": firm.uscc,
        "name": firm.name,
        "legal_form": firm.legal_form,
        "district": firm.district_code,
        "district_name": firm.district.name if firm.district else None,
        "industry": firm.industry,
        "registered_on": iso_date(firm.registered_on),
        "status": firm.status,
        "stage": firm.stage,
        "size_class": firm.size_class,
        "tags": list(firm.tags or []),
        "abnormal": firm.abnormal,
        "serious_violation": firm.serious_violation,
        "tech_sme": firm.tech_sme,
        "high_tech": firm.high_tech,
    }


def firm_detail(firm: Firm, cases: list[UpgradeCase], honours: list | None = None) -> dict:
    return {
        **firm_summary(firm),
        "predecessor_uscc": firm.predecessor.uscc if firm.predecessor_id else None,
        "indicators": [indicator_dict(row) for row in firm.indicators],  # newest year first
        "cases": [case_summary(c) for c in cases],
        "honours": [honour_dict(h) for h in honours or []],  # newest first
    }


def honour_dict(honour) -> dict:
    """A 良好信息 record (成长之星 and the like): what, at which level, for which year, published when."""
    return {"category": honour.category, "name": honour.name, "level": honour.level, "year": honour.year,
            "campaign": honour.campaign.year if honour.campaign else None,
            "published_at": iso_time(honour.published_at)}


def indicator_dict(row: AnnualIndicator) -> dict:
    out: dict = {"year": row.year}
    for name in INDICATOR_FIELDS:
        value = getattr(row, name)
        out[name] = money(value) if name in MONEY_FIELDS else value
    return out


def case_summary(case: UpgradeCase) -> dict:
    workflow = workflow_for(case)
    return {
        "id": case.id,
        "kind": case.kind,
        "kind_label": CASE_LABELS.get(case.kind, case.kind),
        "state": case.state,
        "state_label": workflow.states[case.state].label,
        "version": case.version,
        "is_open": case.is_open,
    }


def case_detail(case: UpgradeCase, actor) -> dict:
    """A case with the actions this caller may take now (role and district; guards are checked on firing)."""
    return {
        **case_summary(case),
        "uscc": case.firm.uscc,
        "firm_name": case.firm.name,
        "attributes": dict(case.attributes or {}),
        "opened_at": iso_time(case.opened_at),
        "state_entered_at": iso_time(case.state_entered_at),
        "closed_at": iso_time(case.closed_at),
        "actions": [a.to_dict() for a in workflow_for(case).available(case, actor)],
    }


def event_dict(event: AuditEvent, uscc_by_firm_id: dict[int, str] | None = None) -> dict:
    evidence = dict(event.evidence or {})
    out = {
        "id": event.id,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor_name,
        "at": iso_time(event.at),
        "comment": event.comment,
        "changes": evidence.pop("changes", {}),
        "evidence": evidence,
    }
    if uscc_by_firm_id is not None:
        out["uscc"] = uscc_by_firm_id.get(event.firm_id)
    return out


def pool_dict(pool: Pool, counts: dict[str, int]) -> dict:
    """A pool with its fill; `counts` is the pool's {state: n} from `pools.pool_counts` (one grouped query)."""
    return {
        "id": pool.id,
        "level": pool.level,
        "district": pool.district_code,
        "name": pool.name,
        "target": pool.target,
        "capacity": pool.capacity,
        "admitted": counts.get("admitted", 0),
        "nominated": counts.get("nominated", 0),
    }


def membership_summary(m: PoolMembership, names: dict[int, str]) -> dict:
    """A membership as list rows show it; `names` maps user ids to usernames (`pool_queries.usernames`)."""
    workflow = workflow_for(m)
    return {
        "id": m.id,
        "uscc": m.firm.uscc,
        "firm_name": m.firm.name,
        "district": m.firm.district_code,
        "pool_id": m.pool_id,
        "level": m.level,
        "state": m.state,
        "state_label": workflow.states[m.state].label,
        "version": m.version,
        "cultivation_type": m.cultivation_type,
        "cultivation_type_label": CULTIVATION_LABELS.get(m.cultivation_type, m.cultivation_type),
        "batch": m.batch,
        "nomination_reason": m.nomination_reason,
        "end_reason": m.end_reason,
        "end_reason_label": END_REASON_LABELS.get(m.end_reason) if m.end_reason else None,
        "nominated_by": names.get(m.nominated_by_id),
        "decided_by": names.get(m.decided_by_id),
        "nominated_at": iso_time(m.nominated_at),
        "decided_at": iso_time(m.decided_at),
        "ended_at": iso_time(m.ended_at),
    }


def membership_detail(m: PoolMembership, actor, names: dict[int, str], eligibility: list) -> dict:
    """A membership with the actions this caller may take now (role, district, four eyes) and the firm's
    eligibility reasons as of today (empty when eligible), which a reviewer checks before admitting."""
    return {
        **membership_summary(m, names),
        "pool_name": m.pool.name,
        "state_entered_at": iso_time(m.state_entered_at),
        "eligibility": [r.to_dict() for r in eligibility],
        "actions": [a.to_dict() for a in workflow_for(m).available(m, actor)],
    }
