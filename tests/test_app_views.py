"""What a board member reads beside the figures: notes on filters, county-wide cards, charts
that are all hidden, and the events a trend marks (AppTest on the real pages)."""

from __future__ import annotations

from hub.disclosure import ADJUSTED_NOTE
from hub.filters import PERIOD_NOTE
from hub.settings import ROOT
from hub.ui.components import GRAIN_NOTES, HIDDEN_NOTE
from hub.ui.context import PREVIEW_NOTE, REAL_EXTRACT_NOTE
from tests.builders import build_extract, referral, shown
from tests.test_app import MELTON_REFERRAL, edge_extract, readable, run, sidebar_notes, \
    text_of  # noqa: F401 (a fixture)
from tests.test_app_signin import PERSON
from tests.test_app_signin import app as signed_in_app

DEMO = ROOT / "data" / "demo"


def test_a_link_with_two_localities_names_the_one_a_board_member_sees(monkeypatch):
    # Melton (E07000133) is first in the link, Harborough (E07000131) first in code order,
    # which decides: the note must name the one shown.
    at = run(monkeypatch, DEMO, "board", locality=["E07000133", "E07000131"])
    notes = sidebar_notes(at)
    assert notes == ["Protected views show one locality at a time, so only Harborough is "
                     "shown."]
    assert at.sidebar.multiselect(key="locality").value == ["E07000131"]


def test_a_period_in_the_wrong_order_gets_one_note(monkeypatch):
    at = run(monkeypatch, DEMO, "board", **{"from": "2019-06", "to": "2019-01"})
    assert sidebar_notes(at) == [
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
    # Melton has one referral (June 2019): each breakdown's one category is [c], or perturbed
    # to 0 and left out (then the chart has no figures); no half-year of its trend is whole.
    at = run(monkeypatch, edge_extract, "board", "referrals", locality="E07000133")
    hidden = "Every figure in this chart is hidden [c]"
    expected = hidden if shown([MELTON_REFERRAL]) == "[c]" else "No figures for these filters."
    notes = [i.value for i in at.info]
    assert any(note.startswith(expected) for note in notes), notes
    assert "1" not in {cell for df in at.dataframe for cell in df.value.to_numpy().ravel()}


def test_trend_charts_name_their_events_and_explain_their_gaps_in_words(monkeypatch):
    # the print view: every trend chart of the page, in the order it prints them
    at = run(monkeypatch, DEMO, "board", "missing", locality="E07000133", print="1")
    captions = [c.value for c in at.caption]
    assert HIDDEN_NOTE in captions  # one district's months: many are [c]
    # as a person reads them: the event labels come from a reference file, so are escaped
    marked = [m for m in map(readable, captions) if m.startswith("Marked: ")]
    assert marked and marked[0].startswith(
        "Marked: 1 Police 'absent' category ends (Jan 2017); 2 CCE training rolled out (Oct 2017)")
    assert "Electronic missing reports (Feb 2018)" in marked[0]
    # named once, under the first trend chart; the others refer back to it
    assert len(marked) > 3 and all(c.startswith("Marked: events ") and
                                   c.endswith(", named under the first trend chart above.")
                                   for c in marked[1:])


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


def test_a_link_with_another_range_shows_the_board_the_default_period_with_a_note(monkeypatch):
    at = run(monkeypatch, DEMO, "board", **{"from": "2016-04", "to": "2019-06"})
    notes = sidebar_notes(at)
    assert notes == [PERIOD_NOTE.format(asked="Apr 2016 to Jun 2019")]
    assert at.sidebar.selectbox(key="period").value == "2019-04/2019-09"
    assert "Period: Apr 2019 to Sep 2019 (H1 2019-20)." in at.caption[0].value
    assert ADJUSTED_NOTE in [c.value for c in at.caption]
    lead = run(monkeypatch, DEMO, "hub_lead", **{"from": "2016-04", "to": "2019-06"})
    assert sidebar_notes(lead) == []  # the hub lead keeps any months
    assert "Period: Apr 2016 to Jun 2019." in lead.caption[0].value
    assert ADJUSTED_NOTE not in [c.value for c in lead.caption]


def test_the_hub_lead_can_see_a_page_as_the_board_sees_it(monkeypatch):
    lead = run(monkeypatch, DEMO, "hub_lead", **{"from": "2019-04", "to": "2019-09"})
    exact = {m.label: m.value for m in lead.metric}
    lead.sidebar.toggle(key="as_board").set_value(True).run()
    assert not lead.exception
    assert PREVIEW_NOTE in [i.value for i in lead.sidebar.info]
    as_board = {m.label: m.value for m in lead.metric}
    board = run(monkeypatch, DEMO, "board")
    assert as_board == {m.label: m.value for m in board.metric}  # exactly the board's view
    assert as_board != exact  # perturbed, not the exact figures
    assert lead.sidebar.selectbox(key="period").value == "2019-04/2019-09"


def test_protected_audiences_get_no_figures_of_a_real_extract_without_a_secret(
        monkeypatch, tmp_path):
    # A real extract is never shown in demo mode: these people sign in (tests/test_app_signin).
    real = build_extract(tmp_path / "real", synthetic=False, referrals=[referral()])
    for group in ["hub-board", "csp-melton"]:
        at = signed_in_app(monkeypatch, tmp_path, real, user={**PERSON, "groups": [group]})
        assert [e.value for e in at.error] == [REAL_EXTRACT_NOTE]
        assert not at.metric
    assert signed_in_app(monkeypatch, tmp_path, real,  # the hub lead's exact view works
                         user={**PERSON, "groups": ["hub-lead"]}).metric
    monkeypatch.setenv("HUB_PERTURBATION_SECRET", "a secret the hub holds")
    at = signed_in_app(monkeypatch, tmp_path, real, user={**PERSON, "groups": ["hub-board"]})
    assert not at.error and at.metric


def test_the_board_preview_keeps_the_hub_leads_filters_as_far_as_the_rules_allow(monkeypatch):
    lead = run(monkeypatch, DEMO, "hub_lead", locality=["E07000133", "E07000131"],
               sex=["female", "male"])
    lead.sidebar.toggle(key="as_board").set_value(True).run()
    assert lead.sidebar.multiselect(key="locality").value == ["E07000131"]  # first in order
    assert lead.sidebar.multiselect(key="sex").value == ["female"]
    board = run(monkeypatch, DEMO, "board", locality="E07000131", sex="female")
    assert {m.label: m.value for m in lead.metric} == {m.label: m.value for m in board.metric}
    lead.sidebar.toggle(key="as_board").set_value(False).run()
    assert lead.sidebar.multiselect(key="locality").value == ["E07000131"]  # still filtered
    assert "Period: Apr 2019 to Sep 2019 (H1 2019-20)." in lead.caption[0].value


def test_every_chart_names_itself_its_period_and_marking_for_a_saved_image(monkeypatch):
    import json

    at = run(monkeypatch, DEMO, "board")
    first = at.get("plotly_chart")[0]
    layout = json.loads(first.proto.spec)["layout"]
    assert layout["title"]["text"] == "Referrals by month and exploitation type"
    assert layout["title"]["subtitle"]["text"] == (
        "Apr 2019 to Sep 2019 (H1 2019-20), Leicestershire (county). OFFICIAL")
    assert json.loads(first.proto.config)["toImageButtonOptions"]["filename"] == (
        "referrals-by-month-and-exploitation-type-apr-2019-to-sep-2019-h1-2019-20")
