"""One-line summaries: written from protected figures (NaN = hidden), never saying more than
the chart, and never less truthfully."""

import numpy as np
import pandas as pd

from hub.formatting import figure_text
from hub.summaries import breakdown_summary, trend_summary, when

MONTHS = pd.date_range("2019-06-01", periods=4, freq="MS")  # Jun to Sep 2019


def test_numbers_read_as_the_tables_show_them():
    assert figure_text(1234.4) == "1,234"
    assert figure_text(39.36, percent=True) == "39.4%"
    assert figure_text(9.24, decimals=1) == "9.2"
    assert figure_text(9.24, "[c]") == "[c]" and figure_text(None) == "[x]"
    assert figure_text(1234.0, grouping=False) == "1234" and figure_text(7, "[u]") == "7 [u]"


def test_a_trend_names_the_latest_month_and_the_highest():
    frame = pd.DataFrame({"month": MONTHS, "referrals": [8.0, 15, 11, 9]})
    assert trend_summary(frame, x="month", y="referrals", what="Referrals by month") == (
        "Referrals by month, Jun 2019 to Sep 2019: latest 9 (Sep 2019), highest 15 (Jul 2019).")


def test_a_hidden_latest_month_reads_c_not_an_older_month():
    frame = pd.DataFrame({"month": MONTHS, "referrals": [0.0, 7, 0, np.nan]})
    text = trend_summary(frame, x="month", y="referrals", what="Referrals")
    assert text == ("Referrals, Jun 2019 to Sep 2019: latest [c] (Sep 2019), highest shown 7 "
                    "(Jul 2019). 1 value is hidden [c].")


def test_a_series_of_zeros_and_hidden_months_says_only_what_is_shown():
    frame = pd.DataFrame({"month": [*MONTHS, *MONTHS], "category": ["cse"] * 4 + ["cce"] * 4,
                          "referrals": [0.0, np.nan, 0, np.nan, np.nan] + [np.nan] * 3})
    text = trend_summary(frame, x="month", y="referrals", what="Melton", series="category")
    assert text == ("Melton, Jun 2019 to Sep 2019: CSE: latest [c] (Sep 2019), highest shown 0 "
                    "(Jun 2019); CCE: all hidden [c]. 6 values are hidden [c].")


def test_a_rate_keeps_its_decimals():
    frame = pd.DataFrame({"locality_code": ["E07000131", "E07000129"], "rate": [9.24, 8.8]})
    text = breakdown_summary(frame, x="locality_code", y="rate", what="Per 10,000", decimals=1)
    assert text == "Per 10,000: largest Harborough (9.2), then Blaby (8.8)."


def test_a_breakdown_with_series_summarises_each_series_not_a_trend():
    frame = pd.DataFrame({"source": ["police", "youth_justice", "police", "youth_justice"],
                          "type": ["cse", "cse", "cce", "cce"],
                          "referrals": [14.0, np.nan, 6, 20]})
    text = breakdown_summary(frame, x="source", y="referrals", what="By source",
                             series="type")
    assert text == ("By source: CSE: largest Police (14); CCE: largest Youth justice (20), then "
                    "Police (6). 1 value is hidden [c].")


def test_every_value_hidden_and_no_data():
    hidden = pd.DataFrame({"category": ["a", "b"], "n": [np.nan, np.nan]})
    assert breakdown_summary(hidden, x="category", y="n", what="X") == (
        "X: every value is hidden [c].")
    empty = hidden.iloc[:0]
    assert breakdown_summary(empty, x="category", y="n", what="X") == (
        "X: no data for these filters.")
    assert trend_summary(empty, x="category", y="n", what="X") == "X: no data for these filters."


def test_a_quarterly_trend_names_its_quarters_in_full():
    frame = pd.DataFrame({"quarter": pd.to_datetime(["2019-04-01", "2019-07-01"]),
                          "episodes": [12.0, np.nan]})
    assert trend_summary(frame, x="quarter", y="episodes", what="Melton") == (
        "Melton, Apr\u2013Jun 2019 to Jul\u2013Sep 2019: latest [c] (Jul\u2013Sep 2019), "
        "highest shown 12 (Apr\u2013Jun 2019). 1 value is hidden [c].")


def test_a_half_year_is_named_in_full():
    assert when(pd.Timestamp("2018-10-01"), "half") == "Oct\u2013Mar 2019"
    assert when(pd.Timestamp("2019-04-01"), "quarter") == "Apr\u2013Jun 2019"
