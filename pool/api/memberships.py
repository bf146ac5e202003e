"""/api/v1 membership routes: read one, fire an action, and fire one action on many (bulk review).

`POST /memberships/<id>/actions/<action>` takes `{"version", "comment", ...fields}`, like the case route:
`version` is the one the client last saw (a stale one is 409), every other key is a field of the action.

`POST /memberships/bulk/<action>` takes `{"items": [{"id", "version"}, ...], "comment", ...fields}` and
answers 200 with one result per item, in the request's order: `{"id", "ok", "error", "state", "version"}`,
`error` being DESIGN §8's error object (`code`, `message`, `fields`, `reasons`) or null, `state` and
`version` the membership's new ones when it succeeded. The request as a whole is checked first (a list
of at most 500 items, each with an integer id and version, no id twice, an action the membership
workflow knows, valid fields for it): a malformed request is a 400 and writes nothing. Then each item
runs in its own transaction, committed when it succeeds and rolled back when it fails, so one item's
failure (a stale version, a full pool, four eyes) never undoes or blocks another's. No SAVEPOINTs: the
pysqlite driver's handling of them is unreliable, and a transaction per item says the same thing plainly.
"""

from flask import g, jsonify

from models import db
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import operation
from pool.api.pools import membership_body
from pool.api.serialize import action_envelope, is_int, json_body
from pool.clock import now
from pool.errors import error_body
from pool.uow import unit_of_work
from workflows import pool_queries
from workflows.errors import DomainError, ValidationFailed
from workflows.machine import Action
from workflows.membership import MEMBERSHIP, act

BULK_MAX = 500


@bp.get("/memberships/<int:membership_id>")
@operation("入库记录详情", answer=(200, "Membership"))
@requires("domain.read")
def get_membership(membership_id):
    return jsonify(membership_body(pool_queries.membership_by_id(db.session, membership_id, g.actor)))


@bp.post("/memberships/<int:membership_id>/actions/<action>")
@operation("执行入库记录操作", answer=(200, "Membership"), body="ActionIn")
@requires("domain.write")
def post_membership_action(membership_id, action):
    membership = pool_queries.membership_by_id(db.session, membership_id, g.actor)
    body = json_body()
    version, comment = action_envelope(body, "入库记录")
    with unit_of_work():
        act(db.session, membership, action, actor=g.actor, now=now(), expected_version=version, comment=comment,
            values=body)
    return jsonify(membership_body(membership))


def _workflow_action(name: str) -> Action:
    for _, _, key, data in MEMBERSHIP.graph.edges(keys=True, data=True):
        if key == name:
            return data["action"]
    names = "、".join(sorted({k for _, _, k in MEMBERSHIP.graph.edges(keys=True)}))
    raise ValidationFailed(f"没有名为“{name}”的入库操作", fields={"action": f"可用的操作：{names}"})


def _bulk_items(items) -> list[tuple[int, int]]:
    if not isinstance(items, list):
        raise ValidationFailed("批量操作内容有误", fields={"items": "应为列表：[{\"id\": 编号, \"version\": 版本号}]"})
    if not items:
        raise ValidationFailed("批量操作内容有误", fields={"items": "请至少选择一条记录"})
    if len(items) > BULK_MAX:
        raise ValidationFailed(f"一次最多处理{BULK_MAX}条记录", fields={
            "items": f"一次最多处理{BULK_MAX}条，本次{len(items)}条，请分批提交"})
    errors, seen, clean = {}, set(), []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not is_int(item.get("id")) or not is_int(item.get("version")):
            errors[f"items[{i}]"] = "每条应为 {\"id\": 整数, \"version\": 整数}"
        elif item["id"] in seen:
            errors[f"items[{i}]"] = f"记录 {item['id']} 重复出现"
        else:
            seen.add(item["id"])
            clean.append((item["id"], item["version"]))
    if errors:
        raise ValidationFailed("批量操作内容有误", fields=errors)
    return clean


@bp.post("/memberships/bulk/<action>")
@operation("批量执行入库操作（逐条结果）", answer=(200, "BulkResult"), body="BulkIn")
@requires("domain.write")
def post_bulk_action(action):
    body = json_body()
    items = _bulk_items(body.pop("items", None))
    comment = body.pop("comment", None) or ""
    if not isinstance(comment, str):
        raise ValidationFailed("提交的内容有误", fields={"comment": "备注应为文本"})
    _workflow_action(action).clean(body)  # bad fields would fail every item alike: refuse the request
    actor = g.actor
    results = []
    for membership_id, version in items:
        try:
            with unit_of_work():
                membership = pool_queries.membership_by_id(db.session, membership_id, actor)
                act(db.session, membership, action, actor=actor, now=now(), expected_version=version,
                    comment=comment, values=dict(body))
                state, new_version = membership.state, membership.version
        except DomainError as exc:
            error = error_body(exc.code, exc.message, exc.fields, [r.to_dict() for r in exc.reasons])["error"]
            results.append({"id": membership_id, "ok": False, "error": error, "state": None, "version": None})
        else:
            results.append({"id": membership_id, "ok": True, "error": None, "state": state,
                            "version": new_version})
    return jsonify({"results": results, "ok": sum(r["ok"] for r in results),
                    "failed": sum(not r["ok"] for r in results)})
