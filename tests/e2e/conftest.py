"""Browser tests: the real dashboard as `make run` serves it (`streamlit run serve.py`: uvicorn,
with hub/ui/guard.py in front of Streamlit's routes), driven by a real Chromium.

One server per audience and one browser for the whole session (so the suite is quick); a fresh
browser context (cookies, storage, downloads) for every test. Servers listen on free local
ports, are ready when /_stcore/health answers, and are stopped at the end. A missing Chromium or
axe-core fails the suite with how to install it: it is never skipped.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hub.ui.layout import PAGES
from tests.e2e.browser import AXE_SCRIPT, HOW_TO_INSTALL_AXE, HOW_TO_INSTALL_CHROMIUM, \
    LAUNCH_ARGS, ROOT, chromium_executable, install_axe

TIMEOUT_S = 60  # generous: a loaded CI machine can take this long to open a page
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Streamlit marks the app element with its script state; "notRunning" once a run has finished.
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
AUDIENCES = ("board", "csp:E07000133", "hub_lead")
# The page is drawn: no skeleton left (Streamlit shows one while an element's code loads)
# and every Plotly chart drawn.
SETTLED = """() => !document.querySelector('[data-testid=stSkeleton]')
    && [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
        .every(chart => chart.querySelector('.js-plotly-plot .main-svg'))"""
# Counts finished script runs in window.hubRuns (installed once per loaded page).
COUNT_RUNS = """() => {
    if (window.hubRuns === undefined) {
        window.hubRuns = 0;
        new MutationObserver(changes => changes.forEach(change => {
            if (change.target.getAttribute('data-test-script-state') === 'notRunning'
                && change.oldValue !== 'notRunning') window.hubRuns += 1;
        })).observe(document.querySelector('[data-testid=stApp]'), {
            attributes: true, attributeFilter: ['data-test-script-state'],
            attributeOldValue: true});
    }
    return window.hubRuns;
}"""

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Rule ids of serious or critical axe violations caused by Streamlit's own chrome (navigation,
# toolbar, widget internals), not by our content: listed so that a new violation fails. Add an
# entry only after checking that every node axe names is Streamlit's, and say which.
# Streamlit 1.67 with axe-core 4.14.1 on every page (the whole page, sidebar open): none.
KNOWN_STREAMLIT_VIOLATIONS: dict[str, str] = {}

AXE_RUN = """async tags => {
    const result = await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                              html: n.html.slice(0, 300),
                                              summary: n.failureSummary}))}));
}"""

# Console errors that Streamlit itself logs on every deep link, whatever the app: its frontend
# first looks for the server under the page's own path (/missing/_stcore/health and
# /missing/_stcore/host-config), gets 404 and then finds it at the root.
KNOWN_CONSOLE_NOISE = {
    "Streamlit looks for its server under a deep link's path first":
        re.compile(r"404 \(Not Found\) at https?://[^/]+/[^?#]+/_stcore/(health|host-config)$"),
}


# --- Processes: the extract and one server per audience --------------------------------------

@pytest.fixture(scope="session")
def extract_dir(tmp_path_factory) -> Path:
    """The committed demo extract when there is one, else a freshly generated demo."""
    committed = ROOT / "data" / "demo"
    if (committed / "manifest.json").is_file():
        return committed
    folder = tmp_path_factory.mktemp("extract") / "demo"
    done = subprocess.run([sys.executable, "-m", "hub", "demo", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode:
        pytest.fail(f"`python -m hub demo` failed:\n{done.stdout}\n{done.stderr}")
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """`streamlit run serve.py` (the st.App entry that `make run` starts) for one audience."""

    audience: str
    env: dict[str, str]
    log_path: Path
    args: tuple[str, ...] = ()  # more options of `streamlit run` (e.g. --secrets.files)
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    ready: bool = False
    _log: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *self.args],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not self.ready:
            if self.process.poll() is not None:
                pytest.fail(f"The dashboard ({self.audience}) exited with "
                            f"{self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=5) as reply:
                    self.ready = reply.status == 200
            except (urllib.error.URLError, OSError):
                pass
            if not self.ready:
                if time.monotonic() > deadline:
                    pytest.fail(f"The dashboard ({self.audience}) did not answer "
                                f"/_stcore/health within {TIMEOUT_S} s:\n{self.log()}")
                time.sleep(0.2)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        stop_process(self.process)
        if self._log:
            self._log.close()


def stop_process(process: subprocess.Popen | None) -> None:
    """Terminate a process we started, killing it if it has not exited after 10 s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch_without_cookies(address: str) -> tuple[int, bytes]:
    """(status, body) of a plain GET with no cookies, as curl would do it."""
    try:
        with urllib.request.urlopen(address, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


@pytest.fixture(scope="session")
def servers(extract_dir, tmp_path_factory):
    """Every audience's server, all started at once (they start in parallel); a test waits
    only for the one it uses."""
    logs, audit = tmp_path_factory.mktemp("server-logs"), tmp_path_factory.mktemp("audit")
    pool = {}
    for audience in AUDIENCES:
        env = {**os.environ, "HUB_DEMO": "1", "HUB_DATA_DIR": str(extract_dir),
               "HUB_AUDIENCE": audience,
               "HUB_AUDIT_DIR": str(audit / audience.replace(":", "-")),
               "PYTHONUNBUFFERED": "1"}
        pool[audience] = Server(audience, env, logs / f"{audience.replace(':', '-')}.log")
        pool[audience].start()
    yield pool
    for server in pool.values():
        server.stop()


# --- The browser ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    executable = chromium_executable()
    if executable is None:
        pytest.fail(HOW_TO_INSTALL_CHROMIUM, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(executable), args=list(LAUNCH_ARGS),
                                     headless=True)
        yield launched
        launched.close()


# Pages that take a server long to build the first time (st.cache_data then keeps them for
# every session): when a test that needs one is selected, it is opened in a background tab at
# the start, so that the server builds it while other tests run.
WARM_UP = {"partnership": ("csp:E07000133", "/local-slices")}


@pytest.fixture(scope="session", autouse=True)
def warm_up(request, browser, servers):
    wanted = {name for item in request.session.items for name in item.fixturenames}
    context = browser.new_context(viewport=VIEWPORT)
    for fixture, (audience, path) in WARM_UP.items():
        if fixture in wanted:
            servers[audience].wait_ready()
            context.new_page().goto(servers[audience].url + path, wait_until="commit")
    yield
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if install_axe() is None:
        pytest.fail(HOW_TO_INSTALL_AXE, pytrace=False)
    return AXE_SCRIPT


class Dashboard:
    """One browser tab on one audience's dashboard, and what the tests read from it."""

    def __init__(self, page, server: Server):
        self.page, self.server = page, server
        self.console_errors: list[str] = []
        page.set_default_timeout(TIMEOUT_S * 1000)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} at {where}" if where else message.text)

    def unexpected_console_errors(self) -> list[str]:
        """Console errors other than Streamlit's known noise (KNOWN_CONSOLE_NOISE)."""
        return [e for e in self.console_errors
                if not any(p.search(e) for p in KNOWN_CONSOLE_NOISE.values())]

    # Loading and waiting

    def open(self, path: str = "/") -> None:
        """Go to `path` (with any query string) and wait until the page is drawn."""
        self.page.goto(self.server.url + path)
        self.wait()

    @contextmanager
    def rerun(self):
        """Wrap an action that makes Streamlit rerun; waits until that rerun has finished.

        Counting finished runs (rather than waiting for the idle state, which holds until the
        rerun has begun) cannot mistake the moment before the rerun for its end."""
        before = self.page.evaluate(COUNT_RUNS)
        yield
        self.page.wait_for_function(f"() => window.hubRuns > {before}")
        self.wait()

    def wait(self, timeout_s: float = TIMEOUT_S) -> None:
        """Wait for the script run to finish, then for every lazily loaded element (shown as
        a skeleton until its code arrives) and every chart to be drawn."""
        self.page.locator(APP_IDLE).wait_for(state="attached", timeout=timeout_s * 1000)
        self.page.wait_for_function(SETTLED, timeout=timeout_s * 1000)

    @property
    def url(self) -> str:
        return self.page.url

    # What is on the screen

    def errors(self) -> list[str]:
        """Exceptions and error messages shown on the page."""
        shown = self.page.locator("[data-testid='stException'], "
                                  "[data-testid='stAlertContentError']")
        return shown.all_inner_texts()

    def metrics(self) -> dict[str, str]:
        """Headline metrics as {label: value} in page order."""
        cards = self.page.get_by_test_id("stMetric")
        return {card.get_by_test_id("stMetricLabel").inner_text().strip():
                card.get_by_test_id("stMetricValue").inner_text().strip()
                for card in cards.all()}

    def chart(self, key: str) -> list[dict]:
        """The traces drawn by the chart with this widget key: name, x, y and customdata as
        plotly.js holds them after drawing."""
        plot = self.page.locator(f".st-key-{key} .js-plotly-plot")
        plot.wait_for()
        return plot.evaluate(
            "p => p._fullData.map(t => ({name: t.name, orientation: t.orientation || 'v',"
            " x: t.x ? Array.from(t.x) : [], y: t.y ? Array.from(t.y) : [],"
            " customdata: t.customdata ? Array.from(t.customdata) : []}))")

    def charts(self) -> dict[str, int]:
        """{chart key: points drawn} for every Plotly chart on the page (key '' if none)."""
        return dict(self.page.evaluate(
            """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].map(c => {
                const keyed = c.closest('[class*="st-key-"]');
                const key = keyed ? [...keyed.classList].find(k => k.startsWith('st-key-'))
                    .slice(7) : '';
                const plot = c.querySelector('.js-plotly-plot');
                const points = plot && plot._fullData ? plot._fullData.reduce(
                    (n, t) => n + Math.max((t.x || []).length, (t.y || []).length), 0) : 0;
                return [key, points];
            })"""))

    def sidebar_choice(self, label: str) -> list[str]:
        """What a sidebar filter shows: a multiselect's chosen labels, a selectbox's value."""
        field_ = self.page.get_by_test_id("stSidebar").get_by_label(label, exact=True)
        field_.wait_for()
        widget = field_.locator("xpath=ancestor::*[@data-testid='stMultiSelect']")
        if widget.count():
            return [tag.get_attribute("title")
                    for tag in widget.locator("[data-tag] [title]").all()]
        return [field_.input_value()]

    def navigation(self) -> tuple[list[str], str]:
        """(titles of the pages in the sidebar navigation, title of the current page)."""
        nav = self.page.get_by_test_id("stSidebarNav")
        titles = [link.get_attribute("label") for link in nav.locator("a span[label]").all()]
        current = nav.locator("a[aria-current=page] span[label]").get_attribute("label")
        return titles, current

    def sidebar_notes(self) -> list[str]:
        return [t.strip() for t in
                self.page.get_by_test_id("stSidebar").get_by_test_id("stAlert").all_inner_texts()]

    # Accessibility and pictures

    def axe(self, script: Path) -> list[dict]:
        """Serious and critical axe-core violations (WCAG 2.2 A and AA rules) on the whole
        page: [{id, impact, help, nodes: [{target, html, summary}]}].

        axe cannot judge the contrast of text scrolled out of view (it reports it as
        'incomplete'), and Streamlit's main area scrolls; so the window is first made as tall
        as the page, then put back."""
        viewport = self.page.viewport_size
        height = self.page.evaluate(
            "() => Math.max(...['stMain', 'stSidebarContent'].map(id =>"
            " document.querySelector(`[data-testid=${id}]`)?.scrollHeight || 0))")
        self.page.set_viewport_size({"width": viewport["width"],
                                     "height": max(viewport["height"], min(height, 30000))})
        try:
            self.wait()
            self.page.add_script_tag(path=str(script))
            return self.page.evaluate(AXE_RUN, AXE_TAGS)
        finally:
            self.page.set_viewport_size(viewport)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.mouse.move(0, 0)  # no hover labels in the picture
        self.page.screenshot(path=str(path), animations="disabled")
        return path


@pytest.fixture
def open_dashboard(browser, servers):
    """open_dashboard(audience) -> a Dashboard in a fresh browser context (closed after);
    the audience's demo server, or any other Server given instead (tests/e2e/test_login.py)."""
    contexts = []

    def make(audience: str | Server = "board") -> Dashboard:
        server = audience if isinstance(audience, Server) else servers[audience]
        server.wait_ready()
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True,
                                      locale="en-GB", timezone_id="Europe/London")
        contexts.append(context)
        return Dashboard(context.new_page(), server)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def board(open_dashboard) -> Dashboard:
    return open_dashboard("board")


@pytest.fixture
def partnership(open_dashboard) -> Dashboard:
    """Melton's Community Safety Partnership representative."""
    return open_dashboard("csp:E07000133")


# --- Every page, opened once a session --------------------------------------------------------

# page name (its url path) -> (address, audience): each page of the navigation, opened as the
# first audience that sees it.
# name (the first page, served at the root, is the overview) -> (address, audience)
PAGE_VISITS = {("overview" if i == 0 else path): ("/" if i == 0 else f"/{path}",
                                                  who[0] if who else "board")
               for i, (_, _, path, _, who) in enumerate(PAGES)}


@dataclass
class Visit:
    """What opening a page showed: read by several tests, so each page is opened once."""

    name: str
    address: str
    audience: str
    errors: list[str]
    console_errors: list[str]
    violations: list[dict]
    screenshot: Path
    metrics: dict[str, str]
    charts: dict[str, int]


@pytest.fixture(scope="session")
def visit(browser, servers, axe_script):
    """visit(page name) -> the Visit of that page: opened at 1366x768 with the default
    filters, screenshot saved to docs/screenshots/<name>.png, then checked with axe-core.

    The first call opens every page at once, each in its own tab, so that the servers run
    the pages while the browser draws and checks them one by one."""
    tabs: dict[str, tuple] = {}
    seen: dict[str, Visit] = {}

    def open_all() -> None:
        for name, (address, audience) in PAGE_VISITS.items():
            servers[audience].wait_ready()
            context = browser.new_context(viewport=VIEWPORT, locale="en-GB",
                                          timezone_id="Europe/London")
            dashboard = Dashboard(context.new_page(), servers[audience])
            dashboard.page.goto(dashboard.server.url + address, wait_until="commit")
            tabs[name] = context, dashboard

    def check(name: str) -> Visit:
        context, dashboard = tabs.pop(name)
        try:
            dashboard.wait(timeout_s=3 * TIMEOUT_S)  # every page is loading at once
            shot = dashboard.screenshot(name)
            errors, metrics, charts = dashboard.errors(), dashboard.metrics(), \
                dashboard.charts()
            violations = dashboard.axe(axe_script)
            address, audience = PAGE_VISITS[name]
            return Visit(name, address, audience, errors, dashboard.unexpected_console_errors(),
                         violations, shot, metrics, charts)
        finally:
            context.close()

    def visit_page(name: str) -> Visit:
        if not seen and not tabs:
            open_all()
        if name not in seen:
            seen[name] = check(name)
        return seen[name]

    yield visit_page
    for context, _ in tabs.values():
        context.close()
