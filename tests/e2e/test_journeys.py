"""What people do with the dashboard in a browser, one journey a test (board member's view).

AppTest cannot follow a link, see the address bar or click a chart: these tests can. Expected
figures come from the query functions themselves (hub.queries, through hub.outputs), so a test
says where each figure on the screen should come from.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from hub import outputs, queries
from hub.audience import Audience
from hub.database import open_database
from hub.filters import Filters
from hub.settings import Settings

pytestmark = pytest.mark.e2e

MELTON = "E07000133"
# a link may name the section (tab) of a page shown by section: the locality charts' here
DEEP_LINK = f"/missing?locality={MELTON}&from=2019-04&to=2019-09&section=The+episodes+in+the+period"
JAN_TO_MAR = "Jan 2019 to Mar 2019 (Q4 2018-19)"  # a reporting period the board can pick
# How a shown figure may look: a number, a percentage, or a symbol such as [c].
FIGURE = re.compile(r"^(-?[\d,]+(\.\d+)?%?|\[[a-z]\])$")


@pytest.fixture(scope="module")
def settings(servers) -> Settings:
    """The board's server settings (extract, reference data, suppression threshold)."""
    return Settings.from_env(servers["board"].env)


@pytest.fixture(scope="module")
def db(settings):
    database = open_database(settings.data_dir, settings.reference_dir)
    yield database
    database.close()


def query_params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def bar_values(trace: dict) -> list:
    """A bar trace's values, whichever way the bars run."""
    return trace["x"] if trace["orientation"] == "h" else trace["y"]


def test_board_member_opens_the_overview(visit):
    overview = visit("overview")  # opened once for every page's checks (test_every_page)
    assert overview.errors == []
    assert list(overview.metrics) == [h.label for h in queries.HEADLINES]
    for label, value in overview.metrics.items():
        assert FIGURE.match(value), f"headline {label!r} shows {value!r}"
    assert {"overview_referrals", "overview_missing"} <= set(overview.charts)
    assert all(overview.charts.values()), f"a chart without figures: {overview.charts}"


def test_deep_link_runs_the_entry_point_with_its_filters(board, db, settings):
    board.open(DEEP_LINK)
    assert board.errors() == []
    # The entry point ran: the board's navigation with this page current, the shared sidebar.
    titles, current = board.navigation()
    assert current == "Missing episodes"
    assert "Overview" in titles and "Download log" not in titles
    assert "Viewing as: Board member" in board.page.get_by_test_id("stSidebar").inner_text()
    # The sidebar filters come from the link.
    assert board.sidebar_choice("Reporting period") == ["Apr 2019 to Sep 2019 (H1 2019-20)"]
    assert board.sidebar_choice("Locality") == ["Melton"]
    assert board.sidebar_notes() == []
    assert "Period: Apr 2019 to Sep 2019" in board.page.get_by_test_id("stMain").inner_text()
    # Melton's figures: the locality chart has Melton's bar only, with Melton's episodes.
    filters = Filters(dt.date(2019, 4, 1), dt.date(2019, 9, 1), locality=(MELTON,))
    expected = outputs.protect(queries.locality_comparison(db, filters), Audience("board"),
                               settings.suppression_threshold)
    [trace] = board.chart("missing_locality")
    assert trace["customdata"] == [MELTON]
    assert bar_values(trace) == [expected.loc[0, "episodes"]]


def _choose(board, label: str, option: str) -> None:
    """Pick `option` in the sidebar filter labelled `label`, as a person would."""
    field = board.page.get_by_test_id("stSidebar").get_by_label(label, exact=True)
    with board.rerun():
        field.click()
        field.fill(option)
        board.page.get_by_role("option", name=option, exact=True).click()
        board.page.keyboard.press("Escape")


def test_changing_a_filter_updates_the_address_bar_and_reloading_it_shows_the_same(board):
    board.open("/")
    everything = board.metrics()
    _choose(board, "Locality", "Melton")
    _choose(board, "Reporting period", JAN_TO_MAR)
    params = query_params(board.url)
    assert params.get("from") == ["2019-01"] and params.get("to") == ["2019-03"]
    assert params.get("locality") in (["Melton"], [MELTON]), params
    filtered = board.metrics()
    assert filtered != everything

    address = board.url
    board.page.reload()
    board.wait()
    assert board.url == address
    assert board.metrics() == filtered
    assert board.sidebar_choice("Locality") == ["Melton"]
    assert board.sidebar_choice("Reporting period") == [JAN_TO_MAR]
    assert board.sidebar_notes() == [], "the reloaded link was not fully understood"


def test_a_section_opened_is_kept_in_the_address_bar_and_reloading_it_opens_it_again(board):
    board.open("/missing?from=2019-04&to=2019-09")
    assert set(board.charts()) == {"missing_trend", "missing_from_trend",
                                   "missing_recording_trend"}  # the first section only
    with board.rerun():  # the tab's section is built when it is opened
        board.page.get_by_role("tab", name="Repeat missing").click()
    assert query_params(board.url).get("section") == ["Repeat missing"]
    assert set(board.charts()) == {"repeat_trend", "repeat_meeting_trend"}
    _choose(board, "Reporting period", JAN_TO_MAR)  # a filter change keeps the open tab
    assert query_params(board.url).get("section") == ["Repeat missing"]
    board.page.reload()
    board.wait()
    assert set(board.charts()) == {"repeat_trend", "repeat_meeting_trend"}
    assert all(board.charts().values())


def test_clicking_a_locality_bar_filters_the_page(board):
    board.open("/referrals?section=Localities")  # the page's section with the locality bars
    [before] = board.chart("referrals_locality")
    assert len(before["customdata"]) > 1
    melton = before["customdata"].index(MELTON)
    bar = board.page.locator(".st-key-referrals_locality .js-plotly-plot .barlayer .point")
    bar = bar.nth(melton)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    with board.rerun():  # plotly's drag layer takes the click, as it does for a person
        board.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert query_params(board.url).get("locality") in (["Melton"], [MELTON])
    assert board.sidebar_choice("Locality") == ["Melton"]
    [after] = board.chart("referrals_locality")
    assert after["customdata"] == [MELTON]
    assert bar_values(after) == [bar_values(before)[melton]]
    [rate] = board.chart("referrals_locality_rate")  # the rest of the page follows
    assert rate["customdata"] == [MELTON]


def test_a_committee_answer_links_to_its_chart_in_the_section_that_draws_it(board):
    """From the six-month update's committee tab to another page's section, in one click
    (Streamlit opens a link in a new tab: a new session, opened at the link's section)."""
    board.open("/")
    with board.rerun():  # the committee's answers are built when their tab is opened
        board.page.get_by_role("tab", name="What the committee asked").click()
    question = board.page.get_by_text("Are out-of-area children still the biggest cohort")
    answer = question.locator("xpath=ancestor::*[@data-testid='stMarkdownContainer'][1]")
    with board.page.context.expect_page() as opened:
        answer.get_by_role("link", name="See the chart").click()
    tab = opened.value
    tab.locator(".st-key-missing_out_of_area_share .js-plotly-plot").wait_for(timeout=60_000)
    assert urlsplit(tab.url).path == "/missing"
    assert query_params(tab.url).get("section") == ["Shares"]
    assert tab.get_by_role("tab", name="Shares", selected=True).count() == 1
    tab.close()
