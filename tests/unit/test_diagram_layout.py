"""The diagram's layout: the main line is one row in workflow order, skips arc over it, exits stay apart."""

import re

from pool.ladder.diagram import BOX_W, layout, render_svg
from workflows.case_flows import CASE_WORKFLOWS


def test_main_line_is_one_row_in_order_with_the_failure_state_below():
    workflow = CASE_WORKFLOWS["stock_to_listed"]
    pos = layout(workflow)
    line = ["reserve", "tutoring", "filed", "registered", "completed"]
    assert len({pos[s][1] for s in line}) == 1
    assert [pos[s][0] for s in line] == sorted(pos[s][0] for s in line)
    assert pos["terminated"][1] > pos["reserve"][1]


def test_returns_do_not_reorder_the_line():
    pos = layout(CASE_WORKFLOWS["ind_to_ent"])  # registering -> intent is a return
    xs = [pos[s][0] for s in ("identified", "intent", "registering", "completed")]
    assert xs == sorted(xs) and len(set(xs)) == 4


def test_exit_arrows_land_at_distinct_points():
    workflow = CASE_WORKFLOWS["scale_to_stock"]
    svg = str(render_svg(workflow, "intent"))
    ends = re.findall(r'class="wf-edge wf-exit" d="M[\d.]+,[\d.]+ L([\d.]+),', svg)
    assert len(ends) == 5 and len(set(ends)) == 5
    x = layout(workflow)["abandoned"][0]
    assert all(x < float(e) < x + BOX_W for e in ends)


def test_svg_has_its_natural_size():
    svg = str(render_svg(CASE_WORKFLOWS["small_to_scale"]))
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups()
    assert re.search(rf'width="{view[0]}" height="{view[1]}"', svg)
