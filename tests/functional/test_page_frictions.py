"""Frictions a new user met, each fixed by one rule: post/redirect/get for reports, the menu item from the
endpoint, the review queue's filters, select-all and kept ticks, fields only where they apply, a favicon."""

import re

import pytest
from sqlalchemy import select

from models import Firm, Pool, PoolMembership, UpgradeCase
from tests.factories import SHANGCHENG, XIHU
from tests.functional.pages import login, page

FIGURES = {2025: {"revenue": "900", "employees": 20, "total_assets": "500"}}


def county_pool(session, district=XIHU) -> Pool:
    return session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == district))


@pytest.fixture
def queue(session, users, now, make_firm, app, tmp_path, monkeypatch):
    """Pending nominations: 西湖区 by city staff (甲), by xihu itself (乙); 上城区 by city staff (丙)."""
    from workflows.membership import nominate

    monkeypatch.setitem(app.config, "OUTCOME_DIR", str(tmp_path / "outcomes"))
    made = {}
    for key, name, district, by in (("a", "杭州甲审核有限公司", XIHU, "city"), ("b", "杭州乙审核有限公司", XIHU, "xihu"),
                                     ("c", "杭州丙审核有限公司", SHANGCHENG, "city")):
        firm = session.scalar(select(Firm).where(Firm.uscc == make_firm(indicators=FIGURES, name=name,
                                                                        district=district)))
        made[key] = nominate(session, county_pool(session, district), firm, reason="成长性好", cultivation_type="growth",
                             batch="2026-2", actor=users[by], now=now)
    session.commit()
    return made


def rows(html) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-membership="(\d+)"', html)]


def table(html, table_id) -> str:
    return re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)


def active_nav(html) -> list[str]:
    return re.findall(r'class="nav-link active" id="nav-(\w+)"', html)


# --------------------------------------------------------------------------------- post/redirect/get

def test_a_bulk_decision_redirects_and_a_reload_decides_nothing(client, session, queue):
    login(client, "city")
    items = [f"{m.id}:{m.version}" for m in (queue["a"], queue["c"])]
    response = client.post("/pools/review/bulk", data={"action": "reject", "items": items, "reason": "不符合方向"})
    assert response.status_code == 303
    report = response.headers["Location"]
    first = page(client, report)
    assert "成功 2 条，失败 0 条" in first and active_nav(first) == ["review"]
    events = session.scalar(select(PoolMembership.version).where(PoolMembership.id == queue["a"].id))
    assert table(page(client, report), "bulk-results") == table(first, "bulk-results")  # a reload shows it again
    assert session.scalar(select(PoolMembership.version).where(PoolMembership.id == queue["a"].id)) == events
    client.post("/logout")
    login(client, "shangcheng")
    assert client.get(report).status_code == 404  # another user's report


def test_a_list_nomination_redirects_to_its_report(client, session, users, make_firm, queue):
    code = make_firm(indicators=FIGURES, name="杭州清单推荐有限公司")
    login(client, "xihu")
    pool = county_pool(session)
    data = {"list-usccs": code, "list-reason": "成长性好", "list-cultivation_type": "growth", "list-batch": "2026-2"}
    response = client.post(f"/pools/{pool.id}/nominate/list", data=data)
    assert response.status_code == 303
    html = page(client, response.headers["Location"])
    assert "已推荐 1 家，未推荐 0 行" in html
    assert table(page(client, response.headers["Location"]), "nominate-results") == table(html, "nominate-results")
    assert session.query(PoolMembership).filter(PoolMembership.pool_id == pool.id).count() == 3


# ------------------------------------------------------------------------------------------- the menu

def test_the_menu_item_follows_the_view_not_the_form_that_failed(client, session, queue):
    login(client, "city")
    assert active_nav(page(client, "/pools/review")) == ["review"]
    refused = client.post("/pools/review/bulk", data={"action": "admit"})  # nothing ticked
    assert refused.status_code == 400 and active_nav(refused.get_data(as_text=True)) == ["review"]
    failed = client.post(f"/pools/review/{queue['a'].id}/reject", data={"version": queue["a"].version})
    assert failed.status_code == 400 and active_nav(failed.get_data(as_text=True)) == ["review"]
    assert active_nav(page(client, f"/pools/{queue['a'].pool_id}/members")) == ["pools"]
    assert active_nav(page(client, f"/firms/{queue['a'].firm.uscc}/timeline")) == ["firms"]
    assert active_nav(page(client, "/")) == ["home"]


# ----------------------------------------------------------------------------------- the review queue

def test_an_officer_can_hide_what_they_may_not_decide(client, session, queue):
    login(client, "xihu")
    assert rows(page(client, "/pools/review")) == [queue["a"].id, queue["b"].id]
    html = page(client, "/pools/review?decidable=1")
    assert rows(html) == [queue["a"].id]
    assert 'name="decidable"' in html and "checked" in re.search(r'<input[^>]*name="decidable"[^>]*>', html).group(0)


def test_the_queue_searches_and_filters_by_district(client, session, queue):
    login(client, "city")
    assert rows(page(client, "/pools/review")) == [queue["a"].id, queue["b"].id, queue["c"].id]
    assert rows(page(client, "/pools/review?q=乙审核")) == [queue["b"].id]
    assert rows(page(client, f"/pools/review?q={queue['c'].firm.uscc}")) == [queue["c"].id]
    assert rows(page(client, f"/pools/review?district={SHANGCHENG}")) == [queue["c"].id]
    assert "取值无效" in page(client, "/pools/review?district=999999", status=400)
    html = page(client, "/pools/review?q=甲审核")
    assert 'type="hidden" name="q" value="甲审核"' in html  # the filters ride along on every decision's form


def test_bulk_review_has_select_all_and_keeps_the_ticks_after_an_error(client, session, queue):
    login(client, "city")
    html = page(client, "/pools/review")
    assert 'id="select-all"' in html
    script = re.search(r'<script src="([^"]*select_all\.js)"', html).group(1)
    assert script.startswith("/static/") and client.get(script).status_code == 200  # local, no CDN
    ticked = f"{queue['a'].id}:{queue['a'].version}"
    refused = client.post("/pools/review/bulk", data={"action": "reject", "items": [ticked], "reason": ""})
    assert refused.status_code == 400
    boxes = dict(re.findall(r'name="items" form="bulk-form"\s+value="([^"]+)"[^>]*?( checked)?>',
                            refused.get_data(as_text=True)))
    assert boxes[ticked] == " checked"
    assert all(not mark for value, mark in boxes.items() if value != ticked)


# ------------------------------------------------------------------------- fields only where they apply

@pytest.mark.parametrize("industry,shown,hidden", [
    ("C39", set(), {"qualification", "justification"}),
    ("E48", {"qualification"}, {"justification"}),
    ("A01", {"justification"}, {"qualification"}),
])
def test_the_declare_form_shows_only_the_fields_of_the_firms_sector(client, api, session, users, now, make_case,
                                                                    industry, shown, hidden):
    from workflows.machine import fire

    case = session.get(UpgradeCase, make_case("small_to_scale", industry=industry))
    fire(session, case, "start_cultivation", actor=users["city"], now=now, expected_version=case.version)
    session.commit()
    login(client, "city")
    html = page(client, f"/cases/{case.id}")
    for name in shown:
        assert f'id="declare-{name}"' in html
    for name in hidden:
        assert f'id="declare-{name}"' not in html
    actions = api["city"].get(f"/cases/{case.id}").get_json()["actions"]  # the API offers the same fields
    assert {f["name"] for a in actions if a["name"] == "declare" for f in a["fields"]} == shown


# ---------------------------------------------------------------------------------------------- favicon

def test_every_page_links_a_local_favicon(client, users):
    html = page(client, "/login")
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    assert href.startswith("/static/")
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
