"""Tables offer no download of their own: every file leaves through the logged download, the
hub lead's OFFICIAL-SENSITIVE lists included (`client.disableDataExport`)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_table_has_no_download_button_of_its_own(open_dashboard):
    lead = open_dashboard("hub_lead")
    lead.open("/missing")
    table = lead.page.get_by_test_id("stDataFrame").filter(visible=True).first
    table.scroll_into_view_if_needed()
    table.hover()
    toolbar = lead.page.get_by_test_id("stElementToolbar").filter(visible=True).first
    toolbar.get_by_role("button").first.wait_for()  # the toolbar is there: search, fullscreen
    labels = [b.get_attribute("aria-label") for b in toolbar.get_by_role("button").all()]
    assert labels and not [label for label in labels if "download" in (label or "").lower()]
