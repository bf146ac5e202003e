"""The flag workflow: what a check raised, and what an officer or a later check made of it (DESIGN §5).

    open ──act──> acted          an officer did what the flag asks (opened the case, nominated, started
      │                          the removal); `outcome` links what was done
      ├──dismiss──> dismissed    an officer judged it needs nothing, with a reason; it stays dismissed for
      │                          its period unless its figures move materially (then a check reopens it)
      └──resolve──> resolved     a check found the condition no longer holds (also from acted/dismissed)

`raise`, `resolve` and `reopen` are the checks' (consequence actions, fired set-based by
`workflows.machine_sets`); `act` and `dismiss` are the officers', fired one at a time by `fire()`.
"""

from workflows.machine import Action, Field, State, Transition, Workflow, fire, register
from workflows.permissions import OFFICERS

RAISE = "raise"
RESOLVE = "resolve"
REOPEN = "reopen"


def _record_outcome(t: Transition) -> None:
    link = {k: v for k, v in (t.values.get("outcome") or {}).items() if v is not None}
    if link:
        t.subject.outcome = {**(t.subject.outcome or {}), **link}
        t.changes["outcome"] = link


_resolve = Action(RESOLVE, "条件已消除", frozenset(), consequence=True)

FLAG = register(Workflow(
    "flag",
    "工作提醒",
    [
        State("open", "待处理", initial=True),
        State("acted", "已处理"),
        State("dismissed", "已忽略"),
        State("resolved", "已消除", final=True),
    ],
    [
        ("open", "acted", Action("act", "处理", OFFICERS, fields=(
            Field("outcome", "处理结果", kind="object", required=False),), effects=(_record_outcome,))),
        ("open", "dismissed", Action("dismiss", "忽略", OFFICERS, fields=(Field("reason", "忽略原因",
                                                                              kind="textarea"),))),
        ("dismissed", "open", Action(REOPEN, "数据变化，重新提醒", frozenset(), consequence=True)),
        ("open", "resolved", _resolve),
        ("acted", "resolved", _resolve),
        ("dismissed", "resolved", _resolve),
    ],
))


def act(session, flag, *, actor, now, outcome: dict, comment: str = ""):
    """Mark a flag acted on, linking what was done ({"case": id} / {"membership": id}). A flag already
    acted on or closed is left as it is: acting twice from two tabs must not fail the action itself."""
    if flag.state != "open":
        return None
    return fire(session, flag, "act", actor=actor, now=now, expected_version=flag.version, comment=comment,
                values={"outcome": outcome})


def dismiss(session, flag, *, actor, now, reason: str, expected_version):
    return fire(session, flag, "dismiss", actor=actor, now=now, expected_version=expected_version,
                comment=reason, values={"reason": reason})
