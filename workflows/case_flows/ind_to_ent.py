"""个转企: an individual business becomes an enterprise, by direct change or by 注销+设立 (domain-facts §4.1)."""

from models.enums import LEGAL_FORM_STAGE, CaseKind, FirmStatus, Stage
from workflows.case_flows.common import (
    OFFICERS,
    REASON_FIELD,
    exit_edges,
    firm_still_on,
    set_attrs,
    set_firm,
)
from workflows.machine import Action, Field, State, Transition, Workflow, register
from workflows.reasons import Reason
from workflows.rules.fields import clean_uscc
from workflows.timefmt import local_date

# The forms whose rung is `enterprise`: the case sets stage=enterprise, so a 股份有限公司 here would
# contradict the stage its legal form implies.
ENTERPRISE_FORMS = tuple((form, form) for form, stage in LEGAL_FORM_STAGE.items() if stage == Stage.ENTERPRISE)
ROUTES = (("direct_change", "直接变更（保留统一社会信用代码）"), ("deregister_setup", "注销+设立（新代码）"))


def _new_uscc_guard(t: Transition) -> list[Reason]:
    from models import Firm

    new = t.values.get("new_uscc")
    if t.values.get("route") != "deregister_setup":
        return []
    if not new:
        return [Reason("new_uscc_required", "“注销+设立”须填写新设企业的统一社会信用代码")]
    if new == t.subject.firm.uscc:
        return [Reason("new_uscc_same", "新代码不能与原个体工商户代码相同", value=new)]
    if t.session.query(Firm.id).filter_by(uscc=new).first():
        return [Reason("new_uscc_taken", f"统一社会信用代码{new}已登记在系统中", value=new)]
    return []


def _complete_ind_to_ent(t: Transition) -> None:
    from models import Firm

    firm = t.subject.firm
    if t.values["route"] == "direct_change":
        set_firm(t, legal_form=t.values["legal_form"], stage=Stage.ENTERPRISE)
        return
    successor = Firm(
        uscc=t.values["new_uscc"], name=firm.name, legal_form=t.values["legal_form"], stage=Stage.ENTERPRISE,
        district_code=firm.district_code, industry=firm.industry, tags=list(firm.tags or []),
        registered_on=local_date(t.now), predecessor=firm, size_class=firm.size_class,
        created_at=t.now, updated_at=t.now,
    )
    t.session.add(successor)
    set_firm(t, status=FirmStatus.DEREGISTERED)
    t.evidence["successor_uscc"] = successor.uscc


IND_TO_ENT = register(Workflow(
    CaseKind.IND_TO_ENT,
    "个转企",
    [
        State("identified", "已识别", initial=True),
        State("intent", "有转型意向"),
        State("registering", "办理登记中"),
        State("completed", "已完成转企", final=True),
        State("abandoned", "已放弃", final=True, failure=True),
    ],
    [
        ("identified", "intent", Action("confirm_intent", "确认转型意向", OFFICERS)),
        ("intent", "registering", Action("submit_registration", "提交登记申请", OFFICERS)),
        ("registering", "intent", Action("return", "退回补正", OFFICERS, fields=(REASON_FIELD,))),
        ("registering", "completed", Action(
            "complete", "完成转企登记", OFFICERS,
            fields=(
                Field("legal_form", "新组织形式", kind="choice", choices=ENTERPRISE_FORMS),
                Field("route", "转企方式", kind="choice", choices=ROUTES),
                Field("new_uscc", "新统一社会信用代码", kind="uscc", required=False, clean=clean_uscc),
            ),
            guards=(firm_still_on(Stage.INDIVIDUAL), _new_uscc_guard),
            effects=(lambda t: set_attrs(t, route=t.values["route"]), _complete_ind_to_ent),
        )),
        *exit_edges(["identified", "intent", "registering"]),
    ],
))
