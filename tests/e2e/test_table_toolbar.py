"""Tables offer no download of their own: every file leaves through the logged download, the
hub lead's OFFICIAL-SENSITIVE lists included (`client.disableDataExport`)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_table_has_no_download_button_of_its_own(open_dashboard):
    lead = open_dashboard("hub_lead")
    lead.open("/missing?section=Repeat+missing")  # the section with a list
    table = lead.page.get_by_test_id("stDataFrame").filter(visible=True).first
    table.scroll_into_view_if_needed()
    table.hover()
    toolbar = lead.page.get_by_test_id("stElementToolbar").filter(visible=True).first
    toolbar.get_by_role("button").first.wait_for()  # the toolbar is there: search, fullscreen
    labels = [b.get_attribute("aria-label") for b in toolbar.get_by_role("button").all()]
    assert labels and not [label for label in labels if "download" in (label or "").lower()]


def test_the_download_log_reads_without_a_sideways_scroll(open_dashboard, tmp_path):
    """At 1366 px wide (the suite's viewport), every column of the log is in view."""
    lead = open_dashboard("hub_lead")
    lead.open("/local-slices")
    with lead.page.expect_download():
        lead.page.get_by_role("button", name="Download CSV").click()
    lead.open("/download-log")
    grid = lead.page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    scroller = grid.locator(".dvn-scroller").first
    widths = scroller.evaluate("s => [s.scrollWidth, s.clientWidth]")
    assert widths[0] <= widths[1], f"the log scrolls sideways: {widths}"
