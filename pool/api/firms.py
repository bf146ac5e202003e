"""/api/v1 firm routes: list, detail, create, edit, annual figures, opening cases, the firm's timeline.

Each view is thin: check the capability, read the body, call one workflow function inside the unit of
work (`pool.uow`: committed when it returns, rolled back when it raises), answer. Lookups go through
`queries`, so a county officer asking for another district's firm gets 404, as if it did not exist.
Domain errors become DESIGN §8 error bodies in `pool.errors`.
"""

from flask import g, jsonify, request, url_for

from models import db
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import FIRM_FILTERS, operation
from pool.api.serialize import (
    case_detail,
    event_dict,
    firm_detail,
    firm_summary,
    indicator_dict,
    json_body,
)
from pool.clock import now, today
from pool.uow import unit_of_work
from workflows import queries
from workflows.campaigns.queries import firm_honours
from workflows.errors import ValidationFailed
from workflows.firm_status import mark_status
from workflows.firms import create_firm, put_indicators, update_firm
from workflows.ladder import open_case

STATUS_KEYS = frozenset({"status", "abnormal", "serious_violation"})


def _detail(firm):
    return firm_detail(firm, queries.firm_cases(db.session, firm), firm_honours(db.session, firm))


@bp.get("/firms")
@operation("企业列表（筛选、分页）", answer=(200, "FirmPage"), query=FIRM_FILTERS)
@requires("domain.read")
def list_firms():
    filters = queries.firm_filters(request.args)
    page, per_page = queries.parse_paging(request.args, maximum=200)
    result = queries.list_firms(db.session, g.actor, filters, page, per_page)
    return jsonify({"items": [firm_summary(f) for f in result.items], "total": result.total,
                    "page": result.page, "per_page": result.per_page})


@bp.get("/firms/<uscc>")
@operation("企业详情：登记信息、年度指标、案件、荣誉", answer=(200, "Firm"))
@requires("domain.read")
def get_firm(uscc):
    return jsonify(_detail(queries.firm_by_uscc(db.session, uscc, g.actor)))


@bp.post("/firms")
@operation("新增企业", answer=(201, "Firm"), body="FirmIn")
@requires("domain.write")
def post_firm():
    body = json_body()
    with unit_of_work():
        firm = create_firm(db.session, body, actor=g.actor, now=now())
    response = jsonify(_detail(firm))
    response.headers["Location"] = url_for("api.get_firm", uscc=firm.uscc)
    return response, 201


@bp.patch("/firms/<uscc>")
@operation("修改企业登记信息（状态与标记另走 /status）", answer=(200, "Firm"), body="FirmIn")
@requires("domain.write")
def patch_firm(uscc):
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    body = json_body()
    comment = body.pop("comment", "")
    if not isinstance(comment, str):
        raise ValidationFailed("企业信息有误", fields={"comment": "备注应为文本"})
    marked = sorted(STATUS_KEYS & set(body))
    if marked:
        # Status and markers carry an effective date and a source: they go through POST .../status.
        message = "登记状态和经营异常、严重违法标记请通过 POST /api/v1/firms/<uscc>/status 变更（需生效日期和来源）"
        raise ValidationFailed("企业信息有误", fields=dict.fromkeys(marked, message))
    with unit_of_work():
        changes = update_firm(db.session, firm, body, actor=g.actor, now=now(), comment=comment)
    return jsonify({**_detail(firm), "changes": changes})


@bp.post("/firms/<uscc>/status")
@operation("登记状态或标记变更（生效日期、来源）", answer=(200, "Firm"), body="StatusIn")
@requires("domain.write")
def post_firm_status(uscc):
    """One status change (注销/吊销/迁出/恢复存续, 经营异常, 严重违法) with its effective date and source."""
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    body = json_body()
    for key in ("change", "source", "comment"):
        if body.get(key) is not None and not isinstance(body.get(key), str):
            raise ValidationFailed("状态变更信息有误", fields={key: "应为文本"})
    with unit_of_work():
        changes = mark_status(
            db.session, firm, body.get("change") or "", effective_on=body.get("effective_on"),
            source=body.get("source") or "", actor=g.actor, now=now(), today=today(),
            comment=body.get("comment") or "",
        )
    return jsonify({**_detail(firm), "changes": changes})


@bp.put("/firms/<uscc>/indicators/<year>")
@operation("整年替换年度指标（新年度为201）", answer=(200, "Indicators"), body="IndicatorsIn", also=(201,))
@requires("domain.write")
def put_firm_indicators(uscc, year):
    """PUT replaces the whole year: a figure left out becomes unknown. 201 when the year is new."""
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    known_years = {row.year for row in firm.indicators}
    body = json_body()
    with unit_of_work():
        row, changes = put_indicators(db.session, firm, year, body, actor=g.actor, now=now())
    body = {"uscc": firm.uscc, **indicator_dict(row), "size_class": firm.size_class, "changes": changes}
    return jsonify(body), 200 if row.year in known_years else 201


@bp.post("/firms/<uscc>/cases")
@operation("为企业开立升级案件", answer=(201, "Case"), body="CaseIn")
@requires("domain.write")
def post_case(uscc):
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    body = json_body()
    kind, comment = body.get("kind"), body.get("comment") or ""
    if not isinstance(kind, str) or not kind.strip():
        raise ValidationFailed("请选择案件类型", fields={"kind": "此项必填"})
    if not isinstance(comment, str):
        raise ValidationFailed("案件信息有误", fields={"comment": "备注应为文本"})
    with unit_of_work():
        case = open_case(db.session, firm, kind.strip(), actor=g.actor, now=now(), comment=comment)
    response = jsonify(case_detail(case, g.actor))
    response.headers["Location"] = url_for("api.get_case", case_id=case.id)
    return response, 201


@bp.get("/firms/<uscc>/history")
@operation("企业及其案件的全部历史", answer=(200, "EventList"))
@requires("domain.read")
def firm_history(uscc):
    """Every event of the firm and its cases, newest first; a 注销+设立 successor carries its predecessor's."""
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    lineage, current = {}, firm
    while current is not None and current.id not in lineage:
        lineage[current.id] = current.uscc
        current = current.predecessor
    events = queries.firm_history(db.session, firm)
    return jsonify({"items": [event_dict(e, lineage) for e in events], "total": len(events)})
