"""小升规: a 规下 enterprise crosses its sector's 规上/限上 line (domain-facts §3).

The guard follows the sector's basis in policy data, so a new threshold is a data change, not a code change.
It runs at `declare` and again at `approve`, because the figures may have been corrected in between.
"""

from models.enums import CaseKind, Stage
from workflows.case_flows.common import (
    CITY,
    OFFICERS,
    REASON_FIELD,
    exit_edges,
    firm_still_on,
    set_attrs,
    set_firm,
)
from workflows.machine import Action, Field, State, Transition, Workflow, register
from workflows.policy import default_policy
from workflows.reasons import Reason
from workflows.rules.scale import ScaleBasis, check_above_scale, scale_rule


def _basis_is(basis: ScaleBasis):
    """A declaration field concerns the case only when the firm's sector is judged on that basis (policy
    data): the qualification for 建筑业, the written justification where no rule is known. A firm whose
    industry code cannot be classified is offered every field, so nothing it might need is hidden."""
    def applies(case) -> bool:
        try:
            return ScaleBasis(scale_rule(default_policy(), case.firm.industry).basis) is basis
        except ValueError:
            return True
    return applies


QUALIFICATION = Field(
    "qualification", "建筑业资质已核实", kind="choice", required=False,
    choices=(("confirmed", "已核实（有总承包或专业承包资质）"),), applies=_basis_is(ScaleBasis.QUALIFICATION),
)
JUSTIFICATION = Field("justification", "书面说明（无明确规上标准的行业）", kind="textarea", required=False,
                      applies=_basis_is(ScaleBasis.NONE))


def _scale_reasons(t: Transition, qualification, justification) -> list[Reason]:
    firm = t.subject.firm
    latest = firm.latest_indicator
    sector = scale_rule(default_policy(), firm.industry)
    return check_above_scale(
        sector,
        revenue=latest.revenue if latest else None,
        qualification_confirmed=qualification == "confirmed",
        justification=justification,
    )


def _declare_guard(t: Transition) -> list[Reason]:
    return _scale_reasons(t, t.values.get("qualification"), t.values.get("justification"))


def _approve_guard(t: Transition) -> list[Reason]:
    attrs = t.subject.attributes or {}
    return _scale_reasons(t, attrs.get("qualification"), attrs.get("justification"))


def _record_declaration(t: Transition) -> None:
    set_attrs(t, **{k: t.values[k] for k in ("qualification", "justification") if t.values.get(k)})


SMALL_TO_SCALE = register(Workflow(
    CaseKind.SMALL_TO_SCALE,
    "小升规",
    [
        State("identified", "已识别", initial=True),
        State("cultivating", "培育中"),
        State("declared", "已申报"),
        State("completed", "已升规", final=True),
        State("abandoned", "已放弃", final=True, failure=True),
    ],
    [
        ("identified", "cultivating", Action("start_cultivation", "开始培育", OFFICERS)),
        ("cultivating", "declared", Action(
            "declare", "申报升规", OFFICERS, fields=(QUALIFICATION, JUSTIFICATION),
            guards=(_declare_guard,), effects=(_record_declaration,),
        )),
        ("declared", "cultivating", Action("return", "退回培育", CITY, fields=(REASON_FIELD,))),
        ("declared", "completed", Action(
            "approve", "审核通过", CITY, guards=(firm_still_on(Stage.ENTERPRISE), _approve_guard),
            effects=(lambda t: set_firm(t, stage=Stage.ABOVE_SCALE),),
        )),
        *exit_edges(["identified", "cultivating", "declared"]),
    ],
))
