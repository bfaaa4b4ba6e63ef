"""Readable text for the terminal: the portfolio summary and one home's plan, as tables with headings.

Tables are drawn by rich (already installed with typer); `render` returns plain text, so the commands can
print it and tests can read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ara_assets.modelling.reasons import MISS_REASONS

REASON_WORDS = {
    "not_modelled": "not modelled (no scored start state)",
    "no_eligible_measure": "no eligible measure",
    "budget_limit": "budget limit",
    "max_achievable_below_target": "best package falls short",
}


def _money(x: Any) -> str:
    return "" if x is None else f"£{float(x):,.0f}"


def _num(x: Any, digits: int = 1) -> str:
    return "" if x is None else f"{float(x):,.{digits}f}"


def table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()
) -> Group:
    """A heading (on its own line, never wrapped to the table's width) over a table."""
    t = Table(show_lines=False)
    for i, h in enumerate(headers):
        t.add_column(h, justify="right" if i in right else "left")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    return Group(Text(title, style="bold"), t)


def render(*items: Group | str, width: int = 150) -> str:
    console = Console(record=True, width=width, color_system=None, force_terminal=False)
    with console.capture() as cap:
        for item in items:
            console.print(item)
            console.print("")
    return cap.get()


def summary_text(result: dict[str, Any]) -> str:
    """`ara portfolio summary NAME` without --json."""
    items: list[Group | str] = [
        f"Portfolio {result['portfolio']}: {result['properties']} homes, "
        f"{result['with_certificate']} with a certificate"
    ]
    b = result.get("baseline")
    if b is None:
        items.append("No baseline yet: materialise property_baseline for this portfolio.")
    else:
        bands = sorted(set(b["lodged_bands"]) | set(b["effective_bands"]))
        items.append(
            table(
                "Bands: lodged on the register vs effective (what modelling scores)",
                ["band", "lodged", "effective"],
                [[k, b["lodged_bands"].get(k, 0), b["effective_bands"].get(k, 0)] for k in bands],
                right=(1, 2),
            )
        )
        items.append(
            table(
                "Baseline",
                ["measure", "value"],
                [
                    ["homes rebaselined (SAP 10 or a changed home)", b["rebaselined_total"]],
                    ["divergent (calculated vs lodged)", b["divergent"]],
                    ["calculation failed", b["calculation_failed"]],
                    ["without an effective EPC", b["without_effective_epc"]],
                    ["homes with a priced bill", b["bills_priced"]],
                    ["mean annual bill", _money(b["mean_annual_bill_gbp"])],
                    ["CO2 a year (tonnes)", _num(b["total_co2_tonnes"])],
                ],
                right=(1,),
            )
        )
    plans = result.get("plans") or []
    if not plans:
        items.append("No plans yet: create a scenario (ara scenario create FILE) and run plans_job.")
    for s in plans:
        rows = []
        for p in s["phases"]:
            rows.append(
                [
                    f"{p['phase']}. {p['phase_name']}",
                    f"{p['goal']} by {p['target_year']}",
                    p["homes"],
                    p["homes_reaching_target"],
                    _money(p["total_cost_gbp"]),
                    _money(p["grant_gbp"]),
                    _money(p["net_cost_gbp"]),
                    _num(p["mean_sap_after"]),
                    _num(p["co2_saved_tonnes"]),
                    _money(p["bill_saved_gbp"]),
                ]
            )
        items.append(
            table(
                f"Scenario {s['scenario']}: plans by phase",
                [
                    "phase",
                    "target",
                    "homes",
                    "reach target",
                    "cost",
                    "grant",
                    "net cost",
                    "mean SAP after",
                    "CO2 saved t/yr",
                    "bills saved/yr",
                ],
                rows,
                right=(2, 3, 4, 5, 6, 7, 8, 9),
            )
        )
        items.append(
            table(
                f"Scenario {s['scenario']}: home-phases missing the target, by reason",
                ["reason", *[f"phase {p['phase']}" for p in s["phases"]]],
                [
                    [REASON_WORDS[r], *[p["missed_by_reason"].get(r, 0) for p in s["phases"]]]
                    for r in MISS_REASONS
                ],
                right=tuple(range(1, len(s["phases"]) + 1)),
            )
        )
        grants = s.get("grant_by_scheme_gbp") or {}
        if grants:
            items.append(
                table(
                    "Grants by scheme",
                    ["scheme", "grant"],
                    [[k, _money(v)] for k, v in grants.items()],
                    right=(1,),
                )
            )
        shown = ", ".join(str(h) for h in s["unreachable_homes"][:12])
        more = " ..." if s["unreachable_count"] > 12 else ""
        items.append(
            f"{s['unreachable_count']} homes miss a phase's target (property ids {shown}{more}); "
            f"{s['not_modelled_count']} homes not modelled. "
            "`ara plan show NAME --property ID` explains one home; `ara export plans` lists them all."
        )
    return render(*items)


def plan_text(
    portfolio: str,
    home: dict[str, Any],
    phases: pl.DataFrame,
    measures: pl.DataFrame,
    grants: pl.DataFrame,
) -> str:
    """`ara plan show`: the home now, then each phase's package, measure by measure."""
    items: list[Group | str] = [
        f"Home {home['property_id']} of portfolio {portfolio}: {home.get('address') or ''} "
        f"{home.get('postcode') or ''} (UPRN {home.get('uprn')})"
    ]
    now = [
        ["source path", home.get("source_path")],
        ["band lodged", home.get("lodged_band")],
        [
            "band effective (SAP)",
            f"{home.get('effective_band') or ''} ({_num(home.get('effective_sap_rating'))})",
        ],
        # plans start from the calculator's figures (ADR 0010); where the lodged ones stand as effective
        # (not rebaselined) the two differ, and a landlord must see both or the plan seems to lose points
        ["SAP calculated (plans start here)", _num(home.get("calculated_sap_rating"))],
        ["CO2 t/yr", _num(home.get("effective_co2_t_per_year"), 2)],
        ["bill £/yr", _money(home.get("total_bill_gbp"))],
        ["tenure", home.get("tenure")],
        ["baseline", home.get("baseline_status")],
    ]
    if home.get("baseline_reason"):
        now.append(["why", home["baseline_reason"]])
    items.append(table("The home now", ["", ""], now))
    has_prob = "probability_reaching_target" in phases.columns
    for scenario in sorted(phases["scenario"].unique().to_list()):
        mine = phases.filter(pl.col("scenario") == scenario).sort("phase")
        rows = []
        for p in mine.iter_rows(named=True):
            row = [
                f"{p['phase']}. {p['phase_name']}",
                f"{p['goal']} by {p['target_year']}",
                f"{p['band_before'] or ''} -> {p['band_after'] or ''}",
                f"{_num(p['sap_before'])} -> {_num(p['sap_after'])}",
                _money(p["cost_gbp"]),
                _money(p.get("grant_gbp")),
                _money(p.get("net_cost_gbp")),
                "yes" if p["reaches_target"] else "no",
            ]
            if has_prob:
                prob = p.get("probability_reaching_target")
                row.append("" if prob is None else f"{float(prob):.0%}")
            row.append(p.get("miss_detail") or "")
            rows.append(row)
        headers = ["phase", "target", "band", "SAP", "cost", "grant", "net cost", "reaches"]
        if has_prob:
            headers.append("P(reach)")
        headers.append("why not")
        items.append(table(f"Scenario {scenario}: phases", headers, rows, right=(4, 5, 6)))
        ms = measures.filter(pl.col("scenario") == scenario).sort("phase", "install_order")
        if ms.height:
            items.append(
                table(
                    f"Scenario {scenario}: measures (install order; effects add up to the phase)",
                    ["phase", "#", "measure", "option", "cost", "SAP", "CO2 t/yr", "bill £/yr"],
                    [
                        [
                            m["phase"],
                            m["install_order"],
                            m["measure_type"],
                            m["option_id"],
                            _money(m["cost_gbp"]),
                            f"{m['delta_sap']:+.1f}" if m["delta_sap"] is not None else "",
                            f"{m['delta_co2_t']:+.2f}" if m["delta_co2_t"] is not None else "",
                            f"{m['delta_bill_gbp']:+,.0f}" if m["delta_bill_gbp"] is not None else "",
                        ]
                        for m in ms.iter_rows(named=True)
                    ],
                    right=(4, 5, 6, 7),
                )
            )
        else:
            items.append(f"Scenario {scenario}: no measures in any phase.")
        gs = grants.filter(pl.col("scenario") == scenario) if grants.height else grants
        if gs.height:
            items.append(
                table(
                    f"Scenario {scenario}: grants",
                    ["phase", "scheme", "grant", "low-carbon heat uplift"],
                    [
                        [g["phase"], g["scheme"], _money(g["grant_gbp"]), "yes" if g["uplift"] else ""]
                        for g in gs.sort("phase", "scheme").iter_rows(named=True)
                    ],
                    right=(2,),
                )
            )
        exempt = mine["mees_exemption"].drop_nulls() if "mees_exemption" in mine.columns else pl.Series([])
        if exempt.len() and bool(exempt.any()):
            items.append(
                "MEES: the plan cannot reach band C within the £10,000 cost cap: this home qualifies "
                "for an exemption."
            )
    return render(*items, width=160)
