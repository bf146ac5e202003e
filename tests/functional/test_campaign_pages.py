"""A whole 成长之星 campaign through the pages, each role with its own browser session: city staff create
and screen it, county officers nominate from their candidates (and one with a written reason), city staff
review and compare, a leader sends back and approves, city staff publish; then the 公示名单, its Excel file,
and the honour on the firm's page and timeline. Plus the refusals a user meets on the way."""

from io import BytesIO

import pytest
from flask import g
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from models import Campaign, CampaignEntry, Flag
from tests.factories import PASSWORD, SHANGCHENG, XIHU
from tests.functional.pages import page


class RoleClient(FlaskClient):
    """One user's browser. The test's app context (and so `g`) outlives each request, and Flask-Login keeps
    the user it loaded in `g`: forget it before every request, so each client is its own user."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def as_(app, users):
    def login_as(username):
        client = RoleClient(app, app.response_class, use_cookies=True)
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302
        return client
    return login_as


def version(session, year=2026):
    session.expire_all()
    return session.scalar(select(Campaign.version).where(Campaign.year == year))


def entry_of(session, firm):
    session.expire_all()
    return session.scalar(select(CampaignEntry).where(CampaignEntry.firm_id == firm.id, CampaignEntry.is_open))


def step(client, session, action, **form):
    return client.post(f"/campaigns/2026/actions/{action}", data={"version": version(session), **form})


def test_a_whole_campaign_through_the_pages(as_, session, star, inline_runs):
    city, leader, xihu, shangcheng = as_("city"), as_("leader"), as_("xihu"), as_("shangcheng")
    # City staff create it: quotas are split by members (西湖区 3 members, 上城区 2; 15 places: 2 and 2).
    assert "新建评选" in page(city, "/campaigns/")
    made = city.post("/campaigns/", data={"year": "2026", "total": "15", "candidate_factor": "1",
                                          "nomination_deadline": "2026-12-31", "review_deadline": "2027-01-31"})
    assert made.status_code == 302 and made.headers["Location"].endswith("/campaigns/2026")
    html = page(city, "/campaigns/2026")
    assert 'data-state="draft"' in html and 'id="action-screen"' in html
    assert "调整名额与截止日期" in html
    quotas = page(city, "/campaigns/2026/quotas")
    assert f'name="quota-{XIHU}" value="2"' in quotas
    # Screening is queued for the scheduler process (run inline here), then nomination opens.
    assert step(city, session, "screen").status_code == 302
    assert "已完成" in page(city, "/campaigns/2026")
    assert step(city, session, "open_nomination").status_code == 302
    # The officer sees the district's candidates with their score parts, and nominates.
    html = page(xihu, "/campaigns/2026/nominate")
    assert star["A"].name in html and star["B"].name in html and star["D"].name not in html
    assert "营业收入增长率" in html and 'id="candidates"' in html
    assert xihu.post("/campaigns/2026/entries", data={"uscc": star["A"].uscc}).status_code == 302
    refused = xihu.post("/campaigns/2026/entries", data={"uscc": star["E"].uscc})
    assert refused.status_code == 400 and "须写明提名理由" in refused.get_data(as_text=True)
    assert xihu.post("/campaigns/2026/entries", data={"uscc": star["E"].uscc, "reason": "出口订单大增"}).status_code == 302
    full = xihu.post("/campaigns/2026/entries", data={"uscc": star["B"].uscc})
    assert full.status_code == 409 and "名额（2名）已用完" in full.get_data(as_text=True)
    html = page(xihu, "/campaigns/2026/nominate")
    assert 'id="left" class="text-danger">0<' in html
    assert shangcheng.post("/campaigns/2026/entries", data={"uscc": star["D"].uscc}).status_code == 302
    # B's candidate flag is in 西湖区's 工作提醒 and leads to the nomination page.
    flag = session.scalar(select(Flag).where(Flag.firm_id == star["B"].id))
    inbox = page(xihu, "/inbox/")
    assert f"/campaigns/2026/nominate?flag={flag.id}" in inbox.replace("&amp;", "&")
    # City staff close nomination and review, the district's ranking beside the entries.
    assert step(city, session, "close_nomination").status_code == 302
    review = page(city, "/campaigns/2026/review")
    assert "本区县候选排名" in review and star["E"].name in review
    a, e, d = (entry_of(session, star[k]) for k in "AED")
    back = "/campaigns/2026/review"
    assert city.post(f"/campaigns/2026/entries/{a.id}/actions/shortlist",
                     data={"version": a.version, "next": back}).headers["Location"].endswith(back)
    no_reason = city.post(f"/campaigns/2026/entries/{e.id}/actions/decline", data={"version": e.version, "next": back})
    assert no_reason.status_code == 400 and "此项必填" in no_reason.get_data(as_text=True)
    city.post(f"/campaigns/2026/entries/{e.id}/actions/decline", data={"version": e.version, "reason": "增长不可持续"})
    city.post(f"/campaigns/2026/entries/{d.id}/actions/shortlist", data={"version": d.version})
    compare = page(city, f"/campaigns/2026/compare?entry={a.id}&entry={d.id}")
    assert star["A"].name in compare and star["D"].name in compare and "研发投入强度" in compare
    # The leader reads the shortlist, sends it back once with a reason, then approves; city staff cannot.
    assert "拟入围名单" in page(leader, "/campaigns/2026/list")
    assert step(city, session, "approve").status_code == 403
    missing = step(leader, session, "send_back")
    assert missing.status_code == 400 and "此项必填" in missing.get_data(as_text=True)
    assert step(leader, session, "send_back", reason="请核实上城区研发数据").status_code == 302
    assert step(leader, session, "approve").status_code == 302
    assert step(city, session, "publish").status_code == 302
    # Published: the list by district, its Excel file, and the honour on the firm.
    listing = page(xihu, "/campaigns/2026/list")
    table = listing[listing.index('id="honour-list"'):]
    assert "2026年杭州市小微企业成长之星公示名单" in listing and table.index("上城区") < table.index("西湖区")
    assert "print-list.css" in listing
    workbook = load_workbook(BytesIO(xihu.get("/campaigns/2026/list.xlsx").data))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "所属区县", "企业名称", "统一社会信用代码")
    assert [r[2] for r in rows[1:]] == [star["D"].name, star["A"].name]
    firm_page = page(xihu, f"/firms/{star['A'].uscc}")
    assert "荣誉与良好信息" in firm_page and "2026年小微企业成长之星" in firm_page
    timeline = page(xihu, f"/firms/{star['A'].uscc}/timeline")
    assert "获评成长之星" in timeline and "2026年成长之星提名" in timeline
    campaign = page(leader, "/campaigns/2026")
    assert 'data-state="published"' in campaign and 'id="districts-total"' in campaign


def test_who_may_open_which_page(as_, session, star_open, star):
    xihu, leader, admin = as_("xihu"), as_("leader"), as_("admin")
    assert page(xihu, "/campaigns/2026/review", 403)
    assert page(leader, "/campaigns/2026/nominate", 403)
    assert page(admin, "/campaigns/", 403)
    assert page(xihu, "/campaigns/2026/quotas", 403)
    assert page(xihu, "/campaigns/2026/list", 404)  # not published: the list is not public yet
    html = page(xihu, "/campaigns/2026")
    assert 'id="officer-note"' in html and 'id="action-' not in html
    # Another district's entry is not found for an officer.
    shangcheng = as_("shangcheng")
    shangcheng.post("/campaigns/2026/entries", data={"uscc": star["D"].uscc})
    entry = entry_of(session, star["D"])
    assert page(xihu, f"/campaigns/2026/entries/{entry.id}", 404)
    assert "得分构成" in page(as_("city"), f"/campaigns/2026/entries/{entry.id}")
    # City staff pick a district on the nomination page.
    city_page = page(as_("city"), "/campaigns/2026/nominate")
    assert 'id="choose-district"' in city_page
    assert star["D"].name in page(as_("city"), f"/campaigns/2026/nominate?district={SHANGCHENG}")


def test_a_refused_campaign_form_keeps_what_was_typed(as_, session, users):
    city = as_("city")
    response = city.post("/campaigns/", data={"year": "2026", "total": "5", "nomination_deadline": "2026-12-31",
                                              "review_deadline": "2026-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "总名额须不少于13" in html and 'value="2026-12-31"' in html
    assert session.scalar(select(Campaign.id)) is None
