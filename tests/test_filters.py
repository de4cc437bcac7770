"""The filter model: default periods, comparison periods and the address bar round trip."""

import datetime as dt

from hub.filters import Filters

D = dt.date


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
