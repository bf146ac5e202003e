"""What the case pages show beyond the stored columns: attribute rows, the history, the opening form.

Words for a page, not domain rules: everything here only reads. Codes become Chinese through the shared
helpers of `pool.templating`, so the case page, the firm timeline and the API's labels agree.
"""

from dataclasses import dataclass
from datetime import datetime

from models import AuditEvent, Firm, UpgradeCase
from models.enums import CaseKind, FirmStatus
from pool.ladder.forms import OpenCaseForm
from pool.subject_page import HistoryEntry
from pool.templating import FIELD_LABELS, change_rows, change_value
from workflows.ladder import kinds_for_stage
from workflows.machine import Workflow
from workflows.permissions import can

OPEN_LABEL = "发起案件"
# Attributes in the order an officer reads them; any other key follows, as stored.
ATTRIBUTE_ORDER = ("board", "key", "listed_on", "route", "qualification", "justification")
# Actions that end a case without success (their buttons are quieter than the ones that move it forward).
EXIT_ACTIONS = frozenset({"abandon", "terminate", "return", "revoke_key"})


def days_in_state(case: UpgradeCase, now: datetime) -> int | None:
    return max(0, (now - case.state_entered_at).days) if case.is_open else None


def attribute_rows(case: UpgradeCase) -> list[tuple[str, str]]:
    """(label, value) for the case's attributes; a listing case always says whether it is 市级重点拟上市."""
    attrs = dict(case.attributes or {})
    if case.kind == CaseKind.STOCK_TO_LISTED:
        attrs.setdefault("key", False)
    keys = [k for k in ATTRIBUTE_ORDER if k in attrs] + [k for k in attrs if k not in ATTRIBUTE_ORDER]
    return [(FIELD_LABELS.get(k, k), change_value(k, attrs[k])) for k in keys]


def history(workflow: Workflow, events: list[AuditEvent]) -> list[HistoryEntry]:
    """The case's events (oldest first) with action and state names in Chinese."""
    def state_label(name):
        return workflow.states[name].label if name in workflow.states else (name or "")

    entries = []
    for event in events:
        evidence = event.evidence or {}
        if event.action == "open":
            action = OPEN_LABEL
        else:
            edge = workflow.edge(event.from_state, event.action) if event.from_state in workflow.states else None
            action = edge[1].label if edge else event.action
        typed = {k: [None, v] for k, v in (evidence.get("fields") or {}).items() if v not in (None, "")}
        entries.append(HistoryEntry(
            event, action, state_label(event.from_state), state_label(event.to_state),
            change_rows(typed), change_rows(evidence.get("changes")),
        ))
    return entries


def may_open_cases(user, firm: Firm) -> bool:
    """City staff city-wide, a county officer in their own district (DESIGN §1), as `open_case` enforces."""
    return can(user, "case.open", firm)


@dataclass
class OpenPanel:
    """The small 'open a case' form under a firm's case list, or the note saying why there is none."""

    form: OpenCaseForm | None
    note: str = ""


def open_panel(user, firm: Firm, case_rows) -> OpenPanel | None:
    """None for a user who may not open cases: they see the list only."""
    if not may_open_cases(user, firm):
        return None
    if firm.status != FirmStatus.ACTIVE:
        return OpenPanel(None, "企业已非存续状态，不能发起升级案件。")
    open_kinds = {row.case.kind for row in case_rows if row.case.is_open}
    kinds = [k for k in kinds_for_stage(firm.stage) if k not in open_kinds]
    if not kinds:
        note = "该企业当前阶段可发起的案件均在办理中。" if kinds_for_stage(firm.stage) else "该企业已在阶梯顶端，无可发起的案件。"
        return OpenPanel(None, note)
    return OpenPanel(OpenCaseForm.for_kinds(kinds))
