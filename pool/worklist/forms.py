"""The work list's GET form: it renders and re-fills the inputs, nothing more.

The values are validated by `workflows.worklist.worklist_filters`, so a hand-made URL and a submitted form
meet the same rules. No CSRF token: the form only reads, and its URL must stay shareable ("send me the
link to that list").
"""

from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from workflows.ladder import CASE_LABELS
from workflows.worklist import DIRECTIONS, SORTS, open_states

ANY = SelectChoice("", "全部")


class WorklistFilterForm(Form):
    q = StringField("名称或代码")
    kind = SelectField("案件类型", choices=[ANY, *(SelectChoice(k.value, v) for k, v in CASE_LABELS.items())],
                       validate_choice=False)
    state = SelectField("当前状态", validate_choice=False)
    district = SelectField("所属区县", validate_choice=False)
    min_days = IntegerField("停留天数至少", description="天")
    sort = SelectField("排序", choices=[SelectChoice(*c) for c in SORTS.items()], validate_choice=False)
    dir = SelectField("顺序", choices=[SelectChoice(*c) for c in DIRECTIONS.items()], validate_choice=False)

    @classmethod
    def for_request(cls, args, districts) -> "WorklistFilterForm":
        """States follow the chosen kind: only that kind's open states, or every open state without one."""
        form = cls(args)
        kind = args.get("kind") or None
        form.state.choices = [ANY, *(SelectChoice(n, t) for n, t in open_states(kind if kind in CASE_LABELS else None))]
        form.district.choices = [ANY, *(SelectChoice(d.code, d.name) for d in districts)]
        return form

