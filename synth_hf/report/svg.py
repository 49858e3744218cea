"""Small inline-SVG charts for the run report: no JavaScript, no external files.

Coordinates are in SVG user units; every chart scales to its container's width (viewBox)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

KNOWN, UNKNOWN, NEUTRAL = "#2e8b57", "#c0392b", "#7f8c8d"
BAR, SELECTED = "#4a78b5", "#e67e22"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" style="max-width:{width}px" role="img" '
        f'aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(items: Sequence[tuple[str, float]], label: str, value_fmt: str = "{:g}") -> str:
    """Horizontal bars, one per (name, value), largest first; values >= 0."""
    items = sorted(items, key=lambda kv: -kv[1])
    if not items:
        return ""
    width, row_h, left = 640, 22, 210
    top = max(v for _, v in items) or 1
    body = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row_h
        w = (width - left - 60) * value / top
        body.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(str(name)[:32])}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{BAR}">'
            f"<title>{escape(str(name))}: {escape(value_fmt.format(value))}</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + 14}">{escape(value_fmt.format(value))}</text>'
        )
    return _svg(width, 8 + len(items) * row_h, body, label)


def histogram(values: Sequence[float], selected: Sequence[bool], label: str, bins: int = 20) -> str:
    """Stacked histogram of `values`; the part flagged in `selected` is drawn in the accent colour."""
    pairs = [
        (float(v), bool(s))
        for v, s in zip(values, selected, strict=True)
        if v is not None and math.isfinite(v)
    ]
    if not pairs:
        return ""
    lo, hi = min(v for v, _ in pairs), max(v for v, _ in pairs)
    span = (hi - lo) or 1.0
    counts = [[0, 0] for _ in range(bins)]
    for v, s in pairs:
        counts[min(bins - 1, int((v - lo) / span * bins))][int(s)] += 1
    width, height, left, bottom = 640, 220, 40, 30
    plot_w, plot_h = width - left - 10, height - bottom - 10
    top = max(a + b for a, b in counts) or 1
    bar_w = plot_w / bins
    body = [f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" stroke="#333"/>']
    for i, (rest, sel) in enumerate(counts):
        x = left + i * bar_w
        b_lo, b_hi = lo + i * span / bins, lo + (i + 1) * span / bins
        for n, offset, colour in ((rest, 0, NEUTRAL), (sel, rest, SELECTED)):
            if n:
                h, y = plot_h * n / top, 10 + plot_h - plot_h * (offset + n) / top
                body.append(
                    f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>loss {b_lo:.3f}–{b_hi:.3f}: {n} unit(s){' used in rows' if offset else ''}</title></rect>"
                )
    body.append(f'<text x="{left}" y="{height - 8}">{lo:.3g}</text>')
    body.append(f'<text x="{width - 10}" y="{height - 8}" text-anchor="end">{hi:.3g}</text>')
    body.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">unit loss (NLL)</text>')
    body.append(f'<text x="{left - 4}" y="20" text-anchor="end">{top}</text>')
    return _svg(width, height, body, label)


def reliability_diagram(bins: Sequence[dict[str, Any]], label: str) -> str:
    """Accuracy vs mean confidence per bin (bins from calibration.json), with the diagonal of a
    perfectly calibrated trainee; bar width follows the bin, opacity its share of statements."""
    used = [b for b in bins if b.get("count")]
    if not used:
        return ""
    lo = min(float(b["lo"]) for b in bins)
    size, pad = 300, 40
    total = sum(b["count"] for b in used)

    def sx(v: float) -> float:
        return pad + (v - lo) / (1 - lo) * size

    def sy(v: float) -> float:
        return pad / 2 + (1 - v) * size

    body = [
        f'<rect x="{pad}" y="{pad / 2}" width="{size}" height="{size}" fill="none" stroke="#333"/>',
        f'<line x1="{sx(lo)}" y1="{sy(lo)}" x2="{sx(1)}" y2="{sy(1)}" stroke="#999" stroke-dasharray="4"/>',
    ]
    for b in used:
        x0, x1, acc = sx(float(b["lo"])), sx(float(b["hi"])), float(b["acc"])
        alpha = 0.35 + 0.65 * b["count"] / total
        body.append(
            f'<rect class="rel-bin" x="{x0 + 1:.1f}" y="{sy(acc):.1f}" width="{x1 - x0 - 2:.1f}" '
            f'height="{sy(0) - sy(acc):.1f}" fill="{BAR}" fill-opacity="{alpha:.2f}">'
            f"<title>confidence {b['lo']:.2f}–{b['hi']:.2f}: {b['count']} statements, accuracy {acc:.2f}, "
            f"mean confidence {float(b['mean_conf']):.2f}</title></rect>"
        )
        body.append(
            f'<circle cx="{sx(float(b["mean_conf"])):.1f}" cy="{sy(acc):.1f}" r="3" fill="{SELECTED}"/>'
        )
    body.append(
        f'<text x="{pad + size / 2}" y="{size + pad / 2 + 28}" text-anchor="middle">confidence</text>'
    )
    body.append(f'<text x="{pad - 6}" y="{pad / 2 + 10}" text-anchor="end">1</text>')
    body.append(f'<text x="{pad - 6}" y="{sy(0)}" text-anchor="end">0</text>')
    body.append(f'<text x="{sx(lo)}" y="{sy(0) + 14}" text-anchor="middle">{lo:g}</text>')
    body.append(f'<text x="{sx(1)}" y="{sy(0) + 14}" text-anchor="middle">1</text>')
    body.append(
        f'<text transform="translate(12 {pad / 2 + size / 2}) rotate(-90)" text-anchor="middle">accuracy</text>'
    )
    return _svg(size + pad + 10, size + pad + 20, body, label)


def _loss_colour(loss: float | None, lo: float, hi: float) -> str:
    """Green (trainee knows it, low loss) to red (high loss); grey when not probed."""
    if loss is None or not math.isfinite(loss):
        return NEUTRAL
    t = 0.0 if hi <= lo else (loss - lo) / (hi - lo)
    a, b = (46, 139, 87), (192, 57, 43)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def pick_subgraph(nodes: list[dict], edges: list[dict], max_nodes: int) -> tuple[list[str], int]:
    """Node ids of the largest connected components that fit in `max_nodes` (the largest one is cut
    to its highest-degree nodes if it alone is bigger). Returns (ids, number of components drawn)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(n["id"] for n in nodes)
    g.add_edges_from((e["source"], e["target"]) for e in edges)
    components = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
    chosen: list[str] = []
    drawn = 0
    for comp in components:
        if len(comp) < 2 and chosen:
            break
        if len(chosen) + len(comp) > max_nodes:
            if not chosen:
                chosen = sorted(comp, key=lambda n: (-g.degree(n), n))[:max_nodes]
                drawn = 1
            break
        chosen.extend(sorted(comp))
        drawn += 1
    return chosen, drawn


def graph_drawing(nodes: list[dict], edges: list[dict], label: str, max_nodes: int = 60) -> tuple[str, dict]:
    """Spring layout of the largest components; node colour = trainee loss, orange ring = used by an
    output row. Returns (svg, {"nodes": drawn, "edges": drawn, "components": drawn})."""
    import networkx as nx

    ids, n_components = pick_subgraph(nodes, edges, max_nodes)
    if not ids:
        return "", {"nodes": 0, "edges": 0, "components": 0}
    keep = set(ids)
    by_id = {n["id"]: n for n in nodes}
    drawn_edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
    g = nx.Graph()
    g.add_nodes_from(ids)
    g.add_edges_from((e["source"], e["target"]) for e in drawn_edges)
    pos = nx.spring_layout(g, seed=0, k=1.6 / math.sqrt(max(len(ids), 1)))
    width, height, margin = 900, 560, 60
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return (
            margin + (x - x0) / ((x1 - x0) or 1) * (width - 2 * margin),
            margin / 2 + (y - y0) / ((y1 - y0) or 1) * (height - margin),
        )

    losses = [by_id[n].get("loss") for n in ids if by_id[n].get("loss") is not None]
    lo, hi = (min(losses), max(losses)) if losses else (0.0, 1.0)
    body = ['<g stroke-linecap="round">']
    for e in drawn_edges:
        (ax, ay), (bx, by) = at(e["source"]), at(e["target"])
        colour = SELECTED if e.get("selected") else "#b0b7bf"
        keywords = ", ".join(e.get("keywords") or [])
        body.append(
            f'<line class="kg-edge" x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{colour}" '
            f'stroke-width="{2.5 if e.get("selected") else 1.4}"><title>{escape(e["source"])} → '
            f"{escape(e['target'])}: {escape(keywords)}</title></line>"
        )
    body.append("</g>")
    for node in ids:
        n, (x, y) = by_id[node], at(node)
        loss = n.get("loss")
        ring = (
            f' stroke="{SELECTED}" stroke-width="3"'
            if n.get("selected")
            else ' stroke="#fff" stroke-width="1"'
        )
        loss_text = f"{loss:.3f}" if isinstance(loss, float) else "not probed"
        body.append(
            f'<circle class="kg-node" cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{_loss_colour(loss, lo, hi)}"{ring}>'
            f"<title>{escape(str(n.get('name') or node))} ({escape(str(n.get('entity_type') or ''))}), "
            f"loss {loss_text}: {escape(str(n.get('description') or ''))}</title></circle>"
            f'<text x="{x + 10:.1f}" y="{y + 4:.1f}" font-size="11">{escape(str(n.get("name") or node)[:24])}</text>'
        )
    stats = {"nodes": len(ids), "edges": len(drawn_edges), "components": n_components}
    return _svg(width, height, body, label), stats
