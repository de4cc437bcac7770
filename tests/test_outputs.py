"""Disclosure control across views: figures a board member could put side by side, the
dimensions a protected figure may cross, and the reporting periods of trends."""

import datetime as dt
from dataclasses import replace

import pytest

from hub import outputs, queries
from hub.audience import Audience
from hub.database import open_database
from hub.filters import APPLIES_TO, Filters
from hub.settings import ROOT
from tests.builders import episode, perturbed, referral

D = dt.date
BOARD, LEAD = Audience("board"), Audience("hub_lead")
CHARNWOOD, MELTON = "E07000130", "E07000133"


def shown_referrals(frame, **where):
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return [r.referrals_status or int(r.referrals) for r in rows.itertuples()]


def test_the_same_referrals_show_the_same_figure_in_every_view(make_db):
    """Rule 4: Melton's referrals in the period are one set of units, reached as the
    district's headline, its row of the county's by-locality table and its own by-locality
    row; all three show one value, so comparing them tells nobody anything."""
    rows = ([referral(locality_code=CHARNWOOD) for _ in range(40)]
            + [referral(locality_code=MELTON) for _ in range(23)])
    db = make_db(referrals=rows)
    period = Filters(D(2019, 1, 1), D(2019, 6, 1))
    melton = Filters(period.month_from, period.month_to, locality=(MELTON,))
    headline = {c.label: c.value for c in outputs.headline(db, melton, BOARD, 5)}
    _, county = outputs.protected(queries.locality_comparison, db, period, BOARD, 5)
    _, own = outputs.protected(queries.locality_comparison, db, melton, BOARD, 5)
    in_county = shown_referrals(county, locality_code=MELTON)
    assert in_county == shown_referrals(own, locality_code=MELTON) == [int(headline["Referrals"])]
    assert abs(in_county[0] - 23) <= 3  # perturbed, by at most 3
    _, lead = outputs.protected(queries.locality_comparison, db, melton, LEAD, 5)
    assert shown_referrals(lead, locality_code=MELTON) == [23]  # exact for the hub lead


def test_a_figure_crossing_three_dimensions_is_shown_without_the_filter(make_db):
    """Rule 8: referrals by source and exploitation type already cross two dimensions, so
    with a sex filter they are given for both sexes, and say so; a breakdown crossing one
    keeps the filter."""
    db = make_db(referrals=[referral(sex="female") for _ in range(30)]
                 + [referral(sex="male") for _ in range(12)])
    girls = Filters(D(2019, 1, 1), D(2019, 6, 1), sex=("female",))
    result, frame = outputs.protected(queries.referrals_by_source_and_type, db, girls,
                                      LEAD, 5)
    assert result.dropped == () and frame["referrals"].sum() == 30  # the hub lead: any view
    result, frame = outputs.protected(queries.referrals_by_source_and_type, db, girls,
                                      BOARD, 5)
    assert result.dropped == ("Sex",)
    assert abs(frame["referrals"].sum() - 42) <= 3  # both sexes, perturbed
    assert "without the sex filter" in outputs.dropped_note(result.dropped)
    result, _ = outputs.protected(queries.referral_breakdown, db, girls, BOARD, 5)
    assert result.dropped == ()


def test_a_headline_crossing_three_dimensions_is_shown_without_the_filter(make_db):
    """CCE referrals from youth justice cross type and source: with a sex filter the card is
    the figure for both sexes, and names the filter it does not apply."""
    rows = ([referral(exploitation_type="cce", referral_source="youth_justice",
                      sex="male") for _ in range(30)]
            + [referral(exploitation_type="cce", referral_source="police", sex="female")
               for _ in range(30)])
    db = make_db(referrals=rows)
    boys = Filters(D(2019, 1, 1), D(2019, 6, 1), sex=("male",))
    cards = {c.label: c for c in outputs.headline(db, boys, BOARD, 5)}
    assert cards["CCE referrals from youth justice (%)"].not_applied == ("Sex",)
    assert cards["Referrals"].not_applied == ()
    lead = {c.label: c for c in outputs.headline(db, boys, LEAD, 5)}
    assert lead["CCE referrals from youth justice (%)"].value == "100.0%"  # boys only


def test_protected_trends_step_by_reporting_period(make_db):
    """By quarter for the county, by half-year for one district, by month for the hub lead;
    each step a financial quarter or half-year."""
    db = make_db(referrals=[referral(referral_date=D(2019, month, 2)) for month in range(1, 13)
                            for _ in range(10)])
    period = Filters(D(2019, 4, 1), D(2019, 9, 1))
    result, frame = outputs.protected(queries.referrals_by_month, db, period, BOARD, 5)
    assert result.time == "quarter"
    assert sorted(set(frame["quarter"].dt.strftime("%Y-%m"))) == ["2019-01", "2019-04",
                                                                  "2019-07"]
    district = Filters(D(2019, 4, 1), D(2019, 9, 1), locality=(CHARNWOOD,))
    result, frame = outputs.protected(queries.missing_once_by_quarter, db, district, BOARD, 5)
    assert result.time == "half"
    result, _ = outputs.protected(queries.referrals_by_month, db, period, LEAD, 5)
    assert result.time == "month"


def test_ordered_categories_read_in_their_order_not_alphabetically(make_db):
    # Durations of 30 h, 10 h, 3 days and 10 days; police risk high, low and medium. Every
    # count is small, so the hub lead (unprotected) sees them all.
    start = dt.datetime(2019, 3, 1, 12)
    rows = [episode(child_id=f"c{i}", start_at=start, end_at=start + dt.timedelta(hours=h),
                    police_risk=risk)
            for i, (h, risk) in enumerate(((30, "high"), (10, "low"), (72, "medium"),
                                           (240, "low")))]
    db = make_db(missing_episodes=rows)
    _, frame = outputs.protected(queries.episode_breakdown, db, Filters(D(2019, 3, 1),
                                 D(2019, 3, 1)), LEAD, 5)

    def rows_of(dimension):
        part = frame[frame["dimension"] == dimension]
        return list(zip(part["category"], part["episodes"]))

    assert rows_of("duration_band") == [("up_to_24_hours", 1), ("24_to_48_hours", 1),
                                        ("2_to_7_days", 1), ("over_7_days", 1)]
    assert rows_of("police_risk") == [("high", 1), ("medium", 1), ("low", 2)]
    # each breakdown's rows stay together, in the query's order of breakdowns
    dimensions = list(frame["dimension"])
    assert dimensions == sorted(dimensions, key=dimensions.index)


QUERY_FUNCTIONS = [f for name, f in vars(queries).items() if callable(f)
                   and not name.startswith("_") and getattr(f, "__module__", "") == "hub.queries"
                   and f.__annotations__.get("return") == "Result"]


@pytest.mark.parametrize("query", QUERY_FUNCTIONS, ids=lambda f: f.__name__)
def test_no_protected_cell_crosses_more_than_two_dimensions(demo_db, query):
    """Rule 8, for every query and each kind of filter value: what a protected audience gets
    crosses at most two dimensions besides period and locality, the filters it carries
    included; the hub lead's view keeps every filter."""
    assert len(QUERY_FUNCTIONS) >= 15
    period = Filters(D(2019, 4, 1), D(2019, 9, 1), locality=(MELTON,))
    for name, value in (("sex", "male"), ("age_band", "14-15"), ("exploitation_type", "cce")):
        filters = replace(period, **{name: (value,)})
        result, _ = outputs.protected(query, demo_db, filters, BOARD, 5)
        carried = 0 if result.dropped else int(result.table in APPLIES_TO[name])
        assert result.crossed + carried <= outputs.MAX_CROSSED, (name, result.dropped)
        lead, _ = outputs.protected(query, demo_db, filters, LEAD, 5)
        assert lead.dropped == ()


@pytest.fixture(scope="module")
def demo_db():
    db = open_database(ROOT / "data" / "demo")
    yield db
    db.close()


def test_a_small_count_shown_as_0_reads_as_absent_like_a_true_0(make_db):
    """A shown 0 must not prove that a child was counted: the breakdown leaves out a category
    with no referrals, so a category whose one referral is perturbed to 0 is left out too."""
    to_zero = next(f"r{i}" for i in range(1000) if perturbed([f"r{i}"]) == 0)
    db = make_db(referrals=[referral(referral_id=f"g{i}", ethnicity_group="white_british")
                            for i in range(30)]
                 + [referral(referral_id=to_zero, ethnicity_group="gypsy_roma_traveller",
                             sex="other")])
    period = Filters(D(2019, 1, 1), D(2019, 6, 1))

    def ethnicities(audience):
        _, frame = outputs.protected(queries.referral_breakdown, db, period, audience, 5)
        return set(frame.loc[frame["dimension"] == "ethnicity_group", "category"])

    assert ethnicities(BOARD) == {"white_british"}  # as if there were none
    assert ethnicities(LEAD) == {"white_british", "gypsy_roma_traveller"}
    # a trend's series of shown zeros goes the same way; its months stay
    def sexes(audience):
        _, trend = outputs.protected(queries.referrals_by_month, db, period, audience, 5)
        return set(trend.loc[trend["dimension"] == "sex", "category"])

    assert sexes(BOARD) == {"female"} and sexes(LEAD) == {"female", "other"}
