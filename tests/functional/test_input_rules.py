"""What each class of hostile or nonsensical input is answered with (the sweep in test_hostile_input.py
proves only that nothing crashes): a 400 naming the field, in Chinese on pages and as DESIGN §8's
`validation_error` in the API, or a 404 for an id that cannot exist; nothing written."""

import json

import pytest

from models import Firm
from tests.factories import XIHU, firm_payload, uscc
from tests.functional.api import assert_error


@pytest.fixture
def signed_in(client, users):
    client.post("/login", data={"username": "city", "password": "password1"})
    return client


# ----------------------------------------------------------------------------- integers past the range

@pytest.mark.parametrize("path", ["/cases/99999999999999999999", "/memberships/2147483648", "/flags/99999999999999999999",
                                  "/pools/99999999999999999999/members", "/campaigns/99999999999999999999"])
def test_an_id_no_integer_column_can_hold_is_a_404_in_the_api(api, path):
    assert_error(api["city"].get(path), 404, "not_found")


def test_an_id_past_the_range_is_a_404_page(signed_in):
    response = signed_in.get("/cases/99999999999999999999")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "١٢", "-1", "0"])
def test_page_past_the_range_or_not_in_ascii_digits_is_a_400_naming_page(api, value):
    error = assert_error(api["city"].get("/firms", query_string={"page": value}), 400, "validation_error")
    assert set(error["fields"]) == {"page"}


def test_a_json_number_past_the_integer_columns_is_a_400_naming_its_field(api, make_firm):
    firm = make_firm()
    response = api["city"].put(f"/firms/{firm}/indicators/2025", json={"employees": 10**20, "revenue": 10})
    error = assert_error(response, 400, "validation_error")
    assert "employees" in error["fields"]
    response = api["city"].post("/memberships/bulk/admit", json={"items": [{"id": 2**31, "version": 1}]})
    assert "items[0].id" in assert_error(response, 400, "validation_error")["fields"]
    response = api["city"].patch("/pools", json={"targets": {"1": 2**40}})
    assert "targets.1" in assert_error(response, 400, "validation_error")["fields"]


def test_a_count_in_the_range_but_past_integer_from_text_is_refused(api, make_firm):
    firm = make_firm()
    response = api["city"].put(f"/firms/{firm}/indicators/2025", json={"employees": "3000000000"})
    assert assert_error(response, 400, "validation_error")["fields"]["employees"].startswith("不能超过")


# ------------------------------------------------------------------------------------ NUL, control chars

@pytest.mark.parametrize("name", ["杭州\x00测试有限公司", "杭州\x1b测试有限公司", "杭州\n测试有限公司", "杭州\x85测试有限公司"])
def test_control_characters_in_a_name_are_a_400_naming_name(api, name):
    response = api["city"].post("/firms", json=firm_payload(name=name))
    assert "name" in assert_error(response, 400, "validation_error")["fields"]
    assert api["city"].get("/firms").get_json()["total"] == 0


def test_nul_in_a_query_parameter_or_path_segment_is_a_400_naming_it(api):
    error = assert_error(api["city"].get("/firms", query_string={"q": "杭\x00州"}), 400, "validation_error")
    assert "q" in error["fields"] and "NUL" in error["fields"]["q"]
    error = assert_error(api["city"].get("/firms/9133%00"), 400, "validation_error")
    assert "uscc" in error["fields"]


def test_nul_in_a_page_form_is_a_chinese_page_naming_the_field(signed_in, session):
    response = signed_in.post("/firms/new", data={"uscc": uscc(), "name": "杭州\x00测试有限公司"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "<code>name</code>" in text and "空字符" in text
    assert session.query(Firm).count() == 0


# ----------------------------------------------------------------------------------- deeply nested JSON

def test_deeply_nested_json_is_a_400_naming_the_body(api):
    deep = "[" * 100_000 + "]" * 100_000
    response = api["city"].post("/firms", data=deep, content_type="application/json")
    assert "body" in assert_error(response, 400, "validation_error")["fields"]


def test_an_oversized_json_body_is_refused(api):
    body = json.dumps({"name": "x" * (1024 * 1024 + 1)})
    response = api["city"].post("/firms", data=body, content_type="application/json")
    assert "body" in assert_error(response, 400, "validation_error")["fields"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400"])
def test_non_finite_numbers_are_refused(api, make_firm, literal):
    firm = make_firm()
    response = api["city"].put(f"/firms/{firm}/indicators/2025", data='{"revenue": ' + literal + "}",
                               content_type="application/json")
    assert_error(response, 400, "validation_error")


# ------------------------------------------------------------------------------- non-ASCII digits

@pytest.mark.parametrize("value", ["²", "١٢", "１２"])
def test_non_ascii_digits_where_a_number_belongs_are_a_400(api, make_firm, value):
    firm = make_firm()
    response = api["city"].put(f"/firms/{firm}/indicators/2025", json={"employees": value})
    assert "employees" in assert_error(response, 400, "validation_error")["fields"]


def test_non_ascii_digits_in_an_id_segment_are_a_404(api, signed_in):
    assert_error(api["city"].get("/cases/%C2%B2"), 404, "not_found")
    assert signed_in.get("/cases/%D9%A1").status_code == 404


def test_a_version_in_non_ascii_digits_is_a_400_not_a_crash(api, make_case):
    case_id = make_case("small_to_scale")
    response = api["city"].post(f"/cases/{case_id}/actions/start_cultivation", json={"version": "²"})
    assert "version" in assert_error(response, 400, "validation_error")["fields"]


# ---------------------------------------------------------------------------------- lone surrogates

def test_a_lone_surrogate_in_json_is_a_400_naming_the_field(api):
    body = json.dumps(firm_payload()).replace('"name": "', '"name": "\\ud800', 1)
    response = api["city"].post("/firms", data=body, content_type="application/json")
    assert "name" in assert_error(response, 400, "validation_error")["fields"]


def test_a_lone_surrogate_in_a_key_is_named_escaped(api):
    response = api["city"].post("/firms", data='{"a\\udc00": 1}', content_type="application/json")
    assert "a\\udc00" in assert_error(response, 400, "validation_error")["fields"]


# ------------------------------------------------------------------------------------ nonsense accepted

@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", 20210315, "20210315", "2021-3-5"])
def test_a_registration_date_outside_the_plausible_range_or_not_a_date_is_refused(api, value):
    response = api["city"].post("/firms", json=firm_payload(registered_on=value))
    assert "registered_on" in assert_error(response, 400, "validation_error")["fields"]


@pytest.mark.parametrize("query, field", [({"stage": "bogus"}, "stage"), ({"size_class": "huge"}, "size_class"),
                                          ({"legal_form": "公司"}, "legal_form"), ({"district": "西湖"}, "district"),
                                          ({"industry": "C3x"}, "industry"), ({"tags": "ai"}, "tags")])
def test_an_unknown_filter_value_is_refused_naming_the_filter_and_the_allowed_values(api, query, field):
    error = assert_error(api["city"].get("/firms", query_string=query), 400, "validation_error")
    assert set(error["fields"]) == {field}
    if field in ("stage", "size_class"):
        assert "可用" in error["fields"][field] and ("enterprise" in error["fields"][field]
                                                    or "micro" in error["fields"][field])


def test_an_unknown_member_filter_value_lists_the_allowed_states(api):
    error = assert_error(api["city"].get("/pools/1/members", query_string={"state": "bogus"}), 400,
                         "validation_error")
    assert "admitted" in error["fields"]["state"]


def test_a_district_filter_in_fullwidth_digits_is_refused(api):
    error = assert_error(api["city"].get("/flags", query_string={"district": "３３０１０６"}), 400, "validation_error")
    assert "district" in error["fields"]


def test_ordinary_text_passes_the_edge(api):
    """Chinese, full-width punctuation, tabs and newlines in a comment are ordinary input."""
    response = api["city"].post("/firms", json={**firm_payload(district=XIHU), "name": "杭州（测试）有限公司·一"})
    assert response.status_code == 201
    firm = response.get_json()["uscc"]
    response = api["city"].patch(f"/firms/{firm}", json={"industry": "C39", "comment": "第一行\n\t第二行"})
    assert response.status_code == 200
