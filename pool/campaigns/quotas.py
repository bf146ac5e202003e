"""The quotas page (city staff, until nomination opens): each district's admitted county members, the
proportional split, the quota now, and the new quota typed; or a new total split again. One edit of the
campaign (`edit_campaign`), audited once; while screening, it queues the screening again."""

from flask import flash, redirect, render_template, request, url_for

from models import db
from pool import clock
from pool.auth.views import requires
from pool.campaigns.views import actor, bp, deadlines_form
from pool.firms.display import district_names
from pool.scheduler.claims import dispatch
from pool.uow import unit_of_work
from workflows.campaigns.quotas import member_counts, propose_quotas, quota_map
from workflows.campaigns.workflow import EDITABLE, edit_campaign, get_campaign
from workflows.errors import DomainError


def _page(campaign, typed=None, errors=None, message="", status=200):
    current = quota_map(campaign)
    members = member_counts(db.session)
    try:
        proposed = propose_quotas(db.session, campaign.total)
    except DomainError:
        proposed = {}
    names = district_names(db.session)
    rows = [{"code": code, "name": name, "members": members.get(code, 0), "proposed": proposed.get(code),
             "quota": current.get(code, 0), "typed": (typed or {}).get(code, current.get(code, 0)),
             "error": (errors or {}).get(f"quotas.{code}")} for code, name in names.items()]
    return render_template("campaigns/quotas.html", campaign=campaign, rows=rows, message=message,
                           editable=campaign.state in EDITABLE, deadlines=deadlines_form(campaign),
                           total_members=sum(members.values())), status


@bp.get("/<int:year>/quotas")
@requires("campaign.manage")
def quotas(year: int):
    return _page(get_campaign(db.session, year))


@bp.post("/<int:year>/quotas")
@requires("campaign.manage")
def save_quotas(year: int):
    campaign = get_campaign(db.session, year)
    if request.form.get("split"):
        data = {"total": (request.form.get("total") or "").strip()}
    else:
        data = {"quotas": {k.removeprefix("quota-"): v.strip() for k, v in request.form.items()
                           if k.startswith("quota-")}}
    before = campaign.screening_run_id
    try:
        with unit_of_work():
            changes = edit_campaign(db.session, campaign, data, actor=actor(), now=clock.now(),
                                    comment=(request.form.get("comment") or "").strip())
    except DomainError as exc:
        typed = data.get("quotas")
        message = "；".join([exc.message, *(v for k, v in exc.fields.items() if not k.startswith("quotas."))])
        return _page(campaign, typed, exc.fields, f"未保存：{message}", exc.status)
    if campaign.screening_run_id != before:
        dispatch("check", campaign.screening_run_id)
    if not changes:
        flash("名额没有变化。", "info")
    else:
        again = "，候选企业将按新名额重新筛选" if "screening_run" in changes else ""
        flash(f"已保存名额，总名额{campaign.total}名{again}。", "success")
    return redirect(url_for(".quotas", year=year))
