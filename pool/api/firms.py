"""/api/v1 firm routes: list, detail, create, edit, annual figures, opening cases, the firm's timeline.

Each view is thin: check the role, read the body, call one workflow function, commit once, answer.
Lookups go through `queries`, so a county officer asking for another district's firm gets 404, as if it
did not exist. Domain errors become DESIGN §8 error bodies in `pool.errors`, which also rolls back.
"""

from flask import g, jsonify, request, url_for

from models import db
from pool.api import bp
from pool.api.serialize import (
    case_detail,
    domain_read,
    domain_write,
    event_dict,
    firm_detail,
    firm_summary,
    indicator_dict,
    json_body,
)
from pool.clock import now, today
from workflows import queries
from workflows.errors import ValidationFailed
from workflows.firm_status import mark_status
from workflows.firms import create_firm, put_indicators, update_firm
from workflows.ladder import open_case

STATUS_KEYS = frozenset({"status", "abnormal", "serious_violation"})


def _detail(firm):
    return firm_detail(firm, queries.firm_cases(db.session, firm))


@bp.get("/firms")
@domain_read
def list_firms():
    filters = queries.firm_filters(request.args)
    page, per_page = queries.parse_paging(request.args, maximum=200)
    result = queries.list_firms(db.session, g.actor, filters, page, per_page)
    return jsonify({"items": [firm_summary(f) for f in result.items], "total": result.total,
                    "page": result.page, "per_page": result.per_page})


@bp.get("/firms/<uscc>")
@domain_read
def get_firm(uscc):
    return jsonify(_detail(queries.firm_by_uscc(db.session, uscc, g.actor)))


@bp.post("/firms")
@domain_write
def post_firm():
    firm = create_firm(db.session, json_body(), actor=g.actor, now=now())
    db.session.commit()
    response = jsonify(_detail(firm))
    response.headers["Location"] = url_for("api.get_firm", uscc=firm.uscc)
    return response, 201


@bp.patch("/firms/<uscc>")
@domain_write
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
    changes = update_firm(db.session, firm, body, actor=g.actor, now=now(), comment=comment)
    db.session.commit()
    return jsonify({**_detail(firm), "changes": changes})


@bp.post("/firms/<uscc>/status")
@domain_write
def post_firm_status(uscc):
    """One status change (注销/吊销/迁出/恢复存续, 经营异常, 严重违法) with its effective date and source."""
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    body = json_body()
    for key in ("change", "source", "comment"):
        if body.get(key) is not None and not isinstance(body.get(key), str):
            raise ValidationFailed("状态变更信息有误", fields={key: "应为文本"})
    changes = mark_status(
        db.session, firm, body.get("change") or "", effective_on=body.get("effective_on"),
        source=body.get("source") or "", actor=g.actor, now=now(), today=today(),
        comment=body.get("comment") or "",
    )
    db.session.commit()
    return jsonify({**_detail(firm), "changes": changes})


@bp.put("/firms/<uscc>/indicators/<year>")
@domain_write
def put_firm_indicators(uscc, year):
    """PUT replaces the whole year: a figure left out becomes unknown. 201 when the year is new."""
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    known_years = {row.year for row in firm.indicators}
    row, changes = put_indicators(db.session, firm, year, json_body(), actor=g.actor, now=now())
    db.session.commit()
    body = {"uscc": firm.uscc, **indicator_dict(row), "size_class": firm.size_class, "changes": changes}
    return jsonify(body), 200 if row.year in known_years else 201


@bp.post("/firms/<uscc>/cases")
@domain_write
def post_case(uscc):
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    body = json_body()
    kind, comment = body.get("kind"), body.get("comment") or ""
    if not isinstance(kind, str) or not kind.strip():
        raise ValidationFailed("请选择案件类型", fields={"kind": "此项必填"})
    if not isinstance(comment, str):
        raise ValidationFailed("案件信息有误", fields={"comment": "备注应为文本"})
    case = open_case(db.session, firm, kind.strip(), actor=g.actor, now=now(), comment=comment)
    db.session.commit()
    response = jsonify(case_detail(case, g.actor))
    response.headers["Location"] = url_for("api.get_case", case_id=case.id)
    return response, 201


@bp.get("/firms/<uscc>/history")
@domain_read
def firm_history(uscc):
    """Every event of the firm and its cases, newest first; a 注销+设立 successor carries its predecessor's."""
    firm = queries.firm_by_uscc(db.session, uscc, g.actor)
    lineage, current = {}, firm
    while current is not None and current.id not in lineage:
        lineage[current.id] = current.uscc
        current = current.predecessor
    events = queries.firm_history(db.session, firm)
    return jsonify({"items": [event_dict(e, lineage) for e in events], "total": len(events)})
