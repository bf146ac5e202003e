"""Draw a workflow graph as inline SVG on the server: no JavaScript library, nothing from the internet.

States are laid out left to right by their distance from the initial state; failure states sit in a row
below. Forward edges are straight arrows, skip edges arc above, returns arc below, and the edges into a
failure state are drawn as one dashed drop from each open state. Self-loops (e.g. 列为市级重点拟上市)
are listed under the diagram instead of drawn.
"""

from html import escape

import networkx as nx
from markupsafe import Markup

from workflows.machine import Workflow

BOX_W, BOX_H, GAP_X, ROW_Y, PAD = 112, 40, 44, 130, 20


def _layers(workflow: Workflow) -> dict[str, int]:
    graph = nx.DiGraph()
    graph.add_nodes_from(workflow.states)
    graph.add_edges_from(
        (u, v) for u, v in workflow.graph.edges()
        if u != v and not workflow.states[v].failure
    )
    depth = nx.single_source_shortest_path_length(graph, workflow.initial)
    return {s: depth.get(s, 0) for s in workflow.states if not workflow.states[s].failure}


def layout(workflow: Workflow) -> dict[str, tuple[int, int]]:
    """Top-left corner of each state's box."""
    layers = _layers(workflow)
    columns: dict[int, list[str]] = {}
    for state, layer in sorted(layers.items(), key=lambda kv: kv[1]):
        columns.setdefault(layer, []).append(state)
    pos = {}
    for layer, states in columns.items():
        for i, state in enumerate(states):
            pos[state] = (PAD + layer * (BOX_W + GAP_X), PAD + 30 + i * (BOX_H + 20))
    open_xs = [pos[s][0] for s in layers if not workflow.states[s].final]
    failures = [s for s in workflow.states if workflow.states[s].failure]
    centre = (min(open_xs) + max(open_xs)) // 2
    for i, state in enumerate(failures):
        pos[state] = (centre + i * (BOX_W + GAP_X), PAD + 30 + ROW_Y)
    return pos


def _box(name: str, label: str, x: int, y: int, *, current: bool, final: bool, failure: bool) -> str:
    cls = "wf-state" + (" wf-current" if current else "") + (" wf-final" if final else "") + \
        (" wf-failure" if failure else "")
    return (
        f'<g class="{cls}" data-state="{escape(name)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
        f'rx="8"/><text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 5}" text-anchor="middle">{escape(label)}</text></g>'
    )


def _edge(u, v, pos, label: str) -> str:
    (x1, y1), (x2, y2) = pos[u], pos[v]
    if y2 > y1 + BOX_H:  # down into a failure state
        sx, sy, ex, ey = x1 + BOX_W / 2, y1 + BOX_H, x2 + BOX_W / 2, y2
        return (f'<path class="wf-edge wf-exit" d="M{sx},{sy} L{ex},{ey}" marker-end="url(#wf-arrow)">'
                f'<title>{escape(label)}</title></path>')
    forward = x2 > x1
    sx = x1 + BOX_W if forward else x1 + BOX_W / 2
    ex = x2 if forward else x2 + BOX_W / 2
    sy, ey = y1 + BOX_H / 2, y2 + BOX_H / 2
    span = abs(x2 - x1) // (BOX_W + GAP_X)
    if forward and span <= 1 and y1 == y2:
        d = f"M{sx},{sy} L{ex},{ey}"
        lx, ly = (sx + ex) / 2, sy - 6
    elif forward:  # a skip edge arcs above the row
        lift = 22 + 10 * span
        d = f"M{x1 + BOX_W / 2},{y1} C{x1 + BOX_W / 2},{y1 - lift} {x2 + BOX_W / 2},{y2 - lift} {x2 + BOX_W / 2},{y2}"
        lx, ly = (x1 + x2 + BOX_W) / 2, y1 - lift + 4
    else:  # a return arcs below
        drop = 34
        d = (f"M{x1 + BOX_W / 2},{y1 + BOX_H} C{x1 + BOX_W / 2},{y1 + BOX_H + drop} "
             f"{x2 + BOX_W / 2},{y2 + BOX_H + drop} {x2 + BOX_W / 2},{y2 + BOX_H}")
        lx, ly = (x1 + x2 + BOX_W) / 2, y1 + BOX_H + drop
    return (f'<path class="wf-edge" d="{d}" marker-end="url(#wf-arrow)"><title>{escape(label)}</title></path>'
            f'<text class="wf-edge-label" x="{lx}" y="{ly}" text-anchor="middle">{escape(label)}</text>')


def render_svg(workflow: Workflow, current: str | None = None) -> Markup:
    pos = layout(workflow)
    width = max(x for x, _ in pos.values()) + BOX_W + PAD
    height = max(y for _, y in pos.values()) + BOX_H + PAD + 10
    parts = [
        f'<svg class="wf-diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(workflow.label)}流程图">',
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    seen_exit = set()
    for u, v, data in workflow.graph.edges(data=True):
        if u == v:
            continue
        if workflow.states[v].failure:
            if (u, v) in seen_exit:
                continue
            seen_exit.add((u, v))
        parts.append(_edge(u, v, pos, data["action"].label))
    for name, state in workflow.states.items():
        x, y = pos[name]
        parts.append(_box(name, state.label, x, y, current=name == current, final=state.final,
                          failure=state.failure))
    parts.append("</svg>")
    return Markup("".join(parts))


def loop_actions(workflow: Workflow) -> list[str]:
    """Labels of actions that stay in place (drawn as a note, not an arrow)."""
    return sorted({d["action"].label for u, v, d in workflow.graph.edges(data=True) if u == v})
