"""规改股: a company becomes a 股份有限公司 (公司法 第十二条; stages from domain-facts §4.3)."""

from models.enums import CaseKind, Stage
from workflows.case_flows.common import CITY, OFFICERS, exit_edges, firm_still_on, set_firm
from workflows.machine import Action, State, Workflow, register

SCALE_TO_STOCK = register(Workflow(
    CaseKind.SCALE_TO_STOCK,
    "规改股",
    [
        State("identified", "已识别", initial=True),
        State("intent", "有股改意向"),
        State("intermediaries", "已聘请中介机构"),
        State("audit_valuation", "审计评估中"),
        State("founding_meeting", "已召开成立大会"),
        State("completed", "已完成股改", final=True),
        State("abandoned", "已放弃", final=True, failure=True),
    ],
    [
        ("identified", "intent", Action("confirm_intent", "确认股改意向", OFFICERS)),
        ("intent", "intermediaries", Action("engage_intermediaries", "聘请中介机构", OFFICERS)),
        ("intermediaries", "audit_valuation", Action("start_audit", "开始审计评估", OFFICERS)),
        ("audit_valuation", "founding_meeting", Action("hold_meeting", "召开成立大会", OFFICERS)),
        ("founding_meeting", "completed", Action(
            "complete", "确认完成股改登记", CITY, guards=(firm_still_on(Stage.ENTERPRISE, Stage.ABOVE_SCALE),),
            effects=(lambda t: set_firm(t, stage=Stage.JOINT_STOCK, legal_form="股份有限公司"),),
        )),
        *exit_edges(["identified", "intent", "intermediaries", "audit_valuation", "founding_meeting"]),
    ],
))
