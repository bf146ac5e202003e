"""/api/v1 case routes: read a case with the actions the caller may take, fire one, read its history.

`POST /cases/<id>/actions/<action>` takes `{"version": n, "comment": "...", ...fields}`: `version` is the
case version the client last saw (a stale one is refused with 409 so nobody overwrites a colleague's
step unseen), and every other key is a field of the action, validated by the workflow engine.
"""

from flask import g, jsonify

from models import db
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import operation
from pool.api.serialize import action_envelope, case_detail, event_dict, json_body
from pool.clock import now
from pool.uow import unit_of_work
from workflows import queries
from workflows.machine import fire


@bp.get("/cases/<int:case_id>")
@operation("案件详情与调用者当前可执行的操作", answer=(200, "Case"))
@requires("domain.read")
def get_case(case_id):
    return jsonify(case_detail(queries.case_by_id(db.session, case_id, g.actor), g.actor))


@bp.post("/cases/<int:case_id>/actions/<action>")
@operation("执行案件操作", answer=(200, "Case"), body="ActionIn")
@requires("domain.write")
def post_action(case_id, action):
    case = queries.case_by_id(db.session, case_id, g.actor)
    body = json_body()
    version, comment = action_envelope(body, "案件")  # what remains in `body` are the action's fields
    with unit_of_work():
        fire(db.session, case, action, actor=g.actor, now=now(), expected_version=version, comment=comment,
             values=body)
    return jsonify(case_detail(case, g.actor))


@bp.get("/cases/<int:case_id>/history")
@operation("案件历史", answer=(200, "EventList"))
@requires("domain.read")
def case_history(case_id):
    """The case's events, oldest first, from its opening on."""
    case = queries.case_by_id(db.session, case_id, g.actor)
    events = queries.case_history(db.session, case)
    return jsonify({"items": [event_dict(e) for e in events], "total": len(events)})
