"""Pieces the four case workflows share: who may act, closing on a final state, recorded changes."""

from models.enums import STAGE_LABELS, FirmStatus, Stage
from workflows.audit import diff
from workflows.machine import Action, Field, Transition
from workflows.permissions import CITY_STAFF_ONLY, OFFICERS
from workflows.reasons import Reason

# The case workflows' role sets (`OFFICERS` as imported): who acts, and whose steps approve.
CITY = CITY_STAFF_ONLY

REASON_FIELD = Field("reason", "原因", kind="textarea")


def set_firm(t: Transition, **values) -> None:
    """Change the case's firm; the old and new values go into the case's audit event."""
    changes = diff(t.subject.firm, values)
    if changes:
        t.changes.setdefault("firm", {}).update(changes)


def set_attrs(t: Transition, **values) -> None:
    old = dict(t.subject.attributes or {})
    t.subject.attributes = {**old, **values}  # a new dict, so the JSON column sees the change
    changed = {k: [old.get(k), v] for k, v in values.items() if old.get(k) != v}
    if changed:
        t.changes.setdefault("attributes", {}).update(changed)


def exit_edges(states, name="abandon", label="放弃", target="abandoned"):
    """Every open state can be left for the failure state, with a reason."""
    return [(s, target, Action(name, label, OFFICERS, fields=(REASON_FIELD,))) for s in states]


def firm_still_on(*stages: Stage):
    """Guard for a completing action: the firm is still active and on a rung this case starts from.

    An enterprise may run 小升规 and 规改股 side by side; once one completes, the other's completion must
    not move the firm back down (a 股份有限公司 approved as 规上 would drop a rung).
    """
    def guard(t: Transition) -> list[Reason]:
        firm, reasons = t.subject.firm, []
        if firm.status != FirmStatus.ACTIVE:
            reasons.append(Reason("firm_not_active", "企业已非存续状态", value=firm.status))
        if firm.stage not in stages:
            label = STAGE_LABELS.get(firm.stage, firm.stage)
            reasons.append(Reason("stage_changed", f"企业当前阶段已是“{label}”，不能再完成本案件", value=firm.stage))
        return reasons
    return guard
