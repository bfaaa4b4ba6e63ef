"""The portfolio report: one self-contained HTML file (styles, scripts and the plotting library inlined; no
external reference), so it opens offline and can be emailed. Charts are plotly figures
(docs/adr/0016-portfolio-report.md).

    html = render_report(bundle, scenario=None)      # every scenario when None
    Path("r.html").write_text(html, encoding="utf-8")

Contents: the portfolio at a glance, then per scenario: bands now and after each phase, the cost curve,
cost-effectiveness per measure type (a marginal-abatement chart), the measure mix by phase, capital spend and
grants by year (with the allocation's budget), the homes that cannot reach a target and why, and a sortable,
filterable per-home table.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from ara_assets.epc.bands import BANDS
from ara_assets.modelling.reasons import MISS_REASONS
from ara_assets.modelling.rollup import rollup, with_grants
from ara_assets.report.load import PlanBundle
from ara_assets.report.text import REASON_WORDS

# The register's band colours (the familiar EPC rating scale), as hex.
BAND_COLOURS = {
    "A": "#008054", "B": "#19b459", "C": "#8dce46", "D": "#ffd500",
    "E": "#fcaa65", "F": "#ef8023", "G": "#e9153b",
}  # fmt: skip
_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;max-width:1200px;
color:#1d2733;padding:0 1rem}
h1{font-size:1.7rem}h2{border-bottom:2px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
h3{margin-top:1.8rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}
th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;
min-width:9rem}.card b{display:block;font-size:1.4rem}
.chart{min-height:380px}.note{color:#57606a;font-size:.85rem}
table.homes th{cursor:pointer;position:sticky;top:0}table.homes th.sorted-asc::after{content:" \\25B2"}
table.homes th.sorted-desc::after{content:" \\25BC"}
.scroll{max-height:600px;overflow:auto;border:1px solid #d0d7de}
input.filter{padding:.3rem;width:24rem;margin:.4rem 0}
"""

# Record script errors on the page, so a headless browser test can read them from the DOM.
_ERRORS_JS = """
window.__araErrors=[];window.addEventListener('error',function(e){window.__araErrors.push(String(e.message));
document.documentElement.setAttribute('data-errors',window.__araErrors.length);});
(function(){var ce=console.error;console.error=function(){window.__araErrors.push(Array.prototype.join.call(
arguments,' '));document.documentElement.setAttribute('data-errors',window.__araErrors.length);
return ce.apply(console,arguments);};})();
"""

_TABLE_JS = """
document.querySelectorAll('table.homes').forEach(function(t){
 var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
 t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
  var asc=!th.classList.contains('sorted-asc');t.querySelectorAll('th').forEach(function(h){
   h.classList.remove('sorted-asc','sorted-desc');});th.classList.add(asc?'sorted-asc':'sorted-desc');
  rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent;
   var y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;var nx=parseFloat(x),ny=parseFloat(y);
   var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
  rows.forEach(function(r){body.appendChild(r);});});});
 var f=document.getElementById(t.getAttribute('data-filter'));
 if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase();rows.forEach(function(r){
  r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});}
});
document.documentElement.setAttribute('data-charts-drawn',document.querySelectorAll('.js-plotly-plot').length);
"""


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _money(x: Any) -> str:
    return "" if x is None else f"£{float(x):,.0f}"


def _html_table(headers: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"n" if i in numeric else ""}">{_esc(v)}</td>' for i, v in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Charts:
    """Collects figures as divs; each is drawn by an inline script after plotly.js (inlined once)."""

    def __init__(self) -> None:
        self.count = 0

    def div(self, fig: go.Figure, title: str) -> str:
        self.count += 1
        fig.update_layout(title=title, template="plotly_white", margin={"t": 50, "l": 60, "r": 20, "b": 60})
        body = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=f"chart-{self.count}",
            config=_CONFIG,
            default_height="420px",
        )
        return f'<div class="chart">{body}</div>'


def _glance(bundle: PlanBundle) -> str:
    b = bundle.baseline
    n = bundle.properties.height
    parts = ['<h2 id="glance">The portfolio at a glance</h2>', '<div class="cards">']
    not_ok = b.filter(pl.col("baseline_status") != "ok") if b.height else b
    cards = [
        ("homes", n),
        ("with a baseline", b.height - not_ok.height if b.height else 0),
        ("divergent", int(b["divergent"].sum() or 0) if b.height else 0),
        ("unpriced bills", int(b["bill_error"].is_not_null().sum()) if b.height else 0),
        ("without a baseline", not_ok.height),
    ]
    parts += [f'<div class="card"><b>{v:,}</b>{_esc(k)}</div>' for k, v in cards]
    parts.append("</div>")
    if b.height:
        src = b.group_by("source_path").len().sort("len", descending=True)
        parts.append("<h3>Where each home's EPC comes from</h3>")
        words = {
            "epc": "lodged certificate (with landlord overrides)",
            "site_notes": "site notes (a survey)",
            "predicted": "predicted from comparable homes",
        }
        parts.append(
            _html_table(
                ["source", "homes"],
                [[words.get(str(s), str(s) if s else "none"), c] for s, c in src.iter_rows()],
                {1},
            )
        )
        parts.append("<h3>Bands: lodged on the register vs effective (what modelling scores)</h3>")
        lodged = dict(b.group_by("lodged_band").len().iter_rows())
        eff = dict(b.group_by("effective_band").len().iter_rows())
        parts.append(
            _html_table(
                ["band", "lodged", "effective"], [[k, lodged.get(k, 0), eff.get(k, 0)] for k in BANDS], {1, 2}
            )
        )
        groups: list[list[Any]] = []
        if not_ok.height:
            for reason, c in (
                not_ok.group_by(pl.coalesce("baseline_reason", "baseline_status").alias("r"))
                .len()
                .sort("len", descending=True)
                .head(15)
                .iter_rows()
            ):
                groups.append(["not modelled", reason, c])
        unpriced = b.filter(pl.col("bill_error").is_not_null())
        for reason, c in (
            unpriced.group_by("bill_error").len().sort("len", descending=True).head(10).iter_rows()
        ):
            groups.append(["bill not priced", reason, c])
        div = b.filter(pl.col("divergent"))
        if div.height:
            groups.append(
                [
                    "divergent",
                    "calculated SAP differs from the lodged one by over twice the repeat-assessment spread",
                    div.height,
                ]
            )
        if groups:
            parts.append("<h3>Homes needing attention, by reason</h3>")
            parts.append(_html_table(["group", "reason", "homes"], groups, {2}))
    return "\n".join(parts)


def _band_chart(ph: pl.DataFrame, charts: _Charts) -> str:
    n_phases = int(ph["phase"].max())
    first = ph.filter(pl.col("phase") == 1)
    stages = [("now", first["band_before"])] + [
        (f"after phase {p}", ph.filter(pl.col("phase") == p)["band_after"]) for p in range(1, n_phases + 1)
    ]
    fig = go.Figure()
    for band in BANDS:
        fig.add_bar(
            name=band,
            x=[s for s, _ in stages],
            y=[int((col == band).sum()) for _, col in stages],
            marker_color=BAND_COLOURS[band],
        )
    fig.update_layout(barmode="stack", yaxis_title="homes (modelled)", legend_title="band")
    return charts.div(fig, "Band distribution now and after each phase")


def _cost_curve(ph: pl.DataFrame, charts: _Charts) -> str:
    fig = go.Figure()
    for p in sorted(ph["phase"].unique().to_list()):
        reach = ph.filter((pl.col("phase") == p) & pl.col("reaches_target")).sort("cost_to_date_gbp")
        net = reach["cost_to_date_gbp"] - reach.select(pl.col("grant_gbp").fill_null(0.0))["grant_gbp"]
        # numpy arrays, not lists: plotly validates a list element by element (seconds at 10,000 homes)
        # and writes an array as one typed block
        fig.add_scatter(
            x=reach["cost_to_date_gbp"].cum_sum().to_numpy(),
            y=np.arange(1, reach.height + 1),
            mode="lines",
            name=f"phase {p}: capital cost",
        )
        if float(reach["grant_gbp"].fill_null(0.0).sum()) > 0:
            fig.add_scatter(
                x=net.sort().cum_sum().to_numpy(),
                y=np.arange(1, reach.height + 1),
                mode="lines",
                line={"dash": "dash"},
                name=f"phase {p}: net of grants",
            )
    fig.update_layout(
        xaxis_title="cumulative cost to date (£), cheapest homes first",
        yaxis_title="homes reaching the phase's target",
    )
    return charts.div(fig, "Cost curve: cumulative cost against homes reaching the target")


def _mac(ms: pl.DataFrame, charts: _Charts) -> str:
    per = (
        ms.group_by("measure_type")
        .agg(
            pl.col("cost_gbp").sum(),
            pl.col("delta_sap").sum(),
            (-pl.col("delta_co2_t")).sum().alias("co2"),
            pl.len().alias("n"),
        )
        .with_columns(
            pl.when(pl.col("delta_sap") > 0).then(pl.col("cost_gbp") / pl.col("delta_sap")).alias("per_sap"),
            pl.when(pl.col("co2") > 0).then(pl.col("cost_gbp") / pl.col("co2")).alias("per_t"),
        )
    )
    out = []
    sap = per.filter(pl.col("per_sap").is_not_null()).sort("per_sap")
    fig = go.Figure(
        go.Bar(
            x=sap["measure_type"].to_list(),
            y=sap["per_sap"].round(0).to_list(),
            text=[f"{n} installs" for n in sap["n"].to_list()],
            marker_color="#3b6ea8",
        )
    )
    fig.update_layout(yaxis_title="£ per SAP point", xaxis_title="measure type")
    out.append(charts.div(fig, "Cost-effectiveness: £ per SAP point, by measure type"))
    mac = per.filter(pl.col("per_t").is_not_null()).sort("per_t")
    # marginal-abatement chart: each bar as wide as the CO2 it saves a year, as tall as its £ per tonne
    widths = mac["co2"].to_list()
    lefts = [sum(widths[:i]) for i in range(len(widths))]
    fig = go.Figure(
        go.Bar(
            x=[a + w / 2 for a, w in zip(lefts, widths, strict=True)],
            y=mac["per_t"].round(0).to_list(),
            width=widths,
            text=mac["measure_type"].to_list(),
            hovertext=mac["measure_type"].to_list(),
            marker_color="#2e8b57",
            marker_line_color="#ffffff",
            marker_line_width=1,
        )
    )
    fig.update_layout(
        xaxis_title="tonnes of CO2 saved a year (cumulative)",
        yaxis_title="£ of capital per tonne of CO2 saved a year",
    )
    out.append(charts.div(fig, "Marginal abatement: £ per tonne of CO2 a year, by measure type"))
    return "\n".join(out)


def _mix(ms: pl.DataFrame, charts: _Charts) -> str:
    mix = ms.group_by("phase", "measure_type").len().sort("phase", "measure_type")
    fig = go.Figure()
    for mt in sorted(mix["measure_type"].unique().to_list()):
        rows = mix.filter(pl.col("measure_type") == mt)
        fig.add_bar(name=mt, x=[f"phase {p}" for p in rows["phase"].to_list()], y=rows["len"].to_list())
    fig.update_layout(barmode="stack", yaxis_title="installs")
    return charts.div(fig, "Measure mix by phase")


def _spend(bundle: PlanBundle, name: str, ph: pl.DataFrame, charts: _Charts) -> str:
    alloc = (
        bundle.allocations.filter(pl.col("scenario") == name)
        if bundle.allocations.height
        else bundle.allocations
    )
    grants = ph.select("property_id", "phase", pl.col("grant_gbp").fill_null(0.0), "cost_gbp")
    if alloc.height:
        by = alloc.select("property_id", "phase", "year").join(
            grants, on=["property_id", "phase"], how="left"
        )
        note = "Years from the portfolio budget allocation; net spend is capital less grants."
    else:
        by = ph.select(
            "property_id",
            "phase",
            pl.col("target_year").alias("year"),
            pl.col("grant_gbp").fill_null(0.0),
            "cost_gbp",
        )
        note = "No allocation has been run (no yearly budget): spend shown in each phase's target year."
    per = by.group_by("year").agg(pl.col("cost_gbp").sum(), pl.col("grant_gbp").sum()).sort("year")
    fig = go.Figure()
    fig.add_bar(
        name="net of grants (landlord)",
        x=per["year"].to_list(),
        y=(per["cost_gbp"] - per["grant_gbp"]).round(0).to_list(),
        marker_color="#3b6ea8",
    )
    fig.add_bar(
        name="grants", x=per["year"].to_list(), y=per["grant_gbp"].round(0).to_list(), marker_color="#8dce46"
    )
    budget = bundle.yearly_budget_gbp.get(name)
    if budget is not None and per.height:
        fig.add_scatter(
            x=per["year"].to_list(),
            y=[budget] * per.height,
            mode="lines+markers",
            name="yearly budget (net)",
            line={"color": "#e9153b"},
        )
    fig.update_layout(barmode="stack", xaxis_title="year", yaxis_title="£")
    return charts.div(fig, "Capital spend and grants by year") + f'<p class="note">{_esc(note)}</p>'


def _unreachable(ph: pl.DataFrame, bundle: PlanBundle, s: dict[str, Any]) -> str:
    rows = [[REASON_WORDS[r], *[p["missed_by_reason"].get(r, 0) for p in s["phases"]]] for r in MISS_REASONS]
    out = [
        _html_table(
            ["reason", *[f"phase {p['phase']}: {p['goal']}" for p in s["phases"]]],
            rows,
            set(range(1, len(s["phases"]) + 1)),
        )
    ]
    miss = (
        ph.filter(pl.col("miss_reason").is_not_null())
        .join(bundle.properties.select("property_id", "address"), on="property_id", how="left")
        .sort("miss_reason", "property_id", "phase")
    )
    if miss.height:
        shown = miss.head(200)
        out.append(
            f'<p class="note">{miss.height:,} home-phases miss their target; the first {shown.height} '
            "(the per-home table and `ara export plans` hold them all):</p>"
        )
        out.append(
            '<div class="scroll">'
            + _html_table(
                ["property", "address", "phase", "reason", "detail"],
                [
                    [
                        r["property_id"],
                        r["address"],
                        r["phase"],
                        REASON_WORDS.get(r["miss_reason"], r["miss_reason"]),
                        r["miss_detail"],
                    ]
                    for r in shown.iter_rows(named=True)
                ],
            )
            + "</div>"
        )
    return "\n".join(out)


# Beyond this many homes the table is cut (a browser slows down; the export holds every home).
MAX_TABLE_HOMES = 20_000


def _homes_table(ph: pl.DataFrame, bundle: PlanBundle, key: str) -> str:
    n_phases = int(ph["phase"].max())
    homes = ph["property_id"].n_unique()
    cut = ""
    if homes > MAX_TABLE_HOMES:
        keep = ph["property_id"].unique().sort().head(MAX_TABLE_HOMES)
        ph = ph.filter(pl.col("property_id").is_in(keep.implode()))
        cut = (
            f'<p class="note">The first {MAX_TABLE_HOMES:,} of {homes:,} homes by id; '
            "`ara export plans` writes them all.</p>"
        )
    wide = (
        ph.group_by("property_id")
        .agg(
            pl.col("band_before").sort_by("phase").first().alias("band_now"),
            *[
                pl.col("band_after").filter(pl.col("phase") == p).first().alias(f"band_p{p}")
                for p in range(1, n_phases + 1)
            ],
            pl.col("package")
            .sort_by("phase")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .alias("package"),
            pl.col("cost_gbp").sum(),
            pl.col("grant_gbp").fill_null(0.0).sum(),
            pl.col("net_cost_gbp").fill_null(0.0).sum(),
            (
                pl.col("bill_before_gbp").sort_by("phase").first()
                - pl.col("bill_after_gbp").sort_by("phase").last()
            ).alias("bill_saving"),
            (
                pl.col("co2_before_t").sort_by("phase").first()
                - pl.col("co2_after_t").sort_by("phase").last()
            ).alias("co2_saving"),
            pl.col("miss_reason").drop_nulls().first().alias("miss"),
        )
        .join(bundle.properties.select("property_id", "address", "postcode"), on="property_id", how="left")
        .sort("property_id")
    )
    headers = [
        "id",
        "address",
        "band now",
        *[f"after phase {p}" for p in range(1, n_phases + 1)],
        "package",
        "cost",
        "grant",
        "net cost",
        "bill saving £/yr",
        "CO2 saving t/yr",
        "misses a target",
    ]
    numeric = {0, n_phases + 4, n_phases + 5, n_phases + 6, n_phases + 7, n_phases + 8}
    body = []
    for r in wide.iter_rows(named=True):
        cells = [
            (r["property_id"], r["property_id"]),
            (f"{r['address'] or ''} {r['postcode'] or ''}", None),
            (r["band_now"], None),
            *[(r[f"band_p{p}"], None) for p in range(1, n_phases + 1)],
            ("; ".join(r["package"] or []), None),
            (_money(r["cost_gbp"]), r["cost_gbp"]),
            (_money(r["grant_gbp"]), r["grant_gbp"]),
            (_money(r["net_cost_gbp"]), r["net_cost_gbp"]),
            ("" if r["bill_saving"] is None else f"{r['bill_saving']:,.0f}", r["bill_saving"]),
            ("" if r["co2_saving"] is None else f"{r['co2_saving']:.2f}", r["co2_saving"]),
            (REASON_WORDS.get(r["miss"], r["miss"]) if r["miss"] else "", None),
        ]
        tds = "".join(
            f'<td class="{"n" if i in numeric else ""}"'
            + ("" if v is None else f' data-v="{_esc(v)}"')
            + f">{_esc(t)}</td>"
            for i, (t, v) in enumerate(cells)
        )
        body.append(f"<tr>{tds}</tr>")
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    return (
        f'<input class="filter" id="filter-{key}" type="search" placeholder="Filter homes (address, band, '
        f'measure, reason)..."><div class="scroll"><table class="homes" data-filter="filter-{key}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        '<p class="note">Click a heading to sort.</p>' + cut
    )


def _scenario_section(bundle: PlanBundle, name: str, s: dict[str, Any], charts: _Charts, key: str) -> str:
    ph = bundle.phases.filter(pl.col("scenario") == name)
    modelled = ph.filter(pl.col("miss_reason").ne_missing("not_modelled") & pl.col("score_error").is_null())
    ms = bundle.measures.filter(pl.col("scenario") == name)
    phase_rows = [
        [
            f"{p['phase']}. {p['phase_name']}",
            f"{p['goal']} by {p['target_year']}",
            p["homes"],
            p["homes_reaching_target"],
            _money(p["total_cost_gbp"]),
            _money(p["grant_gbp"]),
            _money(p["net_cost_gbp"]),
            f"{p['co2_saved_tonnes'] or 0:,.1f}",
            _money(p["bill_saved_gbp"]),
        ]
        for p in s["phases"]
    ]
    grants = s.get("grant_by_scheme_gbp") or {}
    parts = [
        f'<h2 id="s-{key}">Scenario: {_esc(name)}</h2>',
        _html_table(
            [
                "phase",
                "target",
                "homes modelled",
                "reach target",
                "cost",
                "grant",
                "net cost",
                "CO2 saved t/yr",
                "bills saved £/yr",
            ],
            phase_rows,
            {2, 3, 4, 5, 6, 7, 8},
        ),
        "<p>Grants by scheme: "
        + (", ".join(f"{_esc(k)} {_money(v)}" for k, v in grants.items()) or "none")
        + f". Homes not modelled: {s['not_modelled_count']:,}.</p>",
    ]
    if modelled.height:
        parts += [_band_chart(modelled, charts), _cost_curve(modelled, charts)]
    if ms.height:
        parts += [_mac(ms, charts), _mix(ms, charts)]
    parts.append(_spend(bundle, name, modelled, charts))
    parts += ["<h3>Homes that cannot reach a target, and why</h3>", _unreachable(ph, bundle, s)]
    parts += ["<h3>Every home</h3>", _homes_table(ph, bundle, key)]
    return "\n".join(parts)


def render_report(bundle: PlanBundle, scenario: str | None = None, *, today: dt.date | None = None) -> str:
    """The whole report as one HTML document (str)."""
    names = bundle.scenarios()
    if scenario is not None:
        if scenario not in names:
            raise LookupError(
                f"scenario {scenario!r} has no plans in portfolio {bundle.portfolio!r} ({names})"
            )
        names = [scenario]
    rolled = {s["scenario"]: s for s in with_grants(rollup(bundle.phases), bundle.grants)} if names else {}
    charts = _Charts()
    sections = [_glance(bundle)]
    for i, name in enumerate(names):
        sections.append(_scenario_section(bundle, name, rolled[name], charts, str(i)))
    if not names:
        sections.append("<h2>No plans yet</h2><p>Create a scenario and run plans_job for this portfolio.</p>")
    nav = " · ".join(
        ['<a href="#glance">at a glance</a>']
        + [f'<a href="#s-{i}">{_esc(n)}</a>' for i, n in enumerate(names)]
    )
    stamp = (today or dt.date.today()).isoformat()
    meta = json.dumps({"portfolio": bundle.portfolio, "scenarios": names, "charts": charts.count})
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Ara report: {_esc(bundle.portfolio)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style>'
        f"<script>{_ERRORS_JS}</script>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<h1>Retrofit plans: portfolio {_esc(bundle.portfolio)}</h1>"
        f'<p class="note">Generated by Ara on {stamp}. {nav}</p>'
        + "\n".join(sections)
        + f'<script type="application/json" id="ara-report-meta">{meta}</script>'
        + f"<script>{_TABLE_JS}</script></body></html>"
    )
