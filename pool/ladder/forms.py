"""Forms of the case pages: opening a case on a firm, and one form per workflow action.

These forms render inputs and re-fill what the officer typed; they validate nothing themselves. The rules
live in the workflow engine (`Action.clean`, the guards, `open_case`), the same code the API runs, so a
page refuses exactly what the API refuses. CSRF is checked app-wide by Flask-WTF's `CSRFProtect` before a
view runs; each template renders the token with `csrf_token()`. Plain `wtforms.Form` is used rather than
`FlaskForm` because a case page holds several action forms at once and each would otherwise repeat an
element with `id="csrf_token"`.

Action forms keep the engine's field names (`board`, `reason`, ...) as input names, so a posted form is
the API's JSON body in another encoding; element ids carry the action name so that two actions with the
same field (`reason` on 退回 and 放弃) stay distinct on one page.
"""

from wtforms import BooleanField, Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from workflows.ladder import CASE_LABELS
from workflows.machine import Action, Field
from workflows.rules.text import is_int_text

# Names the action form itself uses; an engine field with one of these names would be shadowed.
RESERVED = frozenset({"comment", "version"})


class OpenCaseForm(Form):
    kind = SelectField("发起案件类型", validate_choice=False, id="open-kind")
    comment = StringField("备注（可选）", id="open-comment")

    @classmethod
    def for_kinds(cls, kinds, formdata=None) -> "OpenCaseForm":
        form = cls(formdata)
        form.kind.choices = [SelectChoice(k.value, CASE_LABELS[k]) for k in kinds]
        return form


def _input(action: Action, field: Field):
    """The WTForms field for one engine Field; its kind picks the widget."""
    options = {"id": f"{action.name}-{field.name}", "description": "必填" if field.required else "选填"}
    if field.kind == "choice":
        blank = SelectChoice("", "请选择…" if field.required else "（不选）")
        choices = [blank, *(SelectChoice(value, text) for value, text in field.choices)]
        return SelectField(field.label, choices=choices, validate_choice=False, **options)
    if field.kind == "textarea":
        return TextAreaField(field.label, render_kw={"rows": 2}, **options)
    if field.kind == "bool":
        return BooleanField(field.label, false_values=("", "false", "0"), **options)
    render_kw = {"autocomplete": "off"}
    if field.kind == "uscc":
        render_kw |= {"class": "uscc", "spellcheck": "false"}
    return StringField(field.label, render_kw=render_kw, **options)


def action_form(action: Action, version: int, formdata=None) -> Form:
    """A form for one action: its engine fields, a comment, and the case version the page was drawn at.

    `formdata` refills what was posted (after a refusal); the version is always the case's current one,
    so a form shown again after a conflict is submitted against what the officer now sees.
    """
    clashes = RESERVED & {f.name for f in action.fields}
    if clashes:
        raise ValueError(f"动作 {action.name} 的字段名与表单保留名冲突: {', '.join(sorted(clashes))}")
    attrs = {f.name: _input(action, f) for f in action.fields}
    attrs["comment"] = TextAreaField("备注（可选）", id=f"{action.name}-comment", render_kw={"rows": 2})
    attrs["version"] = HiddenField(id=f"{action.name}-version")
    form = type(f"ActionForm_{action.name}", (Form,), attrs)(formdata)
    form.version.data = str(version)
    return form


def posted_values(action: Action, formdata) -> dict:
    """The action's own fields from a posted form; anything else in the body is ignored."""
    values = {}
    for field in action.fields:
        if field.kind == "bool":
            values[field.name] = formdata.get(field.name, "") not in ("", "false", "0")
        else:
            values[field.name] = formdata.get(field.name)
    return values


def parse_version(raw) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if is_int_text(raw) else None
