"""The 公示名单: the published awards by district (before publication, the shortlist, as 拟入围名单 for
city staff and leaders), printable (the page's print stylesheet), and the same list as an Excel file
(`pool.exports.xlsx`, columns of `workflows.campaigns.publication`)."""

from flask import abort, render_template
from flask_login import current_user

from models import db
from models.enums import Role
from pool import clock
from pool.auth.views import requires
from pool.campaigns.views import bp
from pool.exports.xlsx import Column, xlsx_response
from workflows.campaigns.publication import COLUMNS, list_rows, title
from workflows.campaigns.workflow import get_campaign


def _listable(campaign) -> None:
    """Published: every reader. Before that, only city staff and leaders see the list taking shape."""
    if campaign.state == "published":
        return
    if campaign.state not in ("reviewing", "approved") or current_user.role not in (Role.CITY_STAFF, Role.LEADER):
        abort(404)


@bp.get("/<int:year>/list")
@requires("campaign.read")
def listing(year: int):
    campaign = get_campaign(db.session, year)
    _listable(campaign)
    rows = list_rows(db.session, campaign)
    return render_template("campaigns/list.html", campaign=campaign, rows=rows, title=title(campaign),
                           printed_on=clock.today())


@bp.get("/<int:year>/list.xlsx")
@requires("campaign.read")
def listing_xlsx(year: int):
    campaign = get_campaign(db.session, year)
    _listable(campaign)
    columns = [Column(c.header, c.kind, c.width) for c in COLUMNS]
    return xlsx_response(f"{title(campaign)}.xlsx", columns, list_rows(db.session, campaign), title=title(campaign),
                         ascii_filename=f"growth-star-{year}.xlsx")
