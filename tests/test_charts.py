"""The chart factory: nothing relies on colour alone, hidden values are gaps, and every trend
carries its events and period.

Figures are read back from the Plotly figure the factory returns (what the browser is sent).
"""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from hub import charts

MONTHS = pd.date_range("2019-01-01", periods=4, freq="MS")


def two_series(hidden_at: int | None = None) -> pd.DataFrame:
    """home 10, 11, 12, 13 and care 20, 21, 22, 23 by month; optionally one home month [c]."""
    frame = pd.DataFrame({"month": [*MONTHS, *MONTHS], "category": ["home"] * 4 + ["care"] * 4,
                          "episodes": [10.0, 11, 12, 13, 20, 21, 22, 23],
                          "episodes_status": [""] * 8})
    if hidden_at is not None:
        frame.loc[hidden_at, ["episodes", "episodes_status"]] = [np.nan, "[c]"]
    return frame


def contrast_on_white(colour: str) -> float:
    """WCAG 2.2 contrast ratio of an sRGB hex colour against white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("colour", charts.PALETTE)
def test_every_series_colour_has_3_to_1_contrast_on_white(colour):
    assert contrast_on_white(colour) >= 3


def test_line_series_differ_by_marker_and_dash_not_only_colour():
    fig = charts.chart(two_series(), x="month", y="episodes", series="category")
    home, care = fig.data
    assert (home.name, care.name) == ("Home", "Care")
    assert home.marker.symbol != care.marker.symbol
    assert home.line.dash != care.line.dash


def test_bar_series_differ_by_pattern_and_carry_their_values_as_text():
    frame = pd.DataFrame({"source": ["police", "health", "police", "health"],
                          "type": ["cse", "cse", "cce", "cce"], "referrals": [10.0, np.nan, 6, 20],
                          "referrals_status": ["", "[c]", "", ""]})
    fig = charts.chart(frame, x="source", y="referrals", series="type", kind="stack")
    cse, cce = fig.data
    assert cse.marker.pattern.shape != cce.marker.pattern.shape
    assert list(cse.text) == ["10", "[c]"] and list(cce.text) == ["6", "20"]
    assert fig.layout.barmode == "stack" and cse.textposition == "inside"


def test_a_hidden_value_is_a_gap_not_a_zero():
    fig = charts.chart(two_series(hidden_at=2), x="month", y="episodes", series="category")
    home = fig.data[0]
    sent = json.loads(fig.to_json())["data"][0]  # what the browser gets: null is a gap
    assert sent["y"] == [10, 11, None, 13]
    assert home.connectgaps is False


def test_a_hidden_category_says_c_where_its_bar_would_be():
    frame = pd.DataFrame({"category": ["home", "care"], "episodes": [38.0, np.nan],
                          "episodes_status": ["", "[c]"]})
    fig = charts.chart(frame, x="category", y="episodes", kind="bar", horizontal=True)
    assert list(fig.data[0].y) == ["Home", "Care [c]"]
    assert list(fig.data[0].text) == ["38", "[c]"]


def test_monthly_bars_leave_their_values_to_hover_and_the_table():
    fig = charts.chart(two_series(), x="month", y="episodes", series="category", kind="stack")
    assert all(trace.text is None for trace in fig.data)


def test_percentages_are_drawn_on_a_whole_scale():
    frame = pd.DataFrame({"month": MONTHS, "pct": [0.0, 0, np.nan, 0]})
    fig = charts.chart(frame, x="month", y="pct", percent=True)
    assert list(fig.layout.yaxis.range) == [0, 100] and fig.layout.yaxis.ticksuffix == "%"


def test_events_are_dotted_labelled_lines_and_the_period_is_shaded():
    events = pd.DataFrame({"date": pd.to_datetime(["2019-02-01", "2019-03-15"]),
                           "label": ["Electronic reports", "CCE training"],
                           "description": ["reports go online", "partners trained"]})
    fig = charts.chart(two_series(), x="month", y="episodes", series="category",
                       events=events, period=(dt.date(2019, 3, 1), dt.date(2019, 4, 30)))
    rect, *lines = fig.layout.shapes
    assert rect.type == "rect" and rect.layer == "below"
    assert (pd.Timestamp(rect.x0), pd.Timestamp(rect.x1)) == (pd.Timestamp("2019-03-01"),
                                                            pd.Timestamp("2019-04-30"))
    assert [(pd.Timestamp(s.x0), s.line.dash) for s in lines] == [
        (pd.Timestamp("2019-02-01"), "dot"), (pd.Timestamp("2019-03-15"), "dot")]
    # numbered above the plot, named in words on hover and in the caption beside the chart
    labels = [(a.text, a.hovertext, a.y, a.yanchor) for a in fig.layout.annotations]
    assert labels == [("1", "Electronic reports: reports go online", 1, "bottom"),
                      ("2", "CCE training: partners trained", 1, "bottom")]
    assert charts.events_caption(events) == (
        "Marked: 1 Electronic reports (Feb 2019); 2 CCE training (Mar 2019)")


def test_a_trend_axis_spans_the_data_only():
    fig = charts.chart(two_series(), x="month", y="episodes", series="category",
                       events=pd.DataFrame({"date": [pd.Timestamp("2019-04-20")],
                                            "label": ["A long label"], "description": [""]}))
    # Jan to Apr 2019, with half the median step between months (15.5 days) either side
    low, high = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert low == pd.Timestamp("2018-12-16 12:00") and high == pd.Timestamp("2019-04-16 12:00")


def test_categories_that_look_like_numbers_stay_categories():
    frame = pd.DataFrame({"household_size": ["1", "2", "3", "4+"], "people": [6.0, 8, 8, 16]})
    fig = charts.chart(frame, x="household_size", y="people", kind="bar")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == ["1", "2", "3", "4+"]
    assert list(fig.data[0].text) == ["6", "8", "8", "16"]
    assert fig.data[0].textposition == "outside"


def test_horizontal_bars_put_values_on_x_and_keep_the_category_order():
    frame = pd.DataFrame({"category": ["home", "care"], "episodes": [30.0, 12.0]})
    fig = charts.chart(frame, x="category", y="episodes", kind="bar", horizontal=True,
                       percent=True, y_title="Share")
    bar = fig.data[0]
    assert bar.orientation == "h" and list(bar.x) == [30, 12]
    assert list(bar.text) == ["30%", "12%"]
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.type == "category"
    assert fig.layout.xaxis.ticksuffix == "%" and fig.layout.xaxis.title.text == "Share"


def test_a_click_carries_the_code_of_the_bar():
    frame = pd.DataFrame({"locality_code": ["E07000133", "E07000130"],
                          "episodes": [40.0, 90.0]})
    fig = charts.chart(frame, x="locality_code", y="episodes", kind="bar", horizontal=True,
                       customdata="locality_code")
    assert list(fig.data[0].customdata) == ["E07000133", "E07000130"]
    assert list(fig.data[0].y) == ["Melton", "Charnwood"]


def test_a_saved_chart_image_carries_its_title_period_and_marking():
    fig = charts.chart(two_series(), x="month", y="episodes", series="category",
                       title="Missing <b>episodes</b>", subtitle="Apr 2019 to Sep 2019. OFFICIAL")
    assert fig.layout.title.text == "Missing &lt;b&gt;episodes&lt;/b&gt;"  # text, not markup
    assert fig.layout.title.subtitle.text == "Apr 2019 to Sep 2019. OFFICIAL"
    options = charts.image_options("Missing episodes by month", "Apr 2019 to Sep 2019 (H1)")
    assert options["filename"] == "missing-episodes-by-month-apr-2019-to-sep-2019-h1"
    assert (options["format"], options["width"]) == ("png", 1200)


@pytest.mark.parametrize("audience", ["board", "hub_lead"])
def test_every_chart_the_pages_send_is_valid_plotly(monkeypatch, audience):
    """The factory skips Plotly's validation (its cost); Plotly's validators, run here on every
    chart of every page's print view, must refuse nothing and change nothing."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from hub.settings import ROOT
    from tests.test_app import PAGES, run

    checked = 0
    for page in PAGES:
        at = run(monkeypatch, ROOT / "data" / "demo", audience, page, print="1")
        for element in at.get("plotly_chart"):
            sent = json.loads(element.proto.spec)
            validated = json.loads(pio.to_json(go.Figure(sent), validate=True))
            assert validated == sent, element.proto.spec[:200]
            checked += 1
    assert checked >= 40  # every page's charts, not a few
