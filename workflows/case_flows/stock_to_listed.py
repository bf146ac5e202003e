"""股上市: from 上市后备 to listing (domain-facts §4.4).

Boards without a CSRC 辅导/注册 step (新三板, 港股, 境外) take the skip edges; the guards keep the other
boards on the full path. `designate_key`/`revoke_key` loop on every open state to toggle 市级重点拟上市.
"""

from models.enums import BOARD_LABELS, BOARDS_WITHOUT_TUTORING, Board, CaseKind, Stage
from workflows.case_flows.common import (
    CITY,
    OFFICERS,
    REASON_FIELD,
    firm_still_on,
    set_attrs,
    set_firm,
)
from workflows.machine import Action, Field, State, Transition, Workflow, register
from workflows.reasons import Reason
from workflows.timefmt import local_date

OPEN = ("reserve", "tutoring", "filed", "registered")
BOARD = Field("board", "拟上市板块", kind="choice", choices=tuple((b.value, BOARD_LABELS[b]) for b in Board))


def _board(t: Transition) -> str | None:
    return t.values.get("board") or (t.subject.attributes or {}).get("board")


def _board_may_skip(t: Transition) -> list[Reason]:
    board = _board(t)
    if board in BOARDS_WITHOUT_TUTORING:
        return []
    label = BOARD_LABELS.get(board, board or "未定")
    return [Reason("board_requires_full_path", f"{label}须经辅导备案和注册，不能跳过", value=board)]


def _board_needs_registration(t: Transition) -> list[Reason]:
    board = _board(t)
    if board not in BOARDS_WITHOUT_TUTORING:
        return []
    return [Reason("board_without_registration", f"{BOARD_LABELS[board]}无证监会注册环节，请直接确认挂牌/上市",
                   value=board)]


def _key_guard(wanted: bool):
    def guard(t: Transition) -> list[Reason]:
        if bool((t.subject.attributes or {}).get("key")) != wanted:
            return []
        msg = "已是市级重点拟上市企业" if wanted else "尚未列为市级重点拟上市企业"
        return [Reason("key_designation", msg)]
    return guard


FILE_APPLICATION = dict(fields=(BOARD,), effects=(lambda t: set_attrs(t, board=t.values["board"]),))


def _list(t: Transition) -> None:
    set_attrs(t, listed_on=local_date(t.now).isoformat())
    set_firm(t, stage=Stage.LISTED)


LIST = dict(effects=(_list,))
STILL_JOINT_STOCK = firm_still_on(Stage.JOINT_STOCK)

STOCK_TO_LISTED = register(Workflow(
    CaseKind.STOCK_TO_LISTED,
    "股上市",
    [
        State("reserve", "上市后备", initial=True),
        State("tutoring", "辅导备案"),
        State("filed", "申报受理"),
        State("registered", "注册生效"),
        State("completed", "已上市/挂牌", final=True),
        State("terminated", "已终止", final=True, failure=True),
    ],
    [
        ("reserve", "tutoring", Action("file_tutoring", "辅导备案", OFFICERS)),
        ("tutoring", "filed", Action("file_application", "申报受理", OFFICERS, **FILE_APPLICATION)),
        ("reserve", "filed", Action("file_application", "申报受理（免辅导板块）", OFFICERS,
                                    guards=(_board_may_skip,), **FILE_APPLICATION)),
        ("filed", "registered", Action("register", "注册生效", CITY, guards=(_board_needs_registration,))),
        ("registered", "completed", Action("list", "确认上市", CITY, guards=(STILL_JOINT_STOCK,), **LIST)),
        ("filed", "completed", Action("list", "确认挂牌/上市（免注册板块）", CITY,
                                      guards=(_board_may_skip, STILL_JOINT_STOCK), **LIST)),
        *[(s, "terminated", Action("terminate", "终止", OFFICERS, fields=(REASON_FIELD,))) for s in OPEN],
        *[(s, s, Action("designate_key", "列为市级重点拟上市", CITY, guards=(_key_guard(True),),
                        effects=(lambda t: set_attrs(t, key=True),))) for s in OPEN],
        *[(s, s, Action("revoke_key", "取消市级重点拟上市", CITY, guards=(_key_guard(False),),
                        effects=(lambda t: set_attrs(t, key=False),))) for s in OPEN],
    ],
))
