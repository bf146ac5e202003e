"""Draw a workflow graph as inline SVG on the server: no JavaScript library, nothing from the internet.

States are laid out left to right by the longest forward path from the initial state (so the main line
is one row and a skip edge such as 免辅导 jumps over the states it skips); failure states sit in a row
below. Forward edges are straight arrows, skip edges arc above, returns arc below, and the edges into a
failure state are drawn as one dashed drop from each open state, spread along the failure box so their
arrowheads stay apart. Self-loops (e.g. 列为市级重点拟上市) are listed under the diagram instead of drawn.
The SVG carries its natural size; the page's CSS only ever shrinks it, so labels never grow unreadably
large or small by accident.
"""

from html import escape

import networkx as nx
from markupsafe import Markup

from workflows.machine import Workflow

BOX_W, BOX_H, GAP_X, ROW_Y, PAD = 116, 40, 92, 120, 20


def _forward_graph(workflow: Workflow) -> nx.DiGraph:
    """The workflow without self-loops, failure exits and returns: what remains is acyclic.

    A return (退回) is an edge into a state already on the depth-first path from the initial state.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(s for s in workflow.states if not workflow.states[s].failure)
    edges = [(u, v) for u, v in workflow.graph.edges() if u != v and not workflow.states[v].failure]
    graph.add_edges_from(edges)
    on_path, seen, back = [], set(), set()

    def visit(node):
        seen.add(node)
        on_path.append(node)
        for nxt in list(graph.successors(node)):
            if nxt in on_path:
                back.add((node, nxt))
            elif nxt not in seen:
                visit(nxt)
        on_path.pop()

    visit(workflow.initial)
    graph.remove_edges_from(back)
    return graph


def _layers(workflow: Workflow) -> dict[str, int]:
    graph = _forward_graph(workflow)
    layer = {}
    for state in nx.topological_sort(graph):
        layer[state] = max((layer[u] + 1 for u in graph.predecessors(state)), default=0)
    return layer


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


def _exit(u, v, pos, label: str, i: int, n: int) -> str:
    """A dashed drop into a failure state; the i-th of n lands at its own point along the box's top."""
    (x1, y1), (x2, y2) = pos[u], pos[v]
    sx, sy = x1 + BOX_W / 2, y1 + BOX_H
    ex, ey = x2 + BOX_W * (i + 1) / (n + 1), y2
    return (f'<path class="wf-edge wf-exit" d="M{sx},{sy} L{ex:g},{ey}" marker-end="url(#wf-arrow)">'
            f'<title>{escape(label)}</title></path>')


def _edge(u, v, pos, label: str) -> str:
    (x1, y1), (x2, y2) = pos[u], pos[v]
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
        lx, ly = (x1 + x2 + BOX_W) / 2, min(y1, y2) - lift * 0.75 - 4
    else:  # a return arcs below
        drop = 34
        d = (f"M{x1 + BOX_W / 2},{y1 + BOX_H} C{x1 + BOX_W / 2},{y1 + BOX_H + drop} "
             f"{x2 + BOX_W / 2},{y2 + BOX_H + drop} {x2 + BOX_W / 2},{y2 + BOX_H}")
        lx, ly = (x1 + x2 + BOX_W) / 2, y1 + BOX_H + drop * 0.75 + 12
    return (f'<path class="wf-edge" d="{d}" marker-end="url(#wf-arrow)"><title>{escape(label)}</title></path>'
            f'<text class="wf-edge-label" x="{lx}" y="{ly}" text-anchor="middle">{escape(label)}</text>')


def render_svg(workflow: Workflow, current: str | None = None) -> Markup:
    pos = layout(workflow)
    width = max(x for x, _ in pos.values()) + BOX_W + PAD
    height = max(y for _, y in pos.values()) + BOX_H + PAD + 10
    returns = [pos[u][1] for u, v in workflow.graph.edges() if u != v and not workflow.states[v].failure
               and pos[v][0] < pos[u][0]]
    if returns:  # a return arcs below its row, its label under the arc: room for both (no failure row may follow)
        height = max(height, max(returns) + BOX_H + 34 + PAD + 4)
    parts = [
        f'<svg class="wf-diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(workflow.label)}流程图">',
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    exits: dict[str, list[tuple[str, str]]] = {}
    for u, v, data in workflow.graph.edges(data=True):
        if u == v or data["action"].consequence:  # a consequence is nobody's step: the cause's edge shows it
            continue
        if workflow.states[v].failure:
            if u not in (src for src, _ in exits.setdefault(v, [])):
                exits[v].append((u, data["action"].label))
            continue
        parts.append(_edge(u, v, pos, data["action"].label))
    for v, sources in exits.items():
        sources.sort(key=lambda item: pos[item[0]])
        parts += [_exit(u, v, pos, label, i, len(sources)) for i, (u, label) in enumerate(sources)]
    for name, state in workflow.states.items():
        x, y = pos[name]
        parts.append(_box(name, state.label, x, y, current=name == current, final=state.final,
                          failure=state.failure))
    parts.append("</svg>")
    return Markup("".join(parts))


def loop_actions(workflow: Workflow) -> list[str]:
    """Labels of actions that stay in place (drawn as a note, not an arrow)."""
    return sorted({d["action"].label for u, v, d in workflow.graph.edges(data=True) if u == v})
