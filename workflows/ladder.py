"""The upgrade ladder (firm.stage) and opening the cases that carry a firm up it (DESIGN §4).

The ladder is a workflow graph like the others, so the engine validates it (one entry rung, all rungs
reachable, acyclic) and the same graph tells which case kinds a firm on a given rung may open.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Firm, UpgradeCase
from models.enums import STAGE_LABELS, CaseKind, FirmStatus, Stage
from workflows.case_flows import CASE_WORKFLOWS
from workflows.case_flows.common import OFFICERS
from workflows.errors import Duplicate, GuardFailed, ValidationFailed
from workflows.machine import Action, State, Workflow, start
from workflows.permissions import require
from workflows.reasons import Reason

CASE_LABELS = {
    CaseKind.IND_TO_ENT: "个转企",
    CaseKind.SMALL_TO_SCALE: "小升规",
    CaseKind.SCALE_TO_STOCK: "规改股",
    CaseKind.STOCK_TO_LISTED: "股上市",
}

LADDER = Workflow(
    "ladder",
    "升级阶梯",
    [
        State(Stage.INDIVIDUAL, STAGE_LABELS[Stage.INDIVIDUAL], initial=True),
        State(Stage.ENTERPRISE, STAGE_LABELS[Stage.ENTERPRISE]),
        State(Stage.ABOVE_SCALE, STAGE_LABELS[Stage.ABOVE_SCALE]),
        State(Stage.JOINT_STOCK, STAGE_LABELS[Stage.JOINT_STOCK]),
        State(Stage.LISTED, STAGE_LABELS[Stage.LISTED], final=True),
    ],
    [
        (Stage.INDIVIDUAL, Stage.ENTERPRISE, Action(CaseKind.IND_TO_ENT, "个转企", OFFICERS)),
        (Stage.ENTERPRISE, Stage.ABOVE_SCALE, Action(CaseKind.SMALL_TO_SCALE, "小升规", OFFICERS)),
        (Stage.ABOVE_SCALE, Stage.JOINT_STOCK, Action(CaseKind.SCALE_TO_STOCK, "规改股", OFFICERS)),
        # The policy's skip edge: a 规下 company may become a 股份有限公司 directly.
        (Stage.ENTERPRISE, Stage.JOINT_STOCK, Action(CaseKind.SCALE_TO_STOCK, "规改股", OFFICERS)),
        (Stage.JOINT_STOCK, Stage.LISTED, Action(CaseKind.STOCK_TO_LISTED, "股上市", OFFICERS)),
    ],
    acyclic=True,
)


def kinds_for_stage(stage: str) -> list[CaseKind]:
    """The case kinds a firm on this rung may open: the ladder's out-edges from it."""
    return [CaseKind(action.name) for action, _ in LADDER.actions_from(stage)]


def open_case(session, firm: Firm, kind: str, *, actor, now: datetime, comment: str = "") -> UpgradeCase:
    """Open a ladder case in its workflow's initial state; audited as an `open` from no state."""
    if not isinstance(kind, str) or kind not in CASE_WORKFLOWS:
        raise ValidationFailed("未知的案件类型", fields={"kind": f"未知的案件类型“{kind}”"})
    kind = CaseKind(kind)
    require(actor, "case.open", firm)
    reasons = _opening_reasons(firm, kind)
    if reasons:
        raise GuardFailed("该企业当前不能发起此类案件", reasons=reasons)
    duplicate = Duplicate(f"该企业已有进行中的{CASE_LABELS[kind]}案件")
    if _has_open_case(session, firm, kind):
        raise duplicate
    case = UpgradeCase(firm=firm, kind=kind, opened_at=now, opened_by_id=actor.id, assignee_id=actor.id,
                       attributes={})
    try:
        start(session, case, "open", actor=actor, now=now, comment=comment, evidence={"kind": kind.value})
    except IntegrityError as exc:
        # Two officers opened the same case at once: the partial unique index refused the second one.
        # The caller rolls back, as after any domain error.
        raise duplicate from exc
    return case


def _has_open_case(session, firm: Firm, kind: CaseKind) -> bool:
    return session.scalar(select(UpgradeCase.id).filter_by(firm_id=firm.id, kind=kind, is_open=True)) is not None


def _opening_reasons(firm: Firm, kind: CaseKind) -> list[Reason]:
    reasons = []
    if firm.status != FirmStatus.ACTIVE:
        reasons.append(Reason("firm_not_active", "企业已非存续状态", value=firm.status))
    if kind not in kinds_for_stage(firm.stage):
        stage = STAGE_LABELS[Stage(firm.stage)]
        reasons.append(Reason("stage_mismatch", f"当前阶段“{stage}”不能发起{CASE_LABELS[kind]}", value=firm.stage))
    return reasons
