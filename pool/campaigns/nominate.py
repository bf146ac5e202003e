"""The nomination page and an entry's page.

A county officer sees their district's candidates, ranked, each with the parts of its score and the figures
behind them, and nominates up to the district's quota: a candidate in one click (a reason may be added), any
other eligible pool member of the district with a written reason. The district's entries are listed below
with what the officer may still do (withdraw, until the deadline). City staff pick a district. Each
nomination is one unit of work (`workflows.campaigns.entries.nominate`); a refusal comes back on the page
with the workflow's words: the quota full, every reason a firm is not eligible, the deadline passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import AuditEvent, District, Flag, db
from pool import clock
from pool.auth.views import requires
from pool.campaigns import display
from pool.campaigns.forms import NominationForm
from pool.campaigns.views import actor, bp
from pool.firms.display import district_names
from pool.subject_page import SubjectPage, post_action, render
from pool.uow import unit_of_work
from workflows.campaigns import entries as entry_flow
from workflows.campaigns import queries
from workflows.campaigns.entries import deadline_reasons
from workflows.campaigns.workflow import get_campaign
from workflows.errors import DomainError, NotFound
from workflows.machine import workflow_for
from workflows.permissions import can, is_scoped
from workflows.pool_queries import firm_for_nomination
from workflows.rules.uscc import UsccError, validate_uscc


def chosen_district(campaign) -> str | None:
    """An officer's own district; for city staff the one asked for (None: they choose first)."""
    if is_scoped(current_user):
        return current_user.district_code
    code = (request.values.get("district") or "").strip()
    if not code and request.args.get("flag", type=int):  # from a 工作提醒: the flag's district
        flag = db.session.get(Flag, request.args.get("flag", type=int))
        code = flag.district_code if flag is not None else ""
    return code if code in {q.district_code for q in campaign.quotas} else None


@dataclass
class CandidateRow:
    flag: object
    rank: int | None
    score: object
    parts: list
    entry: object | None
    highlighted: bool


def _rows(campaign, district, highlight: int | None) -> list[CandidateRow]:
    taken = {e.firm_id: e for e in queries.entries(db.session, campaign, current_user, district)
             if e.state != "withdrawn"}
    return [CandidateRow(f, queries.rank_of(f), queries.score_of_flag(f), display.score_rows(f.reasons),
                         taken.get(f.firm_id), f.id == highlight)
            for f in queries.candidates(db.session, campaign, current_user, district)]


def _page(campaign, form: NominationForm | None = None, message: str = "", reasons=(), status: int = 200):
    district = chosen_district(campaign)
    row = next((r for r in queries.progress(db.session, campaign) if r.code == district), None)
    entries = queries.entries(db.session, campaign, current_user, district) if district else []
    names = queries.names(db.session, [e.nominated_by_id for e in entries])
    highlight = request.args.get("flag", type=int)
    open_now = campaign.state == "nominating" and not deadline_reasons(campaign, clock.today())
    return render_template(
        "campaigns/nominate.html", campaign=campaign, district=district, row=row,
        districts=district_names(db.session), candidates=_rows(campaign, district, highlight) if district else [],
        entries=entries, names=names, form=form or NominationForm(), message=message, reasons=reasons,
        may_nominate=can(current_user, "campaign.nominate") and open_now, open_now=open_now,
        entry_label=lambda s: display.state_label("campaign_entry", s), entry_badge=display.entry_badge,
        withdrawable=lambda e: open_now and any(a.name == "withdraw" for a in workflow_for(e).available(e, current_user)),
        today=clock.today(),
    ), status


@bp.get("/<int:year>/nominate")
@requires("campaign.read")
def nominate(year: int):
    if not can(current_user, "campaign.nominate") and not can(current_user, "campaign.manage"):
        abort(403)
    return _page(get_campaign(db.session, year))


@bp.post("/<int:year>/entries")
@requires("campaign.nominate")
def nominate_post(year: int):
    campaign = get_campaign(db.session, year)
    form = NominationForm(request.form)
    try:
        code = validate_uscc(form.uscc.data or "")
    except UsccError as exc:
        form.uscc.errors = [exc.message]
        return _page(campaign, form, "统一社会信用代码有误。", status=400)
    try:
        firm = firm_for_nomination(db.session, code)
        if not can(current_user, "domain.read", firm):
            raise NotFound("未找到该企业")
        with unit_of_work():
            entry = entry_flow.nominate(db.session, campaign, firm, reason=form.reason.data, actor=actor(),
                                        now=clock.now())
    except DomainError as exc:
        others = form.apply(exc)
        return _page(campaign, form, "；".join([f"未能提名：{exc.message}", *others]), exc.reasons, exc.status)
    flash(f"已提名：{entry.firm.name}（{campaign.year}年成长之星）。", "success")
    return redirect(url_for(".nominate", year=year, district=entry.district_code))


# ------------------------------------------------------------------------------------------ an entry

@dataclass(frozen=True)
class EntryPage(SubjectPage):
    def url(self, subject) -> str:
        return url_for(self.endpoint, year=subject.campaign.year, entry_id=subject.id)

    def action_url(self, subject, action: str) -> str:
        return url_for(self.action_endpoint, year=subject.campaign.year, entry_id=subject.id, action=action)


def _entry_history(entry, workflow):
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "campaign_entry",
                                                         AuditEvent.subject_id == entry.id)
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    return display.history("campaign_entry", events, district_names(db.session))


def _entry_context(entry) -> dict:
    return {"entry": entry, "campaign": entry.campaign, "firm": entry.firm, "parts": display.score_rows(entry.parts),
            "names": queries.names(db.session, [entry.nominated_by_id, entry.reviewed_by_id]),
            "district": db.session.get(District, entry.district_code)}


ENTRY_PAGE = EntryPage(
    name="entry", record="提名", template="campaigns/entry.html", endpoint="campaigns.entry",
    action_endpoint="campaigns.entry_action", id_arg="entry_id", history=_entry_history, context=_entry_context,
    fire=entry_flow.act, changed_verb="处理", flow_heading="提名流程",
    buttons={"shortlist": "btn-success"}, default_button="btn-outline-danger",
    badge=lambda entry: display.entry_badge(entry.state),
)


@bp.get("/<int:year>/entries/<int:entry_id>")
@requires("campaign.read")
def entry(year: int, entry_id: int):
    campaign = get_campaign(db.session, year)
    return render(ENTRY_PAGE, queries.entry_by_id(db.session, campaign, entry_id, current_user))


@bp.post("/<int:year>/entries/<int:entry_id>/actions/<action>")
@requires("domain.write")
def entry_action(year: int, entry_id: int, action: str):
    """From the entry's page, or a one-click form elsewhere (`next` names the page to return to)."""
    campaign = get_campaign(db.session, year)
    subject = queries.entry_by_id(db.session, campaign, entry_id, current_user)
    response = post_action(ENTRY_PAGE, subject, action)
    back = request.form.get("next") or ""
    if not isinstance(response, tuple) and back.startswith(f"/campaigns/{year}/") and "//" not in back:
        return redirect(back)
    return response
