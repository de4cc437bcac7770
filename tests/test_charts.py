"""The chart factory: nothing relies on colour alone, hidden values are gaps, and every trend
carries its events and period.

Figures are read back from the Plotly figure the factory returns (what the browser is sent).
"""

import datetime as dt

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
    fig = charts.chart(two_series(hidden_at=1), x="month", y="episodes", series="category",
                       kind="stack")
    home, care = fig.data
    assert home.marker.pattern.shape != care.marker.pattern.shape
    assert list(home.text) == ["10", "[c]", "12", "13"]
    assert list(care.text) == ["20", "21", "22", "23"]
    assert fig.layout.barmode == "stack"


def test_a_hidden_value_is_a_gap_not_a_zero_and_is_explained():
    fig = charts.chart(two_series(hidden_at=2), x="month", y="episodes", series="category")
    home = fig.data[0]
    assert np.isnan(home.y[2]) and list(home.y[[0, 1, 3]]) == [10, 11, 13]
    assert home.connectgaps is False
    notes = [a.text for a in fig.layout.annotations]
    assert notes == [charts.SUPPRESSED_NOTE]


def test_no_note_when_nothing_is_hidden():
    fig = charts.chart(two_series(), x="month", y="episodes", series="category")
    assert not fig.layout.annotations


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
    labels = [(a.text, a.hovertext) for a in fig.layout.annotations]
    assert labels == [("Electronic reports", "reports go online"),
                      ("CCE training", "partners trained")]
    # neighbouring labels sit at different heights, so they do not overlap
    assert fig.layout.annotations[0].y != fig.layout.annotations[1].y


def test_horizontal_bars_put_values_on_x_and_keep_the_category_order():
    frame = pd.DataFrame({"category": ["home", "care"], "episodes": [30.0, 12.0]})
    fig = charts.chart(frame, x="category", y="episodes", kind="bar", horizontal=True,
                       percent=True, y_title="Share")
    bar = fig.data[0]
    assert bar.orientation == "h" and list(bar.x) == [30, 12]
    assert list(bar.text) == ["30%", "12%"]
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.ticksuffix == "%" and fig.layout.xaxis.title.text == "Share"


def test_a_click_carries_the_code_of_the_bar():
    frame = pd.DataFrame({"locality_code": ["E07000133", "E07000130"],
                          "episodes": [40.0, 90.0]})
    fig = charts.chart(frame, x="locality_code", y="episodes", kind="bar", horizontal=True,
                       customdata="locality_code")
    assert list(fig.data[0].customdata) == ["E07000133", "E07000130"]
    assert list(fig.data[0].y) == ["Melton", "Charnwood"]
