"""What a board member reads beside the figures: notes on filters, county-wide cards, charts
that are all hidden, and the events a trend marks (AppTest on the real pages)."""

from __future__ import annotations

from hub.settings import ROOT
from hub.ui.components import GRAIN_NOTES, HIDDEN_NOTE
from tests.test_app import edge_extract, run, text_of  # noqa: F401 (edge_extract: a fixture)

DEMO = ROOT / "data" / "demo"


def test_a_link_with_two_localities_names_the_one_a_board_member_sees(monkeypatch):
    # Melton (E07000133) is first in the link, Harborough (E07000131) first in code order,
    # which decides: the note must name the one shown.
    at = run(monkeypatch, DEMO, "board", locality=["E07000133", "E07000131"])
    notes = [w.value for w in at.sidebar.warning]
    assert notes == ["Protected views show one locality at a time, so only Harborough is "
                     "shown."]
    assert at.sidebar.multiselect(key="locality").value == ["E07000131"]


def test_a_period_in_the_wrong_order_gets_one_note(monkeypatch):
    at = run(monkeypatch, DEMO, "board", **{"from": "2019-06", "to": "2019-01"})
    assert [w.value for w in at.sidebar.warning] == [
        "'From' is after 'To', so the default period is shown."]


def test_a_county_wide_figure_says_so_in_a_district_view(monkeypatch, edge_extract):
    at = run(monkeypatch, edge_extract, "board", locality="E07000133")
    captions = [c.value for c in at.caption if c.value.startswith("Previous:")]
    county_wide = [c for c in captions if "County-wide: not filtered by locality" in c]
    # Only Convictions (pursue outcomes carry no locality) is county-wide; with the locality
    # filter alone, the other 15 figures are Melton's own.
    assert len(county_wide) == 1
    assert len(captions) == 16 and sum("not filtered" in c for c in captions) == 1


def test_a_chart_whose_figures_are_all_hidden_says_so_instead_of_drawing_nothing(
        monkeypatch, edge_extract):
    # Melton has one referral (June 2019): every month of its trend is 0 or [c], and its one
    # referral by sex is hidden.
    at = run(monkeypatch, edge_extract, "board", "referrals", locality="E07000133")
    hidden = [i.value for i in at.info if i.value.startswith("Every figure in this chart")]
    assert hidden, [i.value for i in at.info]
    assert "1" not in {cell for df in at.dataframe for cell in df.value.to_numpy().ravel()}


def test_trend_charts_name_their_events_and_explain_their_gaps_in_words(monkeypatch):
    at = run(monkeypatch, DEMO, "board", "missing", locality="E07000133")
    captions = [c.value for c in at.caption]
    assert HIDDEN_NOTE in captions  # one district's months: many are [c]
    marked = [c for c in captions if c.startswith("Marked: ")]
    assert marked and marked[0].startswith(
        "Marked: 1 Police 'absent' category ends (Jan 2017); 2 CCE training rolled out (Oct 2017)")
    assert "Electronic missing reports (Feb 2018)" in marked[0]


def test_a_board_member_sees_one_districts_trends_by_half_year(monkeypatch):
    at = run(monkeypatch, DEMO, "board", "missing", locality="E07000133")
    assert GRAIN_NOTES["half"] in [c.value for c in at.caption]
    tables = [df.value for df in at.dataframe]
    trend = next(t for t in tables if "Episodes" in t.columns and "Children" in t.columns)
    # the whole extract, Apr 2016 to Sep 2019, is 7 financial half-years
    assert trend.columns[0] == "Half-year" and len(trend) == 7
    assert trend.iloc[0, 0] == "Apr\u2013Sep 2016" and trend.iloc[-1, 0] == "Apr\u2013Sep 2019"
    county = run(monkeypatch, DEMO, "board", "missing")
    captions = [c.value for c in county.caption]
    assert GRAIN_NOTES["quarter"] in captions and GRAIN_NOTES["half"] not in captions
    lead = run(monkeypatch, DEMO, "hub_lead", "missing", locality="E07000133")
    assert not set(GRAIN_NOTES.values()) & {c.value for c in lead.caption}  # by month
