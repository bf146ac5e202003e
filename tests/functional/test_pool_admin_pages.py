"""The admin's targets and capacities page: every county target and capacity in one form, the 45,000 sum
and the admitted floor checked with messages beside the fields, the proposed split, audit, admin only."""

import re

import pytest
from sqlalchemy import select

from models import AuditEvent, Pool
from tests.factories import SHANGCHENG
from tests.functional.pages import page
from tests.functional.pool_pages import (
    audit_count,
    city_pool,
    county_pool,
    csrf_in,
    flashes,
    login,
    table_rows,
)


def current_form(session) -> dict:
    """What the page's form posts when nothing is touched."""
    data = {}
    for pool in session.scalars(select(Pool)):
        data[f"target-{pool.id}"] = str(pool.target)
        data[f"capacity-{pool.id}"] = "" if pool.capacity is None else str(pool.capacity)
    return data


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'id="{name}-error">([^<]*)<', html)
    return match.group(1) if match else None


def pools_now(session) -> dict[int, tuple[int, int | None]]:
    session.rollback()
    return {p.id: (p.target, p.capacity) for p in session.scalars(select(Pool))}


def test_the_page_shows_every_pool_the_sum_and_the_proposal(client, session, users, pool_firm, clock):
    for _ in range(3):
        pool_firm(district=SHANGCHENG)
    pool_firm()
    login(client, "admin")
    html = page(client, "/pools/targets")
    assert len(table_rows(html, "targets", "pool")) == 14
    xihu = county_pool(session)
    assert f'name="target-{xihu.id}" id="target-{xihu.id}"\n       value="{xihu.target}"' in html or \
        re.search(rf'name="target-{xihu.id}"[^>]*value="{xihu.target}"', html)
    assert re.search(rf'name="capacity-{city_pool(session).id}"[^>]*value=""', html)
    total = html[html.index('id="county-sum"'):]
    assert "45,000" in total
    row = html[html.index(f'data-pool="{county_pool(session, SHANGCHENG).id}"'):]
    row = row[:row.index("</tr>")]
    proposal = re.search(r'class="num proposal">([\d,]+)<', row).group(1)
    assert int(proposal.replace(",", "")) > 10_000  # 3 of the 4 eligible firms: about three quarters of 45,000
    assert 'id="split-form"' in html and "采用建议分配" in html


@pytest.mark.parametrize("username", ["city", "leader", "xihu"])
def test_only_the_admin_may(client, session, users, username):
    login(client, username)
    assert client.get("/pools/targets").status_code == 403
    assert client.post("/pools/targets", data=current_form(session)).status_code == 403
    assert client.post("/pools/targets/split").status_code == 403
    assert 'id="nav-targets"' not in page(client, "/")


def test_moving_target_between_districts_and_setting_capacities(client, session, users, clock):
    xihu, shangcheng, city = county_pool(session), county_pool(session, SHANGCHENG), city_pool(session)
    old_xihu, old_sc = xihu.target, shangcheng.target
    data = current_form(session) | {
        f"target-{xihu.id}": str(old_xihu + 500), f"target-{shangcheng.id}": str(old_sc - 500),
        f"capacity-{city.id}": "9,000", "comment": "按年度计划调整",
    }
    before = audit_count(session, "pool")
    login(client, "admin")
    response = client.post("/pools/targets", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/pools/targets"
    now = pools_now(session)
    assert now[xihu.id] == (old_xihu + 500, None) and now[shangcheng.id] == (old_sc - 500, None)
    assert now[city.id] == (12_000, 9_000)
    assert audit_count(session, "pool") == before + 3
    event = session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "pool", AuditEvent.subject_id == city.id))
    assert event.evidence["changes"] == {"capacity": [None, 9000]} and event.comment == "按年度计划调整"
    message = flashes(page(client, "/pools/targets"))[0]
    assert message.startswith("已保存：")
    assert "市级培育库 容量 不限 → 9,000" in message
    assert f"西湖区县级培育库 目标 {old_xihu:,} → {old_xihu + 500:,}" in message


def test_a_wrong_county_sum_is_refused_with_the_difference(client, session, users, clock):
    xihu = county_pool(session)
    before = pools_now(session)
    login(client, "admin")
    data = current_form(session) | {f"target-{xihu.id}": str(xihu.target + 120)}
    response = client.post("/pools/targets", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "县级培育库目标合计须为45,000，现为45,120（多120）" in html
    assert re.search(rf'name="target-{xihu.id}"[^>]*value="{xihu.target + 120}"', html)  # what was typed stays
    assert "45,120" in html[html.index('id="county-sum"'):]
    assert pools_now(session) == before


def test_a_capacity_below_the_admitted_count_is_refused_beside_the_field(client, session, users, pool_firm,
                                                                          admitted, clock):
    admitted(pool_firm())
    admitted(pool_firm())
    xihu = county_pool(session)
    before = pools_now(session)
    login(client, "admin")
    data = current_form(session) | {f"capacity-{xihu.id}": "1", f"capacity-{city_pool(session).id}": "很多"}
    response = client.post("/pools/targets", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, f"capacity-{xihu.id}") == "已入库2家，容量不能低于已入库数"
    assert field_error(html, f"capacity-{city_pool(session).id}") == "容量应为非负整数；留空表示不限"
    assert pools_now(session) == before
    assert client.post("/pools/targets", data=current_form(session) | {f"capacity-{xihu.id}": "2"}).status_code == 302
    assert pools_now(session)[xihu.id][1] == 2


def test_a_blank_target_and_clearing_a_capacity(client, session, users, clock):
    xihu = county_pool(session)
    xihu.capacity = 50
    session.commit()
    login(client, "admin")
    response = client.post("/pools/targets", data=current_form(session) | {f"target-{xihu.id}": ""})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), f"target-{xihu.id}") == "请填写目标（非负整数）"
    response = client.post("/pools/targets", data=current_form(session) | {f"capacity-{xihu.id}": ""})
    assert response.status_code == 302
    assert pools_now(session)[xihu.id][1] is None
    assert "西湖区县级培育库 容量 50 → 不限" in flashes(page(client, "/pools/targets"))[0]


def test_saving_without_changes_writes_nothing(client, session, users, clock):
    before = audit_count(session, "pool")
    login(client, "admin")
    response = client.post("/pools/targets", data=current_form(session))
    assert response.status_code == 302
    assert flashes(page(client, "/pools/targets")) == ["没有修改。"]
    assert audit_count(session, "pool") == before


def test_adopting_the_proposed_split(client, session, users, pool_firm, clock):
    for _ in range(3):
        pool_firm(district=SHANGCHENG)
    pool_firm()
    login(client, "admin")
    html = page(client, "/pools/targets")
    row = html[html.index(f'data-pool="{county_pool(session, SHANGCHENG).id}"'):]
    proposal = int(re.search(r'class="num proposal">([\d,]+)<', row).group(1).replace(",", ""))
    before = audit_count(session, "pool")
    response = client.post("/pools/targets/split")
    assert response.status_code == 302
    now = pools_now(session)
    assert now[county_pool(session, SHANGCHENG).id][0] == proposal
    counties = [p.id for p in session.scalars(select(Pool).where(Pool.level == "county"))]
    assert sum(now[i][0] for i in counties) == 45_000
    assert audit_count(session, "pool") == before + 13
    assert flashes(page(client, "/pools/targets"))[0].startswith("已采用建议分配：")
    client.post("/pools/targets/split")
    assert "没有修改" in flashes(page(client, "/pools/targets"))[0]


def test_targets_form_needs_a_csrf_token(csrf_client, session):
    client = csrf_client("admin")
    html = client.get("/pools/targets").get_data(as_text=True)
    token = csrf_in(html[html.index('id="targets-form"'):])
    xihu, shangcheng = county_pool(session), county_pool(session, SHANGCHENG)
    old = xihu.target
    data = current_form(session) | {f"target-{xihu.id}": str(old + 1), f"target-{shangcheng.id}": str(shangcheng.target - 1)}
    refused = client.post("/pools/targets", data=data)
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert pools_now(session)[xihu.id][0] == old
    assert client.post("/pools/targets", data={**data, "csrf_token": token}).status_code == 302
    assert pools_now(session)[xihu.id][0] == old + 1
    assert client.post("/pools/targets/split").status_code == 400  # the split button needs its token too
