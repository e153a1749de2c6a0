"""Every HTML report opens in headless Chromium: it renders, logs nothing, shows its chart.

Issue 15: each report's HTML page is loaded in Debian's ``chromium`` (``.ci/run``
installs it where missing; under CI a missing browser fails the run instead of skipping).
For each page: the browser's rendered DOM has the report's title and its tables, a
page promising a chart has inline SVG with bars in the rendered DOM (the SLA
explanation: its timeline chart, one band per segment, and its deadline line), the console
stays silent (no error, no message at all: the pages run no script), and a
screenshot is written under the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report_parsing import parse_page, timeline_bands, timeline_markers
from servicedomain.reports import (
    invoice_document,
    margin_report,
    render_subscription_fee_summary_html,
    render_subscription_transactions_html,
    repair_history,
    work_description,
    work_receipt,
)
from test_report_formats import credit, invoice, orders, signed_order
from test_report_timeline import paused_over_the_weekend

# The billing scenario fixture of the subscription reports' tests, used here as well.
from test_reports_billing import (
    Scenario,
    scenario,  # noqa: F401
    summary,
    transactions,
)
from test_reports_repairs import LAPTOP, repaired_order, replaced_bom

# The flags the machine's notes give for a closed network: no background connections.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1200,1600",
)
_CONSOLE = re.compile(r":CONSOLE[:(]")
_PNG = b"\x89PNG\r\n\x1a\n"
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _open(page: str, folder: Path, name: str) -> tuple[str, list[str]]:
    """Load ``page`` from a file: (the rendered DOM, the console lines); a screenshot too."""
    browser = _chromium()
    path = folder / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    url = path.as_uri()
    console: list[str] = []
    dom = ""
    for action in ("--dump-dom", f"--screenshot={folder / f'{name}.png'}"):
        done = subprocess.run(
            [browser, *_FLAGS, f"--user-data-dir={folder / f'profile-{name}'}", action, url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        console += [line for line in done.stderr.splitlines() if _CONSOLE.search(line)]
        if action == "--dump-dom":
            dom = done.stdout
    return dom, console


def _pages(billed: Scenario) -> dict[str, tuple[str, bool]]:
    """Each report's HTML page, and whether it promises a chart."""
    rows = summary(billed)
    return {
        "margin": (margin_report(orders()).render_html(), True),
        "work-description": (work_description(signed_order()).render_html(), False),
        "work-receipt": (work_receipt(signed_order()).render_html(), False),
        "invoice": (invoice_document(invoice()).render_html(), False),
        "credit-note": (invoice_document(credit()).render_html(), False),
        "subscription-transactions": (
            render_subscription_transactions_html(transactions(billed)),
            False,
        ),
        "fees": (render_subscription_fee_summary_html(rows), True),
        "sla-explanation": (paused_over_the_weekend().render_html(locale="sv"), True),
        "repair-history": (
            repair_history(LAPTOP, [repaired_order()], [replaced_bom()]).render_html(),
            False,
        ),
        "work-receipt-repairs": (
            work_receipt(repaired_order(), objects=[LAPTOP]).render_html("Europe/Stockholm"),
            False,
        ),
    }


_NAMES = (
    "margin",
    "work-description",
    "work-receipt",
    "invoice",
    "credit-note",
    "subscription-transactions",
    "fees",
    "sla-explanation",
    "repair-history",
    "work-receipt-repairs",
)


@pytest.mark.parametrize("name", _NAMES)
def test_each_html_report_renders_in_chromium_without_console_messages(
    name: str,
    scenario: Scenario,  # noqa: F811 (the imported fixture)
    tmp_path: Path,
) -> None:
    page, charted = _pages(scenario)[name]
    dom, console = _open(page, tmp_path, name)
    assert console == []
    rendered, source = parse_page(dom), parse_page(page)
    # The browser built the page we wrote: the same title and tables, row for row.
    title = _TITLE.search(page)
    assert title is not None
    assert _TITLE.search(dom) is not None
    assert _TITLE.search(dom).group(1) == title.group(1)  # type: ignore[union-attr]
    assert rendered.tables
    assert {key: (t.body, t.foot) for key, t in rendered.tables.items()} == {
        key: (t.body, t.foot) for key, t in source.tables.items()
    }
    if charted:
        assert rendered.svgs
        assert all("rect" in names for names in rendered.svgs)
    if name == "sla-explanation":
        segments = paused_over_the_weekend().measurement.timeline
        bands = timeline_bands(rendered)
        assert [band["class"] for band in bands] == [f"band {s.kind.value}" for s in segments]
        assert all(float(band["width"] or 0) > 0 for band in bands)
        assert "marker deadline" in timeline_markers(rendered)
    if name == "repair-history":
        view = repair_history(LAPTOP, [repaired_order()], [replaced_bom()]).view()
        assert rendered.tables["entries"].body == view.tables[0].shown_rows
    screenshot = (tmp_path / f"{name}.png").read_bytes()
    assert screenshot.startswith(_PNG)
    assert len(screenshot) > 5_000  # a page, not a blank image


def test_the_browser_check_sees_console_errors(tmp_path: Path) -> None:
    # The check above can fail: a page that logs, and one whose script breaks, are caught.
    page = "<html><head><title>t</title></head><body><script>console.error('boom');"
    page += "missing_function();</script></body></html>"
    _, console = _open(page, tmp_path, "broken")
    assert console  # both loads (the DOM, the screenshot) log the same two messages
    assert any("boom" in line for line in console)
    assert any("missing_function" in line for line in console)
