"""Forms of the pool pages. They render inputs and re-fill what was typed; the rules are the workflows'.

Nomination fields (reason, type, batch) are validated by `workflows.membership` — the very checks
`nominate` runs first — so a page refuses what the API refuses, in the same words. CSRF is checked app-wide
(`CSRFProtect`); templates render the token with `csrf_token()`. Plain `wtforms.Form`: the nomination page
holds two forms with the same fields, told apart by a prefix, and each would otherwise repeat `csrf_token`.
GET forms (filters, search) carry no token: they only read and their URLs stay shareable.
"""

from wtforms import BooleanField, FileField, Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from models.enums import CULTIVATION_LABELS
from workflows.errors import DomainError
from workflows.membership import MEMBERSHIP

ANY = SelectChoice("", "全部")
NOMINATION_FIELDS = ("reason", "cultivation_type", "batch")


class NominationForm(Form):
    """The three things every nomination carries; shared by every firm of a multi-firm nomination."""

    reason = TextAreaField("推荐理由", render_kw={"rows": 2})
    cultivation_type = SelectField(
        "培育类型", validate_choice=False,
        choices=[SelectChoice("", "请选择…"), *(SelectChoice(k.value, v) for k, v in CULTIVATION_LABELS.items())])
    batch = StringField("入库批次", description="年份-批次，如 2026-1", render_kw={"autocomplete": "off"})

    @classmethod
    def build(cls, formdata=None, *, default_batch: str, prefix: str = "", **kwargs):
        form = cls(formdata, prefix=prefix, **kwargs)
        if formdata is None:
            form.batch.data = default_batch
        return form

    def values(self) -> dict:
        return {name: (self[name].data or "").strip() for name in NOMINATION_FIELDS}

    def apply(self, exc: DomainError) -> list[str]:
        """Put the workflow's messages beside the fields; returns the ones no field here shows."""
        others = []
        for name, message in exc.fields.items():
            if name in self:
                self[name].errors = [message]
            else:
                others.append(message)
        return others


class FirmNominationForm(NominationForm):
    pool = SelectField("推荐入库", validate_choice=False)

    def set_pools(self, fills, default) -> None:
        self.pool.choices = [SelectChoice(str(f.pool.id), f.pool.name) for f in fills]
        if self.pool.data in (None, "") and default is not None:
            self.pool.data = str(default.id)


class ListNominationForm(NominationForm):
    usccs = TextAreaField("统一社会信用代码清单", description="每行一个代码；也可上传 .txt 或 .csv 文件（取每行第一列）",
                          render_kw={"rows": 6, "spellcheck": "false", "class": "uscc"})
    file = FileField("上传文件")


class SearchForm(Form):
    q = StringField("名称或代码")
    open = BooleanField("仅显示可推荐的企业（符合条件且未在库）", false_values=("", "0", "false"))


class MemberFilterForm(Form):
    q = StringField("名称或代码")
    state = SelectField("状态", validate_choice=False,
                        choices=[ANY, *(SelectChoice(n, s.label) for n, s in MEMBERSHIP.states.items())])
    cultivation_type = SelectField("培育类型", validate_choice=False,
                                   choices=[ANY, *(SelectChoice(k.value, v) for k, v in CULTIVATION_LABELS.items())])
    batch = StringField("入库批次", render_kw={"placeholder": "如 2026-1"})
    district = SelectField("所属区县", validate_choice=False)

    @classmethod
    def for_request(cls, args, districts):
        form = cls(args)
        form.district.choices = [ANY, *(SelectChoice(d.code, d.name) for d in districts)]
        return form


class ReviewFilterForm(Form):
    q = StringField("名称或代码")
    pool = SelectField("培育库", validate_choice=False)
    district = SelectField("所属区县", validate_choice=False)
    decidable = BooleanField("只看我可审核的", false_values=("", "0", "false"),
                             description="隐藏本人推荐、须由他人审核的记录")

    @classmethod
    def for_request(cls, args, pools, districts):
        form = cls(args)
        form.pool.choices = [ANY, *(SelectChoice(str(p.id), p.name) for p in pools)]
        form.district.choices = [ANY, *(SelectChoice(d.code, d.name) for d in districts)]
        return form
