"""Entering and correcting a year's figures through the pages: prefilled values, the API's rules beside each
field, the flash listing the changes (the 划型 too), nothing written on a refusal, CSRF."""


import pytest
from sqlalchemy import select

from models import AnnualIndicator
from tests.functional.forms import audit_count, csrf_token, field_error, flashes, login
from tests.functional.pages import page

FIGURES = {"revenue": "", "tax": "", "profit": "", "employees": "", "rd_expense": "", "rd_staff": "",
           "total_assets": "", "export": ""}


def stored(session, firm, year):
    session.rollback()
    return session.scalar(select(AnnualIndicator).filter_by(firm_id=firm.id, year=year))


def test_new_year_form_suggests_last_year(client, firms):
    firm = firms(name="杭州甲有限公司")
    login(client, "xihu")
    html = page(client, f"/firms/{firm.uscc}/indicators/new")
    assert 'id="year" inputmode="numeric" maxlength="4" name="year" type="text" value="2025"' in html
    for label in ("营业收入", "纳税总额", "利润总额", "从业人员", "研发费用", "研发人员", "资产总额", "出口额"):
        assert f">{label}</label>" in html
    assert "万元，亏损填负数" in html
    crumbs = html[html.index('aria-label="面包屑"'):html.index("</nav>", html.index('aria-label="面包屑"'))]
    assert "杭州甲有限公司" in crumbs and "录入年度数据" in crumbs


def test_new_year_is_saved_and_the_flash_names_the_figures_and_the_size_class(client, session, firms):
    firm = firms(industry="C39")
    login(client, "xihu")
    data = {**FIGURES, "year": "2024", "revenue": "2,500", "employees": "80", "profit": "-3.456"}
    response = client.post(f"/firms/{firm.uscc}/indicators/new", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == f"/firms/{firm.uscc}"
    assert flashes(html) == ["已保存2024年度指标：营业收入（万元） 2,500.00；利润总额（万元） -3.46；从业人员（人） 80；"
                             "企业划型 未划型 → 小型"]
    row = stored(session, firm, 2024)
    assert (str(row.revenue), str(row.profit), row.employees, row.tax) == ("2500.00", "-3.46", 80, None)
    assert '<strong id="size-class">小型</strong>' in html


def test_a_new_year_without_figures_is_recorded_as_unknown(client, session, firms):
    firm = firms()
    login(client, "city")
    html = client.post(f"/firms/{firm.uscc}/indicators/new", data={**FIGURES, "year": "2025"},
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == ["已新增2025年度指标（尚未填写数据）。"]
    assert stored(session, firm, 2025).revenue is None


def test_edit_form_is_prefilled_with_plain_numbers(client, firms):
    firm = firms(indicators={2024: {"revenue": "12345.6", "profit": "-12.5", "employees": 60}})
    login(client, "city")
    html = page(client, f"/firms/{firm.uscc}/indicators/2024/edit")
    assert 'name="revenue" type="text" value="12345.60"' in html
    assert 'name="profit" type="text" value="-12.50"' in html
    assert 'name="employees" type="text" value="60"' in html
    assert 'name="tax" type="text" value=""' in html
    assert 'name="year"' not in html and "修改2024年度指标" in html


def test_edit_flashes_old_and_new_values(client, session, firms):
    firm = firms(industry="C39", indicators={2024: {"revenue": "2500", "profit": "-12.5", "employees": 80}})
    login(client, "xihu")
    data = {**FIGURES, "revenue": "100", "employees": "80"}
    html = client.post(f"/firms/{firm.uscc}/indicators/2024/edit", data=data,
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == ["已保存2024年度指标：营业收入（万元） 2,500.00 → 100.00；利润总额（万元） -12.50 → （空）；"
                             "企业划型 小型 → 微型"]
    assert str(stored(session, firm, 2024).revenue) == "100.00"
    entry = html[html.index('data-action="indicators_update"'):]
    assert "2024年度指标" in entry
    assert '营业收入（万元）：<span class="old">2,500.00</span> → <span class="new">100.00</span>' in entry


def test_saving_the_same_figures_changes_nothing(client, session, firms):
    firm = firms(indicators={2024: {"revenue": "2500", "employees": 80}})
    before = audit_count(session)
    login(client, "city")
    data = {**FIGURES, "revenue": "2500.00", "employees": "80"}
    html = client.post(f"/firms/{firm.uscc}/indicators/2024/edit", data=data,
                       follow_redirects=True).get_data(as_text=True)
    assert flashes(html) == ["没有修改。"]
    assert audit_count(session) == before


@pytest.mark.parametrize("field, value, message", [
    ("revenue", "-5", "不能为负数"),
    ("revenue", "一百万", "应为数字（万元），而不是“一百万”"),
    ("export", "1e999", "数值过大"),
    ("employees", "3.5", "应为非负整数，而不是“3.5”"),
    ("rd_staff", "-1", "不能为负数"),
    ("year", "1999", "年度不能早于2000年"),
    ("year", "2027", "年度不能晚于今年（2026）"),
    ("year", "二〇二四", "年度应为4位数字"),
])
def test_new_year_errors_beside_the_field_and_nothing_written(client, session, firms, field, value, message):
    firm = firms()
    before = audit_count(session)
    login(client, "city")
    data = {**FIGURES, "year": "2024", "tax": "12", field: value}
    response = client.post(f"/firms/{firm.uscc}/indicators/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert 'name="tax" type="text" value="12"' in html  # what was typed is kept
    assert audit_count(session) == before and stored(session, firm, 2024) is None


def test_edit_errors_keep_the_stored_year(client, session, firms):
    firm = firms(indicators={2024: {"revenue": "2500"}})
    login(client, "city")
    response = client.post(f"/firms/{firm.uscc}/indicators/2024/edit",
                           data={**FIGURES, "revenue": "abc", "tax": "-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (field_error(html, "revenue"), field_error(html, "tax")) == ("应为数字（万元），而不是“abc”", "不能为负数")
    assert "年度指标有误" in html
    assert str(stored(session, firm, 2024).revenue) == "2500.00"


def test_new_year_does_not_overwrite_a_stored_year(client, session, firms):
    firm = firms(indicators={2024: {"revenue": "2500"}})
    before = audit_count(session)
    login(client, "city")
    response = client.post(f"/firms/{firm.uscc}/indicators/new", data={**FIGURES, "year": "2024", "revenue": "1"})
    assert response.status_code == 409
    assert field_error(response.get_data(as_text=True), "year") == \
        "2024年度已有数据，请在年度指标表中点击该年度的“编辑”修改"
    assert str(stored(session, firm, 2024).revenue) == "2500.00" and audit_count(session) == before


def test_editing_a_year_without_figures_is_404(client, firms):
    firm = firms(indicators={2024: {"revenue": "1"}})
    login(client, "city")
    assert "未找到2023年度指标" in page(client, f"/firms/{firm.uscc}/indicators/2023/edit", status=404)
    assert client.get(f"/firms/{firm.uscc}/indicators/abc/edit").status_code == 404


def test_detail_links_each_year_to_its_form(client, firms):
    firm = firms(indicators={2023: {"revenue": "1"}, 2024: {"revenue": "2"}})
    login(client, "xihu")
    html = page(client, f"/firms/{firm.uscc}")
    for year in (2023, 2024):
        assert f'href="/firms/{firm.uscc}/indicators/{year}/edit"\n             aria-label="编辑{year}年度指标">编辑</a>' \
            in html
    client.post("/logout")
    login(client, "leader")
    assert "/indicators/" not in page(client, f"/firms/{firm.uscc}")


def test_indicator_form_refuses_a_post_without_the_pages_token(csrf_client, session, firms):
    firm = firms(indicators={2024: {"revenue": "2500"}})
    client = csrf_client("city")
    url = f"/firms/{firm.uscc}/indicators/2024/edit"
    assert client.post(url, data={**FIGURES, "revenue": "9"}).status_code == 400
    assert client.post(f"/firms/{firm.uscc}/indicators/new", data={**FIGURES, "year": "2025"}).status_code == 400
    assert str(stored(session, firm, 2024).revenue) == "2500.00" and stored(session, firm, 2025) is None
    token = csrf_token(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**FIGURES, "revenue": "9", "csrf_token": token}).status_code == 302
    assert str(stored(session, firm, 2024).revenue) == "9.00"
