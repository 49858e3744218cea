"""The run report as one self-contained HTML page (inline CSS, SVG and a little JavaScript for the
rows table: search, filter by mode/hop, paging). Works offline and without a server."""

from __future__ import annotations

from html import escape
from typing import Any

from synth_hf.report import svg

PAGE_SIZE = 25

_CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}
main{max-width:1100px;margin:auto;padding:16px 24px 60px}
h1{margin:8px 0 4px}h2{margin-top:34px;border-bottom:2px solid #dde;padding-bottom:4px}
section{background:#fff;border-radius:8px;padding:4px 18px 14px;margin-top:18px;box-shadow:0 1px 3px #0001}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.figure{background:#fff;border-radius:8px;padding:8px 14px;box-shadow:0 1px 3px #0001;min-width:110px}
.figure b{display:block;font-size:22px}.figure span{color:#667;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e6ea;padding:4px 6px;
text-align:left;vertical-align:top}td.n,th.n{text-align:right}
.chart{max-width:100%;height:auto}.muted{color:#778}.notice{background:#fff4e0;border-left:4px solid #e67e22;
padding:6px 10px;margin:6px 0}.row-q{font-weight:600;white-space:pre-wrap}.row-a{white-space:pre-wrap}
.ev{font-size:12px;background:#f3f6fb;border-left:3px solid #4a78b5;padding:3px 6px;margin:2px 0;white-space:pre-wrap}
.ev i{color:#557}.tag{display:inline-block;background:#eef;border-radius:4px;padding:0 5px;margin:1px;font-size:11px}
.controls{display:flex;gap:8px;align-items:center;margin:8px 0;flex-wrap:wrap}
.controls input{flex:1;min-width:200px;padding:4px}.legend span{margin-right:14px}
.dot{display:inline-block;width:10px;height:10px;border-radius:5px;vertical-align:middle;margin-right:4px}
details{margin:4px 0}pre{white-space:pre-wrap;font-size:12px;background:#f6f6f6;padding:6px}
"""

_JS = """
(function(){
  const rows = Array.from(document.querySelectorAll('#rows tbody tr.row'));
  const search = document.getElementById('row-search'), group = document.getElementById('row-group');
  const status = document.getElementById('row-status'), prev = document.getElementById('row-prev');
  const next = document.getElementById('row-next'), size = %(page)d;
  let page = 0, matches = rows;
  function render(){
    const pages = Math.max(1, Math.ceil(matches.length / size));
    page = Math.min(page, pages - 1);
    rows.forEach(r => r.hidden = true);
    matches.slice(page * size, (page + 1) * size).forEach(r => r.hidden = false);
    const first = matches.length ? page * size + 1 : 0, last = Math.min(matches.length, (page + 1) * size);
    status.textContent = `showing ${first}\u2013${last} of ${matches.length} matching rows (${rows.length} in the table)`;
    status.dataset.matching = matches.length;
    prev.disabled = page === 0; next.disabled = page >= pages - 1;
  }
  function apply(){
    const q = search.value.toLowerCase(), g = group.value;
    matches = rows.filter(r => (!g || r.dataset.group === g) && (!q || r.textContent.toLowerCase().includes(q)));
    page = 0; render();
  }
  search.addEventListener('input', apply); group.addEventListener('change', apply);
  prev.addEventListener('click', () => { page--; render(); });
  next.addEventListener('click', () => { page++; render(); });
  render();
  document.body.dataset.ready = '1';
})();
"""


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def _pct(value: Any) -> str:
    """A share in [0, 1] as a percentage ("100 %", "99.1 %"); anything else as `_num`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value * 100:.1f}".removesuffix(".0") + " %"
    return _num(value)


def _figure(name: str, value: Any, key: str, fmt: Any = _num) -> str:
    return f'<div class="figure" data-figure="{key}"><b>{fmt(value)}</b><span>{escape(name)}</span></div>'


def _kv_table(pairs: list[tuple[str, Any]], cls: str = "", fmt: Any = _num) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td class='n'>{fmt(v)}</td></tr>" for k, v in pairs)
    return f'<table class="{cls}">{body}</table>'


def _missing(what: str) -> str:
    return f'<p class="muted">{escape(what)}</p>'


def _overview(d: dict) -> str:
    s = d["summary"]
    support = d["support_rate"]
    overall = support.get("overall") if isinstance(support, dict) else support
    figures = [
        ("output rows", d["n_rows"], "rows"),
        ("LLM calls", s.get("llm_calls"), "calls"),
        ("LLM tokens", s.get("llm_tokens"), "tokens"),
        ("calls per row", s.get("llm_calls_per_row"), "calls_per_row"),
        ("wall time (s)", s.get("wall_time_total_s", s.get("wall_time_s")), "wall"),  # with a killed run's
        ("dropped rows", sum(d["drops_by_reason"].values()), "dropped"),
    ]
    if overall is not None:
        figures.append(("support rate", overall, "support_rate", _pct))
    notices = "".join(f'<div class="notice">{escape(n)}</div>' for n in d["notices"])
    return '<div class="figures">' + "".join(_figure(*f) for f in figures) + "</div>" + notices


def _rows_section(d: dict) -> str:
    parts = ["<h2>Rows per mode and per hop</h2>"]
    if d["per_mode"]:
        parts.append("<h3>per mode</h3>" + svg.bar_chart(list(d["per_mode"].items()), "rows per mode"))
    if d["per_hop"]:
        parts.append(
            "<h3>per hop</h3>"
            + svg.bar_chart([(f"hop {h}", n) for h, n in d["per_hop"].items()], "rows per hop")
        )
    if not d["per_mode"] and not d["per_hop"]:
        parts.append(_missing("The rows carry neither a mode nor a hop column."))
    return "<section>" + "".join(parts) + "</section>"


def _stages_section(d: dict) -> str:
    parts = ["<h2>Pipeline stages and drop reasons</h2>"]
    if d["stages"]:
        head = "<tr><th>stage</th><th class=n>in</th><th class=n>out</th><th class=n>dropped</th>"
        head += "<th class=n>LLM calls</th><th class=n>tokens</th></tr>"
        body = "".join(
            f"<tr><td>{escape(name)}</td><td class=n>{_num(st.get('in'))}</td><td class=n>{_num(st.get('out'))}</td>"
            f"<td class=n>{_num(sum((st.get('dropped') or {}).values()))}</td><td class=n>{_num(st.get('llm_calls'))}"
            f"</td><td class=n>{_num((st.get('input_tokens') or 0) + (st.get('output_tokens') or 0))}</td></tr>"
            for name, st in d["stages"].items()
        )
        parts.append(f'<table id="stages">{head}{body}</table>')
    if d["drops_by_reason"]:
        parts.append(
            "<h3>drop reasons</h3>" + svg.bar_chart(list(d["drops_by_reason"].items()), "drop reasons")
        )
        for key, examples in d["dropped_examples"].items():
            items = "".join(f"<pre>{escape(e['row'])}</pre>" for e in examples)
            parts.append(f"<details><summary>{escape(key)} (examples)</summary>{items}</details>")
    else:
        parts.append(_missing("No row was dropped."))
    return "<section>" + "".join(parts) + "</section>"


def _quality_section(d: dict) -> str:
    parts = ["<h2>Support and data quality</h2>"]
    support = d["support_rate"]
    if isinstance(support, dict):
        parts.append("<h3>support rate (before filtering)</h3>")
        per = support.get("per_mode") or {k: v for k, v in support.items() if k != "overall"}
        pairs = [("overall", support.get("overall"))] + sorted(per.items())
        parts.append(_kv_table([(k, v) for k, v in pairs if not isinstance(v, dict)], "support", _pct))
    elif support is not None:
        parts.append(_kv_table([("support rate", support)], "support", _pct))
    else:
        parts.append(_missing("This run recorded no support rate (rows were not checked against evidence)."))
    quality = d["quality"]
    if quality.get("overall"):
        parts.append("<h3>diversity and relevance</h3>")
        hops = quality.get("per_hop") or {}
        metrics = [k for k in quality["overall"] if k != "rows"]
        head = "<tr><th></th><th class=n>rows</th>" + "".join(
            f"<th class=n>{escape(m)}</th>" for m in metrics
        )
        lines = [("overall", quality["overall"])] + [(f"hop {h}", v) for h, v in sorted(hops.items())]
        body = "".join(
            f"<tr><th>{escape(name)}</th><td class=n>{_num(v.get('rows'))}</td>"
            + "".join(f"<td class=n>{_num(v.get(m))}</td>" for m in metrics)
            + "</tr>"
            for name, v in lines
        )
        parts.append(f'<table id="quality">{head}</tr>{body}</table>')
        parts.append(
            '<p class="muted">self-BLEU: lower is more diverse; distinct-n: higher is more diverse; '
            "seed similarity: embedding cosine to the seed (AIDE).</p>"
        )
    return "<section>" + "".join(parts) + "</section>"


def _graph_section(d: dict) -> str:
    g = d["graph"]
    if g is None:
        return ""
    drawing, stats = svg.graph_drawing(g["nodes"], g["edges"], "knowledge graph")
    selected = sum(n["selected"] for n in g["nodes"]) + sum(e["selected"] for e in g["edges"])
    size = (
        f'<p id="graph-size" data-nodes="{len(g["nodes"])}" data-edges="{len(g["edges"])}">'
        f"{len(g['nodes'])} nodes, {len(g['edges'])} edges; {selected} units used by output rows. "
        f"Drawn: the {stats['components']} largest connected component(s), {stats['nodes']} nodes and "
        f"{stats['edges']} edges.</p>"
    )
    legend = (
        f'<p class="legend"><span><i class="dot" style="background:{svg.KNOWN}"></i>low trainee loss (known)</span>'
        f'<span><i class="dot" style="background:{svg.UNKNOWN}"></i>high loss (unknown)</span>'
        f'<span><i class="dot" style="border:3px solid {svg.SELECTED}"></i>used by a row</span>'
        "<span>hover a node or edge for its description</span></p>"
    )
    return f"<section><h2>Knowledge graph</h2>{size}{legend}{drawing}</section>"


def _calibration_section(d: dict) -> str:
    c, g = d["calibration"], d["graph"]
    if not c:
        return ""
    figures = [(k, c.get(k)) for k in ("n_statements", "n_units", "accuracy", "ece", "brier", "nll")]
    mass = (c.get("covered_mass") or {}).get("mean")
    figures.append(("yes/no mass covered (mean)", mass))
    parts = ["<h2>Trainee calibration</h2>", '<div style="display:flex;gap:24px;flex-wrap:wrap"><div>']
    parts.append(_kv_table(figures, "calibration"))
    parts.append("</div><div><h3>reliability diagram</h3>")
    parts.append(svg.reliability_diagram(c.get("bins") or [], "reliability diagram") or _missing("no bins"))
    parts.append("</div></div>")
    if g:
        units = g["nodes"] + g["edges"]
        hist = svg.histogram(
            [u.get("loss") for u in units], [u["selected"] for u in units], "unit loss histogram"
        )
        parts.append(
            "<h3>unit loss and selection</h3>"
            f'<p class="muted">grey: units not used; <span style="color:{svg.SELECTED}">orange</span>: units that '
            "output rows were generated from. Loss-guided selection favours the right-hand side.</p>" + hist
        )
    return "<section>" + "".join(parts) + "</section>"


def _table_section(d: dict) -> str:
    groups = sorted({r["group"] for r in d["table"]})
    options = "".join(f'<option value="{escape(g)}">{escape(g)}</option>' for g in groups)
    rows = []
    for r in d["table"]:
        evidence = (
            "".join(
                f'<div class="ev"><i>{escape(e["ref"])}</i> {escape(e["text"])}</div>' for e in r["evidence"]
            )
            or '<span class="muted">none recorded</span>'
        )
        tags = "".join(
            f'<span class="tag">{escape(k)}: {escape(str(v))}</span>' for k, v in r["tags"].items()
        )
        tags += "".join(f'<span class="tag">{escape(k)}: {_num(v)}</span>' for k, v in r["scores"].items())
        rows.append(
            f'<tr class="row" data-group="{escape(r["group"])}"><td class=n>{r["i"]}</td>'
            f"<td>{escape(r['group'])}<br>{tags}</td>"
            f'<td><div class="row-q">{escape(r["question"])}</div><div class="row-a">→ {escape(r["answer"])}'
            f'</div></td><td><span class="muted">{escape(r["evidence_kind"])}</span>{evidence}</td></tr>'
        )
    more = ""
    if d["n_rows"] > len(d["table"]):
        more = f'<p class="muted">The first {len(d["table"])} of {d["n_rows"]} rows are shown.</p>'
    return (
        "<section><h2>Output rows beside their evidence</h2>"
        f'<p id="row-count" data-rows="{d["n_rows"]}">{d["n_rows"]} rows in the dataset.</p>{more}'
        '<div class="controls"><input id="row-search" type="search" placeholder="search questions, answers, evidence">'
        f'<select id="row-group"><option value="">all modes / operations</option>{options}</select>'
        '<button id="row-prev">◀</button><button id="row-next">▶</button></div><p id="row-status"></p>'
        '<table id="rows"><thead><tr><th>#</th><th>mode</th><th>question → answer</th><th>evidence / seed</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def render_page(d: dict) -> str:
    """The whole HTML document for the data of `collect.collect_run`."""
    s = d["summary"]
    models = " · ".join(
        f"{k}: {v}"
        for k, v in (
            s.get("models") or {"synthesizer": s.get("synthesizer"), "trainee": s.get("trainee")}
        ).items()
        if v
    )
    title = f"{d['method']} run report: {d['name']}"
    body = "".join(
        [
            f"<h1>{escape(title)}</h1><p class='muted'>{escape(d['run_dir'])}<br>{escape(models)}</p>",
            _overview(d),
            _rows_section(d),
            _stages_section(d),
            _quality_section(d),
            _graph_section(d),
            _calibration_section(d),
            _table_section(d),
        ]
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style>"
        "<script>window.addEventListener('error',e=>{document.documentElement.dataset.jsErrors="
        "(document.documentElement.dataset.jsErrors||'')+e.message+';'});</script></head>"
        f"<body><main>{body}</main><script>{_JS % {'page': PAGE_SIZE}}</script></body></html>"
    )
