"""The campaigns list (and a new campaign, for city staff) and one campaign's page.

A campaign's page is the shared workflow-subject page (`pool.subject_page`): its state, the steps the user
may take now (city staff most of them, a leader approving or sending back, with the reason a way back
needs), the diagram and the timeline; above them the per-district table (quota, candidates flagged,
nominated, shortlisted, awarded) that every domain reader sees, with links to the pages of the stage the
campaign is in. Thin views: look up, call ONE workflow function inside the unit of work, redirect.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import AuditEvent, CheckRun, db
from models.enums import Role
from pool import clock
from pool.auth.views import requires
from pool.campaigns import display
from pool.campaigns.forms import CampaignForm, DeadlinesForm
from pool.firms.display import district_names
from pool.scheduler.claims import dispatch
from pool.subject_page import Notice, SubjectPage, post_action, render
from pool.uow import unit_of_work
from workflows.campaigns import queries
from workflows.campaigns.settings import star_policy
from workflows.campaigns.workflow import act, campaign_years, create_campaign, edit_campaign, get_campaign
from workflows.errors import DomainError, ValidationFailed
from workflows.permissions import can, is_scoped

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def actor():
    return current_user._get_current_object()


@bp.app_template_global()
def firm_honours(firm):
    """For `campaigns/_firm_honours.html` on the firm page."""
    return queries.firm_honours(db.session, firm)


@dataclass(frozen=True)
class CampaignPage(SubjectPage):
    """A campaign lives at its year, not its id."""

    def url(self, subject) -> str:
        return url_for(self.endpoint, year=subject.year)

    def action_url(self, subject, action: str) -> str:
        return url_for(self.action_endpoint, year=subject.year, action=action)


def _default_form() -> CampaignForm:
    today, star = clock.today(), star_policy()
    taken = {c.year for c in campaign_years(db.session)}
    year = next((y for y in (today.year, today.year + 1) if y not in taken), today.year + 2)
    form = CampaignForm()
    form.year.data, form.total.data, form.candidate_factor.data = year, star.default_total, str(star.candidate_factor)
    form.nomination_deadline.data = f"{year}-03-31"
    form.review_deadline.data = f"{year}-04-30"
    return form


@bp.get("/")
@requires("campaign.read")
def index(form: CampaignForm | None = None, status: int = 200, message: str = ""):
    campaigns = campaign_years(db.session)
    rows = {c.id: queries.totals(queries.progress(db.session, c)) for c in campaigns}
    may_create = can(current_user, "campaign.manage")
    return render_template("campaigns/index.html", campaigns=campaigns, rows=rows, may_create=may_create,
                           form=form or (_default_form() if may_create else None), message=message,
                           badge=display.campaign_badge, state_label=lambda s: display.state_label("campaign", s),
                           figures_year=lambda c: c.figures_year), status


@bp.post("/")
@requires("campaign.manage")
def create():
    form = CampaignForm(request.form)
    try:
        with unit_of_work():
            campaign = create_campaign(db.session, form.values(), actor=actor(), now=clock.now())
    except ValidationFailed as exc:
        others = form.apply(exc)
        return index(form, 400, "；".join([exc.message, *others]))
    except DomainError as exc:
        return index(form, exc.status, exc.message)
    flash(f"已新建{campaign.year}年成长之星评选（草拟），名额已按各区县在库企业数分配，可在“名额”页调整。", "success")
    return redirect(url_for(".campaign", year=campaign.year))


# --------------------------------------------------------------------------------------- one campaign

def _history(campaign, workflow):
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "campaign",
                                                         AuditEvent.subject_id == campaign.id)
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    return display.history("campaign", events, district_names(db.session))


def links(campaign, user) -> list[tuple[str, str, str]]:
    """(words, url, id) of the pages the campaign's stage calls for, as far as this user may use them."""
    out = []
    year, state = campaign.year, campaign.state
    if can(user, "campaign.manage") and state in ("draft", "screening"):
        out.append(("调整名额与截止日期", url_for(".quotas", year=year), "link-quotas"))
    if state in ("screening", "nominating", "reviewing", "approved", "published") and user.role != Role.LEADER:
        words = "本区县候选与提名" if is_scoped(user) else "候选与提名（按区县）"
        out.append((words, url_for(".nominate", year=year), "link-nominate"))
    if state in ("reviewing", "approved", "published") and user.role in (Role.CITY_STAFF, Role.LEADER):
        out.append(("复核与比较" if user.role == Role.CITY_STAFF else "查看复核情况", url_for(".review", year=year),
                    "link-review"))
    if state in ("approved", "published") or (state == "reviewing" and user.role in (Role.CITY_STAFF, Role.LEADER)):
        out.append(("公示名单" if state == "published" else "拟入围名单", url_for(".listing", year=year), "link-list"))
    return out


def _context(campaign) -> dict:
    rows = queries.progress(db.session, campaign)
    run = db.session.get(CheckRun, campaign.screening_run_id) if campaign.screening_run_id else None
    return {"campaign": campaign, "rows": rows, "total_row": queries.totals(rows), "run": run,
            "links": links(campaign, current_user), "today": clock.today(),
            "may_manage": can(current_user, "campaign.manage"), "may_run": can(current_user, "checks.run"),
            "own_district": current_user.district_code if is_scoped(current_user) else None}


def _notice(campaign, user) -> Notice | None:
    if is_scoped(user) and campaign.state == "nominating":
        return Notice("officer-note", "区县提名", "请在“本区县候选与提名”页面提名本区县企业。")
    if user.role == Role.LEADER and campaign.state in ("draft", "screening", "nominating"):
        return Notice("leader-note", "领导审批", "市局复核完成后，在此批准名单或退回。")
    return None


CAMPAIGN_PAGE = CampaignPage(
    name="campaign", record="评选", template="campaigns/campaign.html", endpoint="campaigns.campaign",
    action_endpoint="campaigns.campaign_action", id_arg="year", history=_history, context=_context, fire=act,
    capability="campaign.read", changed_verb="推进", flow_heading="评选流程", closed_note="评选已发布。",
    buttons={"approve": "btn-success", "publish": "btn-success", "send_back": "btn-outline-danger",
             "reopen_nomination": "btn-outline-danger"},
    badge=lambda campaign: display.campaign_badge(campaign.state), notice=_notice,
)


@bp.get("/<int:year>")
@requires("campaign.read")
def campaign(year: int):
    return render(CAMPAIGN_PAGE, get_campaign(db.session, year))


@bp.post("/<int:year>/actions/<action>")
@requires("campaign.read")
def campaign_action(year: int, action: str):
    subject = get_campaign(db.session, year)
    before = subject.screening_run_id
    response = post_action(CAMPAIGN_PAGE, subject, action)
    if not isinstance(response, tuple) and subject.screening_run_id != before:  # done (a refusal is a page)
        dispatch("check", subject.screening_run_id)
    return response


def deadlines_form(campaign) -> DeadlinesForm:
    form = DeadlinesForm()
    form.nomination_deadline.data = campaign.nomination_deadline.isoformat()
    form.review_deadline.data = campaign.review_deadline.isoformat()
    return form


@bp.post("/<int:year>/deadlines")
@requires("campaign.manage")
def deadlines(year: int):
    campaign = get_campaign(db.session, year)
    form = DeadlinesForm(request.form)
    data = {k: (form[k].data or "").strip() for k in ("nomination_deadline", "review_deadline")}
    try:
        with unit_of_work():
            changes = edit_campaign(db.session, campaign, {k: v for k, v in data.items() if v}, actor=actor(),
                                    now=clock.now(), comment=(form.comment.data or "").strip())
    except DomainError as exc:
        flash("未能调整截止日期：" + "；".join([exc.message, *exc.fields.values()]), "danger")
    else:
        flash("已调整截止日期。" if changes else "截止日期没有变化。", "success" if changes else "info")
    return redirect(url_for(".quotas", year=year) if campaign.state in ("draft", "screening")
                    else url_for(".campaign", year=year))


from pool.campaigns import listing, nominate, quotas, review  # noqa: E402, F401  (register their routes on `bp`)
