"""Every action of the four case workflows taken through the case page, each by the role that takes it in
practice: the district's county officer for the early steps, city staff for the approving ones."""

import re

import pytest

from tests.factories import uscc
from tests.functional.case_pages import (
    act,
    case_page,
    current_state,
    history_rows,
    new_case_id,
    offered,
    open_from_page,
    switch,
)
from tests.functional.pages import page
from workflows.case_flows import CASE_WORKFLOWS

NEW_USCC = "<a fresh USCC>"
INDIVIDUAL = {"legal_form": "个体工商户", "industry": "F52", "name": "西湖区张记便利店"}
JOINT_STOCK = {"legal_form": "股份有限公司", "industry": "I65"}

# name: (firm, kind, [(user, action, fields, state after)], (final state, firm stage shown on the case page))
FLOWS = {
    "个转企·直接变更": (INDIVIDUAL, "ind_to_ent", [
        ("xihu", "confirm_intent", {}, "intent"),
        ("xihu", "submit_registration", {}, "registering"),
        ("xihu", "return", {"reason": "材料不全，缺章程"}, "intent"),
        ("xihu", "submit_registration", {}, "registering"),
        ("city", "complete", {"legal_form": "有限责任公司", "route": "direct_change"}, "completed"),
    ], "企业(规下)"),
    "个转企·注销设立": (INDIVIDUAL, "ind_to_ent", [
        ("xihu", "confirm_intent", {}, "intent"),
        ("xihu", "submit_registration", {}, "registering"),
        ("city", "complete", {"legal_form": "个人独资企业", "route": "deregister_setup", "new_uscc": NEW_USCC},
         "completed"),
    ], "个体工商户"),  # the old record stays an individual business, now 注销; the successor is the enterprise
    "个转企·放弃": (INDIVIDUAL, "ind_to_ent", [
        ("xihu", "abandon", {"reason": "经营者不愿转企"}, "abandoned"),
    ], "个体工商户"),
    "小升规": ({"industry": "C39", "indicators": {2024: {"revenue": "2600", "employees": 70}}}, "small_to_scale", [
        ("xihu", "start_cultivation", {}, "cultivating"),
        ("xihu", "declare", {}, "declared"),
        ("city", "return", {"reason": "请补充纳税证明"}, "cultivating"),
        ("xihu", "declare", {}, "declared"),
        ("city", "approve", {}, "completed"),
    ], "规上/限上企业"),
    "小升规·建筑业资质": ({"industry": "E47"}, "small_to_scale", [
        ("xihu", "start_cultivation", {}, "cultivating"),
        ("xihu", "declare", {"qualification": "confirmed"}, "declared"),
        ("city", "approve", {}, "completed"),
    ], "规上/限上企业"),
    "小升规·放弃": ({}, "small_to_scale", [
        ("xihu", "start_cultivation", {}, "cultivating"),
        ("xihu", "abandon", {"reason": "企业迁出本市"}, "abandoned"),
    ], "企业(规下)"),
    "规改股": ({}, "scale_to_stock", [
        ("xihu", "confirm_intent", {}, "intent"),
        ("xihu", "engage_intermediaries", {}, "intermediaries"),
        ("xihu", "start_audit", {}, "audit_valuation"),
        ("xihu", "hold_meeting", {}, "founding_meeting"),
        ("city", "complete", {}, "completed"),
    ], "股份有限公司"),
    "规改股·放弃": ({}, "scale_to_stock", [
        ("xihu", "confirm_intent", {}, "intent"),
        ("xihu", "abandon", {"reason": "股东意见不一"}, "abandoned"),
    ], "企业(规下)"),
    "股上市·科创板": (JOINT_STOCK, "stock_to_listed", [
        ("city", "designate_key", {}, "reserve"),
        ("xihu", "file_tutoring", {}, "tutoring"),
        ("city", "revoke_key", {}, "tutoring"),
        ("xihu", "file_application", {"board": "star"}, "filed"),
        ("city", "designate_key", {}, "filed"),
        ("city", "register", {}, "registered"),
        ("city", "list", {}, "completed"),
    ], "上市/挂牌公司"),
    "股上市·新三板": (JOINT_STOCK, "stock_to_listed", [
        ("xihu", "file_application", {"board": "neeq"}, "filed"),
        ("city", "list", {}, "completed"),
    ], "上市/挂牌公司"),
    "股上市·终止": (JOINT_STOCK, "stock_to_listed", [
        ("xihu", "file_tutoring", {}, "tutoring"),
        ("xihu", "terminate", {"reason": "撤回辅导备案"}, "terminated"),
    ], "股份有限公司"),
}


@pytest.mark.parametrize("name", list(FLOWS))
def test_workflow_through_the_page(client, firms, users, name):
    firm_data, kind, steps, final_stage = FLOWS[name]
    workflow = CASE_WORKFLOWS[kind]
    code = uscc(kind="92") if firm_data.get("legal_form") == "个体工商户" else uscc()
    firm = firms(uscc=code, **firm_data)
    new_code = uscc()

    switch(client, "xihu")
    case_id = new_case_id(open_from_page(client, firm.uscc, kind, comment="走访确认"))
    html = case_page(client, case_id)
    assert "已发起" in html and current_state(html) == [workflow.initial]

    who, state = "xihu", workflow.initial
    for user, action, fields, target in steps:
        if user != who:
            switch(client, user)
            who = user
        label = workflow.edge(state, action)[1].label
        typed = {k: (new_code if v == NEW_USCC else v) for k, v in fields.items()}
        response = act(client, case_id, action, comment=f"{label}，按规定办理", **typed)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        assert response.headers["Location"] == f"/cases/{case_id}"
        html = case_page(client, case_id)
        assert f"已执行：{label}" in html
        assert current_state(html) == [target], (action, current_state(html))
        last_action, last_row = history_rows(html)[-1]
        assert last_action == action and label in last_row and f"{label}，按规定办理" in last_row
        assert f"{workflow.states[state].label} → {workflow.states[target].label}" in last_row or state == target
        state = target

    assert workflow.states[state].final
    assert offered(html) == [] and 'id="no-actions"' in html and "案件已结束" in html
    info = html[html.index('id="case-info"'):html.index("</table>", html.index('id="case-info"'))]
    assert f'<td id="firm-stage">{final_stage}</td>' in info
    rows = history_rows(html)
    assert [a for a, _ in rows] == ["open", *(s[1] for s in steps)]
    assert "发起案件" in rows[0][1] and "走访确认" in rows[0][1]


def test_completed_cases_show_their_attributes_and_changes(client, firms, users):
    firm = firms(**JOINT_STOCK)
    switch(client, "xihu")
    case_id = new_case_id(open_from_page(client, firm.uscc, "stock_to_listed"))
    assert act(client, case_id, "file_application", board="neeq").status_code == 302
    switch(client, "city")
    assert act(client, case_id, "designate_key").status_code == 302
    assert act(client, case_id, "list").status_code == 302
    html = case_page(client, case_id)
    attrs = dict(re.findall(
        r'<tr class="case-attr"><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', html))
    assert attrs == {"上市板块": "新三板", "市级重点拟上市": "是", "上市/挂牌日期": "2026-11-30"}
    rows = dict(history_rows(html))
    assert "上市板块：新三板" in rows["file_application"]
    assert "案件·市级重点拟上市：" in rows["designate_key"] and "（不变）" in rows["designate_key"]
    assert "企业·阶梯阶段：" in rows["list"] and "股份有限公司</span> → <span class=\"new\">上市/挂牌公司" in rows["list"]
    firm_html = page(client, f"/firms/{firm.uscc}")
    assert "上市/挂牌公司" in firm_html and f'<tr data-case="{case_id}">' in firm_html


def test_deregister_setup_links_the_successor(client, firms, users):
    firm = firms(uscc=uscc(kind="92"), **INDIVIDUAL)
    switch(client, "xihu")
    case_id = new_case_id(open_from_page(client, firm.uscc, "ind_to_ent"))
    for action in ("confirm_intent", "submit_registration"):
        act(client, case_id, action)
    new_code = uscc()
    act(client, case_id, "complete", legal_form="有限责任公司", route="deregister_setup", new_uscc=new_code.lower())
    html = case_page(client, case_id)
    complete = dict(history_rows(html))["complete"]
    assert f"新统一社会信用代码：{new_code}" in complete and "企业·登记状态：" in complete
    successor = page(client, f"/firms/{new_code}")
    assert "西湖区张记便利店" in successor and "企业(规下)" in successor
