"""The firm pages' forms: the list and timeline filters (GET) and the editing forms (POST, with a CSRF token).

None of these forms validates values itself. The filter form only re-fills its inputs; the values are
validated by `workflows.queries.firm_filters`, the same function the API uses. No CSRF token there: the
form only reads, and its URL must stay shareable. The editing forms hand the typed text to the workflows
(`create_firm`, `update_firm`, `put_indicators`, `mark_status`), whose Chinese messages are put back beside
each field by `apply_errors`: a page refuses exactly what the API refuses, in the same words.
"""

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from models.enums import (
    LEGAL_FORMS,
    SIZE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TAG_LABELS,
    FirmStatus,
    IndustryTag,
    SizeClass,
    Stage,
)
from workflows.errors import DomainError
from workflows.rules.fields import REQUIRED_ON_CREATE

ANY = SelectChoice("", "全部")
YES_NO = [ANY, SelectChoice("true", "是"), SelectChoice("false", "否")]


def _choices(enum, labels) -> list[SelectChoice]:
    return [ANY, *(SelectChoice(member.value, labels[member]) for member in enum)]


class FirmFilterForm(Form):
    q = StringField("名称或代码")
    district = SelectField("所属区县", validate_choice=False)
    stage = SelectField("阶梯阶段", choices=_choices(Stage, STAGE_LABELS), validate_choice=False)
    status = SelectField("登记状态", choices=_choices(FirmStatus, STATUS_LABELS), validate_choice=False)
    size_class = SelectField("企业划型", choices=_choices(SizeClass, SIZE_LABELS), validate_choice=False)
    legal_form = SelectField("组织形式", choices=[ANY, *map(SelectChoice, LEGAL_FORMS)], validate_choice=False)
    industry = StringField("行业代码", description="门类或大类前缀，如 C39")
    tags = SelectField("八大万亿产业", choices=_choices(IndustryTag, TAG_LABELS), validate_choice=False)
    abnormal = SelectField("经营异常", choices=YES_NO, validate_choice=False)
    serious_violation = SelectField("严重违法失信", choices=YES_NO, validate_choice=False)
    tech_sme = SelectField("科技型中小企业", choices=YES_NO, validate_choice=False)
    high_tech = SelectField("高新技术企业", choices=YES_NO, validate_choice=False)

    @classmethod
    def for_request(cls, args, districts) -> "FirmFilterForm":
        form = cls(args)
        form.district.choices = [ANY, *(SelectChoice(d.code, d.name) for d in districts)]
        return form


# ------------------------------------------------------------------------------------------- editing



class TimelineFilterForm(Form):
    """The firm timeline's filter (GET, like the list's): kinds and actions are those the firm's history holds."""

    kind = SelectField("记录类别", validate_choice=False)
    action = SelectField("操作", validate_choice=False)

    @classmethod
    def for_request(cls, args, kinds: list[tuple[str, str]], actions: list[tuple[str, str]]):
        form = cls(args)
        form.kind.choices = [ANY, *(SelectChoice(v, t) for v, t in kinds)]
        form.action.choices = [ANY, *(SelectChoice(v, t) for v, t in actions)]
        return form

class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


class FirmForm(FlaskForm):
    """Editing a firm. Status and list markers are not here: they change through `StatusForm`, with a date
    and a source."""

    name = StringField("企业名称")
    legal_form = SelectField("组织形式", choices=[SelectChoice("", "请选择"), *map(SelectChoice, LEGAL_FORMS)],
                             validate_choice=False)
    district = SelectField("所属区县", validate_choice=False)
    industry = StringField("行业代码", description="GB/T 4754 门类字母加大类数字，如 C39")
    registered_on = StringField("成立日期", widget=DateInput())
    tags = CheckboxesField("八大万亿产业", choices=[SelectChoice(t.value, TAG_LABELS[t]) for t in IndustryTag],
                           validate_choice=False)
    tech_sme = BooleanField("科技型中小企业")
    high_tech = BooleanField("高新技术企业")
    comment = TextAreaField("修改说明（可选）")

    def set_districts(self, districts, *, blank: bool) -> None:
        choices = [SelectChoice(d.code, d.name) for d in districts]
        self.district.choices = [SelectChoice("", "请选择"), *choices] if blank else choices

    def firm_data(self, *, fixed_district: str | None) -> dict:
        """The values for the workflow. A county officer's district is their own whatever was posted,
        unless something else was posted on purpose: then the workflow refuses it (403)."""
        data = {
            "name": _text(self.name.data),
            "legal_form": _text(self.legal_form.data),
            "district": _text(self.district.data) or fixed_district or "",
            "industry": _text(self.industry.data),
            "registered_on": _text(self.registered_on.data) or None,
            "tags": list(self.tags.data or []),
            "tech_sme": bool(self.tech_sme.data),
            "high_tech": bool(self.high_tech.data),
        }
        if "uscc" in self:
            data["uscc"] = _text(self.uscc.data)
            # Left empty on a new firm: the workflow's "此项必填" reads better than "取值无效：".
            data = {k: v for k, v in data.items() if v != "" or k not in REQUIRED_ON_CREATE}
        return data


class FirmCreateForm(FirmForm):
    uscc = StringField("统一社会信用代码", description="18位，如 91330106MA2XXXXXXX")


class IndicatorForm(FlaskForm):
    """One year's eight figures, typed as text so the workflow's messages (not WTForms') explain mistakes."""

    year = StringField("年度")
    revenue = StringField("营业收入", description="万元")
    tax = StringField("纳税总额", description="万元")
    profit = StringField("利润总额", description="万元，亏损填负数")
    employees = StringField("从业人员", description="人")
    rd_expense = StringField("研发费用", description="万元")
    rd_staff = StringField("研发人员", description="人")
    total_assets = StringField("资产总额", description="万元")
    export = StringField("出口额", description="万元")

    FIGURES = ("revenue", "tax", "profit", "employees", "rd_expense", "rd_staff", "total_assets", "export")

    def figures(self) -> dict:
        return {name: _text(self[name].data) for name in self.FIGURES}

    def fill(self, row) -> None:
        """Prefill with a stored year: money as plain decimals (no thousands separators), unknown as empty."""
        for name in self.FIGURES:
            value = getattr(row, name)
            if value is None:
                self[name].data = ""
            else:
                self[name].data = format(value, "f") if isinstance(value, Decimal) else str(value)


class StatusForm(FlaskForm):
    change = SelectField("状态变更", validate_choice=False)
    effective_on = StringField("生效日期", widget=DateInput())
    source = StringField("来源", description="如 登记系统、国家企业信用信息公示系统、人工核实")
    comment = TextAreaField("说明（可选）")


def apply_errors(form, exc: DomainError, labels: dict[str, str]) -> list[str]:
    """Put each of the workflow's field messages beside its field; return those the form has no field for
    (as "label：message"), for the top of the page."""
    rest = []
    for name, message in exc.fields.items():
        if name in form and name != "csrf_token":
            form[name].errors = [*form[name].errors, message]
        else:
            rest.append(f"{labels.get(name, name)}：{message}")
    return rest
