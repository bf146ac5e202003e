"""The admin's targets and capacities page: every county target and every pool's capacity in one form.

The county targets must add up to the plan's county total (policy data, 45,000) and a capacity may not fall below a pool's admitted
count. Both are checked here first so that every wrong field gets its message beside it at once (the sum
above the table, with the difference); `update_pools` then checks them again under the pool lock — an
admission between the page's count and the save is refused there — applies the whole edit or nothing,
and audits each changed pool. The proposed split (`propose_split`: proportional to each district's
eligible firms) is shown beside the inputs and can be adopted with one button.
"""

from flask import flash, redirect, render_template, request, url_for

from models import db
from models.enums import PoolLevel
from pool import clock
from pool.auth.views import requires
from pool.pools.views import actor, bp
from pool.uow import unit_of_work
from workflows.errors import ValidationFailed
from workflows.pool_queries import pool_fills
from workflows.pools import apply_split, county_total, eligible_counts, propose_split, update_pools
from workflows.rules.text import is_int_text


def _number(raw: str | None) -> int | None:
    text = (raw or "").strip().replace(",", "").replace("，", "")
    return int(text) if is_int_text(text) else None


def _parse(fills, form) -> tuple[dict, dict]:
    """{pool id: {"target", "capacity"}} as typed, and {input name: message} for what is wrong."""
    typed, errors = {}, {}
    for fill in fills:
        pool, raw_target = fill.pool, form.get(f"target-{fill.pool.id}")
        raw_capacity = (form.get(f"capacity-{pool.id}") or "").strip()
        target, capacity = _number(raw_target), _number(raw_capacity)
        if target is None:
            errors[f"target-{pool.id}"] = "请填写目标（非负整数）" if not (raw_target or "").strip() else "目标应为非负整数"
        if raw_capacity and capacity is None:
            errors[f"capacity-{pool.id}"] = "容量应为非负整数；留空表示不限"
        elif capacity is not None and capacity < fill.admitted:
            errors[f"capacity-{pool.id}"] = f"已入库{fill.admitted}家，容量不能低于已入库数"
        typed[pool.id] = {"target": target, "capacity": capacity}
    return typed, errors


def _changes(fills, typed) -> dict:
    changes = {}
    for fill in fills:
        new = typed[fill.pool.id]
        change = {k: new[k] for k in ("target", "capacity") if new[k] != getattr(fill.pool, k)}
        if change:
            changes[fill.pool.id] = change
    return changes


def _summary(fills, result: dict) -> str:
    names = {f.pool.id: f.pool.name for f in fills}
    words = {"target": "目标", "capacity": "容量"}
    parts = []
    for pool_id, changed in result.items():
        items = [f"{words[k]} {_shown(old)} → {_shown(new)}" for k, (old, new) in changed.items()]
        parts.append(f"{names[pool_id]} {'，'.join(items)}")
    return "；".join(parts)


def _shown(value) -> str:
    return "不限" if value is None else f"{value:,}"


def _render(fills, status=200, *, typed=None, errors=None, message=""):
    today = clock.today()
    county = [f for f in fills if f.pool.level == PoolLevel.COUNTY]
    targets = {f.pool.id: (typed or {}).get(f.pool.id, {}).get("target", f.pool.target) for f in fills}
    county_sum = sum(targets[f.pool.id] or 0 for f in county)
    return render_template(
        "pools/targets.html", fills=fills, county=county, typed=typed or {}, errors=errors or {}, message=message,
        county_sum=county_sum, county_total=county_total(), proposal=propose_split(db.session, today),
        eligible=eligible_counts(db.session, today),
    ), status


@bp.route("/pools/targets", methods=["GET", "POST"])
@requires("pool.configure")
def targets():
    fills = pool_fills(db.session)
    if request.method == "GET":
        return _render(fills)
    typed, errors = _parse(fills, request.form)
    county_sum = sum(typed[f.pool.id]["target"] or 0 for f in fills if f.pool.level == PoolLevel.COUNTY)
    message = ""
    total = county_total()
    if county_sum != total:
        message = (f"县级培育库目标合计须为{total:,}，现为{county_sum:,}"
                   f"（{'多' if county_sum > total else '少'}{abs(county_sum - total):,}），请调整后再保存。")
    if errors or message:
        return _render(fills, 400, typed=typed, errors=errors, message=message or "请按提示修改标红的项。")
    changes = _changes(fills, typed)
    if not changes:
        flash("没有修改。", "info")
        return redirect(url_for(".targets"))
    try:
        with unit_of_work():
            result = update_pools(db.session, changes, actor=actor(), now=clock.now(),
                                  comment=request.form.get("comment") or "")
    except ValidationFailed as exc:  # e.g. an admission since the page was drawn: the pool lock saw it
        detail = "；".join(exc.fields.values()) or exc.message
        return _render(pool_fills(db.session), 400, typed=typed, message=f"未保存：{detail}")
    flash("已保存：" + _summary(fills, result), "success")
    return redirect(url_for(".targets"))


@bp.post("/pools/targets/split")
@requires("pool.configure")
def adopt_split():
    fills = pool_fills(db.session)
    with unit_of_work():
        result = apply_split(db.session, propose_split(db.session, clock.today()), actor=actor(), now=clock.now())
    if result:
        flash("已采用建议分配：" + _summary(fills, result), "success")
    else:
        flash("县级目标已与建议分配一致，没有修改。", "info")
    return redirect(url_for(".targets"))
