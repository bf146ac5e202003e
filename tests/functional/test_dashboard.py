"""领导看板 over HTTP: the page and the API say the same numbers, the Excel workbook holds them, a county
officer's scope holds, a reported figure is audited and shown with its source, a plan is added without code."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import AuditEvent, Plan, ReportedFigure
from models.enums import SizeClass
from tests.factories import SHANGCHENG, XIHU
from tests.factories import make_firm as build_firm
from tests.functional.api import assert_error
from tests.functional.pages import login, page


@pytest.fixture
def data(session, users):
    """New small firms in 西湖区 and 上城区 during the plan and after it."""
    for district, day in ((XIHU, date(2021, 5, 1)), (XIHU, date(2022, 5, 1)), (SHANGCHENG, date(2023, 1, 1)),
                          (XIHU, date(2025, 1, 1))):
        build_firm(session, district=district, registered_on=day, size_class=SizeClass.MICRO, revenue=None)
    session.commit()


def scorecard(api_client, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    response = api_client.get(f"/dashboard/scorecard?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_dashboard_opens_on_the_ended_plan_and_says_so(client, users, data, api):
    login(client, "leader")
    html = page(client, "/dashboard")
    assert "该计划已于 2023-12-31 结束" in html and "计划期末数" in html and "今日数" in html
    body = scorecard(api["leader"])
    assert body["ended"] is True and body["as_of"] == "2023-12-31"
    item = next(i for i in body["items"] if i["key"] == "new_small_firms")
    assert (item["actual"], item["today"], item["target"], item["status"]) == (3, 4, 165000, "missed")
    assert {i["kind"] for i in body["items"]} == {"computed", "reported"} and len(body["items"]) == 39
    listed = client.get(item["list_url"])
    assert '<strong id="list-total">3</strong>' in listed.get_data(as_text=True)
    for chart in ("scorecard", "ranking", "funnel", "flow", "waits", "pools", "decided", "trend"):
        assert f'data-chart="{chart}"' in html
    assert "vendor/echarts-5.6.0/echarts.min.js" in html


def test_a_plan_covering_today_is_preferred(session, users, api):
    from workflows.plans.plans import create_plan

    create_plan(session, {"plan": {"name": "2024—2026", "starts_on": "2024-01-01", "ends_on": "2026-12-31"},
                          "metrics": [{"key": "new_small_firms", "kind": "computed", "target": 10}]},
                actor=users["city"], now=users["city"].created_at)
    session.commit()
    body = scorecard(api["leader"])
    assert body["plan"]["name"] == "2024—2026" and body["ended"] is False
    item = body["items"][0]
    assert item["status"] in ("on_track", "behind") and item["pace_needed"] is not None


def test_the_workbook_holds_the_same_numbers(client, users, data, api):
    login(client, "leader")
    response = client.get("/dashboard/export.xlsx?district=330106")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert {"计分卡（全市）", "计分卡（西湖区）", "区县排名", "阶梯漏斗", "培育库", "趋势"} <= set(book.sheetnames)
    rows = {r[1]: r for r in book["计分卡（全市）"].iter_rows(min_row=3, values_only=True)}
    district = {r[1]: r for r in book["计分卡（西湖区）"].iter_rows(min_row=3, values_only=True)}
    body = scorecard(api["leader"], district=XIHU)
    for item in body["items"]:
        assert rows[item["label"]][5] == (item["actual"] if item["actual"] is not None else None)
        assert district[item["label"]][5] == item["district"]["actual"]
    assert rows["累计新增小微企业"][5] == 3 and district["累计新增小微企业"][5] == 2


def test_a_county_officer_opens_on_their_district_with_city_totals_beside(client, users, data, api):
    login(client, "xihu")
    html = page(client, "/dashboard")
    assert "领导看板 · 西湖区" in html and "本区期末数" in html and "全市期末数" in html
    body = scorecard(api["xihu"])  # the API opens on their district too
    item = next(i for i in body["items"] if i["key"] == "new_small_firms")
    assert item["actual"] == 3 and item["district"]["actual"] == 2
    assert item["list_url"] is None and item["district"]["list_url"]  # the city's list is not theirs
    other = scorecard(api["xihu"], district=SHANGCHENG)  # another district's totals are readable
    assert next(i for i in other["items"] if i["key"] == "new_small_firms")["district"]["list_url"] is None
    refused = client.get("/dashboard/list?drill=metric&key=new_small_firms&start=2021-01-01&as_of=2023-12-31"
                         f"&district={SHANGCHENG}")
    assert refused.status_code == 403
    assert client.get("/dashboard/list?drill=rung&key=enterprise").status_code == 403
    own = client.get(f"/dashboard/list?drill=metric&key=new_small_firms&start=2021-01-01&as_of=2023-12-31&district={XIHU}")
    assert '<strong id="list-total">2</strong>' in own.get_data(as_text=True)


def test_a_reported_figure_is_audited_and_shown_with_its_source(client, session, users, api):
    plan_id = session.scalar(select(Plan.id))
    figure = {"metric": "parks", "value": "312", "as_of": "2023-12-20", "source": "杭经信〔2024〕3号"}
    assert_error(api["leader"].post(f"/plans/{plan_id}/reports", json=figure), 403, "not_permitted")
    error = assert_error(api["city"].post(f"/plans/{plan_id}/reports", json={**figure, "source": "", "value": "x"}),
                         400, "validation_error")
    assert set(error["fields"]) == {"value", "source"}
    assert session.scalar(select(func.count()).select_from(ReportedFigure)) == 0
    created = api["city"].post(f"/plans/{plan_id}/reports", json=figure)
    assert created.status_code == 201 and created.get_json()["value"] == 312
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "report_figure"))
    assert event.actor_name == "city" and event.evidence["source"] == "杭经信〔2024〕3号"
    item = next(i for i in scorecard(api["leader"])["items"] if i["key"] == "parks")
    assert item["actual"] == 312 and item["status"] == "reached"
    assert item["source"] == {"as_of": "2023-12-20", "document": "杭经信〔2024〕3号", "entered_by": "city"}
    login(client, "leader")
    html = page(client, f"/plans/{plan_id}/metrics/parks")
    assert "杭经信〔2024〕3号" in html and "312" in html
    computed = assert_error(api["city"].post(f"/plans/{plan_id}/reports", json={**figure, "metric": "new_small_firms"}),
                            400, "validation_error")
    assert "metric" in computed["fields"]


def test_city_staff_add_the_next_plan_from_the_page(client, session, users):
    login(client, "city")
    html = page(client, "/plans/new")
    assert "include-new_small_firms" in html
    form = {"name": "杭州市小微企业成长计划（2024—2026年）", "starts_on": "2024-01-01", "ends_on": "2026-12-31",
            "include-new_small_firms": "1", "target-new_small_firms": "200000",
            "include-county_pool_members": "1", "target-county_pool_members": "50000",
            "districts-county_pool_members": "330106=5000；330102=4000",
            "new-label-0": "小微企业园区数", "new-key-0": "parks_2026", "new-unit-0": "个", "new-target-0": "350"}
    response = client.post("/plans/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = session.scalar(select(Plan).where(Plan.name == form["name"]))
    assert [m.key for m in plan.metrics] == ["new_small_firms", "county_pool_members", "parks_2026"]
    assert plan.metrics[1].district_targets() == {"330102": 4000, "330106": 5000}


def test_only_city_staff_add_plans(client, users):
    login(client, "leader")
    assert client.get("/plans/new").status_code == 403
    assert "新增计划" not in page(client, "/plans")


def test_funnel_pools_trends_and_plans_answer(api, users, data):
    funnel = api["leader"].get("/dashboard/funnel?district=330106&from=2021-01-01&to=2026-11-30").get_json()
    assert funnel["rungs"]["enterprise"] == 3 and {s["kind"] for s in funnel["steps"]} == {
        "ind_to_ent", "small_to_scale", "scale_to_stock", "stock_to_listed"}
    pools = api["leader"].get("/dashboard/pools").get_json()
    assert len(pools["pools"]) == 14 and pools["pools"][0]["level"] == "city"
    trends = api["leader"].get("/dashboard/trends?metric=plan.new_small_firms").get_json()
    assert trends["items"] == [] and trends["label"] == "累计新增小微企业"
    bad = assert_error(api["leader"].get("/dashboard/trends?metric=nope&from=x"), 400, "validation_error")
    assert set(bad["fields"]) == {"metric", "from"}
    plans = api["admin"].get("/plans")
    assert plans.status_code == 403
    assert api["leader"].get("/plans").get_json()["items"][0]["metrics"][0]["key"] == "new_small_firms"


def test_the_page_reads_the_trend_names_once(client, users, data):
    """Checking the `metric` parameter reads the trends' names; the page reuses them rather than asking again."""
    from sqlalchemy import event

    from models import db

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    login(client, "leader")
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page(client, "/dashboard")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    names = "FROM plan_metrics JOIN plans"  # workflows.plans.trends.trend_labels, the one statement that joins so
    assert len([s for s in statements if names in s]) == 1
