"""One page piece for every workflow subject: a ladder case, a pool membership (a campaign or a flag later).

A subject's page shows its state, the workflow's diagram, the actions the user may take now (each a form
with the engine's fields), why the last attempt was refused, and the subject's timeline; a POST fires one
action through the engine. Pages differ only in what their `SubjectPage` says (words, URLs, how their
history reads, button styles, a notice) and in their own information panel. The template side is the
layout `templates/_workflow_subject.html`, which each page extends, built from the macros of
`templates/_workflow.html`.

A POST (`post_action`) stays thin: read the posted version, the action's fields and the comment, fire inside
the unit of work (`pool.uow`), then answer
- done: flash and redirect to the page (post/redirect/get);
- StaleVersion, 409: the record changed since the page was drawn (a colleague, a second tab, a double
  click). The engine checks the version before anything else, so this is every out-of-date form; the page
  says so, keeps what was typed (the form of an action no longer offered is shown read-only, to copy) and
  offers to reload;
- GuardFailed (422) and ValidationFailed (400): the reasons beside the refused action, the field errors
  beside its fields, what was typed kept;
- IllegalTransition (422) and PoolFull (409): one message on top;
- NotPermitted (403) and UnknownAction (404) go on to the app's error page.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from models import AuditEvent, db
from pool import clock
from pool.ladder.diagram import loop_actions, render_svg
from pool.ladder.forms import action_form, parse_version, posted_values
from pool.uow import unit_of_work
from workflows.errors import GuardFailed, IllegalTransition, PoolFull, StaleVersion, ValidationFailed
from workflows.machine import Action, Workflow, fire, workflow_for
from workflows.permissions import can

SHOWN_ON_TOP = (IllegalTransition, PoolFull)


@dataclass(frozen=True)
class Notice:
    """A note above the actions, e.g. four eyes: 需他人审核."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class SubjectPage:
    """What one kind of subject's page says and where it lives."""

    name: str  # element ids and classes: "case" gives case-message, case-state, case-info, case-action
    record: str  # the record in words: "案件" gives 该案件已被他人更新, 页面缺少案件版本号
    template: str  # a template extending _workflow_subject.html
    endpoint: str  # the page, e.g. "ladder.case"
    action_endpoint: str  # where an action's form posts, e.g. "ladder.act"
    id_arg: str  # the URL argument naming the subject, e.g. "case_id"
    history: Callable[[Any, Workflow], list]  # (subject, workflow) -> [HistoryEntry], oldest first
    context: Callable[[Any], dict]  # the page's own template variables (its information panel)
    fire: Callable = fire  # (session, subject, action, *, actor, now, expected_version, comment, values)
    capability: str = "domain.write"  # who acts on such subjects at all (`workflows.permissions`)
    changed_verb: str = "更新"  # 该案件已被他人更新
    flow_heading: str = "办理流程"
    legend: tuple[tuple[str, str], ...] = ()  # (css key, words) under the diagram
    buttons: Mapping[str, str] = field(default_factory=dict)  # action name -> button class
    default_button: str = "btn-primary"
    read_only_note: str = "您的角色只能查看，不能办理。"
    closed_note: str = "该记录已结束，无可执行的操作。"
    no_actions_note: str = "当前状态下没有您可执行的操作。"
    badge: Callable[[Any], str] = lambda subject: "text-bg-primary"
    notice: Callable[[Any, Any], Notice | None] = lambda subject, user: None

    def url(self, subject) -> str:
        return url_for(self.endpoint, **{self.id_arg: subject.id})

    def action_url(self, subject, action: str) -> str:
        return url_for(self.action_endpoint, action=action, **{self.id_arg: subject.id})


@dataclass
class HistoryEntry:
    """One audit event in words: action and states in Chinese, what it recorded as rows."""

    event: AuditEvent
    action: str
    from_label: str
    to_label: str
    fields: list[dict]  # {"field", "label", "new"}: what the action was given
    changes: list[dict] = field(default_factory=list)  # {"field", "label", "old", "new", "old_empty"}


@dataclass
class ActionPanel:
    """One action the user may take now: its form, and what went wrong when it was just refused."""

    action: Action
    form: object
    button: str
    reasons: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)

    def field_errors(self, name: str) -> list[str]:
        return [self.errors[name]] if name in self.errors else []


@dataclass(frozen=True)
class Refusal:
    """Why the posted action was not taken; the page is drawn again with it."""

    action: str
    status: int
    message: str = ""
    stale: bool = False
    reasons: tuple = ()
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SubjectView:
    """Everything the layout draws, as `w` in the templates."""

    page: SubjectPage
    subject: Any
    url: str
    state_label: str
    badge: str
    panels: list[ActionPanel]
    read_only: bool
    final: bool
    notice: Notice | None
    diagram: Any
    loops: list[str]
    history: list[HistoryEntry]
    refusal: Refusal | None
    stale_by_self: bool
    unsent: list[tuple[str, str]] | None

    @property
    def stale(self) -> bool:
        return self.refusal is not None and self.refusal.stale

    @property
    def message(self) -> str:
        return self.refusal.message if self.refusal else ""

    def action_url(self, action: str) -> str:
        return self.page.action_url(self.subject, action)


def action_named(workflow: Workflow, state: str, name: str) -> Action | None:
    """The action as the posted form knew it: from the current state, else wherever the graph has it."""
    found = workflow.edge(state, name)
    if found:
        return found[1]
    return next((d["action"] for _, _, k, d in workflow.graph.edges(keys=True, data=True) if k == name), None)


def action_panels(page: SubjectPage, actions: list[Action], version: int, refusal: Refusal | None = None,
                  formdata=None) -> list[ActionPanel]:
    """A panel per available action; the one just refused keeps what was typed and shows why."""
    panels = []
    for action in actions:
        mine = refusal is not None and action.name == refusal.action
        panels.append(ActionPanel(
            action, action_form(action, version, formdata if mine else None),
            page.buttons.get(action.name, page.default_button),
            list(refusal.reasons) if mine else [], dict(refusal.errors) if mine else {},
        ))
    return panels


def typed_values(action: Action | None, formdata) -> list[tuple[str, str]]:
    """(label, text) of the non-empty values posted for `action`, comment last."""
    rows = []
    for f in action.fields if action else ():
        value = (formdata.get(f.name) or "").strip()
        if value:
            rows.append((f.label, dict(f.choices).get(value, value)))
    comment = (formdata.get("comment") or "").strip()
    if comment:
        rows.append(("备注", comment))
    return rows


def view(page: SubjectPage, subject, refusal: Refusal | None = None) -> SubjectView:
    user = current_user
    workflow = workflow_for(subject)
    actions = workflow.available(subject, user)
    history = page.history(subject, workflow)
    unsent = None
    if refusal is not None and refusal.action not in {a.name for a in actions}:
        # What was typed for an action the subject no longer offers: shown read-only so it can be copied.
        unsent = typed_values(action_named(workflow, subject.state, refusal.action), request.form)
    return SubjectView(
        page=page, subject=subject, url=page.url(subject), state_label=workflow.states[subject.state].label,
        badge=page.badge(subject),
        panels=action_panels(page, actions, subject.version, refusal, request.form if refusal else None),
        read_only=not can(user, page.capability), final=workflow.is_final(subject.state),
        notice=page.notice(subject, user), diagram=render_svg(workflow, subject.state), loops=loop_actions(workflow),
        history=history, refusal=refusal, unsent=unsent,
        # A double click or a second tab of one's own also makes a form stale: say whose step came first.
        stale_by_self=bool(refusal and refusal.stale and history and history[-1].event.actor_id == user.id),
    )


def render(page: SubjectPage, subject, refusal: Refusal | None = None):
    """The subject's page; after a refusal, with its status and the refused form as it was posted."""
    status = refusal.status if refusal else 200
    return render_template(page.template, w=view(page, subject, refusal), **page.context(subject)), status


def post_action(page: SubjectPage, subject, action: str):
    """Fire one posted action on `subject` in its own unit of work; redirect when done, else draw the page
    again with the refusal (the module docstring lists which outcome goes where)."""
    chosen = action_named(workflow_for(subject), subject.state, action)
    version = parse_version(request.form.get("version"))
    if version is None and chosen is not None:  # an unknown action is left to the engine: 404
        return render(page, subject, Refusal(action, 400, f"页面缺少{page.record}版本号，请重新加载后再操作。"))
    values = posted_values(chosen, request.form) if chosen else {}
    try:
        with unit_of_work():
            page.fire(db.session, subject, action, actor=current_user._get_current_object(), now=clock.now(),
                      expected_version=version, comment=request.form.get("comment") or "", values=values)
    except StaleVersion:
        return render(page, subject, Refusal(action, 409, stale=True))
    except (GuardFailed, ValidationFailed) as exc:
        hint = "，原因见下方" if isinstance(exc, GuardFailed) else "，请按提示修改"
        message = f"未能执行“{chosen.label}”：{exc.message}{hint}。"
        return render(page, subject, Refusal(action, exc.status, message, reasons=tuple(exc.reasons),
                                             errors=exc.fields or {}))
    except SHOWN_ON_TOP as exc:
        return render(page, subject, Refusal(action, exc.status, exc.message))
    flash(f"已执行：{chosen.label}", "success")
    return redirect(page.url(subject))
