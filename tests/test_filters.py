"""The filter model: default periods, comparison periods and the address bar round trip."""

import datetime as dt

from hub.filters import PERIOD_NOTE, Filters, grain_choices, is_reporting_period, nearest_grain, \
    reporting_periods

D = dt.date
START, END = D(2016, 4, 1), D(2019, 9, 30)


def test_default_period_is_the_last_six_whole_months():
    f = Filters.default(D(2019, 9, 30))
    assert (f.start, f.end) == (D(2019, 4, 1), D(2019, 9, 30))


def test_coverage_ending_mid_month_drops_the_part_month():
    f = Filters.default(D(2019, 9, 15))
    assert (f.start, f.end) == (D(2019, 3, 1), D(2019, 8, 31))


def test_comparison_is_the_six_months_before():
    c = Filters.default(D(2019, 9, 30)).comparison()
    assert (c.start, c.end) == (D(2018, 10, 1), D(2019, 3, 31))


def test_comparison_of_a_one_month_period_across_a_year_end():
    c = Filters(D(2019, 1, 1), D(2019, 1, 1)).comparison()
    assert (c.start, c.end) == (D(2018, 12, 1), D(2018, 12, 31))


def test_query_params_round_trip():
    f = Filters(D(2018, 4, 1), D(2019, 3, 1), locality=("E07000133", "E07000130"),
                sex=("male",))
    back = Filters.from_query_params(f.to_query_params(), D(2016, 4, 1), D(2019, 9, 30))
    # Values come back in code-list order, so the same view has one address.
    assert back == Filters(D(2018, 4, 1), D(2019, 3, 1), locality=("E07000130", "E07000133"),
                           sex=("male",))
    assert back.notes == ()


def test_invalid_query_params_are_ignored_with_a_note():
    f = Filters.from_query_params(
        {"from": "April", "to": "2030-01", "locality": ["E07000133", "XX"], "sex": "robot"},
        D(2016, 4, 1), D(2019, 9, 30))
    assert (f.start, f.end) == (D(2019, 4, 1), D(2019, 9, 30))  # the default period
    assert f.locality == ("E07000133",) and f.sex == ()
    assert len(f.notes) == 4
    assert any("'from=April'" in n for n in f.notes)
    assert any("'XX'" in n for n in f.notes)


def test_from_after_to_falls_back_to_the_default_period():
    f = Filters.from_query_params({"from": "2019-06", "to": "2019-01"},
                                  D(2016, 4, 1), D(2019, 9, 30))
    assert (f.start, f.end) == (D(2019, 4, 1), D(2019, 9, 30))
    assert f.notes


def test_filters_not_carried_by_a_table_are_named():
    f = Filters(D(2019, 1, 1), D(2019, 6, 1), locality=("E07000133",), sex=("male",),
                exploitation_type=("cce",))
    assert f.not_applied_to("missing_episodes") == ["Exploitation type"]
    assert f.not_applied_to("pursue_outcomes") == ["Locality", "Sex"]
    assert f.not_applied_to("referrals") == []


# --- Reporting periods for protected audiences (docs/disclosure.md rules 1 and 8) -------------

def test_protected_default_is_the_latest_complete_financial_half_year():
    assert Filters.default(D(2019, 9, 30), protected=True).describe_period() == \
        "Apr 2019 to Sep 2019 (H1 2019-20)"
    # November: the half-year to September is the latest complete one
    protected = Filters.default(D(2019, 11, 15), protected=True)
    assert (protected.month_from, protected.month_to) == (D(2019, 4, 1), D(2019, 9, 1))
    assert protected.comparison().describe_period() == "Oct 2018 to Mar 2019 (H2 2018-19)"
    assert Filters.default(D(2020, 3, 31), protected=True).describe_period() == \
        "Oct 2019 to Mar 2020 (H2 2019-20)"


def test_reporting_periods_are_financial_quarters_half_years_and_years():
    assert is_reporting_period(D(2019, 1, 1), D(2019, 3, 1))  # Q4 2018-19
    assert is_reporting_period(D(2019, 10, 1), D(2020, 3, 1))  # H2
    assert is_reporting_period(D(2019, 4, 1), D(2020, 3, 1))  # the year
    assert not is_reporting_period(D(2019, 2, 1), D(2019, 4, 1))  # three months, not a quarter
    assert not is_reporting_period(D(2019, 1, 1), D(2019, 6, 1))  # calendar half-year
    assert not is_reporting_period(D(2019, 4, 1), D(2019, 5, 1))
    periods = reporting_periods(D(2018, 5, 10), D(2019, 9, 30))
    assert periods[:3] == [(D(2019, 4, 1), D(2019, 9, 1)), (D(2019, 7, 1), D(2019, 9, 1)),
                           (D(2019, 4, 1), D(2019, 6, 1))]
    # a period beginning before the extract's first whole month is not offered
    assert min(start for start, _ in periods) == D(2018, 7, 1)
    assert (D(2018, 4, 1), D(2019, 3, 1)) not in periods


def test_a_link_with_any_other_range_gives_the_protected_default_with_a_note():
    params = {"from": "2016-04", "to": "2019-06"}
    lead = Filters.from_query_params(params, START, END)
    assert (lead.month_from, lead.month_to) == (D(2016, 4, 1), D(2019, 6, 1))
    board = Filters.from_query_params(params, START, END, protected=True)
    assert (board.month_from, board.month_to) == (D(2019, 4, 1), D(2019, 9, 1))
    assert board.notes == (PERIOD_NOTE.format(asked="Apr 2016 to Jun 2019"),)
    quarter = Filters.from_query_params({"from": "2019-04", "to": "2019-06"}, START, END,
                                        protected=True)
    assert (quarter.month_from, quarter.notes) == (D(2019, 4, 1), ())


def test_protected_links_keep_one_value_beyond_the_locality():
    params = {"locality": "E07000133", "sex": ["female", "male"], "age_band": "0-9"}
    board = Filters.from_query_params(params, START, END, protected=True)
    assert board.restrictions() == {"locality": ("E07000133",), "sex": ("female",)}
    assert "'male'" in board.notes[0] and "'0-9'" in board.notes[0]
    lead = Filters.from_query_params(params, START, END)
    assert lead.sex == ("female", "male") and lead.age_band == ("0-9",)


def test_protected_trends_step_by_reporting_periods_only():
    assert grain_choices(False, False) == ("month", "quarter", "half", "year")
    assert grain_choices(True, False) == ("quarter", "half", "year")
    assert grain_choices(True, True) == ("half", "year")  # one district: no quarters


def test_a_step_not_offered_becomes_the_next_longer_one():
    assert nearest_grain("month", ("quarter", "half", "year")) == "quarter"
    assert nearest_grain("quarter", ("half", "year")) == "half"
    assert nearest_grain("year", ("month", "quarter")) == "quarter"  # none longer: the longest


def test_the_step_travels_in_the_address_bar():
    f = Filters(D(2019, 4, 1), D(2019, 9, 1), trend_grain="year")
    assert f.to_query_params()["step"] == "year"
    back = Filters.from_query_params(f.to_query_params(), D(2016, 4, 1), D(2019, 9, 30))
    assert back.trend_grain == "year"
    assert "step" not in Filters(D(2019, 4, 1), D(2019, 9, 1)).to_query_params()
    board = Filters.from_query_params({"step": "month", "locality": "E07000133"},
                                      D(2016, 4, 1), D(2019, 9, 30), protected=True)
    assert board.trend_grain == "half" and not board.notes
