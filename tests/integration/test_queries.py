"""Firm list queries: scope, filters, and search text taken literally."""

from workflows.firms import create_firm
from workflows.queries import firm_filters, list_firms
from workflows.rules.uscc import make_uscc


def _firm(session, actor, now, name, body, district="330106", **extra):
    data = {"uscc": make_uscc("91", district, body), "name": name, "legal_form": "有限责任公司",
            "district": district, "industry": "C39", **extra}
    return create_firm(session, data, actor=actor, now=now)


def test_search_treats_wildcards_literally(session, users, now):
    _firm(session, users["city"], now, "百分百%科技有限公司", "MA2AAAA1")
    _firm(session, users["city"], now, "杭州西湖科技有限公司", "MA2AAAA2")
    _firm(session, users["city"], now, "杭州_下划线有限公司", "MA2AAAA3")
    for q, expected in (("%", ["百分百%科技有限公司"]), ("_", ["杭州_下划线有限公司"]),
                        ("科技", ["百分百%科技有限公司", "杭州西湖科技有限公司"])):
        page = list_firms(session, users["city"], firm_filters({"q": q}), 1, 20)
        assert sorted(f.name for f in page.items) == sorted(expected)


def test_officer_sees_only_own_district_whatever_the_filter(session, users, now):
    _firm(session, users["city"], now, "西湖一号", "MA2AAAB1")
    _firm(session, users["city"], now, "上城一号", "MA2AAAB2", district="330102")
    page = list_firms(session, users["xihu"], firm_filters({"district": "330102"}), 1, 20)
    assert page.total == 0
    page = list_firms(session, users["xihu"], firm_filters({}), 1, 20)
    assert [f.name for f in page.items] == ["西湖一号"]
    assert list_firms(session, users["leader"], firm_filters({}), 1, 20).total == 2


def test_tag_and_flag_filters(session, users, now):
    _firm(session, users["city"], now, "信息甲", "MA2AAAC1", tags=["information"], high_tech=True)
    _firm(session, users["city"], now, "健康乙", "MA2AAAC2", tags=["health", "tourism"])
    names = lambda args: sorted(f.name for f in list_firms(session, users["city"], firm_filters(args), 1, 20).items)  # noqa: E731
    assert names({"tags": "health"}) == ["健康乙"]
    assert names({"high_tech": "true"}) == ["信息甲"]
    assert names({"industry": "c39"}) == sorted(["健康乙", "信息甲"])
