"""The figures the committee asked for that the screen could not show (issue 13, items 4 and 5):
exploitation type as shares over time, CCE referrals by sex, the out-of-area cohort's share of
children missing, the share of episodes from home, prevention in Gypsy and traveller settings
over time and the Warning Zone's sessions by funder.

Each query on a tiny hand-made extract (the hub lead's exact figures, worked out by hand), the
dimensions each declares it crosses (rule 8), and each chart on its real page under AppTest for
the board, Melton's partnership and the hub lead: present, with the protected values worked out
by hand (tests.builders' `shown`, `shown_share`) for the protected audiences.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hub import outputs, queries
from hub.audience import Audience
from hub.filters import Filters
from hub.settings import ROOT
from tests.builders import (build_extract, episode, perturbed, referral, session, shown,
                            shown_share)

D = dt.date
DASHBOARD = str(ROOT / "dashboard.py")
MELTON = "E07000133"
LEAD, BOARD = Audience("hub_lead"), Audience("board")
APR_SEP = Filters(D(2019, 4, 1), D(2019, 9, 1))


def noon(y, m, d):
    return dt.datetime(y, m, d, 12)


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(1, n + 1)]


# --- The extract: every row in Melton, so the county's figures are Melton's -------------------
# Referrals: Feb 6 CSE girls; May 12 CSE girls and 10 CCE boys; June 2 CCE girls; August 9 CSE
# girls and 8 joint CSE & CCE boys.
CSE_FEB, CSE_MAY, CCE_BOYS_MAY, CCE_GIRLS_JUN = ids("a", 6), ids("b", 12), ids("c", 10), ids("d", 2)
CSE_AUG, JOINT_BOYS_AUG = ids("e", 9), ids("f", 8)
# Missing, one episode a child a quarter: February 5 children from home; May 9 from home, 7 from
# placements made by other councils (the out-of-area cohort) and 3 from the county's care;
# August the same 9 and 3 more from home, and 6 of the out-of-area children again.
HOME, OUT_OF_AREA, COUNTY_CARE = ids("h", 12), ids("o", 7), ids("k", 3)
EPISODES = {  # quarter's first month -> {episode id: (child, from)}
    1: {f"feb-{c}": (c, "home") for c in HOME[:5]},
    4: {**{f"may-{c}": (c, "home") for c in HOME[:9]},
        **{f"may-{c}": (c, "other_council") for c in OUT_OF_AREA},
        **{f"may-{c}": (c, "county_care") for c in COUNTY_CARE}},
    7: {**{f"aug-{c}": (c, "home") for c in HOME},
        **{f"aug-{c}": (c, "other_council") for c in OUT_OF_AREA[:6]}},
}
MONTH_OF_QUARTER = {1: 2, 4: 5, 7: 8}  # the episodes' month in each quarter
# Prevention: Gypsy and traveller outreach (an online safety programme) 2 sessions of 12 in
# February, 9 of 12 in May, 7 of 10 in August. The Warning Zone: May 6 sessions of 30 paid by
# the PCC, 4 of 25 by partnerships; August 5 of 30 (PCC), 4 of 25 (partnerships), 2 of 20
# (council). "Breck's Last Game", 5 sessions of 40 paid by the PCC in May, is not the Warning
# Zone.
GYPSY = {2: (ids("gfeb", 2), 12), 5: (ids("gmay", 9), 12), 8: (ids("gaug", 7), 10)}
WARNING_ZONE = {(5, "pcc"): (ids("wmp", 6), 30), (5, "csp"): (ids("wmc", 4), 25),
                (8, "pcc"): (ids("wap", 5), 30), (8, "csp"): (ids("wac", 4), 25),
                (8, "council"): (ids("wak", 2), 20)}
BRECK = ids("bl", 5)


def committee_rows() -> dict[str, list[dict]]:
    def refer(names, month, **fields):
        return [referral(referral_id=name, child_id=name, locality_code=MELTON,
                         referral_date=D(2019, month, day), **fields)
                for day, name in enumerate(names, start=1)]

    referrals = (refer(CSE_FEB, 2) + refer(CSE_MAY, 5) + refer(CSE_AUG, 8)
                 + refer(CCE_BOYS_MAY, 5, exploitation_type="cce", sex="male")
                 + refer(CCE_GIRLS_JUN, 6, exploitation_type="cce")
                 + refer(JOINT_BOYS_AUG, 8, exploitation_type="cse_and_cce", sex="male"))
    episodes = []
    for quarter, rows in EPISODES.items():
        for day, (episode_id, (child, where)) in enumerate(rows.items(), start=1):
            care = {} if where == "home" else {
                "missing_from": "care", "placement_type": "foster",
                "placed_by_other_la": where == "other_council"}
            episodes.append(episode(episode_id=episode_id, child_id=child, locality_code=MELTON,
                                    start_at=noon(2019, MONTH_OF_QUARTER[quarter], day), **care))

    def sessions(names, month, participants, **fields):
        return [session(session_id=name, delivered_on=D(2019, month, day), locality_code=MELTON,
                        participants=participants, **fields)
                for day, name in enumerate(names, start=1)]

    prevention = [s for month, (names, each) in GYPSY.items()
                  for s in sessions(names, month, each, programme="online_safety",
                                    setting="gypsy_traveller_outreach", funder="other")]
    prevention += [s for (month, funder), (names, each) in WARNING_ZONE.items()
                   for s in sessions(names, month, each, programme="warning_zone",
                                     funder=funder)]
    prevention += sessions(BRECK, 5, 40, programme="brecks_last_game", funder="pcc")
    return {"referrals": referrals, "missing_episodes": episodes,
            "prevention_sessions": prevention}


@pytest.fixture(scope="module")
def committee_extract(tmp_path_factory) -> Path:
    """Coverage is 2019: the board's default period is Apr-Sep 2019, its trends by quarter
    from Jan-Mar; Melton's partnership's by half-year (only Apr-Sep is whole); the hub lead's
    period is Jul-Dec 2019, its trends by month from January."""
    return build_extract(tmp_path_factory.mktemp("committee"), extract_id="committee",
                         **committee_rows())


@pytest.fixture
def db(make_db):
    return make_db(**committee_rows())


def lead(query, db, filters=APR_SEP) -> pd.DataFrame:
    return outputs.protected(query, db, filters, LEAD, 5)[1]


def cells(frame, index, column, value) -> dict:
    return {(row[index].strftime("%Y-%m"), row[column]): row[value]
            for _, row in frame.iterrows()}


# --- The queries, for the hub lead ------------------------------------------------------------

def test_each_exploitation_type_as_a_share_of_the_months_referrals(db):
    frame = lead(queries.referrals_by_month, db)
    types = frame[frame["dimension"] == "exploitation_type"]
    share = cells(types, "month", "category", "referrals_pct")
    # May: 12 CSE and 10 CCE of 22; June: the 2 CCE referrals are all of them
    assert share[("2019-05", "cse")] == pytest.approx(100 * 12 / 22)
    assert share[("2019-05", "cce")] == pytest.approx(100 * 10 / 22)
    assert share[("2019-06", "cce")] == 100 and share[("2019-06", "cse")] == 0
    assert share[("2019-08", "cse_and_cce")] == pytest.approx(100 * 8 / 17)
    assert pd.isna(share[("2019-07", "cse")])  # nothing to take a share of: [z]
    assert set(types.loc[types["month"] == pd.Timestamp(2019, 7, 1), "referrals_pct_status"]) \
        == {"[z]"}
    # by sex too, and the month's total beside each category
    sexes = frame[frame["dimension"] == "sex"]
    assert cells(sexes, "month", "category", "referrals_pct")[("2019-08", "male")] == \
        pytest.approx(100 * 8 / 17)
    assert cells(sexes, "month", "category", "step_referrals")[("2019-05", "female")] == 22


def test_cce_referrals_by_sex_count_cce_and_joint_referrals(db):
    frame = lead(queries.cce_referrals_by_month, db)
    count = cells(frame, "month", "sex", "cce_referrals")
    assert (count[("2019-05", "male")], count[("2019-05", "female")]) == (10, 0)
    assert (count[("2019-06", "male")], count[("2019-06", "female")]) == (0, 2)
    assert count[("2019-08", "male")] == 8  # joint CSE & CCE referrals are CCE referrals
    assert sum(count.values()) == 10 + 2 + 8  # CSE referrals are not
    share = cells(frame, "month", "sex", "cce_referrals_pct")
    assert share[("2019-05", "male")] == 100 and share[("2019-06", "female")] == 100
    quarters = lead(queries.cce_referrals_by_month, db,
                    Filters(D(2019, 4, 1), D(2019, 9, 1), trend_grain="quarter"))
    q2 = quarters[quarters["quarter"] == pd.Timestamp(2019, 4, 1)].set_index("sex")
    assert q2.loc["male", "cce_referrals"] == 10 and q2.loc["female", "cce_referrals"] == 2
    assert q2.loc["male", "cce_referrals_pct"] == pytest.approx(100 * 10 / 12)


def test_the_out_of_area_cohort_and_episodes_from_home_as_shares(db):
    frame = lead(queries.missing_shares_by_month, db).set_index("month")
    may, aug = frame.loc[pd.Timestamp(2019, 5, 1)], frame.loc[pd.Timestamp(2019, 8, 1)]
    # May: 19 children, 7 of them placed by other councils; 19 episodes, 9 from home
    assert (may["children"], may["episodes"]) == (19, 19)
    assert may["out_of_area_pct"] == pytest.approx(100 * 7 / 19)
    assert may["from_home_pct"] == pytest.approx(100 * 9 / 19)
    # August: 12 from home and 6 placed by other councils
    assert aug["out_of_area_pct"] == pytest.approx(100 * 6 / 18)
    assert aug["from_home_pct"] == pytest.approx(100 * 12 / 18)
    assert frame.loc[pd.Timestamp(2019, 2, 1), "out_of_area_pct"] == 0
    # By quarter a child counts once: Apr-Jun has the same children as May
    quarters = lead(queries.missing_shares_by_month, db, Filters(
        D(2019, 4, 1), D(2019, 9, 1), trend_grain="quarter")).set_index("quarter")
    assert quarters.loc[pd.Timestamp(2019, 7, 1), "children"] == 18


def test_a_child_is_in_the_out_of_area_cohort_once_whatever_their_other_episodes(make_db):
    # One child, twice in March: from a placement by another council, then from home
    db = make_db(missing_episodes=[
        episode(child_id="x", start_at=noon(2019, 3, 1), missing_from="care",
                placement_type="foster", placed_by_other_la=True),
        episode(child_id="x", start_at=noon(2019, 3, 10))])
    march = lead(queries.missing_shares_by_month, db, Filters(D(2019, 1, 1), D(2019, 3, 1)))
    row = march.set_index("month").loc[pd.Timestamp(2019, 3, 1)]
    assert (row["children"], row["out_of_area_pct"]) == (1, 100)
    assert (row["episodes"], row["from_home_pct"]) == (2, 50)


def test_prevention_in_gypsy_and_traveller_settings_by_quarter(db):
    frame = lead(queries.prevention_settings_by_quarter, db)
    gypsy = frame[frame["setting"] == "gypsy_traveller_outreach"].set_index("quarter")
    assert gypsy["sessions"].tolist() == [2, 9, 7]  # Jan-Mar, Apr-Jun, Jul-Sep
    assert gypsy["participants"].tolist() == [2 * 12, 9 * 12, 7 * 10]
    schools = frame[frame["setting"] == "secondary_school"]
    assert schools["sessions"].tolist() == [0, 6 + 4 + 5, 5 + 4 + 2]


def test_warning_zone_sessions_and_participants_by_funder(db):
    frame = lead(queries.prevention_by_programme_and_funder, db)
    zone = frame[frame["programme"] == "warning_zone"].set_index("funder")
    assert zone["sessions"].to_dict() == {"csp": 8, "pcc": 11, "council": 2}
    assert zone["participants"].to_dict() == {"csp": 8 * 25, "pcc": 11 * 30, "council": 40}
    breck = frame[frame["programme"] == "brecks_last_game"]
    assert breck[["funder", "sessions"]].values.tolist() == [["pcc", 5]]


def test_each_figure_declares_the_dimensions_it_crosses(db):
    # rule 8: besides period and locality. CCE referrals by sex cross exploitation type and
    # sex; the Warning Zone by funder crosses programme and funder; a type's (or a sex's)
    # share, the out-of-area and from-home shares and a setting's sessions cross one.
    crossed = {q.__name__: q(db, APR_SEP).crossed for q in (
        queries.cce_referrals_by_month, queries.prevention_by_programme_and_funder,
        queries.referrals_by_month, queries.missing_shares_by_month,
        queries.prevention_settings_by_quarter)}
    assert crossed == {"cce_referrals_by_month": 2, "prevention_by_programme_and_funder": 2,
                       "referrals_by_month": 1, "missing_shares_by_month": 1,
                       "prevention_settings_by_quarter": 1}


def test_a_third_characteristic_is_not_crossed_for_the_board(db):
    # CCE referrals of one age band by sex would cross three: shown without the age band
    ages = Filters(D(2019, 4, 1), D(2019, 9, 1), age_band=("10-13",))  # no referral is 10-13
    result, frame = outputs.protected(queries.cce_referrals_by_month, db, ages, BOARD, 5)
    assert result.dropped == ("Age band",)
    q2 = frame[frame["quarter"] == pd.Timestamp(2019, 4, 1)].set_index("sex")
    assert q2.loc["male", "cce_referrals"] == perturbed(CCE_BOYS_MAY)
    result, _ = outputs.protected(queries.cce_referrals_by_month, db, ages, LEAD, 5)
    assert result.dropped == () and result.frame["cce_referrals"].sum() == 0
    # the Warning Zone by funder of one age band too; a share over time keeps its filter
    result, _ = outputs.protected(queries.prevention_by_programme_and_funder, db, ages, BOARD, 5)
    assert result.dropped == ("Age band",)
    result, _ = outputs.protected(queries.missing_shares_by_month, db, ages, BOARD, 5)
    assert result.dropped == ()


# --- The charts on the real pages, for each audience ------------------------------------------

def run(monkeypatch, tmp_path, extract: Path, audience: str, page: str, **query) -> AppTest:
    monkeypatch.setenv("HUB_DATA_DIR", str(extract))
    monkeypatch.setenv("HUB_AUDIENCE", audience)
    monkeypatch.setenv("HUB_DEMO", "1")
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "audit"))
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.run().switch_page(str(ROOT / "app_pages" / f"{page}.py")).run()
    if query:  # e.g. section: the tab a page shown by section opens at
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _in_order(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _in_order(child)


def block_table(at: AppTest, title: str) -> pd.DataFrame:
    """The table view of the figure block titled `title` (its chart drawn too)."""
    nodes = list(_in_order(at.main))
    start = next(i for i, n in enumerate(nodes)
                 if getattr(n, "type", "") == "subheader" and n.value == title)
    after = [n.type for n in nodes[start + 1:] if getattr(n, "type", "") in
             ("subheader", "plotly_chart", "dataframe")]
    assert after[:2] == ["plotly_chart", "dataframe"], f"{title}: {after[:3]}"
    return next(n for n in nodes[start + 1:] if getattr(n, "type", "") == "dataframe").value


def number(n) -> str:
    return "[c]" if n == "[c]" else f"{n:,}"


def percent(value) -> str:
    return value if isinstance(value, str) else f"{value:.1f}"


def scaled(names: list[str], total: int) -> str:
    """Participants beside their sessions, as protected (docs/disclosure.md rule 7)."""
    value = shown(names)
    return "[c]" if value in ("[c]", 0) else f"{round(total * value / len(names)):,}"


def trend(columns: dict[str, dict[str, str]], shown_zero: dict[str, bool]) -> dict:
    """{series: {step: text}} without the series whose every count is shown as 0 (they read
    as absent, hub.outputs)."""
    return {s: steps for s, steps in columns.items() if not shown_zero.get(s)}


def as_dict(table: pd.DataFrame) -> dict:
    first = table.columns[0]
    return {c: dict(zip(table[first], table[c])) for c in table.columns[1:]}


Q1, Q2, Q3 = "Jan\u2013Mar 2019", "Apr\u2013Jun 2019", "Jul\u2013Sep 2019"
H1 = "Apr\u2013Sep 2019"
ALL_Q2 = CSE_MAY + CCE_BOYS_MAY + CCE_GIRLS_JUN
ALL_Q3 = CSE_AUG + JOINT_BOYS_AUG
CHILDREN = {q: sorted({c for c, _ in rows.values()}) for q, rows in EPISODES.items()}
OUT_OF_AREA_IN = {q: sorted({c for c, w in rows.values() if w == "other_council"})
                  for q, rows in EPISODES.items()}
FROM_HOME_IN = {q: [e for e, (_, w) in rows.items() if w == "home"]
                for q, rows in EPISODES.items()}


def expected_board_referrals() -> dict[str, dict]:
    """Jan-Mar, Apr-Jun and Jul-Sep 2019 for the county (all of it Melton)."""
    steps = {Q1: CSE_FEB, Q2: ALL_Q2, Q3: ALL_Q3}
    by_type = {"CSE": {Q1: CSE_FEB, Q2: CSE_MAY, Q3: CSE_AUG},
               "CCE": {Q1: [], Q2: CCE_BOYS_MAY + CCE_GIRLS_JUN, Q3: []},
               "Joint CSE & CCE": {Q1: [], Q2: [], Q3: JOINT_BOYS_AUG}}
    shares = trend({t: {q: percent(shown_share(names[q], steps[q])) for q in steps}
                    for t, names in by_type.items()},
                   {t: all(perturbed(names[q]) == 0 for q in steps)
                    for t, names in by_type.items()})
    by_sex = {"Female": {Q1: [], Q2: CCE_GIRLS_JUN, Q3: []},
              "Male": {Q1: [], Q2: CCE_BOYS_MAY, Q3: JOINT_BOYS_AUG}}
    cce = trend({s: {q: number(shown(names[q])) for q in steps} for s, names in by_sex.items()},
                {s: all(perturbed(names[q]) == 0 for q in steps) for s, names in by_sex.items()})
    return {"Each exploitation type's share of referrals, over time": shares,
            "CCE referrals by sex, over time": cce}


def expected_partnership_referrals() -> dict[str, dict]:
    """Melton's one whole half-year, Apr-Sep 2019."""
    every = ALL_Q2 + ALL_Q3
    by_type = {"CSE": CSE_MAY + CSE_AUG, "CCE": CCE_BOYS_MAY + CCE_GIRLS_JUN,
               "Joint CSE & CCE": JOINT_BOYS_AUG}
    shares = trend({t: {H1: percent(shown_share(names, every))} for t, names in by_type.items()},
                   {t: perturbed(names) == 0 for t, names in by_type.items()})
    by_sex = {"Female": CCE_GIRLS_JUN, "Male": CCE_BOYS_MAY + JOINT_BOYS_AUG}
    cce = trend({s: {H1: number(shown(names))} for s, names in by_sex.items()},
                {s: perturbed(names) == 0 for s, names in by_sex.items()})
    return {"Each exploitation type's share of referrals, over time": shares,
            "CCE referrals by sex, over time": cce}


@pytest.mark.parametrize("audience", ["board", f"csp:{MELTON}"])
def test_referral_charts_show_protected_shares_and_cce_referrals_by_sex(
        monkeypatch, tmp_path, committee_extract, audience):
    at = run(monkeypatch, tmp_path, committee_extract, audience, "referrals")
    expected = (expected_board_referrals() if audience == "board"
                else expected_partnership_referrals())
    for title, columns in expected.items():
        table = block_table(at, title)
        assert table.columns[0] == ("Quarter" if audience == "board" else "Half-year")
        assert as_dict(table) == columns, title


def test_the_hub_lead_reads_the_referral_shares_and_cce_referrals_by_sex_exactly(
        monkeypatch, tmp_path, committee_extract):
    at = run(monkeypatch, tmp_path, committee_extract, "hub_lead", "referrals")
    shares = as_dict(block_table(at, "Each exploitation type's share of referrals, over time"))
    assert shares["CSE"]["May 2019"] == "54.5" and shares["CCE"]["May 2019"] == "45.5"  # of 22
    assert shares["CCE"]["Jun 2019"] == "100.0" and shares["CSE"]["Jun 2019"] == "0.0"
    assert shares["Joint CSE & CCE"]["Aug 2019"] == "47.1"  # 8 of 17
    assert shares["CSE"]["Dec 2019"] == "[z]"  # no referrals
    cce = as_dict(block_table(at, "CCE referrals by sex, over time"))
    assert len(cce["Male"]) == 12  # January to December
    assert (cce["Male"]["May 2019"], cce["Female"]["Jun 2019"], cce["Male"]["Aug 2019"]) == \
        ("10", "2", "8")


@pytest.mark.parametrize("audience", ["board", f"csp:{MELTON}", "hub_lead"])
def test_missing_charts_show_the_out_of_area_cohort_and_home_as_shares(
        monkeypatch, tmp_path, committee_extract, audience):
    at = run(monkeypatch, tmp_path, committee_extract, audience, "missing", section="Shares")
    cohort = block_table(at, "Children placed by other councils, as a share of children "
                             "missing")
    home = block_table(at, "Episodes from home, as a share of missing episodes")
    cohort = dict(zip(cohort.iloc[:, 0], cohort.iloc[:, 1]))
    home = dict(zip(home.iloc[:, 0], home.iloc[:, 1]))
    if audience == "hub_lead":  # by month, exact
        assert cohort["May 2019"] == "36.8" and home["May 2019"] == "47.4"  # 7 and 9 of 19
        assert cohort["Aug 2019"] == "33.3" and home["Aug 2019"] == "66.7"  # 6 and 12 of 18
        assert cohort["Feb 2019"] == "0.0" and home["Dec 2019"] == "[z]"
        return
    if audience == "board":
        steps = {Q1: 1, Q2: 4, Q3: 7}
        children = {q: CHILDREN[s] for q, s in steps.items()}
        cohort_in = {q: OUT_OF_AREA_IN[s] for q, s in steps.items()}
        episodes = {q: list(EPISODES[s]) for q, s in steps.items()}
        from_home = {q: FROM_HOME_IN[s] for q, s in steps.items()}
    else:  # Melton's half-year: a child missing in both quarters counts once
        children = {H1: sorted(set(CHILDREN[4]) | set(CHILDREN[7]))}
        cohort_in = {H1: sorted(set(OUT_OF_AREA_IN[4]) | set(OUT_OF_AREA_IN[7]))}
        episodes = {H1: list(EPISODES[4]) + list(EPISODES[7])}
        from_home = {H1: FROM_HOME_IN[4] + FROM_HOME_IN[7]}
    assert cohort == {q: percent(shown_share(cohort_in[q], children[q])) for q in children}
    assert home == {q: percent(shown_share(from_home[q], episodes[q])) for q in episodes}


@pytest.mark.parametrize("audience", ["board", f"csp:{MELTON}", "hub_lead"])
def test_prevention_charts_show_gypsy_and_traveller_outreach_and_the_warning_zone_funders(
        monkeypatch, tmp_path, committee_extract, audience):
    # two sections of the page: its print view draws both
    at = run(monkeypatch, tmp_path, committee_extract, audience, "prevention_pursuit", print="1")
    sessions = block_table(at, "Sessions in Gypsy and traveller settings, over time")
    participants = block_table(at, "Participants in Gypsy and traveller settings, over time")
    sessions = dict(zip(sessions.iloc[:, 0], sessions.iloc[:, 1]))
    participants = dict(zip(participants.iloc[:, 0], participants.iloc[:, 1]))
    zone = block_table(at, "Warning Zone sessions by funder")
    zone_people = block_table(at, "Warning Zone participants by funder")
    assert zone.columns.tolist() == ["Funder", "Sessions"]
    zone = dict(zip(zone["Funder"], zone["Sessions"]))
    zone_people = dict(zip(zone_people["Funder"], zone_people["Participants"]))
    csp, pcc, council = ("Community Safety Partnership", "Police and Crime Commissioner",
                         "Council")
    if audience == "hub_lead":  # by quarter at the shortest; the period is Jul-Dec 2019
        assert (sessions[Q2], sessions[Q3], participants[Q2], participants[Q3]) == \
            ("9", "7", "108", "70")
        assert zone == {csp: "4", pcc: "5", council: "2"}
        assert zone_people == {csp: "100", pcc: "150", council: "40"}
        return
    (feb, _), (may, _), (aug, _) = GYPSY.values()
    if audience == "board":
        expected = {Q1: (feb, 2 * 12), Q2: (may, 9 * 12), Q3: (aug, 7 * 10)}
    else:
        expected = {H1: (may + aug, 9 * 12 + 7 * 10)}
    assert sessions == {step: number(shown(names)) for step, (names, _) in expected.items()}
    assert participants == {step: scaled(names, total)
                            for step, (names, total) in expected.items()}
    funders = {csp: WARNING_ZONE[5, "csp"][0] + WARNING_ZONE[8, "csp"][0],
               pcc: WARNING_ZONE[5, "pcc"][0] + WARNING_ZONE[8, "pcc"][0],
               council: WARNING_ZONE[8, "council"][0]}
    totals = {csp: 8 * 25, pcc: 11 * 30, council: 2 * 20}
    listed = {f: names for f, names in funders.items() if perturbed(names) != 0}
    assert zone == {f: number(shown(names)) for f, names in listed.items()}
    assert zone_people == {f: scaled(names, totals[f]) for f, names in listed.items()}
