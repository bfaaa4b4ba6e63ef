"""The portfolio report: self-contained HTML, drawn in a real headless browser where there is one."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ara_assets.report.html import render_report
from ara_assets_tests.report.bundle import bundle

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def external_references(html: str) -> list[str]:
    """Tags and CSS that would fetch something from elsewhere."""
    found = re.findall(
        r"<(?:script|img|link|iframe|source|video|audio)\b[^>]*\b(?:src|href)=[\"']?[^\"'\s>]+", html
    )
    found += re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", html)
    found += re.findall(r"@import[^;]+;", html)
    return found


def test_report_is_self_contained_and_complete() -> None:
    html = render_report(bundle())
    assert external_references(html) == []
    for heading in (
        "The portfolio at a glance",
        "Bands: lodged on the register vs effective",
        "Homes needing attention, by reason",
        "Scenario: s",
        "Homes that cannot reach a target, and why",
        "Every home",
    ):
        assert heading in html
    # six charts: bands, cost curve, £/SAP point, marginal abatement, measure mix, spend and grants by year
    assert len(re.findall(r'<div class="chart">', html)) == 6
    assert "yearly budget (net)" in html  # the allocation's budget on the spend chart
    assert "budget limit" in html and "SAP 60 within £10,000" in html
    assert "3 &lt;Test&gt; Row" in html  # addresses are escaped


def test_report_of_one_unknown_scenario_is_refused() -> None:
    with pytest.raises(LookupError, match="scenario 'nope'"):
        render_report(bundle(), "nope")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on this machine: install it (Debian: apt-get install -y chromium) to draw the report "
    "in a real headless browser",
)
def test_report_draws_every_chart_in_headless_chromium() -> None:
    html = render_report(bundle())
    charts = len(re.findall(r'<div class="chart">', html))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "r.html"
        page.write_text(html, encoding="utf-8")
        profile = Path(tmp) / "profile"
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    dom = done.stdout
    assert "<html" in dom, done.stderr[-2000:]
    # the page records script errors (window.onerror, console.error) on <html data-errors=N>
    assert "data-errors=" not in dom, re.findall(r"data-errors=\"\d+\"", dom)
    drawn = re.search(r'data-charts-drawn="(\d+)"', dom)
    assert drawn is not None and int(drawn.group(1)) == charts
    # plotly draws each chart as SVG inside its div
    assert len(re.findall(r'class="main-svg"', dom)) >= charts
