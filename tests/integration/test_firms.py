"""Creating and editing firms and their annual figures: the rung a new firm starts on, who may edit what,
the audit event of every change, and the 划型 recomputed from the latest year."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AnnualIndicator, AuditEvent, Firm
from models.enums import LEGAL_FORM_STAGE
from tests.factories import make_actors, uscc
from workflows.errors import Duplicate, NotPermitted, ValidationFailed
from workflows.firms import can_edit, create_firm, put_indicators, update_firm


@pytest.fixture
def actors(session):
    return make_actors(session)


def firm_data(**kw):
    return {"uscc": uscc(), "name": "杭州西湖测试科技有限公司", "legal_form": "有限责任公司", "district": "330106",
            "industry": "I65", **kw}


def firm_events(session, firm):
    return session.scalars(select(AuditEvent).filter_by(firm_id=firm.id).order_by(AuditEvent.id)).all()


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def firm(session, actors, now):
    made = create_firm(session, firm_data(tags=["information"]), actor=actors["city"], now=now)
    session.commit()
    return made


# --- create ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("legal_form, stage", sorted(LEGAL_FORM_STAGE.items()))
def test_stage_follows_legal_form(session, actors, now, legal_form, stage):
    made = create_firm(session, firm_data(legal_form=legal_form), actor=actors["xihu"], now=now)
    session.commit()
    assert (made.stage, made.status, made.size_class, made.district_code) == (stage, "active", "unknown", "330106")


def test_create_records_the_new_values(session, actors, now):
    name = '<script>alert("x")</script>&amp; 有限公司'
    made = create_firm(session, firm_data(name=name, registered_on="2024-03-01"), actor=actors["city"], now=now)
    session.commit()
    session.expire_all()
    assert session.get(Firm, made.id).name == name  # stored as typed; pages escape it
    [event] = firm_events(session, made)
    assert (event.subject_type, event.action, event.actor_name, event.at) == ("firm", "create", "city", now)
    changes = event.evidence["changes"]
    assert changes["name"] == [None, name] and changes["registered_on"] == [None, "2024-03-01"]
    assert changes["stage"] == [None, "enterprise"] and changes["status"] == [None, "active"]


def test_duplicate_uscc(session, actors, now, firm):
    before = count(session, AuditEvent)
    with pytest.raises(Duplicate) as info:
        create_firm(session, firm_data(uscc=firm.uscc.lower(), name="另一家"), actor=actors["city"], now=now)
    session.rollback()
    assert info.value.status == 409 and info.value.fields == {"uscc": "该代码已登记"}
    assert (count(session, Firm), count(session, AuditEvent)) == (1, before)


@pytest.mark.parametrize("district", ["330103", "110101"])
def test_unknown_district(session, actors, now, district):
    with pytest.raises(ValidationFailed) as info:
        create_firm(session, firm_data(district=district), actor=actors["city"], now=now)
    assert info.value.fields == {"district": f"未知的区县代码：{district}"}


@pytest.mark.parametrize("role, district, allowed", [
    ("xihu", "330106", True), ("xihu", "330102", False), ("shangcheng", "330102", True),
    ("city", "330182", True), ("leader", "330106", False), ("admin", "330106", False),
])
def test_who_may_create_where(session, actors, now, role, district, allowed):
    assert can_edit(actors[role], district) is allowed
    if allowed:
        assert create_firm(session, firm_data(district=district), actor=actors[role], now=now).id
    else:
        with pytest.raises(NotPermitted):
            create_firm(session, firm_data(district=district), actor=actors[role], now=now)
        session.rollback()
        assert count(session, Firm) == 0


# --- update ---------------------------------------------------------------------------------------------------

def test_update_records_each_changed_field(session, actors, now, firm):
    changes = update_firm(session, firm, {"name": "杭州新名称有限公司", "tags": ["health", "information"],
                                          "registered_on": "2023-05-06", "abnormal": True, "industry": "I65",
                                          "legal_form": "有限责任公司"},
                          actor=actors["xihu"], now=now, comment="工商变更")
    session.commit()
    expected = {"name": ["杭州西湖测试科技有限公司", "杭州新名称有限公司"], "tags": [["information"], ["health", "information"]],
                "registered_on": [None, "2023-05-06"], "abnormal": [False, True]}
    assert changes == expected
    session.expire_all()
    event = firm_events(session, firm)[-1]
    assert (event.action, event.comment, event.actor_name, event.evidence) == (
        "update", "工商变更", "xihu", {"changes": expected})
    assert (firm.name, firm.registered_on, firm.abnormal) == ("杭州新名称有限公司", date(2023, 5, 6), True)


def test_update_without_change_writes_no_event(session, actors, now, firm):
    before = count(session, AuditEvent)
    assert update_firm(session, firm, {"name": firm.name, "tags": "information", "industry": "i65"},
                       actor=actors["city"], now=now) == {}
    session.commit()
    assert count(session, AuditEvent) == before


def test_update_refuses_stage_and_read_only_fields(session, actors, now, firm):
    with pytest.raises(ValidationFailed) as info:
        update_firm(session, firm, {"stage": "listed", "size_class": "large", "name": ""}, actor=actors["city"],
                    now=now)
    assert info.value.fields == {"stage": "阶段只能通过升级案件变更", "size_class": "该字段不能直接修改",
                                 "name": "企业名称不能为空"}
    session.rollback()
    assert (firm.stage, firm.size_class) == ("enterprise", "unknown")


def test_district_moves(session, actors, now, firm):
    with pytest.raises(NotPermitted):
        update_firm(session, firm, {"district": "330102"}, actor=actors["xihu"], now=now)
    with pytest.raises(NotPermitted):
        update_firm(session, firm, {"name": "越权修改"}, actor=actors["shangcheng"], now=now)
    with pytest.raises(NotPermitted):
        update_firm(session, firm, {"name": "越权修改"}, actor=actors["leader"], now=now)
    with pytest.raises(ValidationFailed):
        update_firm(session, firm, {"district": "330103"}, actor=actors["city"], now=now)
    session.rollback()
    assert update_firm(session, firm, {"district": "330102"}, actor=actors["city"], now=now) == {
        "district_code": ["330106", "330102"]}
    session.commit()
    assert update_firm(session, firm, {"name": "上城区可改"}, actor=actors["shangcheng"], now=now)


def test_industry_change_recomputes_size_class(session, actors, now, firm):
    put_indicators(session, firm, 2025, {"employees": 15, "revenue": 200}, actor=actors["city"], now=now)
    assert firm.size_class == "small"  # 软件业: 10 staff and 50万元 make a small firm
    changes = update_firm(session, firm, {"industry": "C39"}, actor=actors["city"], now=now)
    assert changes == {"industry": ["I65", "C39"], "size_class": ["small", "micro"]}  # 工业 needs 20 staff


# --- indicators -----------------------------------------------------------------------------------------------

def test_put_indicators_creates_and_audits(session, actors, now, firm):
    row, changes = put_indicators(session, firm, "2025", {"revenue": "2500", "profit": "-12.5", "employees": 50,
                                                          "tax": None}, actor=actors["xihu"], now=now)
    session.commit()
    assert (row.year, row.revenue, row.profit, row.employees, row.tax) == (2025, Decimal("2500.00"),
                                                                          Decimal("-12.50"), 50, None)
    assert changes == {"revenue": [None, "2500.00"], "profit": [None, "-12.50"], "employees": [None, 50]}
    event = firm_events(session, firm)[-1]
    assert event.action == "indicators_create"
    assert event.evidence == {"year": 2025, "changes": changes, "firm_changes": {"size_class": ["unknown",
                                                                                               firm.size_class]}}


@pytest.mark.parametrize("year, data, fields", [
    (2025, {"revenue": -1}, {"revenue": "不能为负数"}),
    (2025, {"revenue": "两千"}, {"revenue": "应为数字（万元），而不是“两千”"}),
    (2025, {"employees": 1.5, "total_assets": "-0.01"}, {"employees": "应为非负整数，而不是“1.5”",
                                                          "total_assets": "不能为负数"}),
    (2025, {"sales": 1}, {"sales": "未知字段"}),
    (1999, {"revenue": 1}, {"year": "年度不能早于2000年"}),
    (2027, {"revenue": 1}, {"year": "年度不能晚于今年（2026）"}),
    ("明年", {"revenue": 1}, {"year": "年度应为4位数字"}),
])
def test_put_indicators_refuses_bad_figures(session, actors, now, firm, year, data, fields):
    before = count(session, AuditEvent)
    with pytest.raises(ValidationFailed) as info:
        put_indicators(session, firm, year, data, actor=actors["city"], now=now)
    session.rollback()
    assert info.value.fields == fields
    assert (count(session, AnnualIndicator), count(session, AuditEvent)) == (0, before)


def test_size_class_follows_the_latest_year(session, actors, now):
    firm = create_firm(session, firm_data(industry="C39"), actor=actors["city"], now=now)
    city = actors["city"]
    put_indicators(session, firm, 2024, {"employees": 400, "revenue": 3000}, actor=city, now=now)
    assert firm.size_class == "medium"
    put_indicators(session, firm, 2025, {"employees": 50, "revenue": 2500}, actor=city, now=now)
    assert firm.size_class == "small"
    _, changes = put_indicators(session, firm, 2023, {"employees": 5, "revenue": 10}, actor=city, now=now)
    assert firm.size_class == "small"  # an older year does not decide
    event = firm_events(session, firm)[-1]
    assert (event.evidence["year"], event.evidence["firm_changes"]) == (2023, {})
    put_indicators(session, firm, 2025, {"employees": 10, "revenue": 2500}, actor=city, now=now)
    session.commit()
    assert firm.size_class == "micro"
    assert firm_events(session, firm)[-1].evidence["firm_changes"] == {"size_class": ["small", "micro"]}


def test_put_semantics_and_no_event_when_unchanged(session, actors, now, firm):
    put_indicators(session, firm, 2025, {"revenue": 100, "tax": 5, "employees": 9}, actor=actors["city"], now=now)
    session.commit()
    before = count(session, AuditEvent)
    put_indicators(session, firm, 2025, {"revenue": "100.00", "tax": 5, "employees": 9}, actor=actors["city"],
                   now=now)
    assert count(session, AuditEvent) == before
    row, changes = put_indicators(session, firm, 2025, {"revenue": 100}, actor=actors["city"], now=now)
    session.commit()
    assert (row.tax, row.employees) == (None, None)  # absent means unknown now, not "keep"
    assert changes == {"tax": ["5.00", None], "employees": [9, None]}
    assert firm_events(session, firm)[-1].action == "indicators_update"


def test_officer_of_another_district_cannot_put_indicators(session, actors, now, firm):
    for role in ("shangcheng", "leader", "admin"):
        with pytest.raises(NotPermitted):
            put_indicators(session, firm, 2025, {"revenue": 1}, actor=actors[role], now=now)
    put_indicators(session, firm, 2025, {"revenue": 1}, actor=actors["xihu"], now=now)
