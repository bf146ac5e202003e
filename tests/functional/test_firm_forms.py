"""Creating and editing a firm through the pages: the API's rules, Chinese messages beside the fields,
a flash listing what changed, nothing written when a form is refused, CSRF, and who may do it."""


import pytest
from sqlalchemy import func, select

from models import AuditEvent, Firm
from tests.factories import SHANGCHENG, XIHU, uscc
from tests.functional.forms import audit_count, csrf_token, field_error, flashes, login
from tests.functional.pages import page
from workflows.rules.uscc import CHARSET


def bad_check_digit(code: str) -> tuple[str, str]:
    wrong = next(ch for ch in CHARSET if ch != code[-1])
    return code[:-1] + wrong, f"第18位校验码错误：应为{code[-1]}，实为{wrong}"


def new_firm_form(**overrides) -> dict:
    data = {"uscc": uscc(), "name": "杭州之江数控机床有限公司", "legal_form": "有限责任公司", "district": XIHU,
            "industry": "c34", "registered_on": "2021-06-01", "tags": ["equipment", "information"],
            "tech_sme": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -------------------------------------------------------------------------------------------- create


def test_city_staff_creates_a_firm(client, session, users):
    login(client, "city")
    html = page(client, "/firms/new")
    assert 'id="district"' in html and "新建企业" in html and 'type="date"' in html and "如 C39" in html
    data = new_firm_form(district=SHANGCHENG)
    response = client.post("/firms/new", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/firms/{data['uscc']}"
    firm = session.scalar(select(Firm).filter_by(uscc=data["uscc"]))
    assert (firm.name, firm.district_code, firm.industry, firm.stage, firm.tags, firm.tech_sme, firm.high_tech) == \
        ("杭州之江数控机床有限公司", SHANGCHENG, "C34", "enterprise", ["equipment", "information"], True, False)
    assert firm.registered_on.isoformat() == "2021-06-01"
    detail = page(client, response.headers["Location"])
    assert f"已新建企业：杭州之江数控机床有限公司（{data['uscc']}）" in flashes(detail)
    assert 'data-action="create"' in detail and "上城区" in detail


def test_officer_creates_in_their_own_district_without_choosing_it(client, session, users):
    login(client, "xihu")
    html = page(client, "/firms/new")
    assert 'id="district-fixed"' in html and 'value="西湖区" disabled' in html
    assert '<select class="form-select" id="district"' not in html
    data = new_firm_form(district=None, legal_form="个体工商户", uscc=uscc(kind="92"))
    assert client.post("/firms/new", data=data).status_code == 302
    firm = session.scalar(select(Firm).filter_by(uscc=data["uscc"]))
    assert (firm.district_code, firm.stage) == (XIHU, "individual")


def test_officer_posting_another_district_is_refused(client, session, users):
    login(client, "xihu")
    response = client.post("/firms/new", data=new_firm_form(district=SHANGCHENG))
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Firm)) == 0 and audit_count(session) == 0


@pytest.mark.parametrize("overrides, field, message", [
    ({"uscc": "91330106MA2B"}, "uscc", "长度应为18位，实为12位"),
    ({"uscc": "91330106MA2BIIII11"}, "uscc", "第13位字符“I”不合法"),
    ({"name": "  "}, "name", "此项必填"),
    ({"legal_form": ""}, "legal_form", "此项必填"),
    ({"legal_form": "有限公司"}, "legal_form", "组织形式取值无效：有限公司"),
    ({"district": "999999"}, "district", "未知的区县代码：999999"),
    ({"district": "西湖"}, "district", "所属区县应为6位行政区划代码，如330106"),
    ({"industry": "Z99"}, "industry", "行业代码格式应为门类字母加2–4位数字，如C39"),
    ({"industry": "C99"}, "industry", "行业代码C99不合法：门类C的大类应在13–43之间"),
    ({"industry": ""}, "industry", "此项必填"),
    ({"registered_on": "2021-02-30"}, "registered_on", "日期格式应为YYYY-MM-DD，且为有效日期：2021-02-30"),
    ({"tags": ["space"]}, "tags", "未知的产业标签：space"),
])
def test_create_errors_are_shown_beside_the_field_and_nothing_is_written(client, session, users, overrides, field,
                                                                         message):
    login(client, "city")
    response = client.post("/firms/new", data=new_firm_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert "企业信息有误" in html and 'id="firm-form"' in html
    assert 'value="杭州之江数控机床有限公司"' in html or field == "name"  # what was typed is kept
    assert session.scalar(select(func.count()).select_from(Firm)) == 0 and audit_count(session) == 0


def test_a_wrong_check_digit_names_the_position(client, session, users):
    code, message = bad_check_digit(uscc())
    login(client, "xihu")
    response = client.post("/firms/new", data=new_firm_form(uscc=code.lower()))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "uscc") == message
    assert 'aria-describedby="uscc-help uscc-error" aria-invalid="true"' in html
    assert audit_count(session) == 0


def test_several_mistakes_are_reported_together(client, users):
    login(client, "city")
    html = client.post("/firms/new", data=new_firm_form(uscc="", name="", industry="X1")).get_data(as_text=True)
    assert (field_error(html, "uscc"), field_error(html, "name")) == ("此项必填", "此项必填")
    assert field_error(html, "industry").startswith("行业代码")


def test_duplicate_uscc_is_an_error_on_the_uscc_field(client, session, firms):
    existing = firms(name="已登记企业")
    before = audit_count(session)
    login(client, "xihu")
    response = client.post("/firms/new", data=new_firm_form(uscc=existing.uscc.lower()))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert field_error(html, "uscc") == "该代码已登记"
    assert f"统一社会信用代码{existing.uscc}已存在" in html
    assert audit_count(session) == before


# ---------------------------------------------------------------------------------------------- edit


def test_edit_form_is_prefilled_and_has_no_uscc_field(client, firms):
    firm = firms(name="杭州西溪精密机械有限公司", industry="C39", tags=["equipment"], registered_on="2019-05-20")
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/edit")
    assert 'value="杭州西溪精密机械有限公司"' in html and 'value="C39"' in html and 'value="2019-05-20"' in html
    assert '<option selected value="有限责任公司">' in html and f'<option selected value="{XIHU}">' in html
    assert '<input checked class="form-check-input" id="tags-6" name="tags" type="checkbox" value="equipment">' in html
    assert 'name="uscc"' not in html
    for crumb in ("企业名录", f'href="/firms/{firm.uscc}">杭州西溪精密机械有限公司</a>', "编辑"):
        assert crumb in html[html.index('aria-label="面包屑"'):]


def edit_form(firm, **overrides) -> dict:
    data = {"name": firm.name, "legal_form": firm.legal_form, "district": firm.district_code,
            "industry": firm.industry, "registered_on": firm.registered_on.isoformat(), "tags": firm.tags}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_edit_flashes_exactly_what_changed(client, session, firms):
    firm = firms(name="杭州甲有限公司", industry="C39")
    login(client, "xihu")
    data = edit_form(firm, name="杭州乙有限公司", industry="C40", comment="更名，见变更登记")
    response = client.post(f"/firms/{firm.uscc}/edit", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == f"/firms/{firm.uscc}"
    assert flashes(html) == ["已保存：企业名称 杭州甲有限公司 → 杭州乙有限公司；行业代码 C39 → C40"]
    session.rollback()
    event = session.scalars(select(AuditEvent).filter_by(firm_id=firm.id, action="update")).one()
    assert event.evidence["changes"] == {"name": ["杭州甲有限公司", "杭州乙有限公司"], "industry": ["C39", "C40"]}
    assert event.comment == "更名，见变更登记" and event.actor_name == "xihu"
    update = html[html.index('data-action="update"'):]
    assert '企业名称：<span class="old">杭州甲有限公司</span> → <span class="new">杭州乙有限公司</span>' in update


def test_edit_flags_and_tags_read_in_chinese(client, firms):
    firm = firms(tags=["equipment"])
    login(client, "city")
    html = client.post(f"/firms/{firm.uscc}/edit", data=edit_form(firm, tags=[], high_tech="y"),
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == ["已保存：八大万亿产业 高端装备制造 → （空）；高新技术企业 否 → 是"]


def test_city_staff_moves_a_firm_to_another_district(client, session, firms):
    firm = firms()
    login(client, "city")
    html = client.post(f"/firms/{firm.uscc}/edit", data=edit_form(firm, district=SHANGCHENG),
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == ["已保存：所属区县 西湖区 → 上城区"]
    session.rollback()
    assert session.get(Firm, firm.id).district_code == SHANGCHENG


def test_officer_may_not_move_a_firm_out_of_their_district(client, session, firms):
    firm = firms()
    before = audit_count(session)
    login(client, "xihu")
    assert 'id="district-fixed"' in page(client, f"/firms/{firm.uscc}/edit")
    response = client.post(f"/firms/{firm.uscc}/edit", data=edit_form(firm, district=SHANGCHENG, name="改名"))
    assert response.status_code == 403
    session.rollback()
    assert (session.get(Firm, firm.id).district_code, session.get(Firm, firm.id).name) == (XIHU, firm.name)
    assert audit_count(session) == before


def test_saving_without_changes_says_so_and_writes_nothing(client, session, firms):
    firm = firms()
    before = audit_count(session)
    login(client, "xihu")
    data = edit_form(firm, district=None, uscc="91330106MA0000000X")  # a posted USCC is not a field here
    html = client.post(f"/firms/{firm.uscc}/edit", data=data, follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == ["没有修改。"]
    assert audit_count(session) == before
    assert session.get(Firm, firm.id).uscc == firm.uscc


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "企业名称不能为空"),
    ({"industry": "C3"}, "industry", "行业代码格式应为门类字母加2–4位数字，如C39"),
    ({"district": "999999"}, "district", "未知的区县代码：999999"),
    ({"legal_form": "公司"}, "legal_form", "组织形式取值无效：公司"),
])
def test_edit_errors_are_shown_beside_the_field_and_nothing_is_written(client, session, firms, overrides, field,
                                                                       message):
    firm = firms(name="原名称")
    before = audit_count(session)
    login(client, "city")
    response = client.post(f"/firms/{firm.uscc}/edit", data=edit_form(firm, **overrides, tech_sme="y"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and field_error(html, field) == message
    session.rollback()
    stored = session.get(Firm, firm.id)
    assert (stored.name, stored.tech_sme) == ("原名称", False)  # the valid part was not saved either
    assert audit_count(session) == before


# ---------------------------------------------------------------------------------------------- CSRF


def test_firm_forms_refuse_a_post_without_the_pages_token(csrf_client, session, firms):
    firm = firms(name="原名称")
    client = csrf_client("xihu")
    data = new_firm_form()
    refused = client.post("/firms/new", data=data)
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert client.post(f"/firms/{firm.uscc}/edit", data=edit_form(firm, name="新名称")).status_code == 400
    assert client.post("/firms/new", data={**data, "csrf_token": "forged"}).status_code == 400
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Firm)) == 1 and session.get(Firm, firm.id).name == "原名称"

    token = csrf_token(client.get("/firms/new").get_data(as_text=True))
    assert client.post("/firms/new", data={**data, "csrf_token": token}).status_code == 302
    token = csrf_token(client.get(f"/firms/{firm.uscc}/edit").get_data(as_text=True))
    edited = client.post(f"/firms/{firm.uscc}/edit", data={**edit_form(firm, name="新名称"), "csrf_token": token})
    assert edited.status_code == 302
    session.rollback()
    assert session.get(Firm, firm.id).name == "新名称"
    assert session.scalar(select(func.count()).select_from(Firm)) == 2
