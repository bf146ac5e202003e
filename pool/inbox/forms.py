"""Forms of the inbox and checks pages: they render inputs and re-fill what was typed; the rules are the
workflows' (`workflows.inbox.actions`, `workflows.checks.runs`), so a page refuses what the API refuses, in
the same words. Plain `wtforms.Form` as on the pool pages: CSRF is checked app-wide and the templates render
the token; the filter form is a GET form without one, so a list's URL stays shareable.
"""

from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from models.enums import END_REASON_LABELS, FLAG_KIND_LABELS
from workflows.checks.registry import CHECKS
from workflows.errors import DomainError
from workflows.inbox.actions import END_REASONS

ANY = SelectChoice("", "全部")


class InboxFilterForm(Form):
    q = StringField("名称或代码")
    kind = SelectField("提醒类型", validate_choice=False,
                       choices=[ANY, *(SelectChoice(k.value, v) for k, v in FLAG_KIND_LABELS.items())])
    district = SelectField("所属区县", validate_choice=False)

    @classmethod
    def for_request(cls, args, districts) -> "InboxFilterForm":
        form = cls(args)
        form.district.choices = [ANY, *(SelectChoice(d.code, d.name) for d in districts)]
        return form


class ErrorsBeside(Form):
    def apply(self, exc: DomainError) -> list[str]:
        """Put the workflow's messages beside the fields; returns the ones no field here shows."""
        others = []
        for name, message in exc.fields.items():
            if name in self:
                self[name].errors = [message]
            else:
                others.append(message)
        return others


class DismissForm(ErrorsBeside):
    version = HiddenField()
    reason = TextAreaField("忽略原因", render_kw={"rows": 2, "placeholder": "如：企业已说明为一次性收入，无需跟进"})


class OpenCaseForm(ErrorsBeside):
    version = HiddenField()
    comment = StringField("备注（选填）")


class EndMembershipForm(ErrorsBeside):
    version = HiddenField()
    reason = SelectField("原因", validate_choice=False)
    comment = StringField("备注（选填）")

    @classmethod
    def build(cls, action: str, formdata=None, **kwargs) -> "EndMembershipForm":
        form = cls(formdata, prefix=f"{action}-", **kwargs)
        form.reason.choices = [SelectChoice("", "请选择…"),
                               *(SelectChoice(r.value, END_REASON_LABELS[r]) for r in END_REASONS[action])]
        return form


class RunCheckForm(ErrorsBeside):
    check = SelectField("检查", validate_choice=False)
    today = StringField("检查日期", description="按这一天的数据口径检查（默认今天，杭州时间）",
                        render_kw={"type": "date"})

    @classmethod
    def build(cls, formdata=None, *, today, check: str | None = None) -> "RunCheckForm":
        form = cls(formdata)
        form.check.choices = [SelectChoice(c.name, c.label) for c in CHECKS.values()]
        if formdata is None:
            form.today.data = today.isoformat()
            if check:
                form.check.data = check
        return form
