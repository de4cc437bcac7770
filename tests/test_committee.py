"""'What the committee asked': the answers are written from the figures the audience is shown,
and a change perturbation alone could make is never called a rise or a fall. Hand-made
extract; exact figures counted by hand, protected ones worked out with tests.builders."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from hub import outputs
from hub.audience import Audience
from hub.committee import committee_answers
from hub.database import open_database
from hub.filters import Filters
from hub.summaries import direction
from tests.builders import build_extract, episode, session, shown
from tests.test_app import run

COVERAGE = dict(coverage_start=dt.date(2018, 4, 1), coverage_end=dt.date(2019, 9, 30))
PERIOD, BEFORE = "the period", "Oct 2018 to Mar 2019 (H2 2018-19)"
# Missing episodes: 30 in Apr-Sep 2019 (5 a month), 12 in Oct 2018-Mar 2019 (2 a month).
NOW = [f"now{i}" for i in range(30)]
THEN = [f"then{i}" for i in range(12)]
# Warning Zone sessions in the period: 20 funded by the PCC, 8 by the partnership; and two
# outreach sessions in Gypsy and traveller settings (a CCE workshop) in June.
PCC = [f"pcc{i}" for i in range(20)]
CSP = [f"csp{i}" for i in range(8)]
OUTREACH = ["grt1", "grt2"]


def start(i: int, first_month: dt.date) -> dt.datetime:
    month = (first_month.month - 1 + i % 6) % 12 + 1
    year = first_month.year + (first_month.month - 1 + i % 6) // 12
    return dt.datetime(year, month, 2 + i // 6, 12)


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    episodes = ([episode(episode_id=e, child_id=f"c{i}", start_at=start(i, dt.date(2019, 4, 1)))
                 for i, e in enumerate(NOW)]
                + [episode(episode_id=e, child_id=f"d{i}",
                           start_at=start(i, dt.date(2018, 10, 1))) for i, e in enumerate(THEN)])
    sessions = ([session(session_id=i, delivered_on=dt.date(2019, 5, 1), funder="pcc")
                 for i in PCC]
                + [session(session_id=i, delivered_on=dt.date(2019, 6, 1), funder="csp")
                   for i in CSP]
                + [session(session_id=i, delivered_on=dt.date(2019, 6, 9),
                           programme="cce_workshop", setting="gypsy_traveller_outreach",
                           funder="council") for i in OUTREACH])
    return build_extract(tmp_path_factory.mktemp("committee"), missing_episodes=episodes,
                         prevention_sessions=sessions, **COVERAGE)


def answers(extract: Path, audience: str) -> dict[str, str]:
    db = open_database(extract)
    who = Audience.parse(audience)
    filters = Filters.default(db.info.coverage_end, protected=who.protected,
                              coverage_start=db.info.coverage_start)
    cards = outputs.headline(db, filters, who, 5)
    found = committee_answers(cards, lambda q: outputs.protected(q, db, filters, who, 5)[1],
                              filters, who)
    db.close()
    return {a.question: a.answer for a in found}


def answer(found: dict[str, str], starts: str) -> str:
    return next(text for question, text in found.items() if question.startswith(starts))


def test_the_hub_lead_reads_answers_from_exact_figures(extract):
    found = answers(extract, "hub_lead")
    assert answer(found, "Are missing episodes still rising") == (
        f"Missing episodes: 30 in {PERIOD}, against 12 in {BEFORE}: a rise.")
    assert answer(found, "Who funds the Warning Zone") == (
        "Warning Zone sessions in the period by funder, most first: Police and Crime "
        "Commissioner 20; Community Safety Partnership 8.")
    # prevention trends step by quarter at the shortest: both outreach sessions in Apr-Jun
    assert answer(found, "Is prevention work reaching Gypsy") == (
        "Sessions in Gypsy and traveller settings, by quarter: Apr\u2013Jun 2019 2; "
        "Jul\u2013Sep 2019 0.")


def test_the_board_reads_answers_from_protected_figures_only(extract):
    found = answers(extract, "board")
    now, then = shown(NOW), shown(THEN)
    # the rule by hand: a change of 6 or less either way could be the adjustment alone
    words = ("about the same" if abs(now - then) <= 6 else
             "a rise" if now > then else "a fall")
    assert answer(found, "Are missing episodes still rising") == (
        f"Missing episodes: {now} in {PERIOD}, against {then} in {BEFORE}: {words}.")
    # PCC's 20 stay ahead of the partnership's 8 whatever the adjustment (3 at most)
    partnership = shown(CSP)
    assert answer(found, "Who funds the Warning Zone") == (
        "Warning Zone sessions in the period by funder, most first: Police and Crime "
        f"Commissioner {shown(PCC)}; "
        + ("1 more funder [c]." if partnership == "[c]"
           else f"Community Safety Partnership {partnership}."))
    outreach = shown(OUTREACH)  # by quarter for the board; none in Jul-Sep
    assert answer(found, "Is prevention work reaching Gypsy") == (
        "No sessions in Gypsy and traveller settings are recorded for this view."
        if outreach == 0 else "Sessions in Gypsy and traveller settings, by quarter: "
        f"Apr\u2013Jun 2019 {outreach}; Jul\u2013Sep 2019 0.")


@pytest.mark.parametrize("now, before, noise, expected", [
    (20, 14, 6, "about the same"), (21, 14, 6, "a rise"), (8, 14, 6, "about the same"),
    (7, 14, 6, "a fall"), (15, 14, 0, "a rise"), (14, 14, 0, "about the same")])
def test_a_change_within_the_noise_is_about_the_same(now, before, noise, expected):
    assert direction(now, before, noise) == expected


def test_the_overview_lists_every_question_with_a_link_to_its_chart(monkeypatch, extract):
    at = run(monkeypatch, extract, "board")
    assert "What the committee asked" in [t.label for t in at.tabs]  # a tab of its own
    assert not [m for m in at.markdown if "[See the chart](" in m.value]  # built when open
    at = run(monkeypatch, extract, "board", section="What the committee asked")
    assert "What the committee asked" in [h.value for h in at.header]
    links = [m.value for m in at.markdown if "[See the chart](" in m.value]
    assert len(links) == 12
    assert any("(/missing?from=2019-04&to=2019-09&step=quarter&section=Episodes+and+children"
               "#missing_trend)" in m for m in links)


def test_every_committee_link_opens_its_page_at_the_section_that_draws_its_chart(
        monkeypatch, extract):
    from urllib.parse import parse_qsl, urlsplit

    from hub.ui.layout import PAGES

    at = run(monkeypatch, extract, "board", section="What the committee asked")
    links = [re.search(r"\[See the chart\]\(([^)]*)\)", m.value).group(1)
             for m in at.markdown if "[See the chart](" in m.value]
    assert len(links) == 12
    files = {("/" if i == 0 else f"/{path}"): Path(file).stem
             for i, (file, _, path, _, _) in enumerate(PAGES)}
    for link in links:
        address = urlsplit(link)
        page = run(monkeypatch, extract, "board", files[address.path],
                   **dict(parse_qsl(address.query)))
        # the block's title carries the anchor the link ends with (its chart may be hidden [c])
        shown = [h.anchor for h in page.subheader]
        assert address.fragment in shown, (link, shown)
