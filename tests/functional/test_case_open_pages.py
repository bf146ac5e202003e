"""Opening a ladder case from the firm page: only the kinds the firm's rung allows, refusals in Chinese,
only for those who may open cases on that firm."""

import pytest

from models import AuditEvent, UpgradeCase
from tests.factories import SHANGCHENG, uscc
from tests.functional.case_pages import (
    ESCAPED,
    EVIL,
    case_page,
    current_state,
    history_rows,
    new_case_id,
    open_from_page,
    open_options,
)
from tests.functional.pages import login, page

# legal form -> (kinds the form offers, the case page's first state)
RUNGS = {
    "个体工商户": ["ind_to_ent"],
    "有限责任公司": ["small_to_scale", "scale_to_stock"],
    "股份有限公司": ["stock_to_listed"],
}
INITIAL = {"ind_to_ent": ("identified", "已识别"), "small_to_scale": ("identified", "已识别"),
           "scale_to_stock": ("identified", "已识别"), "stock_to_listed": ("reserve", "上市后备")}
LABELS = {"ind_to_ent": "个转企", "small_to_scale": "小升规", "scale_to_stock": "规改股", "stock_to_listed": "股上市"}


def make(firms, legal_form="有限责任公司", **extra):
    code = uscc(kind="92") if legal_form == "个体工商户" else uscc(extra.get("district", "330106"))
    return firms(uscc=code, legal_form=legal_form, **extra)


def count(session, model) -> int:
    session.expire_all()
    return session.query(model).count()


@pytest.mark.parametrize("legal_form", list(RUNGS))
def test_form_offers_the_kinds_of_the_firms_rung(client, firms, users, legal_form):
    firm = make(firms, legal_form)
    login(client, "xihu")
    html = page(client, f"/firms/{firm.uscc}")
    assert open_options(html) == RUNGS[legal_form]
    assert "暂无升级案件。" in html


@pytest.mark.parametrize("kind", ["ind_to_ent", "small_to_scale", "scale_to_stock", "stock_to_listed"])
@pytest.mark.parametrize("username", ["xihu", "city"])
def test_open_each_kind_from_the_firm_page(client, firms, users, session, kind, username):
    legal_form = next(form for form, kinds in RUNGS.items() if kind in kinds)
    firm = make(firms, legal_form)
    login(client, username)
    case_id = new_case_id(open_from_page(client, firm.uscc, kind, comment="企业主动申请"))
    html = case_page(client, case_id)
    assert f"已发起{LABELS[kind]}案件。" in html
    assert f"{LABELS[kind]}案件 #{case_id}" in html
    state, label = INITIAL[kind]
    assert current_state(html) == [state] and f'data-state="{state}">{label}</span>' in html
    [(action, row)] = history_rows(html)
    assert action == "open" and "发起案件" in row and "企业主动申请" in row and username in row
    # The firm page lists it, links it, and no longer offers the kind.
    firm_html = page(client, f"/firms/{firm.uscc}")
    assert f'<tr data-case="{case_id}">' in firm_html and f'href="/cases/{case_id}"' in firm_html
    assert kind not in open_options(firm_html)


def test_refused_kind_is_explained_and_writes_nothing(client, firms, users, session):
    firm = make(firms)  # an enterprise: 股上市 needs a 股份有限公司
    login(client, "xihu")
    before = count(session, AuditEvent)
    response = open_from_page(client, firm.uscc, "stock_to_listed")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/firms/{firm.uscc}#cases-heading"
    html = page(client, f"/firms/{firm.uscc}")
    assert "该企业当前不能发起此类案件：当前阶段“企业(规下)”不能发起股上市" in html
    assert count(session, UpgradeCase) == 0 and count(session, AuditEvent) == before


def test_duplicate_open_case_is_refused(client, firms, users, session):
    firm = make(firms)
    login(client, "xihu")
    new_case_id(open_from_page(client, firm.uscc, "small_to_scale"))
    assert open_options(page(client, f"/firms/{firm.uscc}")) == ["scale_to_stock"]
    response = open_from_page(client, firm.uscc, "small_to_scale")  # a second tab's stale form
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/firms/{firm.uscc}")
    assert "该企业已有进行中的小升规案件" in page(client, f"/firms/{firm.uscc}")
    assert count(session, UpgradeCase) == 1


@pytest.mark.parametrize(("kind", "message"), [
    ("", "请选择要发起的案件类型。"),
    ("fly", "未知的案件类型“fly”"),
])
def test_missing_or_unknown_kind(client, firms, users, session, kind, message):
    firm = make(firms)
    login(client, "city")
    assert open_from_page(client, firm.uscc, kind).status_code == 302
    assert message in page(client, f"/firms/{firm.uscc}")
    assert count(session, UpgradeCase) == 0


def test_all_kinds_open_leaves_a_note_instead_of_the_form(client, firms, users):
    firm = make(firms)
    login(client, "xihu")
    for kind in ("small_to_scale", "scale_to_stock"):
        new_case_id(open_from_page(client, firm.uscc, kind))
    html = page(client, f"/firms/{firm.uscc}")
    assert open_options(html) == [] and "可发起的案件均在办理中" in html


def test_listed_and_deregistered_firms_offer_no_form(client, firms, users, session):
    from workflows.firms import update_firm

    listed = make(firms, "股份有限公司")
    listed.stage = "listed"  # setup: a firm at the top of the ladder
    gone = make(firms)
    update_firm(session, gone, {"status": "deregistered"}, actor=users["city"], now=gone.created_at)
    session.commit()
    login(client, "city")
    html = page(client, f"/firms/{listed.uscc}")
    assert open_options(html) == [] and "已在阶梯顶端" in html
    html = page(client, f"/firms/{gone.uscc}")
    assert open_options(html) == [] and "企业已非存续状态，不能发起升级案件。" in html
    open_from_page(client, gone.uscc, "small_to_scale")
    assert "企业已非存续状态" in page(client, f"/firms/{gone.uscc}")
    assert count(session, UpgradeCase) == 0


@pytest.mark.parametrize(("username", "status"), [("leader", 403), ("admin", 403), ("shangcheng", 404)])
def test_who_may_not_open_is_refused(client, firms, users, session, username, status):
    firm = make(firms)  # a 西湖区 firm
    login(client, username)
    if username == "leader":
        html = page(client, f"/firms/{firm.uscc}")
        assert 'id="open-case"' not in html and 'id="open-case-note"' not in html
    else:
        assert client.get(f"/firms/{firm.uscc}").status_code == status
    assert open_from_page(client, firm.uscc, "small_to_scale").status_code == status
    assert count(session, UpgradeCase) == 0


def test_officer_opens_in_own_district_only(client, firms, users):
    mine = make(firms, district=SHANGCHENG)
    login(client, "shangcheng")
    assert open_options(page(client, f"/firms/{mine.uscc}")) == ["small_to_scale", "scale_to_stock"]
    assert new_case_id(open_from_page(client, mine.uscc, "small_to_scale"))


def test_open_comment_and_firm_name_are_escaped(client, firms, users):
    firm = make(firms, name=f"恶意{EVIL}有限公司")
    login(client, "xihu")
    case_id = new_case_id(open_from_page(client, firm.uscc, "small_to_scale", comment=EVIL))
    html = case_page(client, case_id)
    assert EVIL not in html and html.count(ESCAPED) >= 3  # title/breadcrumb/firm name and the comment
    assert ESCAPED in history_rows(html)[0][1]
    assert EVIL not in page(client, f"/firms/{firm.uscc}")
