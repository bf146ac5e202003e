"""Status changes of a firm (注销/吊销/迁出/恢复存续, 经营异常名录, 严重违法失信名单): each writes the firm and one
audit event with its date and source; a refused change writes nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Firm
from tests.factories import make_actors, uscc
from workflows.errors import NotPermitted, ValidationFailed
from workflows.firm_status import STATUS_CHANGES, applicable_changes, mark_status
from workflows.firms import create_firm

TODAY = date(2026, 11, 30)


@pytest.fixture
def actors(session):
    return make_actors(session)


def new_firm(session, actors, now, district="330106", **kw):
    data = {"uscc": uscc(district), "name": "杭州状态测试有限公司", "legal_form": "有限责任公司",
            "district": district, "industry": "C39", "registered_on": "2020-01-15", **kw}
    firm = create_firm(session, data, actor=actors["city"], now=now)
    session.commit()
    return firm


@pytest.fixture
def firm(session, actors, now):
    return new_firm(session, actors, now)


def events(session, firm, action="status_change"):
    return session.scalars(select(AuditEvent).filter_by(firm_id=firm.id, action=action).order_by(AuditEvent.id)).all()


def mark(session, firm, change, actor, now, **kw):
    args = {"effective_on": date(2026, 11, 1), "source": "登记系统", "today": TODAY, **kw}
    return mark_status(session, firm, change, actor=actor, now=now, **args)


@pytest.mark.parametrize("change, field, old, new", [
    ("deregister", "status", "active", "deregistered"),
    ("revoke", "status", "active", "revoked"),
    ("move_out", "status", "active", "moved_out"),
    ("mark_abnormal", "abnormal", False, True),
    ("mark_violation", "serious_violation", False, True),
])
def test_each_change_sets_the_field_and_writes_one_event(session, actors, now, firm, change, field, old, new):
    changes = mark(session, firm, change, actors["city"], now, comment="年报核查", source=" 国家企业信用信息公示系统 ")
    session.commit()
    session.expire_all()
    assert getattr(session.get(Firm, firm.id), field) == new
    assert changes == {field: [old, new]}
    [event] = events(session, firm)
    assert (event.subject_type, event.subject_id, event.actor_name, event.at, event.comment) == \
        ("firm", firm.id, "city", now, "年报核查")
    assert event.evidence == {"change": change, "effective_on": "2026-11-01", "source": "国家企业信用信息公示系统",
                              "changes": {field: [old, new]}}


@pytest.mark.parametrize("first, undo, field, value", [
    ("deregister", "restore", "status", "active"),
    ("mark_abnormal", "clear_abnormal", "abnormal", False),
    ("mark_violation", "clear_violation", "serious_violation", False),
])
def test_a_mistake_is_corrected_by_the_opposite_change(session, actors, now, firm, first, undo, field, value):
    mark(session, firm, first, actors["city"], now)
    changes = mark(session, firm, undo, actors["xihu"], now + timedelta(hours=1), source="人工核实",
                   comment="误登记，已核实")
    session.commit()
    assert getattr(firm, field) == value
    assert changes[field][1] == value
    assert [e.evidence["change"] for e in events(session, firm)] == [first, undo]


def test_status_moves_between_ended_states(session, actors, now, firm):
    """吊销 first, 注销 later is the usual order for a revoked firm."""
    mark(session, firm, "revoke", actors["city"], now)
    assert mark(session, firm, "deregister", actors["city"], now) == {"status": ["revoked", "deregistered"]}


@pytest.mark.parametrize("first, again, message", [
    (None, "restore", "该企业已是存续状态"),
    ("deregister", "deregister", "该企业已是注销状态"),
    ("mark_abnormal", "mark_abnormal", "该企业已在经营异常名录中"),
    (None, "clear_abnormal", "该企业不在经营异常名录中"),
    (None, "clear_violation", "该企业不在严重违法失信名单中"),
])
def test_a_change_that_changes_nothing_is_refused(session, actors, now, firm, first, again, message):
    if first:
        mark(session, firm, first, actors["city"], now)
        session.commit()
    before = len(events(session, firm))
    with pytest.raises(ValidationFailed) as caught:
        mark(session, firm, again, actors["city"], now)
    assert caught.value.fields == {"change": message}
    session.rollback()
    assert len(events(session, firm)) == before


def test_every_input_mistake_is_reported_at_once(session, actors, now, firm):
    with pytest.raises(ValidationFailed) as caught:
        mark(session, firm, "explode", actors["city"], now, effective_on=TODAY + timedelta(days=1), source="  ",
             comment="x" * 2001)
    assert caught.value.fields == {
        "change": "未知的状态变更：explode",
        "effective_on": "生效日期不能晚于今天（2026-11-30）",
        "source": "请填写来源，如登记系统、国家企业信用信息公示系统或人工核实",
        "comment": "说明不能超过2000个字符",
    }


@pytest.mark.parametrize("effective_on, message", [
    (None, "请填写生效日期"),
    ("", "请填写生效日期"),
    ("2026-02-30", "日期格式应为YYYY-MM-DD，且为有效日期：2026-02-30"),
    ("2026-12-01", "生效日期不能晚于今天（2026-11-30）"),
    (date(2019, 12, 31), "生效日期不能早于成立日期（2020-01-15）"),
])
def test_effective_date_rules(session, actors, now, firm, effective_on, message):
    with pytest.raises(ValidationFailed) as caught:
        mark(session, firm, "deregister", actors["city"], now, effective_on=effective_on)
    assert caught.value.fields == {"effective_on": message}
    session.rollback()
    assert firm.status == "active" and events(session, firm) == []


def test_effective_date_may_be_today_and_given_as_text(session, actors, now, firm):
    mark(session, firm, "move_out", actors["city"], now, effective_on=" 2026-11-30 ")
    assert events(session, firm)[0].evidence["effective_on"] == "2026-11-30"


@pytest.mark.parametrize("source, message", [
    ("", "请填写来源，如登记系统、国家企业信用信息公示系统或人工核实"),
    (None, "请填写来源，如登记系统、国家企业信用信息公示系统或人工核实"),
    ("来" * 101, "来源不能超过100个字符"),
])
def test_source_is_required_and_bounded(session, actors, now, firm, source, message):
    with pytest.raises(ValidationFailed) as caught:
        mark(session, firm, "mark_abnormal", actors["city"], now, source=source)
    assert caught.value.fields == {"source": message}


def test_empty_change_asks_for_a_choice(session, actors, now, firm):
    with pytest.raises(ValidationFailed) as caught:
        mark(session, firm, "", actors["city"], now)
    assert caught.value.fields == {"change": "请选择状态变更"}


@pytest.mark.parametrize("actor", ["xihu", "city"])
def test_editors_of_the_firm_may_change_its_status(session, actors, now, firm, actor):
    mark(session, firm, "mark_abnormal", actors[actor], now)
    assert firm.abnormal and events(session, firm)[0].actor_name == actor


@pytest.mark.parametrize("actor", ["shangcheng", "leader", "admin"])
def test_others_may_not(session, actors, now, firm, actor):
    with pytest.raises(NotPermitted):
        mark(session, firm, "mark_abnormal", actors[actor], now)
    session.rollback()
    assert not firm.abnormal and events(session, firm) == []


def test_permission_is_checked_before_the_input(session, actors, now, firm):
    """A leader learns nothing about the rules from a refused write."""
    with pytest.raises(NotPermitted):
        mark(session, firm, "nonsense", actors["leader"], now, source="")


def test_only_the_field_of_the_change_moves(session, actors, now, firm):
    before = {k: getattr(firm, k) for k in ("stage", "size_class", "abnormal", "serious_violation", "tags", "name")}
    mark(session, firm, "deregister", actors["city"], now)
    session.commit()
    session.expire_all()
    assert {k: getattr(session.get(Firm, firm.id), k) for k in before} == before
    assert session.scalar(select(func.count()).select_from(AuditEvent).filter_by(firm_id=firm.id)) == 2  # create


def test_applicable_changes_leave_out_what_would_change_nothing(session, actors, now, firm):
    assert applicable_changes(firm) == ["deregister", "revoke", "move_out", "mark_abnormal", "mark_violation"]
    mark(session, firm, "revoke", actors["city"], now)
    mark(session, firm, "mark_abnormal", actors["city"], now)
    assert applicable_changes(firm) == ["deregister", "move_out", "restore", "clear_abnormal", "mark_violation"]
    assert set(STATUS_CHANGES) == {"deregister", "revoke", "move_out", "restore", "mark_abnormal", "clear_abnormal",
                                   "mark_violation", "clear_violation"}
