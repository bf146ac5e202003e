"""工作提醒 pages: each role's scope, the one-click actions (domain action and flag acted in one unit of work),
dismissal with a reason, counts on the home page and in the menu. Flags come from the real check."""

import re

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Flag, PoolMembership, UpgradeCase
from tests.functional.pages import login, page


def flag_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<tr data-flag="(\d+)"', html)}


def fresh(session, flag) -> Flag:
    session.expire_all()
    return session.get(Flag, flag.id)


def test_city_staff_see_every_district_grouped_by_kind_with_reasons_in_words(client, users, flagged):
    login(client, "city")
    html = page(client, "/inbox/")
    assert flag_ids(html) == {f.id for f in flagged.values()}
    assert "共 4 条待处理" in html
    kinds = dict(re.findall(r'data-kind="(\w*)"\s+href="[^"]*">[^<]*<span class="badge[^"]*count">(\d+)', html))
    assert kinds == {"": "4", "ind_to_ent": "1", "near_scale": "1", "scale_ready": "2"}
    assert "2025年营业收入1,700万元，达到规上标准2,000万元的85.0%" in html
    assert "2025年营业收入600万元，达到个转企参考线500万元" in html
    assert "上城区" in html and flagged["other"].firm.name in html
    assert flag_ids(page(client, "/inbox/?kind=scale_ready")) == {flagged["ready"].id, flagged["other"].id}
    assert flag_ids(page(client, "/inbox/?district=330102")) == {flagged["other"].id}


def test_a_county_officer_sees_and_acts_on_their_district_only(client, users, flagged, session):
    login(client, "xihu")
    html = page(client, "/inbox/?district=330102")  # the URL cannot widen an officer's scope
    assert flag_ids(html) == {flagged[k].id for k in ("near", "ready", "individual")}
    assert 'id="district"' not in html
    other = flagged["other"]
    page(client, f"/inbox/{other.id}", 404)
    for url, data in [(f"/inbox/{other.id}/dismiss", {"reason": "不需要", "version": other.version}),
                      (f"/inbox/{other.id}/open-case", {"version": other.version})]:
        assert client.post(url, data=data).status_code == 404
    assert fresh(session, other).state == "open"
    assert session.scalar(select(func.count()).select_from(UpgradeCase)) == 0


def test_a_leader_reads_every_flag_but_gets_no_buttons(client, users, flagged):
    login(client, "leader")
    html = page(client, "/inbox/")
    assert len(flag_ids(html)) == 4 and "您的角色只能查看工作提醒，不能处理" in html
    assert 'data-action="open_case"' not in html and 'data-action="dismiss"' not in html
    assert ">处理</th>" not in html  # no empty column of buttons
    detail = page(client, f"/inbox/{flagged['near'].id}")
    assert 'id="dismiss"' not in detail and 'id="open-case"' not in detail and 'id="read-only"' in detail
    near = flagged["near"]
    assert client.post(f"/inbox/{near.id}/dismiss", data={"reason": "x", "version": near.version}).status_code == 403
    assert client.post(f"/inbox/{near.id}/open-case", data={"version": near.version}).status_code == 403


def test_the_admin_has_no_inbox(client, users, flagged):
    login(client, "admin")
    page(client, "/inbox/", 403)
    assert 'id="nav-inbox"' not in page(client, "/")


def test_dismissal_needs_a_reason_and_then_holds(client, users, flagged, session):
    login(client, "xihu")
    flag = flagged["ready"]
    response = client.post(f"/inbox/{flag.id}/dismiss", data={"reason": "  ", "version": flag.version})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写忽略原因" in html and "请写明为何无需处理" in html
    assert fresh(session, flag).state == "open"
    response = client.post(f"/inbox/{flag.id}/dismiss", data={"reason": "企业已说明为一次性收入", "version": flag.version})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")
    flag = fresh(session, flag)
    assert flag.state == "dismissed"
    event = session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "flag", AuditEvent.subject_id == flag.id,
                                                    AuditEvent.action == "dismiss"))
    assert event.comment == "企业已说明为一次性收入" and event.actor_name == "xihu"
    assert flag.id not in flag_ids(page(client, "/inbox/"))


def test_opening_the_case_marks_the_flag_acted_with_the_link(client, users, flagged, session):
    login(client, "xihu")
    flag = flagged["near"]
    back = "/inbox/?kind=near_scale"
    response = client.post(f"/inbox/{flag.id}/open-case", data={"version": flag.version, "next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    case = session.scalar(select(UpgradeCase).where(UpgradeCase.firm_id == flag.firm_id))
    assert case.kind == "small_to_scale" and case.state == "identified"
    flag = fresh(session, flag)
    assert flag.state == "acted" and flag.outcome == {"case": case.id}
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.firm_id == flag.firm_id)
                              .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["open", "act"]
    assert "已发起小升规案件" in page(client, back)


def test_when_marking_the_flag_fails_the_case_is_not_opened_either(client, users, flagged, session, monkeypatch):
    from workflows.errors import StaleVersion
    from workflows.inbox import actions

    def refuse(*args, **kwargs):
        raise StaleVersion("该记录已被他人更新，请刷新后重试")

    monkeypatch.setattr(actions.flags, "act", refuse)
    login(client, "xihu")
    flag = flagged["near"]
    response = client.post(f"/inbox/{flag.id}/open-case", data={"version": flag.version})
    assert response.status_code == 409
    assert session.scalar(select(func.count()).select_from(UpgradeCase)) == 0
    assert fresh(session, flag).state == "open"


def test_a_stale_form_says_a_colleague_was_first(client, users, flagged, session, now):
    from workflows import flags

    flag = flagged["ready"]
    version = flag.version
    flags.dismiss(session, flag, actor=users["city"], now=now, reason="市局已核实", expected_version=version)
    session.commit()
    login(client, "xihu")
    response = client.post(f"/inbox/{flag.id}/open-case", data={"version": version})
    assert response.status_code == 409
    assert "该工作提醒已被他人处理（当前状态：已忽略），请刷新后查看" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(UpgradeCase)) == 0


def test_a_refused_case_leaves_the_flag_open_and_says_why(client, users, flagged, session, now):
    from workflows.ladder import open_case

    flag = flagged["ready"]
    open_case(session, flag.firm, "small_to_scale", actor=users["city"], now=now)  # opened elsewhere meanwhile
    session.commit()
    login(client, "xihu")
    response = client.post(f"/inbox/{flag.id}/open-case", data={"version": flag.version})
    assert response.status_code == 409 and "该企业已有进行中的小升规案件" in response.get_data(as_text=True)
    assert fresh(session, flag).state == "open"


def test_nominating_from_the_flag_marks_it_acted(client, users, flagged, session):
    from tests.functional.pool_pages import county_pool

    flag = flagged["near"]
    login(client, "xihu")
    url = f"/firms/{flag.firm.uscc}/nominate?flag={flag.id}"
    assert "处理工作提醒：小升规临规" in page(client, url)
    pool = county_pool(session, flag.district_code)
    response = client.post(url, data={"pool": pool.id, "reason": "临规企业，重点培育", "cultivation_type": "growth",
                                      "batch": "2026-2", "flag": flag.id, "flag_version": flag.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    membership = session.scalar(select(PoolMembership).where(PoolMembership.firm_id == flag.firm_id))
    flag = fresh(session, flag)
    assert membership.state == "nominated" and flag.state == "acted" and flag.outcome == {"membership": membership.id}


def test_a_removal_flag_removes_the_member_with_a_reason_code(client, users, session, now, admitted, pool_firm):
    from tests.factories import raise_flag

    membership = admitted(pool_firm())
    flag = raise_flag(session, membership, "removal", now)
    session.commit()
    login(client, "city")
    html = page(client, f"/inbox/{flag.id}")
    assert 'id="end-remove"' in html and "注销/吊销" in html
    response = client.post(f"/inbox/{flag.id}/end/remove", data={"remove-version": flag.version, "remove-reason": ""})
    assert response.status_code == 400 and "请选择原因" in response.get_data(as_text=True)
    response = client.post(f"/inbox/{flag.id}/end/remove",
                           data={"remove-version": flag.version, "remove-reason": "deregistered"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(PoolMembership, membership.id).state == "removed"
    assert fresh(session, flag).outcome == {"membership": membership.id}


def test_counts_on_the_home_page_and_in_the_menu(client, users, flagged):
    for user, total in [("city", "4"), ("xihu", "3"), ("leader", "4"), ("shangcheng", "1")]:
        login(client, user)
        html = page(client, "/")
        assert re.search(rf'id="nav-inbox-count">{total}<', html), user
        assert f'id="home-flag-total">{total}<' in html, user
        client.post("/logout")
    login(client, "xihu")
    home = page(client, "/")
    assert 'href="/inbox/?kind=scale_ready"' in home and "小升规达标" in home


def test_the_firm_page_shows_its_flags_and_the_timeline_their_events(client, users, flagged, session, now):
    from workflows import flags

    flag = flagged["ready"]
    flags.dismiss(session, flag, actor=users["xihu"], now=now, reason="数据待核实", expected_version=flag.version)
    session.commit()
    login(client, "xihu")
    html = page(client, f"/firms/{flag.firm.uscc}")
    assert 'id="firm-flags"' in html and "小升规达标" in html and "已忽略" in html
    assert "达到规上标准2,000万元的125.0%" in html
    assert "检查发现，发出提醒" in html and "忽略提醒" in html and "工作提醒·小升规达标" in html
    timeline = page(client, f"/firms/{flag.firm.uscc}/timeline?kind=flag")
    assert "待处理 → 已忽略" in timeline and "升级候选检查" in timeline
    assert f'href="/inbox/{flag.id}"' in timeline


@pytest.mark.parametrize(("query", "message"), [("kind=nonsense", "未知的提醒类型"), ("page=0", "页码应为正整数")])
def test_a_bad_filter_is_named(client, users, flagged, query, message):
    login(client, "city")
    assert message in page(client, f"/inbox/?{query}", 400)


def test_the_list_pages_and_keeps_its_filters(client, users, flagged):
    login(client, "city")
    html = page(client, "/inbox/?per_page=1&kind=scale_ready")
    assert len(flag_ids(html)) == 1 and "第 1/2 页" in html
    assert "page=2" in html and "kind=scale_ready" in html


def test_an_officer_is_not_offered_ending_a_city_pool_membership(client, users, session, now, member):
    from tests.factories import raise_flag

    membership = session.get(PoolMembership, member("admitted", level="city"))
    flag = raise_flag(session, membership, "graduation", now)
    session.commit()
    login(client, "xihu")
    html = page(client, f"/inbox/{flag.id}")
    assert 'id="end-graduate"' not in html and 'id="dismiss"' in html  # the city pool's decisions are city staff's
    response = client.post(f"/inbox/{flag.id}/end/graduate",
                           data={"graduate-version": flag.version, "graduate-reason": "scaled_up"})
    assert response.status_code == 403
    assert fresh(session, flag).state == "open"
    client.post("/logout")
    login(client, "city")
    assert 'id="end-graduate"' in page(client, f"/inbox/{flag.id}")


def test_dismissing_from_a_filtered_list_returns_to_that_list(client, users, flagged, session):
    login(client, "xihu")
    flag, back = flagged["near"], "/inbox/?kind=near_scale"
    listing = page(client, back)
    link = f"/inbox/{flag.id}?next=/inbox/?kind%3Dnear_scale#dismiss"
    assert f'href="{link}"' in listing
    html = page(client, link.split("#")[0])
    assert f'name="next" value="{back}"' in html
    refused = client.post(f"/inbox/{flag.id}/dismiss", data={"reason": "", "version": flag.version, "next": back})
    assert refused.status_code == 400 and f'name="next" value="{back}"' in refused.get_data(as_text=True)
    done = client.post(f"/inbox/{flag.id}/dismiss", data={"reason": "企业已说明", "version": flag.version, "next": back})
    assert done.headers["Location"] == back
    outside = client.post(f"/inbox/{flagged['ready'].id}/dismiss",
                          data={"reason": "企业已说明", "version": flagged["ready"].version, "next": "https://evil.example/"})
    assert outside.headers["Location"].endswith("/inbox/")
