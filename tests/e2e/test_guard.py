"""The guards of hub/ui/guard.py on a real server (serve.py, as `make run` starts it).

- A download's `/media/...` address gives the file only to the browser that pressed the button,
  while its tab is open: not to a bare HTTP client (no cookies), not after the tab closed.
- A bare websocket client (no cookie) that sends Streamlit's `clear_cache` message clears
  nothing: the st.cache_data entries the server reports on /_stcore/metrics are all still
  there afterwards. (The extract itself is kept outside st.cache_*, hub/ui/context.py.)
"""

from __future__ import annotations

import re
import time
import urllib.request

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.sync.client import connect

from tests.e2e.conftest import TIMEOUT_S, fetch_without_cookies

pytestmark = pytest.mark.e2e

# Streamlit recomputes its cache_memory_bytes metric at most every 5 s
# (_METRICS_EXPENSIVE_STATS_TTL_SECONDS in streamlit/web/server/starlette/starlette_routes.py).
METRICS_TTL_S = 5.0
CACHE_LINE = re.compile(
    r'^cache_memory_bytes\{(?=[^}]*cache_type="(st_cache_(?:data|resource))")'
    r'(?=[^}]*cache="([^"]+)")[^}]*\}\s+(\d+)', re.MULTILINE)


def download(dashboard, button: str) -> tuple[str, bytes]:
    """Press a download button: (the address the browser fetched, the file it got)."""
    with dashboard.page.expect_download() as started:
        dashboard.page.get_by_role("button", name=button).click()
    got = started.value
    return got.url, got.path().read_bytes()


def test_a_download_address_gives_the_file_only_to_its_own_open_session(partnership):
    dashboard = partnership
    dashboard.open("/local-slices")
    address, made = download(dashboard, "Download CSV")
    assert "/media/" in address and b"local slice" in made

    # the browser that pressed the button, its tab open (its own cookies): the file
    same_browser = dashboard.page.context.request
    reply = same_browser.get(address)
    assert (reply.status, reply.body()) == (200, made)
    assert reply.headers["cache-control"] == "no-store"  # never kept on a shared PC

    # curl's way, without any session: nothing, and the refusal is in the server's log
    assert fetch_without_cookies(address) == (403, b"")
    media = address[address.index("/media/"):]
    assert f"media {media} refused" in dashboard.server.log()

    # the same browser once its tab is closed (the websocket goes with it): nothing
    dashboard.page.close()
    deadline = time.monotonic() + TIMEOUT_S
    while (reply := same_browser.get(address)).status == 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # the server hears of the closed websocket a moment later
    assert (reply.status, reply.body()) == (403, b"")


def cache_entries(server) -> dict[tuple[str, str], int]:
    """{(cache type, function): bytes held} of every non-empty st.cache_data and
    st.cache_resource cache, as the server's /_stcore/metrics reports them."""
    with urllib.request.urlopen(f"{server.url}/_stcore/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {(kind, name): int(size) for kind, name, size in CACHE_LINE.findall(text)
            if int(size) > 0}


def test_a_bare_websocket_client_cannot_clear_the_servers_caches(board):
    board.open("/")  # the overview fills st.cache_data with its figures
    deadline, before = time.monotonic() + TIMEOUT_S, cache_entries(board.server)
    while "st_cache_data" not in {kind for kind, _ in before}:
        assert time.monotonic() < deadline, f"the caches never filled: {before}"
        time.sleep(1)
        before = cache_entries(board.server)

    clear = BackMsg()
    clear.clear_cache = True
    stream = board.server.url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(stream, open_timeout=TIMEOUT_S) as bare_client:  # no cookie, no Origin
        bare_client.send(clear.SerializeToString())
    # the server reads the message before the close that follows it; then the metric is
    # recomputed once its TTL has passed
    time.sleep(METRICS_TTL_S + 1)

    after = cache_entries(board.server)
    assert set(before) <= set(after), f"caches cleared: {sorted(set(before) - set(after))}"
    assert "a client asked to clear the server's caches" in board.server.log()
