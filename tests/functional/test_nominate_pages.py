"""Nominating through the pages: from the firm page, from a firm search (several at once) and from a list of
USCCs pasted or uploaded — each nomination its own transaction, each line's result shown, the room left
toward the target and the capacity on screen, errors beside the fields, scope per role."""

import io
import re

import pytest
from sqlalchemy import func, select

from models import PoolMembership
from tests.factories import SHANGCHENG, XIHU, uscc
from tests.functional.pages import page
from tests.functional.pool_pages import (
    ESCAPED,
    EVIL,
    LARGE,
    audit_count,
    city_pool,
    county_pool,
    csrf_in,
    flashes,
    login,
    switch,
    table_rows,
)
from workflows.rules.uscc import CHARSET

FIELDS = {"reason": "研发投入大，成长性好", "cultivation_type": "growth", "batch": "2026-1"}


def memberships(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(PoolMembership))


def prefixed(prefix: str, **overrides) -> dict:
    return {f"{prefix}-{k}": v for k, v in {**FIELDS, **overrides}.items()}


def field_error(html: str, field_id: str) -> str | None:
    match = re.search(rf'id="{field_id}-error">([^<]*)<', html)
    return match.group(1) if match else None


def outcomes(html: str) -> list[tuple[str, str, str]]:
    """(line, result, detail text) of each row of the results table."""
    body = html[html.index('id="nominate-results"'):]
    rows = re.findall(r'<tr data-line="(\d*)" data-ok="\w+".*?<td class="outcome">.*?>([^<]+)</span></td>\s*'
                      r'<td class="detail">(.*?)</td>', body, re.S)
    return [(line, label, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", detail)).strip()) for line, label, detail in rows]


def bad_check_digit(code: str) -> str:
    return code[:-1] + next(ch for ch in CHARSET if ch != code[-1])


# -------------------------------------------------------------------------------------- from the firm page


def test_firm_page_form_defaults_to_the_county_pool_and_shows_the_room(client, session, users, pool_firm, clock):
    firm = pool_firm(name="杭州甲精密机械有限公司")
    pool = county_pool(session)
    pool.capacity = 10
    session.commit()
    login(client, "xihu")
    html = page(client, f"/firms/{firm.uscc}")
    assert f'href="/firms/{firm.uscc}/nominate"' in html
    html = page(client, f"/firms/{firm.uscc}/nominate")
    selected = re.search(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', html)
    assert str(pool.id) in selected.groups()
    assert 'value="2026-2"' in html  # the batch follows the half year (November: the second)
    room = html[html.index(f'id="pool-room-{pool.id}"'):]
    room = room[:room.index("</div>")]
    assert f"目标 {pool.target:,} 家" in room and f"距目标尚余 {pool.target:,} 家" in room
    assert "容量 10 家" in room and "尚可入库 10 家" in room
    assert f'id="pool-room-{city_pool(session).id}"' in html and "容量不限" in html
    assert "符合入库条件" in html


def test_a_firm_in_a_county_pool_defaults_to_the_city_pool(client, session, users, pool_firm, admitted, clock):
    firm = pool_firm()
    admitted(firm)
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/nominate")
    city = city_pool(session).id
    assert re.search(rf'<option (selected value="{city}"|value="{city}" selected)>', html)


def test_nominating_from_the_firm_page(client, session, users, pool_firm, clock):
    firm = pool_firm(name="杭州甲精密机械有限公司")
    login(client, "xihu")
    before = audit_count(session, "membership")
    response = client.post(f"/firms/{firm.uscc}/nominate", data={"pool": county_pool(session).id, **FIELDS})
    assert response.status_code == 302
    membership = session.scalar(select(PoolMembership))
    assert response.headers["Location"] == f"/memberships/{membership.id}"
    assert (membership.state, membership.cultivation_type, membership.batch) == ("nominated", "growth", "2026-1")
    assert membership.nomination_reason == FIELDS["reason"]
    assert audit_count(session, "membership") == before + 1
    html = page(client, response.headers["Location"])
    assert "已推荐入西湖区县级培育库，待审核。" in flashes(html)
    assert "需他人审核" in html and 'id="action-withdraw"' in html and 'id="action-admit"' not in html


@pytest.mark.parametrize("overrides,field,message", [
    ({"reason": " "}, "reason", "请填写推荐理由"),
    ({"cultivation_type": ""}, "cultivation_type", "请选择培育类型：初创型、成长型或领军型"),
    ({"batch": "2026年第一批"}, "batch", "入库批次格式应为“年份-批次”，如2022-1"),
    ({"pool": ""}, "pool", "请选择培育库"),
])
def test_field_errors_come_back_beside_the_fields(client, session, users, pool_firm, clock, overrides, field, message):
    firm = pool_firm()
    login(client, "city")
    data = {"pool": county_pool(session).id, **FIELDS, **overrides}
    response = client.post(f"/firms/{firm.uscc}/nominate", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in (field_error(html, field) or "")
    assert FIELDS["reason"] in html or field == "reason"  # what was typed stays
    assert memberships(session) == 0


def test_an_ineligible_firm_is_refused_with_every_reason(client, session, users, pool_firm, clock):
    firm = pool_firm(indicators=LARGE, flags={"abnormal": True})
    login(client, "xihu")
    response = client.post(f"/firms/{firm.uscc}/nominate", data={"pool": county_pool(session).id, **FIELDS})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html[html.index('id="form-error"'):]
    assert "该企业不符合入库条件" in error and "已列入经营异常名录" in error and "须为小型或微型" in error
    assert memberships(session) == 0


def test_city_pool_needs_a_county_membership(client, session, users, pool_firm, clock):
    firm = pool_firm()
    login(client, "city")
    response = client.post(f"/firms/{firm.uscc}/nominate", data={"pool": city_pool(session).id, **FIELDS})
    assert response.status_code == 422
    assert "入市级培育库须先入县级培育库" in response.get_data(as_text=True)


def test_a_firm_already_in_the_pool_is_a_duplicate(client, session, users, pool_firm, nominated, clock):
    firm = pool_firm()
    nominated(firm)
    login(client, "city")
    response = client.post(f"/firms/{firm.uscc}/nominate", data={"pool": county_pool(session).id, **FIELDS})
    assert response.status_code == 409
    assert "该企业已在西湖区县级培育库（已推荐待审核）" in response.get_data(as_text=True)
    assert memberships(session) == 1


def test_who_may_nominate_from_the_firm_page(client, session, users, pool_firm, clock):
    firm = pool_firm()
    login(client, "shangcheng")
    assert client.get(f"/firms/{firm.uscc}/nominate").status_code == 404
    assert client.post(f"/firms/{firm.uscc}/nominate", data={"pool": county_pool(session).id, **FIELDS}).status_code == 404
    for name in ("leader", "admin"):
        switch(client, name)
        assert client.get(f"/firms/{firm.uscc}/nominate").status_code == 403
        assert client.post(f"/firms/{firm.uscc}/nominate",
                           data={"pool": county_pool(session).id, **FIELDS}).status_code == 403
    assert memberships(session) == 0


# ------------------------------------------------------------------------------------- from a firm search


@pytest.fixture(name="district")
def district_fixture(pool_firm, nominated, clock):
    """西湖区: two eligible firms, one 大型 firm, one already nominated; a 上城区 firm."""
    firms = {
        "one": pool_firm(name="杭州一号精密机械有限公司"),
        "two": pool_firm(name="杭州二号电子科技有限公司"),
        "large": pool_firm(name="杭州三号重工有限公司", indicators=LARGE),
        "member": pool_firm(name="杭州四号新材料有限公司"),
        "other": pool_firm(name="杭州五号贸易有限公司", district=SHANGCHENG),
    }
    nominated(firms["member"])
    return firms


def listed(html) -> list[str]:
    return table_rows(html, "candidates", "uscc")


def test_search_lists_the_nominable_firms_of_the_pool(client, session, users, district):
    login(client, "xihu")
    url = f"/pools/{county_pool(session).id}/nominate"
    html = page(client, url)
    assert set(listed(html)) == {district["two"].uscc, district["one"].uscc}  # eligible, not yet in
    everything = page(client, f"{url}?searched=1")
    assert set(listed(everything)) == {district[k].uscc for k in ("one", "two", "large", "member")}
    member_row = everything[everything.index(f'data-uscc="{district["member"].uscc}"'):]
    member_row = member_row[:member_row.index("</tr>")]
    assert "已在库" in member_row and 'name="uscc"' not in member_row
    assert "须为小型或微型" in everything
    assert listed(page(client, f"{url}?searched=1&q=三号")) == [district["large"].uscc]
    assert "距目标尚余" in html


def test_search_for_the_city_pool_lists_county_members(client, session, users, district, admitted, pool_firm):
    in_county = pool_firm(name="杭州六号有限公司")
    admitted(in_county)
    login(client, "xihu")
    html = page(client, f"/pools/{city_pool(session).id}/nominate")
    assert listed(html) == [in_county.uscc]
    assert "入市级培育库须先入县级培育库" in html


def test_nominating_several_selected_firms(client, session, users, district):
    login(client, "xihu")
    pool = county_pool(session)
    codes = [district[k].uscc for k in ("one", "two", "large", "member")]
    response = client.post(f"/pools/{pool.id}/nominate", data={"uscc": codes, **prefixed("pick")},
                           follow_redirects=True)
    assert response.status_code == 200 and [r.status_code for r in response.history] == [303]
    html = response.get_data(as_text=True)
    assert "已推荐 2 家，未推荐 2 家" in html
    results = outcomes(html)
    assert [label for _, label, _ in results] == ["已推荐", "已推荐", "不符合条件", "已在库"]
    assert "须为小型或微型" in results[2][2]
    assert "该企业已在西湖区县级培育库" in results[3][2]
    assert memberships(session) == 3
    assert "距目标尚余" in html and "待审核 3 家" in html


def test_selection_and_shared_fields_are_checked_first(client, session, users, district):
    login(client, "city")
    pool = county_pool(session)
    response = client.post(f"/pools/{pool.id}/nominate", data=prefixed("pick"))
    assert response.status_code == 400 and "请至少勾选一家企业。" in response.get_data(as_text=True)
    code = district["one"].uscc
    response = client.post(f"/pools/{pool.id}/nominate",
                           data={"uscc": [code], **prefixed("pick", batch="明年")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "入库批次格式应为" in field_error(html, "pick-batch")
    assert f'value="{code}" aria-label="选择 {district["one"].name}" checked' in html  # the ticks stay
    assert memberships(session) == 1


def test_who_may_use_the_pool_nomination_pages(client, session, users, district):
    login(client, "xihu")
    other = county_pool(session, SHANGCHENG).id
    assert client.get(f"/pools/{other}/nominate").status_code == 403
    assert client.post(f"/pools/{other}/nominate/list", data={"list-usccs": "x", **prefixed("list")}).status_code == 403
    for name in ("leader", "admin"):
        switch(client, name)
        assert client.get(f"/pools/{county_pool(session).id}/nominate").status_code == 403
    switch(client, "city")
    assert client.get(f"/pools/{other}/nominate").status_code == 200


# --------------------------------------------------------------------------------------- from a list


def test_a_pasted_list_shows_each_lines_result(client, session, users, district):
    unknown = uscc(XIHU)
    bad = bad_check_digit(district["two"].uscc)
    text = "\n".join([
        "统一社会信用代码",                    # 1: a header, skipped
        district["one"].uscc.lower(),          # 2
        "",                                    # 3: blank, skipped
        district["large"].uscc,                # 4
        unknown,                               # 5
        district["other"].uscc,                # 6
        district["member"].uscc,               # 7
        bad,                                   # 8
        "12345",                               # 9
        f" {district['one'].uscc} ",           # 10: a repeat of line 2
        district["two"].uscc,                  # 11
    ])
    login(client, "xihu")
    response = client.post(f"/pools/{county_pool(session).id}/nominate/list",
                           data={"list-usccs": text, **prefixed("list")}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    results = outcomes(html)
    assert [(line, label) for line, label, _ in results] == [
        ("2", "已推荐"), ("4", "不符合条件"), ("5", "未找到"), ("6", "非本区县"), ("7", "已在库"),
        ("8", "代码格式错误"), ("9", "代码格式错误"), ("10", "重复"), ("11", "已推荐"),
    ]
    detail = {line: text for line, _, text in results}
    assert "须为小型或微型" in detail["4"]
    assert "第18位校验码错误" in detail["8"] and "长度应为18位" in detail["9"]
    assert "与第2行相同" in detail["10"]
    assert district["other"].name not in html  # another district's firm is not named to an officer
    assert "已推荐 2 家，未推荐 7 行" in html
    assert memberships(session) == 3


def test_an_uploaded_csv_in_gbk_with_a_header(client, session, users, district):
    content = f"统一社会信用代码,企业名称\r\n{district['one'].uscc},{district['one'].name}\r\n" \
              f"\"{district['two'].uscc}\",{district['two'].name}\r\n"
    login(client, "city")
    response = client.post(
        f"/pools/{county_pool(session).id}/nominate/list",
        data={"list-file": (io.BytesIO(content.encode("gbk")), "名单.csv"), **prefixed("list")},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert [(line, label) for line, label, _ in outcomes(response.get_data(as_text=True))] == [
        ("2", "已推荐"), ("3", "已推荐")]


def test_list_errors_write_nothing(client, session, users, district):
    login(client, "city")
    url = f"/pools/{county_pool(session).id}/nominate/list"
    response = client.post(url, data={"list-usccs": "\n \n", **prefixed("list")})
    assert response.status_code == 400 and "请粘贴代码或上传文件" in field_error(response.get_data(as_text=True), "list-usccs")
    response = client.post(url, data={"list-file": (io.BytesIO(b"PK\x03\x04"), "list.xlsx"), **prefixed("list")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "请上传 .txt 或 .csv 文件" in response.get_data(as_text=True)
    response = client.post(url, data={"list-usccs": district["one"].uscc, **prefixed("list", reason="")})
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "list-reason") == "请填写推荐理由"
    assert memberships(session) == 1


def test_markup_in_a_list_is_escaped(client, session, users, district):
    login(client, "city")
    response = client.post(f"/pools/{county_pool(session).id}/nominate/list",
                           data={"list-usccs": EVIL, **prefixed("list")}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert EVIL not in html and ESCAPED in html


def test_list_nomination_needs_a_csrf_token(csrf_client, session, district):
    client = csrf_client("xihu")
    html = client.get(f"/pools/{county_pool(session).id}/nominate").get_data(as_text=True)
    token = csrf_in(html[html.index('id="list-form"'):])
    url = f"/pools/{county_pool(session).id}/nominate/list"
    data = {"list-usccs": district["one"].uscc, **prefixed("list")}
    refused = client.post(url, data=data)
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert memberships(session) == 1
    done = client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and memberships(session) == 2
