"""The firm-list filter form: a GET form that renders the API's filters with Chinese choices.

It only renders and re-fills the inputs; the values are validated by `workflows.queries.firm_filters`,
the same function the API uses, so a page and an API call with the same parameters list the same firms.
No CSRF token: the form only reads, and its URL must stay shareable.
"""

from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

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

ANY = SelectChoice("", "全部")
YES_NO = [ANY, SelectChoice("true", "是"), SelectChoice("false", "否")]
FLAG_FILTERS = ("abnormal", "serious_violation", "tech_sme", "high_tech")


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
