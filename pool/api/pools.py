"""/api/v1 pool routes: the pools with their fill, targets and capacities (admin), nominations, member lists.

Who reads what:
- `GET /pools` and `GET /pools/<id>`: city staff, leaders, county officers and admins. Every pool is listed
  for every one of them, county officers included: targets and fill are the plan's published figures and
  an officer compares their district with the others. Admins see pools because they set targets and
  capacities; they still see no member or firm (403 on the member list, as on firm routes).
- `GET /pools/<id>/members`: the domain readers; a county officer gets their own district's members only,
  in the city pool as in a county pool (another county's pool simply lists none of theirs).
- `PATCH /pools/<id>` and `PATCH /pools`: admins only. County targets must still add up to the plan's
  45,000 afterwards, so moving target between districts is one `PATCH /pools` naming several pools.
- `POST /pools/<id>/nominations`: city staff and county officers (own district's firms only: another
  district's firm is 403 here, as the pools issue asks, not 404).
"""

from flask import g, jsonify, request, url_for

from models import db
from pool.api import bp
from pool.api.access import requires
from pool.api.contract import MEMBER_FILTERS, operation
from pool.api.serialize import json_body, membership_detail, membership_summary, pool_dict
from pool.clock import now, today
from pool.uow import unit_of_work
from workflows import pool_queries, queries
from workflows.errors import ValidationFailed
from workflows.membership import eligibility_reasons, nominate
from workflows.pools import all_pools, get_pool, pool_counts, update_pools
from workflows.rules.text import is_int_text


def _comment(body: dict) -> str:
    comment = body.pop("comment", None) or ""
    if not isinstance(comment, str):
        raise ValidationFailed("提交的内容有误", fields={"comment": "备注应为文本"})
    return comment


def _pool_body(pool) -> dict:
    return pool_dict(pool, pool_counts(db.session).get(pool.id, {}))


@bp.get("/pools")
@operation("培育库列表及入库情况", answer=(200, "PoolList"))
@requires("pool.read")
def list_pools():
    counts = pool_counts(db.session)
    items = [pool_dict(p, counts.get(p.id, {})) for p in all_pools(db.session)]
    return jsonify({"items": items, "total": len(items)})


@bp.get("/pools/<int:pool_id>")
@operation("培育库详情", answer=(200, "Pool"))
@requires("pool.read")
def get_pool_view(pool_id):
    return jsonify(_pool_body(get_pool(db.session, pool_id)))


@bp.patch("/pools/<int:pool_id>")
@operation("调整培育库目标或容量（管理员）", answer=(200, "Pool"), body="PoolIn")
@requires("pool.configure")
def patch_pool(pool_id):
    """`{"target": n, "capacity": n|null, "comment"}`; unknown keys and an empty edit are refused (400)."""
    pool = get_pool(db.session, pool_id)
    body = json_body()
    comment = _comment(body)
    if not body:
        raise ValidationFailed("请提供要调整的目标或容量", fields={"body": "须包含 target 或 capacity"})
    with unit_of_work():
        changes = update_pools(db.session, {pool.id: body}, actor=g.actor, now=now(), comment=comment)
    return jsonify({**_pool_body(pool), "changes": changes.get(pool.id, {})})


def _bulk_changes(body: dict) -> dict[int, dict]:
    """`{"targets": {"<id>": n}, "capacity": {"<id>": n|null}}` → {pool id: {"target"/"capacity": value}}."""
    errors: dict[str, str] = {}
    for key in set(body) - {"targets", "capacity"}:
        errors[key] = "未知字段（可用 targets、capacity、comment）"
    changes: dict[int, dict] = {}
    for key, field in (("targets", "target"), ("capacity", "capacity")):
        part = body.get(key)
        if part is None:
            continue
        if not isinstance(part, dict):
            errors[key] = "应为对象：{培育库编号: 数值}"
            continue
        for raw_id, value in part.items():
            if not is_int_text(raw_id):
                errors[f"{key}.{raw_id}"] = "培育库编号应为整数"
            else:
                changes.setdefault(int(raw_id), {})[field] = value
    known = {p.id for p in all_pools(db.session)}
    for pool_id in sorted(set(changes) - known):
        errors[f"pool.{pool_id}"] = "没有这个培育库"
    if not errors and not changes:
        errors["body"] = "须包含 targets 或 capacity"
    if errors:
        raise ValidationFailed("培育库调整内容有误", fields=errors)
    return changes


@bp.patch("/pools")
@operation("一次调整多个培育库（管理员）", answer=(200, "PoolList"), body="PoolsIn")
@requires("pool.configure")
def patch_pools():
    """Several pools in one all-or-nothing edit: the way to move target from one district to another."""
    body = json_body()
    comment = _comment(body)
    with unit_of_work():
        changes = update_pools(db.session, _bulk_changes(body), actor=g.actor, now=now(), comment=comment)
    counts = pool_counts(db.session)
    items = [pool_dict(p, counts.get(p.id, {})) for p in all_pools(db.session)]
    return jsonify({"items": items, "total": len(items),
                    "changes": {str(pool_id): changed for pool_id, changed in changes.items()}})


@bp.post("/pools/<int:pool_id>/nominations")
@operation("提名企业入库", answer=(201, "Membership"), body="NominationIn")
@requires("domain.write")
def post_nomination(pool_id):
    pool = get_pool(db.session, pool_id)
    body = json_body()
    uscc = body.get("uscc")
    if not isinstance(uscc, str) or not uscc.strip():
        raise ValidationFailed("请填写统一社会信用代码", fields={"uscc": "此项必填"})
    firm = pool_queries.firm_for_nomination(db.session, uscc)
    with unit_of_work():
        membership = nominate(db.session, pool, firm, reason=body.get("reason"),
                              cultivation_type=body.get("cultivation_type"), batch=body.get("batch"),
                              actor=g.actor, now=now())
    response = jsonify(membership_body(membership))
    response.headers["Location"] = url_for("api.get_membership", membership_id=membership.id)
    return response, 201


@bp.get("/pools/<int:pool_id>/members")
@operation("培育库成员列表", answer=(200, "MemberPage"), query=MEMBER_FILTERS)
@requires("domain.read")
def list_members(pool_id):
    get_pool(db.session, pool_id)
    filters = pool_queries.member_filters(request.args)
    page, per_page = queries.parse_paging(request.args, maximum=200)
    result = pool_queries.list_members(db.session, g.actor, pool_id, filters, page, per_page)
    names = pool_queries.usernames(db.session, result.items)
    return jsonify({"items": [membership_summary(m, names) for m in result.items], "total": result.total,
                    "page": result.page, "per_page": result.per_page})


def membership_body(membership) -> dict:
    """The membership as `GET /memberships/<id>` returns it, for this caller."""
    names = pool_queries.usernames(db.session, [membership])
    reasons = eligibility_reasons(db.session, membership.firm, today())
    return membership_detail(membership, g.actor, names, reasons)
