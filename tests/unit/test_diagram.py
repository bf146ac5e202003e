"""The workflow diagram is drawn from the engine's graph, with the current state highlighted."""

import re

import pytest

from pool.ladder.diagram import loop_actions, render_svg
from workflows.case_flows import CASE_WORKFLOWS


@pytest.mark.parametrize("kind", sorted(CASE_WORKFLOWS))
def test_every_state_drawn_once_and_current_highlighted(kind):
    workflow = CASE_WORKFLOWS[kind]
    svg = str(render_svg(workflow, current=workflow.initial))
    drawn = re.findall(r'data-state="([^"]+)"', svg)
    assert sorted(drawn) == sorted(workflow.states)
    current = re.findall(r'class="wf-state wf-current[^"]*" data-state="([^"]+)"', svg)
    assert current == [workflow.initial]
    for state in workflow.states.values():
        assert state.label in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_labels_are_escaped():
    svg = str(render_svg(CASE_WORKFLOWS["small_to_scale"], current="declared"))
    assert "<script" not in svg
    assert 'data-state="declared"' in svg


def test_loops_are_listed_not_drawn():
    assert loop_actions(CASE_WORKFLOWS["stock_to_listed"]) == ["列为市级重点拟上市", "取消市级重点拟上市"]
    assert loop_actions(CASE_WORKFLOWS["ind_to_ent"]) == []


def test_the_membership_diagram_labels_its_users_steps_not_the_cascade():
    from workflows.membership import MEMBERSHIP

    svg = str(render_svg(MEMBERSHIP, "admitted"))
    labels = re.findall(r'class="wf-edge-label"[^>]*>([^<]+)<', svg)
    assert "毕业出库" in labels and "审核入库" in labels
    assert not any("联动" in label for label in re.findall(r"<title>([^<]+)</title>", svg))
