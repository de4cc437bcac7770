"""Sign-in end to end: a real OpenID Connect provider, a real `streamlit run`, a real Chromium.

The provider is oidc-provider-mock (PyPI, pinned in requirements-dev.txt), started on a free
127.0.0.1 port for the session and stopped after; it accepts any client and lets a test set a
person's claims with `PUT /users/<sub>`. The dashboard runs without demo mode, with a secrets
file of its own (`--secrets.files`, so a developer's .streamlit/secrets.toml plays no part) whose
[auth] section points at the provider, and a role map in a temporary folder. A second server
has neither demo mode nor a provider. Each test signs a fresh subject in (the provider keeps
people in memory), in a fresh browser context.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from hub import access
from hub.ui.layout import PAGES
from tests.e2e.conftest import TIMEOUT_S, VIEWPORT, Dashboard, Server, _free_port, \
    fetch_without_cookies, stop_process

pytestmark = [pytest.mark.e2e, pytest.mark.login]

ROLES = """[roles]
"hub-board" = "board"
"hub-lead" = "hub_lead"
"csp-melton" = "csp:E07000133"
"""
HUB_ENV = ("HUB_DEMO", "HUB_AUDIENCE", "HUB_ROLE_MAP", "HUB_ROLE_CLAIM", "HUB_DATA_DIR",
           "HUB_AUDIT_DIR", "HUB_SESSION_DIR", "HUB_SESSION_MAX_MINUTES", "HUB_IDLE_MINUTES")


class Provider:
    """`python -m oidc_provider_mock` on a free local port."""

    def __init__(self, log_path):
        self.port, self.log_path = _free_port(), log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"oidc-provider-mock exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(
                        f"{self.url}/.well-known/openid-configuration", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"oidc-provider-mock did not answer within {TIMEOUT_S} s")
            time.sleep(0.2)

    def person(self, **claims) -> str:
        """A new person with these claims; returns their subject."""
        sub = f"person-{uuid.uuid4().hex[:12]}"
        request = urllib.request.Request(f"{self.url}/users/{sub}", method="PUT",
                                         data=json.dumps(claims).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 204
        return sub

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    started = Provider(tmp_path_factory.mktemp("provider") / "provider.log")
    yield started
    started.stop()


def _env(**hub) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in HUB_ENV}
    return {**env, "PYTHONUNBUFFERED": "1", **hub}


@pytest.fixture(scope="session")
def signin_server(provider, extract_dir, tmp_path_factory):
    """The dashboard as deployed: no demo mode, the provider in its secrets, a role map."""
    folder = tmp_path_factory.mktemp("signin")
    (folder / "roles.toml").write_text(ROLES)
    server = Server("sign-in", _env(HUB_DATA_DIR=str(extract_dir),
                                    HUB_ROLE_MAP=str(folder / "roles.toml"),
                                    HUB_AUDIT_DIR=str(folder / "audit"),
                                    HUB_SESSION_DIR=str(folder / "sessions")),
                    folder / "server.log", args=("--secrets.files", str(folder / "secrets.toml")))
    (folder / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{server.url}/oauth2callback"\n'
        'cookie_secret = "a cookie secret for the login tests only"\n'
        'client_id = "cse-hub"\n'
        'client_secret = "not a secret"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n')
    server.audit_dir = folder / "audit"
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def unconfigured_server(extract_dir, tmp_path_factory):
    """Neither demo mode nor a provider: a replica whose secrets went missing."""
    folder = tmp_path_factory.mktemp("unconfigured")
    server = Server("unconfigured", _env(HUB_DATA_DIR=str(extract_dir),
                                         HUB_AUDIT_DIR=str(folder / "audit"),
                                    HUB_SESSION_DIR=str(folder / "sessions")),
                    folder / "server.log",
                    args=("--secrets.files", str(folder / "no-secrets.toml")))
    server.start()
    yield server
    server.stop()


def shows_nothing(dashboard: Dashboard) -> None:
    """No figure, chart, table, download, filter or extract detail on the page."""
    page = dashboard.page
    for test_id in ("stMetric", "stPlotlyChart", "stDataFrame", "stTable", "stDownloadButton",
                    "stMultiSelect", "stSelectbox", "stSidebarNav"):
        assert page.get_by_test_id(test_id).count() == 0, test_id
    text = page.inner_text("body")
    assert "Extract:" not in text and "Covers:" not in text and "demo-" not in text


def sign_in(dashboard: Dashboard, provider: Provider, sub: str, path: str = "/") -> float:
    """Open `path`, press Sign in, give the provider's form the subject; returns the seconds
    from pressing Sign in to the dashboard drawn."""
    dashboard.open(path)
    start = time.perf_counter()
    dashboard.page.get_by_role("button", name="Sign in").click()
    dashboard.page.wait_for_url(f"{provider.url}/**")
    dashboard.page.fill("input[name=sub]", sub)
    dashboard.page.get_by_role("button", name="Authorize").click()
    dashboard.page.wait_for_url(f"{dashboard.server.url}/**")
    dashboard.wait()
    return time.perf_counter() - start


def viewing_as(dashboard: Dashboard) -> str:
    sidebar = dashboard.page.get_by_test_id("stSidebar").inner_text()
    [line] = [ln for ln in sidebar.splitlines() if ln.startswith("Viewing as:")]
    return line.removeprefix("Viewing as:").strip()


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_page(open_dashboard,
                                                                   signin_server):
    dashboard = open_dashboard(signin_server)
    for address in ["/", *(f"/{path}" for _, _, path, _, _ in PAGES),
                    "/missing?locality=E07000133&from=2019-04&to=2019-09"]:
        dashboard.open(address)
        assert access.SIGN_IN in dashboard.page.inner_text("body"), address
        assert dashboard.page.get_by_role("button", name="Sign in").count() == 1
        shows_nothing(dashboard)


@pytest.mark.parametrize("groups, audience", [
    (["hub-board"], "Board member"),
    (["hub-lead"], "Hub lead"),
    (["csp-melton"], "Partnership representative for Melton"),
])
def test_each_role_signs_in_and_gets_its_audience(open_dashboard, signin_server, provider,
                                                  groups, audience):
    provider.wait_ready()
    sub = provider.person(email=f"{groups[0]}@council.example", name="Pat Example",
                          groups=groups)
    dashboard = open_dashboard(signin_server)
    seconds = sign_in(dashboard, provider, sub)
    print(f"sign-in to drawn dashboard: {seconds:.1f} s")
    assert viewing_as(dashboard) == audience
    sidebar = dashboard.page.get_by_test_id("stSidebar").inner_text()
    assert f"Signed in as Pat Example <{groups[0]}@council.example>" in sidebar
    assert dashboard.page.get_by_role("button", name="Sign out").count() == 1
    assert dashboard.metrics()  # the figures
    assert access.DEMO_BANNER not in dashboard.page.inner_text("body")
    titles, _ = dashboard.navigation()
    assert ("Download log" in titles) == (groups == ["hub-lead"])


def test_a_person_with_no_mapped_role_is_refused(open_dashboard, signin_server, provider):
    provider.wait_ready()
    sub = provider.person(email="finance@council.example", groups=["finance"])
    dashboard = open_dashboard(signin_server)
    sign_in(dashboard, provider, sub)
    assert access.NO_ROLE in dashboard.page.inner_text("body")
    shows_nothing(dashboard)
    dashboard.open("/missing")  # a deep link too
    assert access.NO_ROLE in dashboard.page.inner_text("body")
    shows_nothing(dashboard)


def test_with_neither_demo_mode_nor_a_provider_the_app_refuses(open_dashboard,
                                                               unconfigured_server):
    dashboard = open_dashboard(unconfigured_server)
    for address in ("/", "/missing", "/download-log"):
        dashboard.open(address)
        assert access.NOT_CONFIGURED in dashboard.page.inner_text("body")
        assert dashboard.page.get_by_role("button", name="Sign in").count() == 0
        shows_nothing(dashboard)


def test_a_download_after_sign_in_names_the_person_and_is_theirs_alone(
        open_dashboard, signin_server, provider, tmp_path):
    from hub import audit

    provider.wait_ready()
    sub = provider.person(email="melton.rep@council.example", groups=["csp-melton"])
    dashboard = open_dashboard(signin_server)
    sign_in(dashboard, provider, sub)  # the provider sends people back to the start
    dashboard.open("/local-slices")
    with dashboard.page.expect_download() as started:
        dashboard.page.get_by_role("button", name="Download CSV").click()
    started.value.save_as(tmp_path / "slice.csv")
    mine = [entry for entry in audit.read_log(signin_server.audit_dir).to_dict("records")
            if entry["subject"] == sub]
    assert [(e["email"], e["audience"], e["format"]) for e in mine] == [
        ("melton.rep@council.example", "csp:E07000133", "csv")]

    # its address: the file for this person's session, nothing without it or after sign-out
    address = started.value.url
    signed_in = dashboard.page.context.request
    reply = signed_in.get(address)
    assert (reply.status, reply.body()) == (200, (tmp_path / "slice.csv").read_bytes())
    assert fetch_without_cookies(address) == (403, b"")
    dashboard.page.get_by_role("button", name="Sign out").click()
    dashboard.page.wait_for_url(lambda url: not url.startswith(signin_server.url)
                                or "/auth/logout" in url)
    reply = signed_in.get(address)
    assert (reply.status, reply.body()) == (403, b"")


def test_a_cookie_copied_before_sign_out_or_tampered_with_signs_nobody_in(
        open_dashboard, signin_server, provider, browser):
    provider.wait_ready()
    sub = provider.person(email="lead@council.example", groups=["hub-lead"])
    dashboard = open_dashboard(signin_server)
    sign_in(dashboard, provider, sub)
    assert viewing_as(dashboard) == "Hub lead"
    copied = dashboard.page.context.cookies()
    assert any(c["name"].startswith("_streamlit_user") for c in copied)

    def with_cookies(cookies) -> Dashboard:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_cookies(cookies)
        return Dashboard(context.new_page(), signin_server)

    tampered = [{**c, "value": c["value"][:-4] + "AAAA"} if c["name"] == "_streamlit_user"
                else c for c in copied]
    copy = with_cookies(copied)
    copy.open("/")
    assert viewing_as(copy) == "Hub lead"  # a copy works while the session is open
    copy.page.context.close()
    forged = with_cookies(tampered)
    forged.open("/")
    assert access.SIGN_IN in forged.page.inner_text("body")  # a broken signature: nobody
    shows_nothing(forged)
    forged.page.context.close()

    dashboard.page.get_by_role("button", name="Sign out").click()
    dashboard.page.wait_for_url(lambda url: not url.startswith(signin_server.url)
                                or "/auth/logout" in url)
    reused = with_cookies(copied)  # the cookie taken before sign-out
    reused.open("/missing")
    assert access.SESSION_ENDED in reused.page.inner_text("body")
    shows_nothing(reused)
    reused.page.context.close()
