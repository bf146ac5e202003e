"""What every page says the same way, by one rule each: people by name (the `person` filter), counts with a
thousands separator (the `number` filter), choices by their Chinese labels, the intake batch by the month."""

import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from models import Firm, ImportRun, Pool
from tests.factories import XIHU
from tests.functional.pages import login, page

FIGURES = {2025: {"revenue": "900", "employees": 20, "total_assets": "500"}}


@pytest.fixture
def named(session, users):
    """The 西湖区 officer has a name; pages show it instead of the login id."""
    users["xihu"].display_name = "王芳"
    session.commit()
    return users


@pytest.fixture
def nominated(session, named, now, make_firm):
    from workflows.membership import nominate

    firm = session.scalar(select(Firm).where(Firm.uscc == make_firm(indicators=FIGURES, name="杭州称呼测试有限公司")))
    pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == XIHU))
    membership = nominate(session, pool, firm, reason="成长性好", cultivation_type="growth", batch="2026-2",
                          actor=named["xihu"], now=now)
    session.commit()
    return membership


def test_pages_name_people_not_login_ids(client, session, nominated):
    login(client, "city")
    members = page(client, f"/pools/{nominated.pool_id}/members")
    assert "王芳" in members and ">xihu<" not in members
    timeline = page(client, f"/firms/{nominated.firm.uscc}/timeline")
    actors = re.findall(r'<span class="actor">([^<]*)</span>', timeline)
    assert "王芳" in actors and "xihu" not in actors


def test_the_system_is_named_in_chinese(client, session, named):
    run = ImportRun(kind="firms", filename="登记.csv", sha256="0" * 64, actor_name="system", status="succeeded",
                    inserted=200044)
    session.add(run)
    session.commit()
    login(client, "city")
    html = page(client, f"/imports/{run.id}")
    assert "登记.csv · 系统 ·" in html


def test_counts_carry_a_thousands_separator_everywhere(client, session, named):
    run = ImportRun(kind="firms", filename="大文件.csv", sha256="0" * 64, actor_name="xihu", status="succeeded",
                    rows_total=200044, rows_done=200044, inserted=200044, district_code=XIHU)
    session.add(run)
    session.commit()
    login(client, "xihu")
    for url in (f"/imports/{run.id}", "/imports/"):
        html = page(client, url)
        assert "200,044" in html and "200044" not in html
        assert "王芳" in html


def test_a_choice_error_lists_chinese_labels_only(client, session, named, make_firm):
    code = make_firm(indicators=FIGURES)
    pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == XIHU))
    login(client, "city")
    response = client.post(f"/firms/{code}/nominate", data={"pool": pool.id, "reason": "成长性好",
                                                            "cultivation_type": "", "batch": "2026-2"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请选择培育类型：初创型、成长型或领军型" in html
    assert "startup" not in re.sub(r'value="[^"]*"', "", html)  # codes only as the options' values
    bad = page(client, "/worklist/?dir=sideways", status=400)
    assert "排序方向应为降序或升序" in bad


@pytest.mark.parametrize("today,batch", [(date(2026, 3, 15), "2026-1"), (date(2026, 6, 30), "2026-1"),
                                         (date(2026, 7, 1), "2026-2"), (date(2026, 11, 30), "2026-2")])
def test_the_nominate_forms_default_batch_follows_the_month(client, session, named, make_firm, clock,
                                                            today, batch):
    clock.at = datetime.combine(today, time(2, 0))  # 10:00 in Hangzhou on that day
    code = make_firm(indicators=FIGURES)
    pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == XIHU))
    login(client, "city")
    for url in (f"/firms/{code}/nominate", f"/pools/{pool.id}/nominate"):
        assert f'value="{batch}"' in page(client, url)
