"""Printing a page from the browser (issue 12): the page alone (no sidebar or toolbar), headed
by its title, locality, period and marking, with every chart drawn and none split across pages.
Chromium prints the page to PDF as a person's browser would; pypdf reads it back."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from hub.access import DEMO_BANNER

pytestmark = pytest.mark.e2e

# Text of each chart as plotly.js drew it on screen: its legend, axis titles and rightmost
# tick label (a chart cut off at the page's edge loses it: Chromium prints no clipped text).
CHART_TEXT = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].map(chart =>
    [...chart.querySelectorAll('.legendtext, .g-ytitle text, .g-xtitle text'),
     ...[...chart.querySelectorAll('.xtick text')].slice(-1)]
        .map(t => t.textContent.trim()).filter(t => t))"""


def printed(dashboard, path: str) -> tuple[list[list[str]], list[str]]:
    """(each chart's texts on screen, each printed page's text with its white space folded)."""
    dashboard.open(path)
    charts = dashboard.page.evaluate(CHART_TEXT)
    pdf = dashboard.page.pdf(format="A4", print_background=True)
    return charts, [_words(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _words(text: str) -> str:
    """Printed text as typed: ligatures (the 'ff' of Trafficked) undone, white space folded,
    and a word broken at its hyphen at the end of a line joined again."""
    return re.sub(r"-\s+", "-", " ".join(unicodedata.normalize("NFKC", text).split()))


# Missing episodes shows one section at a time; its print view (?print=1) has every section.
@pytest.mark.parametrize("path, title", [("/", "Overview"),
                                         ("/missing?print=1", "Missing episodes")])
def test_a_printed_page_has_its_header_every_chart_and_no_sidebar(board, path, title):
    charts, pages = printed(board, path)
    everything = " ".join(pages)
    # first the demo banner (these servers run in demo mode: a printout says so), then the header
    first = re.sub(r"^" + re.escape(DEMO_BANNER) + r"\W*", "", pages[0])
    assert first.startswith(f"CSE, Missing and Trafficked Hub: {title}. Leicestershire "
                            "(county), Apr 2019 to Sep 2019 (H1 2019-20). OFFICIAL.")
    for sidebar_only in ("Reporting period", "Viewing as", "Exploitation type All",
                         "Chart Table"):  # and the tabs' labels
        assert sidebar_only not in everything
    assert charts and all(charts)
    for number, texts in enumerate(charts, start=1):
        # drawn: its legend, titles and last tick are printed; whole: all on one page
        assert any(all(t in page for t in texts) for page in pages), (number, texts)


def test_the_hub_leads_printed_page_is_marked_official_sensitive(open_dashboard):
    _, pages = printed(open_dashboard("hub_lead"), "/referrals")
    assert "OFFICIAL-SENSITIVE — not for onward sharing." in pages[0]
