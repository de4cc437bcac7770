"""Record keys (cell key perturbation): computed once when an extract is opened, and every
count of every named query reported with X_key, the sum of the record keys of its units.

Expected keys are worked out here with hashlib for the ids each test made, never by SQL.
Queries run through `db.query` directly, with their parameters stated here. Events happen at
noon UTC (the same date in London) unless a test is about the date.
"""

import datetime as dt
import hashlib
import itertools

import pandas as pd
import pytest

from hub.database import QUERY_DIR, open_database
from hub.settings import DEMO_SECRET
from tests.builders import (build_extract, cohort_member, episode, followup, meeting, pursue,
                            referral, session)

D = dt.date


def key(*parts: str, secret: str = DEMO_SECRET) -> int:
    """The record key of a unit whose identifier is the parts joined by '|'."""
    return int(hashlib.sha256(f"{secret}|{'|'.join(parts)}".encode()).hexdigest()[-2:], 16)


def noon(y, m, d):
    return dt.datetime(y, m, d, 12, 0)


def params(date_from=D(2019, 1, 1), date_to=D(2019, 12, 31), **overrides) -> dict:
    """Every parameter any query takes (db.query passes on only those a file uses)."""
    return {"date_from": date_from, "date_to": date_to, "localities": None, "sexes": None,
            "age_bands": None, "exploitation_types": None, "threshold": 3, "window_days": 90,
            "grain": "month", "period_from": date_from, "meetings_from": date_from,
            "as_of": date_to, "lookback_days": 365, "breakdown": "programme", **overrides}


def table(db, name: str) -> pd.DataFrame:
    cursor = db._con.cursor()
    try:
        return cursor.execute(f"SELECT * FROM {name}").df()
    finally:
        cursor.close()


def colliding_ids(prefix: str, secret: str = DEMO_SECRET) -> tuple[str, str, int]:
    """Two ids with the same record key (found by brute force), and that key."""
    seen = {}
    for i in itertools.count():
        candidate = f"{prefix}{i}"
        k = key(candidate, secret=secret)
        if k in seen:
            return seen[k], candidate, k
        seen[k] = candidate


@pytest.fixture
def opened(tmp_path):
    """opened(secret, **tables) -> a Database opened with that secret."""
    dbs = []

    def open_with(secret, **tables):
        folder = build_extract(tmp_path / f"extract{len(dbs)}", **tables)
        dbs.append(open_database(folder, secret=secret))
        return dbs[-1]

    yield open_with
    for db in dbs:
        db.close()


# --- Keys computed at open --------------------------------------------------------------------

def every_table(**cohort_fields):
    return dict(
        referrals=[referral(referral_id="r-1", child_id="c1"),
                   referral(referral_id="r-2", child_id="c2")],
        missing_episodes=[
            episode(episode_id="e-1", child_id="c1", start_at=noon(2019, 3, 1)),
            # 23:30 UTC on 31 Mar 2019 is 00:30 on 1 April in London: the trigger date is 1 April
            episode(episode_id="e-2", child_id="c2", start_at=dt.datetime(2019, 3, 31, 23, 30))],
        strategy_meetings=[meeting(meeting_id="m-1", child_id="c1")],
        lionheart_cohort=[cohort_member(person_id="p-1", household_id="h-1")],
        lionheart_followups=[followup(person_id="p-1")],
        prevention_sessions=[session(session_id="s-1")],
        pursue_outcomes=[pursue(quarter_start=D(2019, 4, 1), measure="charges",
                                exploitation_type="cce")],
    )


@pytest.mark.parametrize("secret", [DEMO_SECRET, "another secret"])
def test_record_keys_are_the_last_byte_of_sha256_of_secret_and_id(opened, secret):
    db = opened(secret, **every_table())
    expected = {  # table: {key column: {row id column value: identifier}}
        "referrals": ("referral_id", {"r-1": {"rkey": "r-1", "child_rkey": "c1"},
                                      "r-2": {"rkey": "r-2", "child_rkey": "c2"}}),
        "missing_episodes": ("episode_id", {
            "e-1": {"rkey": "e-1", "child_rkey": "c1", "trigger_rkey": "c1|2019-03-01"},
            "e-2": {"rkey": "e-2", "child_rkey": "c2", "trigger_rkey": "c2|2019-04-01"}}),
        "strategy_meetings": ("meeting_id", {"m-1": {"rkey": "m-1", "child_rkey": "c1"}}),
        "lionheart_cohort": ("person_id", {"p-1": {"rkey": "p-1", "household_rkey": "h-1"}}),
        "lionheart_followups": ("person_id", {"p-1": {"rkey": "p-1"}}),
        "prevention_sessions": ("session_id", {"s-1": {"rkey": "s-1"}}),
        "pursue_outcomes": ("measure", {
            "charges": {"rkey": "pursue_outcomes|2019-04-01|charges|cce"}}),
    }
    for name, (id_column, rows) in expected.items():
        frame = table(db, name).set_index(id_column)
        for row_id, keys in rows.items():
            for column, identifier in keys.items():
                assert frame.loc[row_id, column] == key(identifier, secret=secret), \
                    (name, row_id, column)
                assert 0 <= frame.loc[row_id, column] <= 255


def test_a_different_secret_gives_different_keys(opened):
    referrals = [referral(referral_id=f"r-{i}") for i in range(20)]
    first = table(opened(DEMO_SECRET, referrals=referrals), "referrals")["rkey"].tolist()
    second = table(opened("another secret", referrals=referrals), "referrals")["rkey"].tolist()
    assert first != second
    assert second == [key(f"r-{i}", secret="another secret") for i in range(20)]


def test_a_child_has_one_key_in_every_table(make_db):
    db = make_db(**every_table())
    child = key("c1")
    assert set(table(db, "referrals").query("child_id == 'c1'")["child_rkey"]) == {child}
    assert set(table(db, "missing_episodes").query("child_id == 'c1'")["child_rkey"]) == {child}
    assert set(table(db, "strategy_meetings")["child_rkey"]) == {child}


def test_the_secret_is_kept_nowhere_in_the_database(opened):
    secret = "a secret that must not be stored"
    db = opened(secret, **every_table())
    cursor = db._con.cursor()
    try:
        catalogue = [cursor.execute(sql).fetchall() for sql in (
            "SELECT sql FROM duckdb_tables()", "SELECT sql FROM duckdb_views()",
            "SELECT macro_definition FROM duckdb_functions() WHERE macro_definition IS NOT NULL",
            "SELECT * FROM duckdb_variables()")]
        tables = [r[0] for r in cursor.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    finally:
        cursor.close()
    assert secret not in repr(catalogue)
    for name in tables:
        assert secret not in table(db, name).to_csv(), name


# --- Distinct units: each counted once, with its own key --------------------------------------

def test_two_children_with_the_same_key_both_count(make_db):
    a, b, k = colliding_ids("child-")
    # a goes missing twice in March (one child, one key), b once in April.
    db = make_db(missing_episodes=[
        episode(child_id=a, start_at=noon(2019, 3, 1)),
        episode(child_id=a, start_at=noon(2019, 3, 20)),
        episode(child_id=b, start_at=noon(2019, 4, 2))])
    figures = db.query("headline_figures", **params()).iloc[0]
    assert (figures["children"], figures["children_key"]) == (2, 2 * k)
    assert (figures["children_missing_once"], figures["children_missing_once_key"]) == (1, k)
    comparison = db.query("locality_comparison", **params()).set_index("locality_code")
    assert comparison.loc["E07000130", ["children_missing", "children_missing_key"]].tolist() \
        == [2, 2 * k]
    assert comparison.loc["E07000133", ["children_missing", "children_missing_key"]].tolist() \
        == [0, 0]
    by_quarter = db.query("missing_by_month", **params(grain="quarter")).set_index("month")
    assert by_quarter.loc[pd.Timestamp(2019, 1, 1), ["children", "children_key"]].tolist() \
        == [1, k]  # a, once
    assert by_quarter.loc[pd.Timestamp(2019, 4, 1), ["children", "children_key"]].tolist() \
        == [1, k]
    by_half = db.query("missing_once_by_quarter", **params(grain="half")).set_index("month")
    # H2 2018-19 (Oct-Mar) holds a's two episodes, H1 2019-20 b's one.
    assert by_half.loc[pd.Timestamp(2018, 10, 1)].tolist() == [1, 0, k, 0]
    assert by_half.loc[pd.Timestamp(2019, 4, 1)].tolist() == [1, 1, k, k]


def test_lionheart_people_and_households(make_db):
    db = make_db(
        lionheart_cohort=[
            cohort_member(person_id="p-1", household_id="h-1"),
            cohort_member(person_id="p-2", household_id="h-1"),
            cohort_member(person_id="p-3", household_id="h-2"),
            cohort_member(person_id="p-4", household_id="h-2", person_type="vulnerable_adult",
                          relationship="parent_carer", age_band="25+")],
        lionheart_followups=[
            followup(person_id="p-1", review_month=3, engaged_with_support=False),
            followup(person_id="p-3", review_month=3, engaged_with_support=True),
            followup(person_id="p-1", review_month=6, reviewed_on=D(2019, 8, 1),
                     engaged_with_support=True)])
    households = db.query("lionheart_households", **params()).set_index("person_type")
    assert households.loc["child"].tolist() == \
        [3, 2, key("p-1") + key("p-2") + key("p-3"), key("h-1") + key("h-2")]
    assert households.loc["vulnerable_adult"].tolist() == [1, 1, key("p-4"), key("h-2")]
    breakdown = db.query("lionheart_cohort_breakdown", **params())
    size = breakdown[breakdown["dimension"] == "household_size"].set_index("category")
    assert size.loc["2"].tolist() == ["household_size", 4, sum(key(f"p-{i}") for i in range(1, 5))]
    reviews = db.query("lionheart_reviews", **params())
    engaged = reviews[(reviews["measure"] == "engaged_with_support")
                      & (reviews["review"] == "3 months")].set_index("category")
    cells = ["people", "reviewed", "people_key", "reviewed_key"]
    assert engaged.loc["no", cells].tolist() == [1, 2, key("p-1"), key("p-1") + key("p-3")]
    assert engaged.loc["yes", cells].tolist() == [1, 2, key("p-3"), key("p-1") + key("p-3")]
    figures = db.query("headline_figures", **params()).iloc[0]
    # latest reviews: p-1 engaged at 6 months, p-3 engaged at 3 months
    assert figures[["lionheart_reviewed", "lionheart_reviewed_key"]].tolist() == \
        [2, key("p-1") + key("p-3")]
    assert figures["lionheart_engaged_key"] == key("p-1") + key("p-3")
    assert figures["lionheart_cohort_key"] == sum(key(f"p-{i}") for i in range(1, 5))


# --- Counts of rows: the keys of exactly the rows counted -------------------------------------

@pytest.fixture
def referrals_db(make_db):
    return make_db(referrals=[
        referral(referral_id="r-a", referral_date=D(2019, 4, 2), sex="female"),
        referral(referral_id="r-b", referral_date=D(2019, 4, 20), sex="male",
                 exploitation_type="cce", referral_source="youth_justice"),
        referral(referral_id="r-c", referral_date=D(2019, 5, 2), sex="male",
                 exploitation_type="cse_and_cce"),
        referral(referral_id="r-d", referral_date=D(2019, 1, 9), sex="female")])


def test_referral_breakdown_keys(referrals_db):
    frame = referrals_db.query("referral_breakdown", **params(D(2019, 4, 1), D(2019, 6, 30)))
    sex = frame[frame["dimension"] == "sex"].set_index("category")
    assert sex.loc["female", ["referrals", "referrals_key"]].tolist() == [1, key("r-a")]
    assert sex.loc["male", ["referrals", "referrals_key"]].tolist() == \
        [2, key("r-b") + key("r-c")]
    cross = referrals_db.query("referrals_by_source_and_type",
                               **params(D(2019, 4, 1), D(2019, 6, 30)))
    yj = cross[cross["referral_source"] == "youth_justice"]
    assert yj[["exploitation_type", "referrals", "referrals_key"]].values.tolist() == \
        [["cce", 1, key("r-b")]]


def test_referral_trend_keys(referrals_db):
    frame = referrals_db.query("referrals_by_month", **params(date_to=D(2019, 6, 30)))
    female = frame[(frame["dimension"] == "sex") & (frame["category"] == "female")]
    assert female["referrals"].tolist() == [1, 0, 0, 1, 0, 0]
    assert female["referrals_key"].tolist() == [key("r-d"), 0, 0, key("r-a"), 0, 0]
    share = referrals_db.query("male_share_by_quarter", **params(date_to=D(2019, 6, 30),
                                                                 grain="quarter"))
    assert share["month"].tolist() == [pd.Timestamp(2019, 1, 1), pd.Timestamp(2019, 4, 1)]
    assert share[["referrals", "male_referrals", "referrals_key", "male_referrals_key"]
                 ].values.tolist() == [
        [1, 0, key("r-d"), 0],
        [3, 2, key("r-a") + key("r-b") + key("r-c"), key("r-b") + key("r-c")]]


def test_headline_referral_keys(referrals_db):
    figures = referrals_db.query("headline_figures",
                                 **params(D(2019, 4, 1), D(2019, 9, 30))).iloc[0]
    b, c, a = key("r-b"), key("r-c"), key("r-a")
    assert figures[["referrals", "referrals_key"]].tolist() == [3, a + b + c]
    assert figures[["male_referrals", "male_referrals_key"]].tolist() == [2, b + c]
    assert figures[["joint_referrals", "joint_referrals_key"]].tolist() == [1, c]
    assert figures[["cce_referrals", "cce_referrals_key"]].tolist() == [2, b + c]
    assert figures[["cce_from_youth_justice", "cce_from_youth_justice_key"]].tolist() == [1, b]
    nothing = referrals_db.query("headline_figures", **params(D(2019, 7, 1), D(2019, 9, 30)))
    keys = [c for c in nothing.columns if c.endswith("_key")]
    assert nothing.loc[0, keys].tolist() == [0] * len(keys)


def test_episode_and_return_interview_keys(make_db):
    db = make_db(missing_episodes=[
        episode(episode_id="e-a", start_at=noon(2019, 3, 1), end_at=noon(2019, 3, 2),
                rhi_completed_at=noon(2019, 3, 3)),
        episode(episode_id="e-b", child_id="c2", start_at=noon(2019, 3, 5), end_at=noon(2019, 4, 2),
                missing_from="care", placement_type="foster", rhi_offered=False,
                rhi_accepted=None),
        episode(episode_id="e-c", start_at=noon(2019, 3, 9), end_at=None, rhi_offered=False,
                rhi_accepted=None)])
    a, b, c = key("e-a"), key("e-b"), key("e-c")
    returns = db.query("return_interviews_by_month", **params(date_to=D(2019, 4, 30)))
    returns = returns.set_index("month")[["ended_episodes", "rhi_offered", "rhi_within_72h",
                                          "ended_episodes_key", "rhi_offered_key",
                                          "rhi_within_72h_key"]]
    assert returns.loc[pd.Timestamp(2019, 3, 1)].tolist() == [1, 1, 1, a, a, a]
    assert returns.loc[pd.Timestamp(2019, 4, 1)].tolist() == [1, 0, 0, b, 0, 0]
    months = db.query("episodes_by_month", **params(date_to=D(2019, 4, 30)))
    march = months[(months["month"] == pd.Timestamp(2019, 3, 1))
                   & (months["dimension"] == "missing_from_detail")].set_index("category")
    assert march.loc["home", ["episodes", "episodes_key"]].tolist() == [2, a + c]
    assert march.loc["care_of_the_county", ["episodes", "episodes_key"]].tolist() == [1, b]
    bands = db.query("episode_breakdown", **params(date_to=D(2019, 4, 30)))
    bands = bands[bands["dimension"] == "duration_band"].set_index("category")
    assert bands.loc["still_missing", ["episodes", "episodes_key"]].tolist() == [1, c]
    assert bands.loc["up_to_24_hours", ["episodes", "episodes_key"]].tolist() == [1, a]
    figures = db.query("headline_figures", **params(D(2019, 3, 1), D(2019, 3, 31))).iloc[0]
    assert figures[["episodes", "episodes_key", "care_episodes_key", "ended_episodes_key",
                    "rhi_within_72h_key"]].tolist() == [3, a + b + c, b, a, a]
    by_month = db.query("missing_by_month", **params(date_to=D(2019, 4, 30))).set_index("month")
    assert by_month.loc[pd.Timestamp(2019, 3, 1)].tolist() == [3, 2, a + b + c,
                                                               key("c1") + key("c2")]


def test_prevention_and_pursue_keys(make_db):
    db = make_db(
        prevention_sessions=[session(session_id="s-a", delivered_on=D(2019, 5, 5)),
                             session(session_id="s-b", delivered_on=D(2019, 11, 5),
                                     participants=12)],
        pursue_outcomes=[
            pursue(quarter_start=D(2019, 4, 1), measure="convictions", count=2),
            pursue(quarter_start=D(2019, 7, 1), measure="convictions", count=3),
            pursue(quarter_start=D(2019, 7, 1), measure="convictions",
                   exploitation_type="cce", count=0),  # counts no one: no key
            pursue(quarter_start=D(2019, 10, 1), measure="charges", count=9)])
    sessions = db.query("prevention_by_quarter", **params(grain="half")).set_index("month")
    assert sessions[["sessions", "participants", "sessions_key"]].values.tolist() == [
        [0, 0, 0], [1, 30, key("s-a")], [1, 12, key("s-b")]]  # Oct-Mar, Apr-Sep, Oct-Mar
    breakdown = db.query("prevention_breakdown", **params())
    programme = breakdown[breakdown["dimension"] == "programme"]
    assert programme[["sessions", "participants", "sessions_key"]].values.tolist() == \
        [[2, 42, key("s-a") + key("s-b")]]
    q2 = key("pursue_outcomes", "2019-04-01", "convictions", "cse")
    q3 = key("pursue_outcomes", "2019-07-01", "convictions", "cse")
    charges = key("pursue_outcomes", "2019-10-01", "charges", "cse")
    by_half = db.query("pursue_by_quarter", **params(grain="half"))
    convictions = by_half[by_half["measure"] == "convictions"]
    assert convictions["month"].tolist() == \
        [pd.Timestamp(2018, 10, 1), pd.Timestamp(2019, 4, 1), pd.Timestamp(2019, 10, 1)]
    assert convictions[["number", "number_key"]].values.tolist() == \
        [[0, 0], [5, q2 + q3], [0, 0]]
    totals = db.query("pursue_totals", **params(period_from=D(2019, 7, 1))).set_index("measure")
    assert totals.loc["convictions"].tolist() == [3, 5, q3, q2 + q3]
    assert totals.loc["charges"].tolist() == [9, 9, charges, charges]
    figures = db.query("headline_figures", **params(D(2019, 7, 1), D(2019, 9, 30))).iloc[0]
    assert figures[["convictions", "convictions_key"]].tolist() == [3, q3]
    assert "prevention_participants_key" not in figures.index


# --- Triggers: a child once, keyed by child and trigger date ----------------------------------

def test_a_trigger_is_keyed_by_child_and_trigger_date(make_db):
    # a starts on 1 and 2 March and at 23:30 UTC on 31 March, which is 1 April in London: a
    # triggers on 1 April (the third start), and again on 2 April (the fourth). b triggers on
    # 3 May, with a strategy meeting on 10 May (within 14 days).
    db = make_db(
        missing_episodes=[
            episode(child_id="a", start_at=noon(2019, 3, 1)),
            episode(child_id="a", start_at=noon(2019, 3, 2)),
            episode(child_id="a", start_at=dt.datetime(2019, 3, 31, 23, 30)),
            episode(child_id="a", start_at=noon(2019, 4, 2)),
            episode(child_id="b", start_at=noon(2019, 5, 1)),
            episode(child_id="b", start_at=noon(2019, 5, 2)),
            episode(child_id="b", start_at=noon(2019, 5, 3))],
        strategy_meetings=[meeting(child_id="b", held_on=D(2019, 5, 10))])
    a, b = key("a", "2019-04-01"), key("b", "2019-05-03")
    trend = db.query("repeat_missing_by_month", **params(date_to=D(2019, 6, 30)))
    trend = trend.set_index("month")[["triggered_children", "met_within_14_days",
                                      "triggered_children_key", "met_within_14_days_key"]]
    assert trend.loc[pd.Timestamp(2019, 3, 1)].tolist() == [0, 0, 0, 0]
    assert trend.loc[pd.Timestamp(2019, 4, 1)].tolist() == [1, 0, a, 0]
    assert trend.loc[pd.Timestamp(2019, 5, 1)].tolist() == [1, 1, b, b]
    figures = db.query("headline_figures", **params(D(2019, 4, 1), D(2019, 6, 30))).iloc[0]
    assert figures[["triggered_children", "triggered_children_key", "met_within_14_days",
                    "met_within_14_days_key"]].tolist() == [2, a + b, 1, b]
    # From 2 April a's first trigger in the period is 2 April's.
    later = db.query("headline_figures", **params(D(2019, 4, 2), D(2019, 6, 30))).iloc[0]
    assert later["triggered_children_key"] == key("a", "2019-04-02") + b


# --- Half-years -------------------------------------------------------------------------------

def test_half_years_run_april_to_september_and_october_to_march(make_db):
    days = [D(2018, 10, 15), D(2019, 3, 31), D(2019, 4, 1), D(2019, 9, 30), D(2019, 10, 1)]
    db = make_db(coverage_start=D(2018, 10, 1),
                 referrals=[referral(referral_id=f"r-{d}", referral_date=d) for d in days])
    halves = db.query("referrals_by_month", **params(D(2018, 10, 1), D(2019, 12, 31),
                                                     grain="half"))
    sex = halves[halves["dimension"] == "sex"]
    assert sex["month"].tolist() == \
        [pd.Timestamp(2018, 10, 1), pd.Timestamp(2019, 4, 1), pd.Timestamp(2019, 10, 1)]
    assert sex["referrals"].tolist() == [2, 2, 1]
    assert sex["referrals_key"].tolist() == [
        key(f"r-{days[0]}") + key(f"r-{days[1]}"), key(f"r-{days[2]}") + key(f"r-{days[3]}"),
        key(f"r-{days[4]}")]
    quarters = db.query("male_share_by_quarter", **params(D(2018, 10, 1), D(2019, 12, 31),
                                                          grain="quarter"))
    assert quarters["month"].tolist() == [pd.Timestamp(y, m, 1) for y, m in
                                          [(2018, 10), (2019, 1), (2019, 4), (2019, 7),
                                           (2019, 10)]]
    assert quarters["referrals"].tolist() == [1, 1, 1, 1, 1]
    months = db.query("referrals_by_month", **params(D(2018, 10, 1), D(2019, 12, 31)))
    assert len(months[months["dimension"] == "sex"]) == 15  # Oct 2018 to Dec 2019


def test_an_unknown_grain_is_an_error(make_db):
    db = make_db(referrals=[referral()])
    with pytest.raises(Exception, match="unknown grain"):
        db.query("male_share_by_quarter", **params(grain="fortnight"))


# --- Every count of every query has its key ---------------------------------------------------

# query: its count columns (each must come with X_key); sums that are not counts have no key.
COUNTS = {
    "cce_referrals_by_month": ("cce_referrals", "step_cce_referrals"),
    "children_awaiting_meeting": (),  # a list of children for the hub lead, not counts
    "episode_breakdown": ("episodes",),
    "episodes_by_month": ("episodes",),
    "headline_figures": (
        "referrals", "male_referrals", "joint_referrals", "cce_referrals",
        "cce_from_youth_justice", "episodes", "children", "children_missing_once",
        "care_episodes", "care_episodes_other_la", "triggered_children", "met_within_14_days",
        "ended_episodes", "rhi_offered", "rhi_within_72h", "lionheart_cohort",
        "lionheart_reviewed", "lionheart_engaged", "prevention_sessions", "convictions"),
    "lionheart_cohort_breakdown": ("people",),
    "lionheart_households": ("people", "households"),
    "lionheart_reviews": ("people", "reviewed"),
    "locality_comparison": ("referrals", "episodes", "children_missing"),
    "male_share_by_quarter": ("referrals", "male_referrals"),
    "missing_by_month": ("episodes", "children"),
    "missing_once_by_quarter": ("children", "children_missing_once"),
    "missing_shares_by_month": ("children", "children_out_of_area", "episodes",
                                "episodes_from_home"),
    "prevention_breakdown": ("sessions",),
    "prevention_by_programme_and_funder": ("sessions",),
    "prevention_by_quarter": ("sessions",),
    "pursue_by_quarter": ("number",),
    "pursue_totals": ("in_period", "to_date"),
    "referral_breakdown": ("referrals",),
    "referrals_by_month": ("referrals", "step_referrals"),
    "referrals_by_source_and_type": ("referrals",),
    "repeat_missing_by_month": ("triggered_children", "met_within_14_days"),
    "return_interviews_by_month": ("ended_episodes", "rhi_offered", "rhi_within_72h"),
    "return_interviews_owed": (),  # a list of episodes for the hub lead, not counts
}
NOT_COUNTS = {"headline_figures": ("prevention_participants",),
              "prevention_breakdown": ("participants",), "prevention_by_quarter": ("participants",),
              "prevention_by_programme_and_funder": ("participants",),
              "locality_comparison": ("population_0_17",),
              "children_awaiting_meeting": ("episodes_in_window", "days_waited"),
              "return_interviews_owed": ("days_since_return",)}
TRENDS_BY_QUARTER = ("male_share_by_quarter", "missing_once_by_quarter",
                     "prevention_by_quarter", "pursue_by_quarter")


def test_every_query_file_is_listed():
    files = {p.stem for p in QUERY_DIR.glob("*.sql") if not p.name.startswith("_")}
    assert files == set(COUNTS)


@pytest.fixture(scope="module")
def full_db(tmp_path_factory):
    starts = [noon(2019, 2, 1), noon(2019, 2, 3), noon(2019, 2, 5), noon(2019, 5, 1)]
    folder = build_extract(
        tmp_path_factory.mktemp("full"),
        referrals=[referral(referral_date=D(2019, m, 3), sex=sex)
                   for m, sex in [(2, "female"), (5, "male"), (8, "female")]],
        missing_episodes=[episode(child_id=c, start_at=s) for c in ("c1", "c2") for s in starts]
                         + [episode(child_id="c3", start_at=noon(2019, 9, 9), end_at=None,
                                    rhi_offered=False, rhi_accepted=None)],
        strategy_meetings=[meeting(child_id="c1", held_on=D(2019, 2, 10))],
        lionheart_cohort=[cohort_member(person_id="p1"), cohort_member(person_id="p2")],
        lionheart_followups=[followup(person_id="p1")],
        prevention_sessions=[session(), session(delivered_on=D(2019, 8, 8))],
        pursue_outcomes=[pursue(), pursue(quarter_start=D(2019, 7, 1), measure="charges")])
    db = open_database(folder)
    yield db
    db.close()


@pytest.mark.parametrize("name", sorted(COUNTS))
@pytest.mark.parametrize("grain", ["month", "quarter", "half"])
def test_every_count_has_its_key(full_db, name, grain):
    if grain == "month" and name in TRENDS_BY_QUARTER:
        grain = "quarter"  # their shortest step
    frame = full_db.query(name, **params(grain=grain))
    assert not frame.empty
    counts = COUNTS[name]
    assert {c for c in frame.columns if c.endswith("_key")} == {f"{c}_key" for c in counts}
    integers = {c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])}
    assert integers - {f"{c}_key" for c in counts} == set(counts) | set(NOT_COUNTS.get(name, ()))
    for count in counts:
        keys = frame[f"{count}_key"]
        assert keys.dtype == "int64" and keys.notna().all()
        assert (keys >= 0).all() and (keys <= 255 * frame[count]).all()
        assert (keys[frame[count] == 0] == 0).all()
    if name in TRENDS_BY_QUARTER or name.endswith("_by_month"):
        assert "month" in frame.columns and "quarter" not in frame.columns
