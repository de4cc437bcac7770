"""Every named query on tiny hand-made extracts; each expected value is worked out by hand.

Timestamps in the extracts are UTC. Unless a test is about time zones, events happen at
noon UTC, which is the same calendar date in Europe/London all year round.
"""

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from hub import queries
from hub.filters import Filters
from tests.builders import (cohort_member, episode, followup, meeting, pursue, referral,
                            session)

D = dt.date
HALF_YEAR = Filters(D(2019, 1, 1), D(2019, 6, 1))  # Jan to Jun 2019


def noon(y, m, d):
    return dt.datetime(y, m, d, 12, 0)


def counts(result, column, key):
    """{key value: column value} from a Result or DataFrame."""
    frame = getattr(result, "frame", result)
    return dict(zip(frame[key], frame[column]))


def headline(frame, label):
    row = frame.set_index("label").loc[label]
    return row["numerator"], row["denominator"]


# --- Repeat-missing triggers (kpis.md "Trigger") --------------------------------------------

def repeat_missing_extract(make_db):
    """a: third start 89 days after the first -> triggers on 31 Mar (met: meeting 14 days on).
    b: third start 90 days after the first -> no trigger.
    c: triggers 3 May, meeting 15 days later (not within 14 days, but held).
    d: triggers 3 Jun, no meeting at all."""
    starts = {"a": [(2019, 1, 1), (2019, 2, 1), (2019, 3, 31)],
              "b": [(2019, 1, 1), (2019, 2, 1), (2019, 4, 1)],
              "c": [(2019, 5, 1), (2019, 5, 2), (2019, 5, 3)],
              "d": [(2019, 6, 1), (2019, 6, 2), (2019, 6, 3)]}
    episodes = [episode(child_id=child, start_at=noon(*day))
                for child, days in starts.items() for day in days]
    meetings = [meeting(child_id="a", held_on=D(2019, 4, 14)),
                meeting(child_id="c", held_on=D(2019, 5, 18))]
    return make_db(missing_episodes=episodes, strategy_meetings=meetings)


def test_trigger_at_89_days_counts_and_at_90_days_does_not(make_db):
    db = repeat_missing_extract(make_db)
    figures = queries.headline_figures(db, HALF_YEAR)
    assert headline(figures, "Repeat-missing triggers")[0] == 3  # a, c, d (not b)
    assert headline(figures, "Strategy meetings within 14 days (%)") == (1, 3)  # only a


def test_triggers_by_month(make_db):
    db = repeat_missing_extract(make_db)
    result = queries.repeat_missing_by_month(db, HALF_YEAR)
    by_month = result.frame.set_index("month")
    assert by_month.loc[pd.Timestamp(2019, 3, 1), "triggered_children"] == 1
    assert by_month.loc[pd.Timestamp(2019, 3, 1), "met_within_14_days"] == 1
    pair = ["triggered_children", "met_within_14_days"]
    assert by_month.loc[pd.Timestamp(2019, 5, 1), pair].tolist() == [1, 0]
    assert by_month.loc[pd.Timestamp(2019, 6, 1), pair].tolist() == [1, 0]
    assert by_month["triggered_children"].sum() == 3


def test_children_awaiting_a_strategy_meeting(make_db):
    db = repeat_missing_extract(make_db)  # coverage ends 31 Dec 2019
    waiting = queries.children_awaiting_meeting(db, HALF_YEAR, meetings_from=D(2019, 1, 1))
    assert waiting["child_id"].tolist() == ["d"]  # c had a meeting, late but held
    row = waiting.iloc[0]
    assert row["episodes_in_window"] == 3
    assert row["days_waited"] == 211  # 3 Jun to 31 Dec: 27 + 31 + 31 + 30 + 31 + 30 + 31


def awaiting(make_db, starts, meetings=(), meetings_from=D(2019, 1, 1)):
    """{child: (trigger date, episodes in window, days waited)} for one child's episodes
    (start dates) and meetings (dates); coverage ends 31 Dec 2019."""
    db = make_db(missing_episodes=[episode(child_id="x", start_at=noon(*day))
                                   for day in starts],
                 strategy_meetings=[meeting(child_id="x", held_on=D(*day))
                                    for day in meetings])
    waiting = queries.children_awaiting_meeting(db, HALF_YEAR, meetings_from=meetings_from)
    return {row.child_id: (row.trigger_date.date(), row.episodes_in_window, row.days_waited)
            for row in waiting.itertuples()}


def test_a_meeting_starts_the_count_again(make_db):
    # Triggered on 10 Mar (1 Feb, 20 Feb, 10 Mar), answered by the meeting on 30 Jun; missing
    # again on 1 and 4 Jul and 20 Aug: the third start after the meeting triggers again.
    starts = [(2019, 2, 1), (2019, 2, 20), (2019, 3, 10), (2019, 7, 1), (2019, 7, 4),
              (2019, 8, 20)]
    assert awaiting(make_db, starts, meetings=[(2019, 6, 30)]) == {
        "x": (D(2019, 8, 20), 3, 133)}  # 20 Aug to 31 Dec: 11 + 30 + 31 + 30 + 31
    # Episodes on 20 and 28 Jun, before the meeting, would make 4 Jul a third start in 90
    # days; they do not count after it.
    starts = [(2019, 6, 20), (2019, 6, 28), (2019, 7, 1), (2019, 7, 4)]
    assert awaiting(make_db, starts, meetings=[(2019, 6, 30)]) == {}


def test_a_meeting_on_the_trigger_date_answers_it(make_db):
    starts = [(2019, 5, 1), (2019, 5, 2), (2019, 5, 3)]
    assert awaiting(make_db, starts, meetings=[(2019, 5, 3)]) == {}
    assert awaiting(make_db, starts, meetings=[(2019, 5, 2)]) == {}  # the count starts again
    assert awaiting(make_db, starts) == {"x": (D(2019, 5, 3), 3, 242)}


def test_triggers_before_meetings_began_are_not_listed(make_db):
    starts = [(2019, 1, 10), (2019, 1, 11), (2019, 1, 12)]
    assert awaiting(make_db, starts, meetings_from=D(2019, 4, 1)) == {}
    # a later trigger counts the earlier episodes in its window (3 Jan to 2 Apr)
    starts += [(2019, 4, 2)]
    assert awaiting(make_db, starts, meetings_from=D(2019, 4, 1)) == {
        "x": (D(2019, 4, 2), 4, 273)}


def test_a_child_with_several_unanswered_triggers_is_listed_once_with_the_earliest(make_db):
    starts = [(2019, 3, 1), (2019, 3, 2), (2019, 3, 3), (2019, 3, 4), (2019, 9, 1),
              (2019, 9, 2), (2019, 9, 3)]
    assert awaiting(make_db, starts) == {"x": (D(2019, 3, 3), 3, 303)}


def test_return_interviews_still_owed(make_db):
    """Coverage ends 31 Dec 2019: returns from 3 Oct (90 days back) to 28 Dec (more than 72
    hours before the end of 31 Dec) with no interview done are owed, unless declined."""
    def returned(name, day, **fields):
        end = noon(*day)
        return episode(**{"episode_id": name, "child_id": name, "end_at": end,
                          "start_at": end - dt.timedelta(hours=5), **fields})

    db = make_db(missing_episodes=[
        returned("never_offered", (2019, 11, 1), rhi_offered=False, rhi_accepted=None),
        returned("accepted", (2019, 12, 1)),  # offered and accepted, not yet done
        returned("declined", (2019, 11, 20), rhi_accepted=False),
        returned("done_at_72h", (2019, 11, 5), rhi_completed_at=noon(2019, 11, 8)),
        returned("away", (2019, 11, 6), missing_from="care", placement_type="foster",
                 episode_type="away"),
        returned("too_recent", (2019, 12, 29)),  # 60 hours before the end of 31 Dec
        returned("too_old", (2019, 10, 2)),  # 90 days before 31 Dec
        returned("still_missing", (2019, 11, 10), end_at=None),
    ])
    owed = queries.return_interviews_owed(db, HALF_YEAR)
    assert owed["episode_id"].tolist() == ["never_offered", "declined", "accepted"]
    assert owed["declined"].tolist() == [False, True, False]
    assert owed["offered"].tolist() == [False, True, True]
    assert owed["days_since_return"].tolist() == [60, 41, 30]
    assert queries.return_interviews_owed(db, HALF_YEAR, lookback_days=40)[
        "episode_id"].tolist() == ["accepted"]


def test_meetings_began_comes_from_the_reference_events(make_db):
    db = make_db()
    assert db.reference.meetings_began() == D(2018, 4, 1)


def test_episodes_before_the_period_count_towards_the_window(make_db):
    # Starts on 20 and 25 January (before the February period) and 2 Feb: triggers on 2 Feb.
    db = make_db(missing_episodes=[episode(child_id="e", start_at=noon(*day)) for day in
                                   [(2019, 1, 20), (2019, 1, 25), (2019, 2, 2)]])
    figures = queries.headline_figures(db, Filters(D(2019, 2, 1), D(2019, 2, 1)))
    assert headline(figures, "Repeat-missing triggers")[0] == 1


# --- Return interviews and time -------------------------------------------------------------

def test_return_interview_at_exactly_72_hours_counts(make_db):
    end = noon(2019, 3, 2)
    db = make_db(missing_episodes=[
        episode(start_at=noon(2019, 3, 1), end_at=end,
                rhi_completed_at=end + dt.timedelta(hours=72)),
        episode(start_at=noon(2019, 3, 3), end_at=noon(2019, 3, 4),
                rhi_completed_at=noon(2019, 3, 4) + dt.timedelta(hours=72, minutes=1)),
        episode(start_at=noon(2019, 3, 5), end_at=noon(2019, 3, 6), rhi_offered=False,
                rhi_accepted=None, rhi_completed_at=None),
    ])
    figures = queries.headline_figures(db, HALF_YEAR)
    assert headline(figures, "Return interviews offered (%)") == (2, 3)
    assert headline(figures, "Return interviews within 72 hours (%)") == (1, 3)
    march = queries.return_interviews_by_month(db, HALF_YEAR).frame.iloc[2]
    assert (march["ended_episodes"], march["rhi_offered"], march["rhi_within_72h"]) == (3, 2, 1)


def test_72_hours_is_elapsed_time_across_the_clock_change(make_db):
    # Clocks went forward at 01:00 UTC on 31 March 2019. 72 real hours after 30 Mar 12:00 UTC
    # is 2 Apr 12:00 UTC, which London clocks show as 13:00: still within 72 hours.
    end = noon(2019, 3, 30)
    db = make_db(missing_episodes=[episode(start_at=noon(2019, 3, 29), end_at=end,
                                           rhi_completed_at=noon(2019, 4, 2))])
    figures = queries.headline_figures(db, HALF_YEAR)
    assert headline(figures, "Return interviews within 72 hours (%)") == (1, 1)


def test_dates_are_taken_in_london_across_the_clock_change(make_db):
    # 31 Mar 2019 23:30 UTC is 00:30 BST on 1 April; 30 Mar 23:30 UTC is still 30 March (GMT).
    db = make_db(missing_episodes=[
        episode(child_id="a", start_at=dt.datetime(2019, 3, 30, 23, 30),
                end_at=dt.datetime(2019, 3, 31, 0, 30)),
        episode(child_id="b", start_at=dt.datetime(2019, 3, 31, 23, 30),
                end_at=dt.datetime(2019, 4, 1, 6, 0)),
    ])
    by_month = counts(queries.missing_by_month(db, HALF_YEAR), "episodes", "month")
    assert by_month[pd.Timestamp(2019, 3, 1)] == 1
    assert by_month[pd.Timestamp(2019, 4, 1)] == 1
    march_only = queries.headline_figures(db, Filters(D(2019, 3, 1), D(2019, 3, 1)))
    assert headline(march_only, "Missing episodes")[0] == 1


def test_open_episode_counts_as_started_but_not_as_ended(make_db):
    db = make_db(missing_episodes=[
        episode(start_at=noon(2019, 6, 28), end_at=None, rhi_offered=False,
                rhi_accepted=None, rhi_completed_at=None)])
    figures = queries.headline_figures(db, HALF_YEAR)
    assert headline(figures, "Missing episodes")[0] == 1
    assert headline(figures, "Return interviews offered (%)") == (0, 0)
    bands = queries.episode_breakdown(db, HALF_YEAR).where(dimension="duration_band")
    assert counts(bands, "episodes", "category") == {"still_missing": 1}


# --- Every headline figure, for the period and the comparison period -----------------------

@pytest.fixture
def six_month_db(make_db):
    """Period Apr-Sep 2019 (comparison Oct 2018-Mar 2019); figures worked out in each test."""
    referrals = [
        referral(referral_date=D(2019, 4, 2), sex="female", exploitation_type="cse"),
        referral(referral_date=D(2019, 5, 2), sex="male", exploitation_type="cce",
                 referral_source="youth_justice"),
        referral(referral_date=D(2019, 6, 2), sex="male", exploitation_type="cse_and_cce",
                 referral_source="youth_justice"),
        referral(referral_date=D(2019, 7, 2), sex="female", exploitation_type="cse_and_cce",
                 referral_source="education"),
        referral(referral_date=D(2019, 8, 2), sex="female", exploitation_type="cse",
                 locality_code="E07000133"),
        referral(referral_date=D(2019, 1, 15), sex="female", exploitation_type="cse"),
    ]
    episodes = [
        episode(child_id="x", start_at=noon(2019, 4, 10), end_at=noon(2019, 4, 11),
                rhi_completed_at=noon(2019, 4, 12)),
        episode(child_id="x", start_at=noon(2019, 5, 10), end_at=noon(2019, 5, 11)),
        episode(child_id="y", start_at=noon(2019, 6, 1), end_at=noon(2019, 6, 2),
                missing_from="care", placement_type="childrens_home",
                placed_by_other_la=True),
        episode(child_id="z", start_at=noon(2019, 7, 1), end_at=None, missing_from="care",
                placement_type="foster", rhi_offered=False, rhi_accepted=None),
    ]
    cohort = [cohort_member(person_id="p1", identified_on=D(2019, 2, 1)),
              cohort_member(person_id="p2", identified_on=D(2019, 10, 1))]
    reviews = [followup(person_id="p1", review_month=3, reviewed_on=D(2019, 5, 1),
                        engaged_with_support=False),
               followup(person_id="p1", review_month=6, reviewed_on=D(2019, 8, 1),
                        engaged_with_support=True)]
    sessions = [session(delivered_on=D(2019, 5, 5), participants=30),
                session(delivered_on=D(2019, 6, 6), participants=12),
                session(delivered_on=D(2019, 2, 2), participants=7)]
    pursuit = [pursue(quarter_start=D(2019, 4, 1), measure="convictions", count=2),
               pursue(quarter_start=D(2019, 7, 1), measure="convictions", count=3),
               pursue(quarter_start=D(2019, 1, 1), measure="convictions", count=4),
               pursue(quarter_start=D(2019, 4, 1), measure="charges", count=9)]
    return make_db(referrals=referrals, missing_episodes=episodes, lionheart_cohort=cohort,
                   lionheart_followups=reviews, prevention_sessions=sessions,
                   pursue_outcomes=pursuit)


PERIOD = Filters(D(2019, 4, 1), D(2019, 9, 1))


def test_headline_figures_for_the_period(six_month_db):
    figures = queries.headline_figures(six_month_db, PERIOD)
    expected = {  # label: (numerator, denominator or None)
        "Referrals": (5, None),
        "Male referrals (%)": (2, 5),
        "Joint CSE & CCE referrals": (2, None),
        "CCE referrals from youth justice (%)": (2, 3),  # of cce + cse_and_cce
        "Missing episodes": (4, None),
        "Children missing": (3, None),  # x, y, z
        "Children missing once (%)": (2, 3),  # y and z
        "Episodes from care, placed by other councils (%)": (1, 2),  # y of y, z
        "Repeat-missing triggers": (0, None),
        "Strategy meetings within 14 days (%)": (0, 0),
        "Return interviews offered (%)": (3, 3),  # z is still open
        "Return interviews within 72 hours (%)": (1, 3),  # x's first, a day after return
        "Lionheart cohort": (1, None),  # p2 identified after the period
        "Lionheart engaged at latest review (%)": (1, 1),  # p1's 6-month review
        "Prevention participants": (42, None),  # 30 + 12
        "Convictions": (5, None),  # 2 + 3; charges are not convictions
    }
    got = {row.label: (row.numerator, None if pd.isna(row.denominator) else row.denominator)
           for row in figures.itertuples()}
    assert got == expected
    assert figures["label"].tolist() == list(expected)  # kpis.md order and exact labels


def test_headline_figures_for_the_comparison_period(six_month_db):
    figures = queries.headline_figures(six_month_db, PERIOD).set_index("label")
    previous = figures[["comparison_numerator", "comparison_denominator"]]
    assert tuple(previous.loc["Referrals"].fillna(-1)) == (1, -1)
    assert tuple(previous.loc["Male referrals (%)"]) == (0, 1)
    assert tuple(previous.loc["CCE referrals from youth justice (%)"]) == (0, 0)
    assert tuple(previous.loc["Lionheart engaged at latest review (%)"]) == (0, 0)
    assert previous.loc["Lionheart cohort", "comparison_numerator"] == 1
    assert previous.loc["Prevention participants", "comparison_numerator"] == 7
    assert previous.loc["Convictions", "comparison_numerator"] == 4


def test_locality_filter_restricts_every_local_table(six_month_db):
    melton = Filters(D(2019, 4, 1), D(2019, 9, 1), locality=("E07000133",))
    figures = queries.headline_figures(six_month_db, melton)
    assert headline(figures, "Referrals")[0] == 1
    assert headline(figures, "Missing episodes")[0] == 0
    assert headline(figures, "Prevention participants")[0] == 0
    assert headline(figures, "Convictions")[0] == 5  # pursue outcomes are county-wide


def test_filters_that_match_nothing_give_zeros_not_errors(six_month_db):
    nobody = Filters(D(2019, 4, 1), D(2019, 9, 1), sex=("other",), age_band=("0-9",))
    figures = queries.headline_figures(six_month_db, nobody)
    counted = figures[figures["label"].isin(["Referrals", "Missing episodes",
                                             "Children missing", "Lionheart cohort"])]
    assert counted["numerator"].tolist() == [0, 0, 0, 0]
    assert headline(figures, "Children missing once (%)") == (0, 0)
    assert queries.referral_breakdown(six_month_db, nobody).frame.empty
    assert queries.episode_breakdown(six_month_db, nobody).frame.empty
    assert queries.missing_by_month(six_month_db, nobody).frame["episodes"].sum() == 0


def test_empty_extract_gives_zero_denominators(make_db):
    figures = queries.headline_figures(make_db(), HALF_YEAR)
    assert figures["numerator"].sum() == 0
    shares = figures[figures["denominator"].notna()]
    assert len(shares) == 8 and shares["denominator"].sum() == 0


# --- Breakdowns --------------------------------------------------------------------------------

def test_referral_breakdown_and_source_by_type(six_month_db):
    result = queries.referral_breakdown(six_month_db, PERIOD)
    assert counts(result.where(dimension="sex"), "referrals", "category") == \
        {"female": 3, "male": 2}
    assert counts(result.where(dimension="exploitation_type"), "referrals", "category") == \
        {"cce": 1, "cse": 2, "cse_and_cce": 2}
    cross = queries.referrals_by_source_and_type(six_month_db, PERIOD).frame
    yj = cross[cross["referral_source"] == "youth_justice"]
    assert dict(zip(yj["exploitation_type"], yj["referrals"])) == {"cce": 1, "cse_and_cce": 1}


def test_referrals_by_month_run_from_the_start_of_the_extract(six_month_db):
    result = queries.referrals_by_month(six_month_db, PERIOD)
    sex = result.where(dimension="sex").frame
    # builders' coverage starts in January 2019: Jan..Sep is 9 months, 2 sexes seen.
    assert len(sex) == 9 * 2
    female = sex[sex["category"] == "female"]
    assert female["referrals"].tolist() == [1, 0, 0, 1, 0, 0, 1, 1, 0]


def test_locality_comparison_has_every_district_and_population(six_month_db):
    frame = queries.locality_comparison(six_month_db, PERIOD).frame.set_index("locality_code")
    assert len(frame) == 7
    assert frame.loc["E07000133", "referrals"] == 1
    assert frame.loc["E07000130", "referrals"] == 4
    assert frame.loc["E07000130", "episodes"] == 4
    assert frame.loc["E07000130", "children_missing"] == 3
    assert frame.loc["E07000133", "population_0_17"] == 10500


def test_episode_breakdown_and_monthly_split(six_month_db):
    result = queries.episode_breakdown(six_month_db, PERIOD)
    detail = counts(result.where(dimension="missing_from_detail"), "episodes", "category")
    assert detail == {"home": 2, "care_placed_by_other_council": 1, "care_of_the_county": 1}
    bands = counts(result.where(dimension="duration_band"), "episodes", "category")
    assert bands == {"up_to_24_hours": 3, "still_missing": 1}
    monthly = queries.episodes_by_month(six_month_db, PERIOD).where(
        dimension="missing_from_detail").frame
    june = monthly[monthly["month"] == pd.Timestamp(2019, 6, 1)]
    assert counts(june, "episodes", "category") == \
        {"care_placed_by_other_council": 1, "care_of_the_county": 0, "home": 0}


def test_missing_once_by_quarter(six_month_db):
    frame = queries.missing_once_by_quarter(six_month_db, PERIOD).frame.set_index("quarter")
    frame = frame[["children", "children_missing_once"]]
    # Q2 2019: x (2 episodes), y (1) -> 2 children, 1 once; Q3: z once -> 1, 1.
    assert frame.loc[pd.Timestamp(2019, 4, 1)].tolist() == [2, 1]
    assert frame.loc[pd.Timestamp(2019, 7, 1)].tolist() == [1, 1]
    assert frame.loc[pd.Timestamp(2019, 1, 1)].tolist() == [0, 0]


def test_lionheart_cohort_households_and_reviews(make_db):
    db = make_db(
        lionheart_cohort=[
            cohort_member(person_id="p1", household_id="h1"),
            cohort_member(person_id="p2", household_id="h1", relationship="family_child"),
            cohort_member(person_id="p3", household_id="h1", person_type="vulnerable_adult",
                          relationship="parent_carer", age_band="25+", sex="female"),
            cohort_member(person_id="p4", household_id="h2")],
        lionheart_followups=[
            followup(person_id="p1", review_month=3, reviewed_on=D(2019, 5, 1),
                     engaged_with_support=False),
            followup(person_id="p4", review_month=3, reviewed_on=D(2019, 5, 1)),
            followup(person_id="p1", review_month=6, reviewed_on=D(2019, 8, 1),
                     justice_status="recognised_as_victim")])
    period = Filters(D(2019, 4, 1), D(2019, 9, 1))
    cohort = queries.lionheart_cohort_breakdown(db, period)
    assert counts(cohort.where(dimension="household_size"), "people", "category") == \
        {"3": 3, "1": 1}
    assert counts(cohort.where(dimension="person_type"), "people", "category") == \
        {"child": 3, "vulnerable_adult": 1}
    households = queries.lionheart_households(db, period).frame.set_index("person_type")
    assert households.loc["child", ["people", "households"]].tolist() == [3, 2]
    reviews = queries.lionheart_reviews(db, period).where(measure="engaged_with_support").frame
    three = reviews[reviews["review"] == "3 months"]
    assert counts(three, "people", "category") == {"no": 1, "yes": 1}
    assert set(three["reviewed"]) == {2}
    justice = queries.lionheart_reviews(db, period).where(measure="justice_status").frame
    assert counts(justice[justice["review"] == "6 months"], "people", "category") == \
        {"recognised_as_victim": 1}
    # Reviews after the period's end are not yet known.
    early = queries.lionheart_reviews(db, Filters(D(2019, 4, 1), D(2019, 6, 1)))
    assert set(early.frame["review"]) == {"3 months"}


def test_prevention_and_pursuit(six_month_db):
    result = queries.prevention_breakdown(six_month_db, PERIOD).where(dimension="programme")
    assert result.frame[["sessions", "participants"]].values.tolist() == [[2, 42]]
    quarters = queries.prevention_by_quarter(six_month_db, PERIOD).frame
    assert quarters["participants"].tolist() == [7, 30 + 12, 0]  # Q1, Q2, Q3 2019
    pursuit = queries.pursue_by_quarter(six_month_db, PERIOD).frame
    convictions = pursuit[pursuit["measure"] == "convictions"]
    assert convictions["number"].tolist() == [4, 2, 3]
    charges = pursuit[pursuit["measure"] == "charges"]
    assert charges["number"].tolist() == [0, 9, 0]


def test_pursue_totals_in_period_and_to_date(six_month_db):
    totals = queries.pursue_totals(six_month_db, PERIOD).frame.set_index("measure")
    totals = totals[["in_period", "to_date"]]
    assert totals.loc["convictions"].tolist() == [2 + 3, 4 + 2 + 3]
    assert totals.loc["charges"].tolist() == [9, 9]


def test_male_share_by_quarter(six_month_db):
    frame = queries.male_share_by_quarter(six_month_db, PERIOD).frame
    # Q1: r6 (girl); Q2: r1 girl, r2 and r3 boys; Q3: r4 and r5 girls.
    assert frame[["referrals", "male_referrals"]].values.tolist() == [[1, 0], [3, 2], [2, 0]]


def test_a_trend_by_quarter_counts_each_child_once_a_quarter(make_db):
    # Child a goes missing on 10 Jan and 10 Feb, child b on 5 Apr and 20 Jun 2019.
    db = make_db(missing_episodes=[
        episode(child_id="a", start_at=noon(2019, 1, 10)),
        episode(child_id="a", start_at=noon(2019, 2, 10)),
        episode(child_id="b", start_at=noon(2019, 4, 5)),
        episode(child_id="b", start_at=noon(2019, 6, 20))])
    result = queries.missing_by_month(db, replace(HALF_YEAR, trend_grain="quarter"))
    assert result.dims == ("quarter",) and result.time == "quarter"
    by_quarter = result.frame.set_index("quarter")[["episodes", "children"]]
    assert by_quarter.loc[pd.Timestamp(2019, 1, 1)].tolist() == [2, 1]  # episodes, children
    assert by_quarter.loc[pd.Timestamp(2019, 4, 1)].tolist() == [2, 1]
    # by month the same child counts in each month it went missing
    monthly = queries.missing_by_month(db, HALF_YEAR).frame.set_index("month")
    assert monthly.loc[[pd.Timestamp(2019, 1, 1), pd.Timestamp(2019, 2, 1)], "children"].sum() == 2
