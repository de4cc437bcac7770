"""Text from a link is shown as typed, never as Markdown: no link and no outside image can come
of it (a real Chromium, because only the browser shows what the Markdown became). And old or
plain addresses of pages open those pages."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from hub.formatting import WORD_JOINER

pytestmark = pytest.mark.e2e

LINK_PAYLOAD = "[Sign in again](https://evil.example/login)"
IMAGE_PAYLOAD = "![t](https://evil.example/beacon.png)"


def test_values_from_a_link_are_shown_as_text(board):
    outside = []
    board.page.on("request", lambda r: outside.append(r.url)
                  if urlsplit(r.url).hostname == "evil.example" else None)
    board.open(f"/?from={quote(LINK_PAYLOAD)}&locality={quote(IMAGE_PAYLOAD)}")
    sidebar = board.page.get_by_test_id("stSidebar")
    # as a person reads them (the invisible word joiners that stop autolinks left out)
    notes = [n.replace(WORD_JOINER, "") for n in board.sidebar_notes()]
    assert any(f"'from={LINK_PAYLOAD}' is not a month like 2019-04" in n for n in notes), notes
    assert any(IMAGE_PAYLOAD in n for n in notes), notes
    alerts = sidebar.get_by_test_id("stAlert")
    assert alerts.locator("a").count() == 0 and alerts.locator("img").count() == 0
    assert outside == []


@pytest.mark.parametrize("path, title", [
    ("/overview", "Six-month update"),
    ("/prevention_pursuit", "Prevention and pursuit"),
    ("/local_slices", "Local slices"),
])
def test_plain_and_old_page_addresses_open_their_pages(board, path, title):
    board.open(path)
    assert board.page.get_by_role("heading", name=title, level=1).count() == 1
    assert "Page not found" not in board.page.inner_text("body")
