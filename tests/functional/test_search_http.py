"""The `q` search through the API and the pages, and its indexes following firms created and renamed there:
by the API (POST, PATCH) and by the forms (new, edit)."""

from urllib.parse import quote

from sqlalchemy import select

from models import Firm
from tests.factories import firm_payload, uscc
from tests.functional.forms import login
from tests.functional.pages import page
from tests.search_index import assert_indexes_follow


def names(api, q: str, **filters) -> list[str]:
    query = "&".join(f"{k}={quote(v)}" for k, v in {"q": q, **filters}.items())
    body = api["city"].get(f"/firms?{query}").get_json()
    assert body["total"] == len(body["items"])
    return sorted(item["name"] for item in body["items"])


def test_firms_created_and_renamed_through_the_api_are_found_by_any_part(api, session):
    assert api["city"].post("/firms", json=firm_payload(name="杭州鑫达Tech有限公司", tags=["culture"])).status_code == 201
    other = firm_payload(name="鑫")
    assert api["city"].post("/firms", json=other).status_code == 201
    assert_indexes_follow(session)
    assert names(api, "鑫达") == names(api, "鑫达Tech") == ["杭州鑫达Tech有限公司"]
    assert names(api, "鑫") == ["杭州鑫达Tech有限公司", "鑫"]
    assert names(api, other["uscc"].lower()) == names(api, other["uscc"][:17]) == ["鑫"]
    assert names(api, other["uscc"][:8]) == ["杭州鑫达Tech有限公司", "鑫"]  # both codes start 91330106
    assert names(api, "", tags="culture") == ["杭州鑫达Tech有限公司"]
    assert api["city"].patch(f"/firms/{other['uscc']}", json={"name": "钱塘50%_股份"}).status_code == 200
    assert_indexes_follow(session)
    assert names(api, "鑫") == ["杭州鑫达Tech有限公司"]
    assert names(api, "50%_") == names(api, "%_") == names(api, "钱塘") == ["钱塘50%_股份"]
    assert names(api, "0_") == [] and names(api, "%股") == []


def test_firms_created_and_renamed_through_the_forms_are_found_on_the_list_page(client, session, users):
    login(client, "city")
    code = uscc()
    form = {"uscc": code, "name": "杭州之江数控机床有限公司", "legal_form": "有限责任公司", "district": "330106",
            "industry": "C34", "registered_on": "2021-06-01", "tags": ["equipment"]}
    assert client.post("/firms/new", data=form).status_code == 302
    assert_indexes_follow(session)
    assert "杭州之江数控机床有限公司" in page(client, f"/firms/?q={quote('数控')}")
    edited = {**form, "name": "杭州钱江数控有限公司"}
    del edited["uscc"]
    assert client.post(f"/firms/{code}/edit", data=edited).status_code == 302
    assert_indexes_follow(session)
    assert session.scalar(select(Firm.name).filter_by(uscc=code)) == "杭州钱江数控有限公司"
    listed = page(client, f"/firms/?q={quote('钱江')}")
    assert "杭州钱江数控有限公司" in listed and "杭州钱江数控有限公司" not in page(client, f"/firms/?q={quote('之江')}")
