"""City staff's review: each district's entries with the district's ranking beside them, a one-click
shortlist or a decline with its reason, and entries compared side by side. Leaders read the same page
without the buttons before they approve."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, render_template, request
from flask_login import current_user

from models import db
from models.enums import Role
from pool.auth.views import requires
from pool.campaigns import display
from pool.campaigns.views import bp
from workflows.campaigns import queries
from workflows.campaigns.workflow import get_campaign
from workflows.errors import NotFound
from workflows.machine import workflow_for
from workflows.rules.text import is_int_text

MAX_COMPARE = 6


@dataclass
class DistrictReview:
    row: object  # queries.DistrictRow
    entries: list = field(default_factory=list)
    ranking: list = field(default_factory=list)  # the district's candidates: (rank, flag, entry or None)


def _reader():
    if current_user.role not in (Role.CITY_STAFF, Role.LEADER):
        abort(403)


@bp.get("/<int:year>/review")
@requires("campaign.read")
def review(year: int):
    _reader()
    campaign = get_campaign(db.session, year)
    wanted = (request.args.get("district") or "").strip() or None
    districts = {r.code: DistrictReview(r) for r in queries.progress(db.session, campaign)
                 if wanted in (None, r.code)}
    for entry in queries.entries(db.session, campaign, current_user, wanted):
        if entry.district_code in districts and entry.state != "withdrawn":
            districts[entry.district_code].entries.append(entry)
    by_firm = {e.firm_id: e for d in districts.values() for e in d.entries}
    for flag in queries.candidates(db.session, campaign, current_user, wanted):
        if flag.district_code in districts:
            districts[flag.district_code].ranking.append((queries.rank_of(flag), flag, by_firm.get(flag.firm_id)))
    shown = [d for d in districts.values() if d.entries or wanted]
    names = queries.names(db.session, [e.nominated_by_id for d in shown for e in d.entries])
    return render_template(
        "campaigns/review.html", campaign=campaign, districts=shown, wanted=wanted, names=names,
        all_rows=queries.progress(db.session, campaign), reviewing=campaign.state == "reviewing",
        may_review=current_user.role == Role.CITY_STAFF and campaign.state == "reviewing",
        actions=lambda e: [a.name for a in workflow_for(e).available(e, current_user)],
        entry_label=lambda s: display.state_label("campaign_entry", s), entry_badge=display.entry_badge,
        score_rows=display.score_rows,
    )


@bp.get("/<int:year>/compare")
@requires("campaign.read")
def compare(year: int):
    _reader()
    campaign = get_campaign(db.session, year)
    ids = [int(v) for v in request.args.getlist("entry") if is_int_text(v)][:MAX_COMPARE]
    chosen = []
    for entry_id in ids:
        try:
            chosen.append(queries.entry_by_id(db.session, campaign, entry_id, current_user))
        except NotFound:
            continue
    names = queries.names(db.session, [e.nominated_by_id for e in chosen])
    return render_template("campaigns/compare.html", campaign=campaign, entries=chosen, names=names,
                           parts={e.id: display.score_rows(e.parts) for e in chosen}, max_compare=MAX_COMPARE,
                           entry_label=lambda s: display.state_label("campaign_entry", s),
                           entry_badge=display.entry_badge)
