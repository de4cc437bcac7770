"""The work done once at open (queries/_prepare.sql) gives what the episodes give under every
restriction: children who change age band or locality, meetings in another locality, windows
across a period's edge, ranges that are not whole months, other trigger settings; and the
built database kept on disk (open_database(cache_dir=...)). Expected values are worked out by
hand; events are at noon UTC (the same date in London).
"""

import datetime as dt

import duckdb
import pandas as pd
import pytest

import hub.database
from hub import queries
from hub.database import open_database
from hub.filters import Filters
from tests.builders import build_extract, episode, meeting
from tests.test_record_keys import params

D = dt.date
A, B = "E07000129", "E07000130"
HALF_YEAR = Filters(D(2019, 1, 1), D(2019, 6, 1))


def noon(y, m, d):
    return dt.datetime(y, m, d, 12, 0)


def figure(db, filters, label):
    row = queries.headline_figures(db, filters).set_index("label").loc[label]
    return row["numerator"], row["denominator"]


def by_month(result, column):
    frame = result.frame
    time = result.time
    return {stamp.date(): value for stamp, value in zip(frame[time], frame[column]) if value}


# --- A child who changes age band ----------------------------------------------------------

@pytest.fixture
def age_db(make_db):
    """m is 10-13 on 10 Jan and 1 Feb, 14-15 on 1 and 15 Mar and 1 Apr; p is 14-15 on 1, 2 and
    3 May. Threshold 3 in 90 days."""
    m = [((2019, 1, 10), "10-13"), ((2019, 2, 1), "10-13"), ((2019, 3, 1), "14-15"),
         ((2019, 3, 15), "14-15"), ((2019, 4, 1), "14-15")]
    return make_db(missing_episodes=[
        *(episode(child_id="m", start_at=noon(*day), age_band=band) for day, band in m),
        *(episode(child_id="p", start_at=noon(2019, 5, d), age_band="14-15") for d in (1, 2, 3))])


def test_a_child_changing_age_band_triggers_on_the_episodes_each_band_keeps(age_db):
    # all: m triggers on 1 Mar (third start), 15 Mar and 1 Apr; 14-15 only: m's starts are
    # 1 Mar, 15 Mar, 1 Apr -> 1 Apr; 10-13 only: two starts, no trigger (and p is 14-15).
    every = queries.repeat_missing_by_month(age_db, HALF_YEAR)
    assert by_month(every, "triggered_children") == {D(2019, 3, 1): 1, D(2019, 4, 1): 1,
                                                     D(2019, 5, 1): 1}
    older = queries.repeat_missing_by_month(age_db, Filters(D(2019, 1, 1), D(2019, 6, 1),
                                                            age_band=("14-15",)))
    assert by_month(older, "triggered_children") == {D(2019, 4, 1): 1, D(2019, 5, 1): 1}
    younger = Filters(D(2019, 1, 1), D(2019, 6, 1), age_band=("10-13",))
    assert figure(age_db, younger, "Repeat-missing triggers")[0] == 0
    both = Filters(D(2019, 1, 1), D(2019, 6, 1), age_band=("10-13", "14-15"))
    assert by_month(queries.repeat_missing_by_month(age_db, both), "triggered_children") == {
        D(2019, 3, 1): 1, D(2019, 4, 1): 1, D(2019, 5, 1): 1}  # all of m's: as with none
    first = age_db.query("headline_figures", **params(D(2019, 1, 1), D(2019, 6, 30),
                                                      age_bands=["14-15"])).iloc[0]
    assert first["triggered_children"] == 2


def test_a_child_changing_age_band_counts_once_in_each_band_it_was_missing_in(age_db):
    # Jan-Mar: m (4 starts; 10-13: 2, 14-15: 2). Apr-Jun: m once (14-15), p 3 times.
    def once(filters):
        result = queries.missing_once_by_quarter(age_db, filters)
        return by_month(result, "children"), by_month(result, "children_missing_once")

    q1, q2 = D(2019, 1, 1), D(2019, 4, 1)
    assert once(Filters(q1, D(2019, 6, 1))) == ({q1: 1, q2: 2}, {q2: 1})
    assert once(Filters(q1, D(2019, 6, 1), age_band=("14-15",))) == ({q1: 1, q2: 2}, {q2: 1})
    assert once(Filters(q1, D(2019, 6, 1), age_band=("10-13",))) == ({q1: 1}, {})
    assert figure(age_db, HALF_YEAR, "Children missing")[0] == 2
    younger = Filters(D(2019, 1, 1), D(2019, 6, 1), age_band=("10-13",))
    assert figure(age_db, younger, "Children missing once (%)") == (0, 1)  # m: 2 starts
    march = Filters(D(2019, 3, 1), D(2019, 3, 1), age_band=("14-15",))
    assert figure(age_db, march, "Children missing once (%)") == (0, 1)  # m: 1 and 15 Mar
    april = Filters(D(2019, 4, 1), D(2019, 4, 1), age_band=("14-15",))
    assert figure(age_db, april, "Children missing once (%)") == (1, 1)  # m: 1 Apr


# --- A child who moves locality; meetings in another locality ------------------------------

@pytest.fixture
def moved_db(make_db):
    """v is missing in A on 1 Feb and 1 Mar and in B on 10 Mar (a trigger, in B), with a
    meeting in B on 12 Mar. w and x are missing in A on 1, 2 and 3 May (triggers); w has
    meetings in B on 5 May and in A on 30 May, x only the one in B on 5 May."""
    return make_db(missing_episodes=[
        episode(child_id="v", start_at=noon(2019, 2, 1), locality_code=A),
        episode(child_id="v", start_at=noon(2019, 3, 1), locality_code=A),
        episode(child_id="v", start_at=noon(2019, 3, 10), locality_code=B),
        *(episode(child_id=c, start_at=noon(2019, 5, d), locality_code=A)
          for c in ("w", "x") for d in (1, 2, 3))],
        strategy_meetings=[meeting(child_id="v", held_on=D(2019, 3, 12), locality_code=B),
                           meeting(child_id="w", held_on=D(2019, 5, 5), locality_code=B),
                           meeting(child_id="w", held_on=D(2019, 5, 30), locality_code=A),
                           meeting(child_id="x", held_on=D(2019, 5, 5), locality_code=B)])


def in_(*codes):
    return Filters(D(2019, 1, 1), D(2019, 6, 1), locality=codes)


def test_a_child_moving_locality_triggers_only_where_all_the_starts_are_kept(moved_db):
    label = "Strategy meetings within 14 days (%)"
    assert figure(moved_db, HALF_YEAR, label) == (3, 3)  # v 12 Mar, w and x 5 May
    assert figure(moved_db, in_(A, B), label) == (3, 3)
    # A: v has two starts there (no trigger); w's meeting in A is 27 days on, x has none.
    assert figure(moved_db, in_(A), label) == (0, 2)
    assert figure(moved_db, in_(B), label) == (0, 0)  # v: one start in B
    trend = queries.repeat_missing_by_month(moved_db, in_(A))
    assert by_month(trend, "triggered_children") == {D(2019, 5, 1): 2}
    assert by_month(trend, "met_within_14_days") == {}


def test_a_child_moving_locality_counts_once_in_each_and_once_in_all(moved_db):
    comparison = queries.locality_comparison(moved_db, HALF_YEAR).frame.set_index(
        "locality_code")
    assert comparison.loc[A, ["episodes", "children_missing"]].tolist() == [8, 3]  # v, w, x
    assert comparison.loc[B, ["episodes", "children_missing"]].tolist() == [1, 1]  # v
    assert figure(moved_db, HALF_YEAR, "Children missing")[0] == 3
    assert figure(moved_db, in_(B), "Children missing once (%)") == (1, 1)
    assert figure(moved_db, in_(A), "Children missing once (%)") == (0, 3)
    monthly = queries.missing_by_month(moved_db, HALF_YEAR)
    assert by_month(monthly, "children") == {D(2019, 2, 1): 1, D(2019, 3, 1): 1,
                                             D(2019, 5, 1): 2}
    assert by_month(monthly, "episodes") == {D(2019, 2, 1): 1, D(2019, 3, 1): 2,
                                             D(2019, 5, 1): 6}


def test_other_trigger_settings_than_the_databases_are_computed_from_the_episodes(moved_db):
    # Two starts in 30 days: v on 1 Mar (1 Feb is 28 days before), met on 12 Mar; w and x on
    # 2 May, met on 5 May.
    frame = moved_db.query("repeat_missing_by_month",
                           **params(D(2019, 1, 1), D(2019, 6, 30), threshold=2, window_days=30))
    months = frame.set_index("month")
    assert months.loc[pd.Timestamp(2019, 3, 1), ["triggered_children",
                                                  "met_within_14_days"]].tolist() == [1, 1]
    assert months.loc[pd.Timestamp(2019, 5, 1), ["triggered_children",
                                                  "met_within_14_days"]].tolist() == [2, 2]


# --- Windows across a period's edge; ranges that are not whole months ----------------------

@pytest.fixture
def edge_db(make_db):
    """s starts on 15 and 20 Mar and 2 Apr (a trigger on 2 Apr, counting March's starts)."""
    return make_db(missing_episodes=[episode(child_id="s", start_at=noon(2019, 3, d))
                                     for d in (15, 20)]
                   + [episode(child_id="s", start_at=noon(2019, 4, 2))])


def test_a_window_reaches_back_before_the_period(edge_db):
    spring = Filters(D(2019, 4, 1), D(2019, 6, 1))
    assert figure(edge_db, spring, "Repeat-missing triggers")[0] == 1
    assert figure(edge_db, spring, "Children missing once (%)") == (1, 1)  # 2 Apr only
    winter = Filters(D(2019, 1, 1), D(2019, 3, 1))
    assert figure(edge_db, winter, "Repeat-missing triggers")[0] == 0
    assert figure(edge_db, winter, "Children missing once (%)") == (0, 1)


def test_ranges_that_are_not_whole_months_count_the_days_in_them(edge_db):
    # 16 Mar to 2 Apr: the starts on 20 Mar and 2 Apr; returns (20 hours on) on 16 Mar, 21 Mar
    # (both in range) and 3 Apr (not).
    figures = edge_db.query("headline_figures", **params(D(2019, 3, 16), D(2019, 4, 2))).iloc[0]
    assert figures[["episodes", "children", "children_missing_once", "ended_episodes",
                    "triggered_children"]].tolist() == [2, 1, 0, 2, 1]
    breakdown = edge_db.query("episode_breakdown", **params(D(2019, 3, 16), D(2019, 3, 31)))
    assert breakdown.query("dimension == 'missing_from'")["episodes"].tolist() == [1]
    # a half-year trend from January: its first step (Oct-Mar) has January to March only
    halves = edge_db.query("missing_once_by_quarter",
                           **params(D(2019, 1, 1), D(2019, 9, 30), grain="half"))
    assert halves[["children", "children_missing_once"]].values.tolist() == [[1, 0], [1, 1]]


# --- The built database kept on disk -------------------------------------------------------

def test_a_restart_on_the_same_extract_opens_the_built_database(tmp_path, monkeypatch):
    folder = build_extract(tmp_path / "extract", missing_episodes=[
        episode(child_id="c", start_at=noon(2019, 5, d)) for d in (1, 2, 3)])
    cache = tmp_path / "cache"
    first = open_database(folder, cache_dir=cache)
    expected = queries.headline_figures(first, HALF_YEAR)
    built = list((cache / "databases").iterdir())
    assert [p.suffix for p in built] == [".duckdb"]

    def no_build(*args):
        raise AssertionError("built again")

    monkeypatch.setattr(hub.database, "_build", no_build)
    again = open_database(folder, cache_dir=cache)
    pd.testing.assert_frame_equal(queries.headline_figures(again, HALF_YEAR), expected)
    with pytest.raises(duckdb.Error):  # read-only
        again._con.execute("CREATE TABLE t (x INTEGER)")
    first.close()
    again.close()
    monkeypatch.undo()
    other = open_database(folder, cache_dir=cache, secret="another secret")  # other keys
    assert len(list((cache / "databases").glob("*.duckdb"))) == 2
    assert not list((cache / "databases").glob("*.tmp"))
    other.close()
