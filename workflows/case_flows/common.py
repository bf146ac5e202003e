"""Pieces the four case workflows share: who may act, closing on a final state, recorded changes."""

from models.enums import Role
from workflows.audit import diff
from workflows.machine import Action, Field, State, Transition

OFFICERS = frozenset({Role.COUNTY_OFFICER, Role.CITY_STAFF})
CITY = frozenset({Role.CITY_STAFF})

REASON_FIELD = Field("reason", "原因", kind="textarea")


def close_when_final(t: Transition, state: State) -> None:
    if state.final:
        t.subject.is_open = False
        t.subject.closed_at = t.now


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
