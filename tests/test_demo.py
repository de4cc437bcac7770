"""The demo extract: deterministic, within the contract, and telling the hub's story.

The story tests read the generated Parquet files with DuckDB and check the facts and magnitudes
of the domain (the committee minutes and comparable councils' published figures); thresholds
come from those, with room for chance, not from the generator's output.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from hub import demo
from hub.__main__ import main
from hub.contract import CODE_LISTS, LOCALITIES, MANIFEST, TABLES
from hub.extract import arrow_schema, read_manifest, sha256
from hub.reference import load_reference

FINANCIAL_YEARS = (2016, 2017, 2018)  # the whole April-March years in the coverage
FIRST_DAY_OF_FY = "make_date(year({0}) - (month({0}) < 4)::INT, 4, 1)"


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    demo.write_demo(folder)
    return folder


@pytest.fixture(scope="module")
def db(extract):
    """DuckDB over the extract; `episodes` adds start_date (Europe/London) and fy (the year
    its financial year starts), `referrals_fy` the same fy for referrals."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for table in TABLES:
        con.execute(f"CREATE VIEW {table.name} AS SELECT * FROM "
                    f"read_parquet('{extract / table.file}')")
    con.execute(f"""
        CREATE VIEW episodes AS
        SELECT *, year({FIRST_DAY_OF_FY.format('start_date')}) AS fy FROM (
            SELECT *, CAST(timezone('Europe/London', start_at::TIMESTAMPTZ) AS DATE) AS start_date
            FROM missing_episodes)""")
    con.execute(f"""CREATE VIEW referrals_fy AS
                    SELECT *, year({FIRST_DAY_OF_FY.format('referral_date')}) AS fy
                    FROM referrals""")
    yield con
    con.close()


def one(db, sql: str, *params):
    """The single value a query returns."""
    return db.execute(sql, list(params)).fetchone()[0]


def by_year(db, sql: str) -> dict:
    """{fy: value} from a query returning (fy, value) rows."""
    return dict(db.execute(sql).fetchall())


# ---------------------------------------------------------------------------------------------
# Writing: determinism, manifest, contract


def test_same_seed_gives_identical_files_and_another_seed_does_not(extract, tmp_path):
    demo.write_demo(tmp_path / "again")
    demo.write_demo(tmp_path / "other", seed=demo.DEFAULT_SEED + 1)
    for table in TABLES:
        assert sha256(tmp_path / "again" / table.file) == sha256(extract / table.file), table.name
    assert (tmp_path / "again" / MANIFEST).read_bytes() == (extract / MANIFEST).read_bytes()
    other = read_manifest(tmp_path / "other")["files"]
    mine = read_manifest(extract)["files"]
    assert all(other[t.file]["sha256"] != mine[t.file]["sha256"] for t in TABLES)


def test_manifest_says_synthetic_and_counts_rows(extract):
    manifest = read_manifest(extract)
    assert manifest["extract_id"] == "demo-2019-09-30"
    assert (manifest["coverage_start"], manifest["coverage_end"]) == ("2016-04-01", "2019-09-30")
    assert manifest["produced_at"] == "2019-10-02T08:00:00Z"
    assert "SYNTHETIC" in manifest["source"] and "illustrative" in manifest["source"]
    assert set(manifest["files"]) == {t.file for t in TABLES}
    for table in TABLES:
        assert manifest["files"][table.file]["rows"] == pq.ParquetFile(
            extract / table.file).metadata.num_rows > 0


def test_validator_accepts_the_demo(extract):
    from hub.validate import validate_extract

    report = validate_extract(extract)
    assert report.ok, report.text()


def test_files_have_the_contract_schema_with_utc_timestamps(extract):
    for table in TABLES:
        assert pq.read_schema(extract / table.file).remove_metadata() == arrow_schema(table)
    stamps = pq.read_schema(extract / "missing_episodes.parquet").field("start_at").type
    assert stamps.tz == "UTC" and stamps.unit == "us"


def test_values_are_in_code_lists_and_not_null_where_required(db):
    for table in TABLES:
        for col in table.columns:
            if not col.nullable:
                assert one(db, f'SELECT count(*) FROM {table.name} WHERE "{col.name}" IS NULL') \
                    == 0, (table.name, col.name)
            if col.codes:
                found = {str(v) for (v,) in db.execute(
                    f'SELECT DISTINCT "{col.name}" FROM {table.name} '
                    f'WHERE "{col.name}" IS NOT NULL').fetchall()}
                assert found <= set(CODE_LISTS[col.codes]), (table.name, col.name)


def test_ids_are_unique_16_hex_pseudonyms(db):
    hex16 = re.compile(r"[0-9a-f]{16}")
    for table, column, unique in [("referrals", "referral_id", True),
                                  ("missing_episodes", "episode_id", True),
                                  ("strategy_meetings", "meeting_id", True),
                                  ("lionheart_cohort", "person_id", True),
                                  ("prevention_sessions", "session_id", True),
                                  ("referrals", "child_id", False),
                                  ("missing_episodes", "child_id", False),
                                  ("lionheart_cohort", "household_id", False)]:
        values = [v for (v,) in db.execute(f"SELECT {column} FROM {table}").fetchall()]
        assert all(hex16.fullmatch(v) for v in values), (table, column)
        if unique:
            assert len(set(values)) == len(values), (table, column)


def test_every_event_date_is_inside_the_coverage_in_london_too(db):
    start, end = demo.COVERAGE_START, demo.COVERAGE_END
    for table in TABLES:
        for col in table.columns:
            if col.event_date or col.type == "timestamp":
                day = (f'"{col.name}"' if col.type == "date" else
                       f"CAST(timezone('Europe/London', \"{col.name}\"::TIMESTAMPTZ) AS DATE)")
                assert one(db, f"SELECT count(*) FROM {table.name} WHERE {day} NOT BETWEEN ? AND ?",
                           start, end) == 0, (table.name, col.name)


def test_episodes_follow_the_contract_rules(db):
    broken = {
        "end before start": "end_at < start_at",
        "interview before return": "rhi_completed_at < end_at",
        "away from home": "episode_type = 'away' AND missing_from = 'home'",
        "placement type for home": "missing_from = 'home' AND placement_type IS NOT NULL",
        "no placement type for care": "missing_from = 'care' AND placement_type IS NULL",
        "placed by other la from home": "placed_by_other_la AND missing_from <> 'care'",
        "accepted without offer": "NOT rhi_offered AND rhi_accepted IS NOT NULL",
        "offered without an answer": "rhi_offered AND rhi_accepted IS NULL",
        "open with an interview": "end_at IS NULL AND (rhi_offered "
                                  "OR rhi_completed_at IS NOT NULL)",
        "held without acceptance": "rhi_completed_at IS NOT NULL AND NOT rhi_accepted",
    }
    for rule, where in broken.items():
        assert one(db, f"SELECT count(*) FROM missing_episodes WHERE {where}") == 0, rule
    overlapping = one(db, """
        SELECT count(*) FROM (
            SELECT start_at, max(coalesce(end_at, 'infinity'::TIMESTAMP)) OVER (
                PARTITION BY child_id ORDER BY start_at
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
            FROM missing_episodes)
        WHERE start_at < earlier_end""")
    assert overlapping == 0
    assert 0 < one(db, "SELECT count(*) FROM missing_episodes WHERE end_at IS NULL") < 30


def test_other_tables_follow_the_contract_rules(db):
    assert one(db, "SELECT count(*) FROM referrals WHERE placed_by_other_la AND NOT looked_after") \
        == 0
    assert one(db, """SELECT count(*) FROM lionheart_followups f
                      LEFT JOIN lionheart_cohort c USING (person_id)
                      WHERE c.person_id IS NULL OR f.reviewed_on <= c.identified_on""") == 0
    assert one(db, """SELECT count(*) FROM (SELECT person_id FROM lionheart_followups
                      GROUP BY person_id HAVING count(DISTINCT review_month) <> 3
                      OR count(*) <> 3)""") == 0
    assert one(db, "SELECT min(participants) FROM prevention_sessions") > 0
    assert one(db, 'SELECT min("count") FROM pursue_outcomes') >= 0


def test_pursue_outcomes_have_every_quarter_measure_and_type_once(db):
    quarters = pd.date_range("2016-04-01", "2019-09-30", freq="QS-JAN").date
    rows = db.execute("SELECT quarter_start, measure, exploitation_type FROM pursue_outcomes"
                      ).fetchall()
    expected = {(q, m, t) for q in quarters for m in CODE_LISTS["pursue_measure"]
                for t in CODE_LISTS["exploitation_type"]}
    assert len(rows) == len(set(rows)) and set(rows) == expected


def test_story_constants_match_the_reference_data():
    reference = load_reference()
    assert dict(zip(reference.localities["code"], reference.localities["population_0_17"])) \
        == demo.CHILD_POPULATION
    assert set(demo.CHILD_POPULATION) == set(LOCALITIES)
    events = dict(zip(reference.events["label"], reference.events["date"].dt.date))
    assert events["Police 'absent' category ends"] == demo.ABSENT_CATEGORY_ENDS
    assert events["CCE training rolled out"] == demo.CCE_ROLLOUT
    assert events["Electronic missing reports"] == demo.EFORM_START
    assert events["Strategy meetings for repeat missing"] == demo.REPEAT_MEETINGS_START
    assert events["Operation Lionheart"] == demo.LIONHEART_OPERATION
    assert events["Breck's Last Game in schools"] == demo.BRECK_IN_SCHOOLS


def test_scale_two_writes_eight_county_areas_in_row_groups(extract, tmp_path, monkeypatch):
    monkeypatch.setattr(demo._ParquetSink, "ROW_GROUP_ROWS", 4_000)  # stream as a big scale does
    demo.write_demo(tmp_path, scale=2)
    assert pq.ParquetFile(tmp_path / "missing_episodes.parquet").metadata.num_row_groups >= 2
    single, stress = read_manifest(extract), read_manifest(tmp_path)
    assert stress["extract_id"] == "demo-2019-09-30-x2"
    assert "8 county-sized areas" in stress["source"]
    for table in TABLES:
        rows = (single["files"][table.file]["rows"], stress["files"][table.file]["rows"])
        if table.name == "pursue_outcomes":
            assert rows[1] == rows[0]  # one row per quarter, measure and type whatever the scale
        else:
            assert 7 <= rows[1] / rows[0] <= 9, (table.name, rows)
    awards = duckdb.sql(f"SELECT sum(count) FROM '{tmp_path}/pursue_outcomes.parquet' "
                        f"WHERE measure = 'compensation_awards'").fetchall()[0][0]
    assert awards == 8 * 18
    from hub.validate import validate_extract

    assert validate_extract(tmp_path).ok  # ids stay unique across the eight areas


def test_scale_one_hundred_is_millions_of_episodes(db):
    # Areas add their volumes (the scale-two test above), so scale 100 writes this many.
    episodes_per_area = one(db, "SELECT count(*) FROM missing_episodes")
    assert demo.county_areas(1) == 1
    assert demo.county_areas(100) * episodes_per_area >= 2_000_000


def test_command_line_prints_rows_per_table_and_time(tmp_path, capsys):
    assert main(["demo", str(tmp_path), "--seed", "7"]) == 0
    printed = capsys.readouterr().out
    assert "seed 7, scale 1" in printed and re.search(r"in \d+\.\d s", printed)
    for table in TABLES:
        rows = read_manifest(tmp_path)["files"][table.file]["rows"]
        assert re.search(rf"{table.name}\s+{rows:,} rows", printed)


# ---------------------------------------------------------------------------------------------
# The story: referrals


def test_referral_volumes_are_a_county_s(db):
    a_year = by_year(db, "SELECT fy, count(*) FROM referrals_fy GROUP BY fy")
    for fy in FINANCIAL_YEARS:
        assert 150 <= a_year[fy] <= 250, (fy, a_year[fy])


def test_male_referrals_rise_after_brecks_last_game_but_most_are_girls(db):
    male = "avg((sex = 'male')::INT)"
    before = one(db, f"SELECT {male} FROM referrals WHERE referral_date < ?", demo.BRECK_IN_SCHOOLS)
    after = one(db, f"SELECT {male} FROM referrals WHERE referral_date >= ?", demo.BRECK_IN_SCHOOLS)
    assert after >= before + 0.1, (before, after)
    assert one(db, "SELECT avg((sex = 'female')::INT) FROM referrals") > 0.55
    assert after < 0.5  # still mostly girls after the film


def test_cce_training_brings_cce_and_joint_referrals_while_cse_falls(db):
    def per_month(etype, start, end):
        months = (end.year - start.year) * 12 + end.month - start.month
        return one(db, """SELECT count(*) FROM referrals WHERE exploitation_type = ?
                          AND referral_date >= ? AND referral_date < ?""",
                   etype, start, end) / months

    start, rollout, film = demo.COVERAGE_START, demo.CCE_ROLLOUT, demo.BRECK_IN_SCHOOLS
    end = dt.date(2019, 10, 1)
    assert per_month("cse", rollout, film) <= 0.85 * per_month("cse", start, rollout)
    assert per_month("cce", rollout, end) >= 3 * per_month("cce", start, rollout)
    assert per_month("cse_and_cce", start, rollout) == 0
    assert per_month("cse_and_cce", rollout, end) * 24 >= 10


def test_cce_referrals_are_mostly_boys_from_youth_justice(db):
    cce = one(db, """SELECT avg((sex = 'male')::INT) FROM referrals
                     WHERE exploitation_type = 'cce'""")
    assert 0.75 <= cce <= 0.92
    for types in (["cce"], ["cce", "cse_and_cce"]):
        youth_justice = one(db, """SELECT avg((referral_source = 'youth_justice')::INT)
                                   FROM referrals WHERE list_contains(?, exploitation_type)""",
                            types)
        assert youth_justice > 0.5, types


def test_cse_referrals_are_mostly_girls(db):
    girls = one(db, "SELECT avg((sex = 'female')::INT) FROM referrals "
                    "WHERE exploitation_type = 'cse'")
    assert 0.72 <= girls <= 0.88


def test_referrals_come_from_every_district_in_proportion_with_small_cells(db):
    counts = dict(db.execute("SELECT locality_code, count(*) FROM referrals GROUP BY 1").fetchall())
    assert set(counts) == set(LOCALITIES)
    total, population = sum(counts.values()), sum(demo.CHILD_POPULATION.values())
    for code, children in demo.CHILD_POPULATION.items():
        expected = total * children / population
        assert 0.6 * expected <= counts[code] <= 1.4 * expected, (LOCALITIES[code], counts[code])
    assert max(counts, key=counts.get) == "E07000130"  # Charnwood
    small = one(db, """SELECT count(*) FROM (SELECT count(*) AS n FROM referrals
                       WHERE locality_code IN ('E07000133', 'E07000135')
                       GROUP BY locality_code, date_trunc('month', referral_date))
                       WHERE n BETWEEN 1 AND 5""")
    assert small >= 20  # Melton and Oadby and Wigston: months that disclosure control must hide


def test_referrals_vary_in_ethnicity_risk_outcome_and_nrm(db):
    def distinct(column):
        return {v for (v,) in db.execute(f"SELECT DISTINCT {column} FROM referrals").fetchall()}

    assert "gypsy_roma_traveller" in distinct("ethnicity_group")
    assert distinct("risk_level") == set(CODE_LISTS["risk_level"])
    assert distinct("outcome") == set(CODE_LISTS["referral_outcome"])
    nrm_not_cse = one(db, "SELECT avg((exploitation_type <> 'cse')::INT) FROM referrals "
                          "WHERE nrm_referral")
    assert nrm_not_cse > 0.5  # NRM referrals are mostly for trafficking and CCE


# ---------------------------------------------------------------------------------------------
# The story: missing episodes


def test_missing_volumes_are_a_county_s_and_rise_after_the_recording_change(db):
    episodes = by_year(db, "SELECT fy, count(*) FROM episodes GROUP BY fy")
    children = by_year(db, "SELECT fy, count(DISTINCT child_id) FROM episodes GROUP BY fy")
    for fy in FINANCIAL_YEARS:
        assert 400 <= children[fy] <= 600, (fy, children[fy])
    # 1,500-2,000 a year once every episode is recorded (2018/19, the first whole year of
    # electronic reports); fewer before.
    assert 1_500 <= episodes[2018] <= 2_200, episodes
    assert 1_000 <= episodes[2016] < episodes[2017] < episodes[2018], episodes


def test_missing_episodes_jump_with_the_electronic_reports(db):
    def count(start, end):
        return one(db, "SELECT count(*) FROM episodes WHERE start_date BETWEEN ? AND ?",
                   start, end)

    assert count("2018-02-01", "2018-09-30") >= 1.25 * count("2017-02-01", "2017-09-30")
    wrong_system = one(db, """SELECT count(*) FROM missing_episodes WHERE
                              (recording_system = 'eform') <> (start_at >= ?::TIMESTAMPTZ)""",
                       f"{demo.EFORM_START}T00:00:00Z")
    assert wrong_system == 0


def test_children_placed_by_other_councils_are_the_biggest_cohort_from_care(db):
    """Of episodes from care, most are of children placed by other councils, who go missing
    more often than any other children (the minutes' "out of area children")."""
    share = by_year(db, """SELECT fy, avg(placed_by_other_la::INT) FROM episodes
                           WHERE missing_from = 'care' GROUP BY fy""")
    assert all(share[fy] > 0.5 for fy in FINANCIAL_YEARS), share
    per_child = dict(db.execute("""
        SELECT missing_from || placed_by_other_la::VARCHAR, count(*) / count(DISTINCT child_id)
        FROM episodes WHERE fy = 2018 GROUP BY 1""").fetchall())
    assert per_child["caretrue"] >= 4
    assert per_child["caretrue"] >= 2 * per_child["homefalse"]
    assert per_child["caretrue"] > per_child["carefalse"]


def test_share_missing_once_falls(db):
    once = by_year(db, """SELECT fy, avg((n = 1)::INT) FROM (
                              SELECT fy, child_id, count(*) AS n FROM episodes GROUP BY ALL)
                          GROUP BY fy""")
    assert once[2016] >= once[2018] + 0.04, once
    assert once[2019] < once[2016]  # even over half a year
    home = by_year(db, """SELECT fy, avg((n = 1)::INT) FROM (
                              SELECT fy, child_id, count(*) AS n FROM episodes
                              WHERE missing_from = 'home' GROUP BY ALL) GROUP BY fy""")
    care = by_year(db, """SELECT fy, avg((n = 1)::INT) FROM (
                              SELECT fy, child_id, count(*) AS n FROM episodes
                              WHERE missing_from = 'care' GROUP BY ALL) GROUP BY fy""")
    for fy in FINANCIAL_YEARS:  # about two-thirds from home, about a third from care
        assert 0.5 <= home[fy] <= 0.8 and 0.15 <= care[fy] <= 0.5, (fy, home[fy], care[fy])


def test_share_from_home_falls_but_most_episodes_are_from_home(db):
    home = by_year(db, "SELECT fy, avg((missing_from = 'home')::INT) FROM episodes GROUP BY fy")
    assert home[2018] <= home[2016] - 0.03, home
    assert all(share > 0.5 for share in home.values()), home
    last_year = one(db, """SELECT avg((missing_from = 'home')::INT) FROM episodes
                           WHERE start_date >= '2018-10-01'""")
    assert 0.5 < last_year < home[2016]


def test_most_episodes_end_within_two_days(db):
    within = one(db, """SELECT avg((end_at - start_at <= INTERVAL 48 HOUR)::INT)
                        FROM missing_episodes WHERE end_at IS NOT NULL""")
    assert 0.86 <= within <= 0.92  # about 89%


def test_return_interviews_offered_and_held_within_72_hours(db):
    offered, within = db.execute("""
        SELECT avg(rhi_offered::INT),
               avg(coalesce(rhi_completed_at - end_at <= INTERVAL 72 HOUR, false)::INT)
        FROM missing_episodes WHERE end_at IS NOT NULL""").fetchone()
    assert 0.85 <= offered <= 0.95
    assert 0.55 <= within <= 0.70


def test_police_risk_is_mostly_medium_or_low(db):
    assert one(db, "SELECT avg((police_risk IN ('medium', 'low'))::INT) FROM missing_episodes") \
        > 0.75


def test_most_children_missing_three_times_in_90_days_get_a_meeting_within_14_days(db):
    """The first time a child starts a third episode within 90 days (once the practice began,
    and early enough for 14 days to follow), a repeat-missing meeting follows for most of them,
    but not all."""
    triggered, met = db.execute("""
        WITH windows AS (
            SELECT child_id, start_date, count(*) OVER (
                PARTITION BY child_id ORDER BY start_date
                RANGE BETWEEN 89 PRECEDING AND CURRENT ROW) AS starts
            FROM episodes),
        first_trigger AS (
            SELECT child_id, min(start_date) AS day FROM windows
            WHERE starts >= 3 AND start_date >= ? GROUP BY child_id)
        SELECT count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM strategy_meetings m
            WHERE m.child_id = first_trigger.child_id AND m.trigger = 'repeat_missing'
              AND m.held_on BETWEEN first_trigger.day AND first_trigger.day + 14))
        FROM first_trigger WHERE day <= ?""",
        [demo.REPEAT_MEETINGS_START, demo.COVERAGE_END - dt.timedelta(days=14)]).fetchone()
    assert triggered >= 100
    assert 0.6 <= met / triggered <= 0.95, (met, triggered)


def test_strategy_meetings_have_other_triggers_and_known_children(db):
    triggers = dict(db.execute("SELECT trigger, count(*) FROM strategy_meetings GROUP BY 1"
                               ).fetchall())
    assert set(triggers) == set(CODE_LISTS["meeting_trigger"])
    assert triggers["repeat_missing"] > sum(triggers.values()) / 2
    unknown = one(db, """SELECT count(*) FROM strategy_meetings WHERE child_id NOT IN (
                             SELECT child_id FROM missing_episodes
                             UNION SELECT child_id FROM referrals)""")
    assert unknown == 0


def test_some_referred_children_also_go_missing(db):
    both = one(db, """SELECT count(DISTINCT child_id) FROM referrals
                      WHERE child_id IN (SELECT child_id FROM missing_episodes)""")
    assert both >= 50


# ---------------------------------------------------------------------------------------------
# The story: Operation Lionheart


def test_lionheart_cohort_is_a_few_dozen_people_in_households(db):
    people, households = db.execute("""SELECT count(*), count(DISTINCT household_id)
                                       FROM lionheart_cohort""").fetchone()
    assert 30 <= people <= 45 and 12 <= households <= 15
    assert one(db, """SELECT count(*) FROM (SELECT household_id FROM lionheart_cohort
                      GROUP BY 1 HAVING count(*) >= 2)""") >= households / 2
    first, last = db.execute("SELECT min(identified_on), max(identified_on) FROM lionheart_cohort"
                             ).fetchone()
    assert dt.date(2018, 6, 1) <= first and last <= dt.date(2018, 7, 31)
    kinds = set(db.execute("SELECT DISTINCT person_type, relationship, age_band "
                           "FROM lionheart_cohort").fetchall())
    child_bands, adult_bands = set(CODE_LISTS["child_age_band"]), {"18-24", "25+"}
    for person_type, relationship, band in kinds:
        if person_type == "child":
            assert relationship in ("exploited_child", "family_child") and band in child_bands
        else:
            assert relationship in ("parent_carer", "vulnerable_adult") and band in adult_bands
    assert {k[1] for k in kinds} == set(CODE_LISTS["relationship"])


def test_lionheart_reviews_fall_3_6_and_12_months_after_identification(db):
    late = one(db, """SELECT count(*) FROM lionheart_followups f JOIN lionheart_cohort c
                      USING (person_id) WHERE abs(date_diff('day',
                          c.identified_on + to_months(f.review_month::INT), f.reviewed_on)) > 21""")
    assert late == 0


def test_lionheart_outcomes_improve_over_the_reviews(db):
    def share(where, month, who="TRUE"):
        return one(db, f"""SELECT avg(({where})::INT) FROM lionheart_followups
                           JOIN lionheart_cohort USING (person_id)
                           WHERE review_month = ? AND {who}""", month)

    meeting = [share("partnership_meeting_held", m) for m in (3, 6, 12)]
    assert meeting[0] < meeting[1] <= meeting[2] and meeting[2] >= 0.9
    assert share("engaged_with_support", 3) < share("engaged_with_support", 12)
    children = "person_type = 'child'"
    assert share("missing_since_last_review", 3, children) > share("missing_since_last_review", 12,
                                                                   children)
    assert share("re_referred", 3, children) > share("re_referred", 12, children)
    pending, positive = "nrm_decision = 'pending'", "nrm_decision LIKE 'positive%'"
    assert share(pending, 3) > share(positive, 3)
    assert share(positive, 12) > share(pending, 12)


def test_lionheart_victims_recognised_and_vulnerable_adults_charged(db):
    statuses = set(db.execute("""SELECT DISTINCT relationship, justice_status
                                 FROM lionheart_followups JOIN lionheart_cohort USING (person_id)
                                 """).fetchall())
    assert ("exploited_child", "recognised_as_victim") in statuses
    assert ("vulnerable_adult", "charged") in statuses
    adults = {s for (s,) in db.execute("""SELECT DISTINCT safeguarding_status
                                          FROM lionheart_followups JOIN lionheart_cohort
                                          USING (person_id)
                                          WHERE person_type = 'vulnerable_adult'""").fetchall()}
    assert adults <= {"adult_safeguarding", "none"}
    young = {s for (s,) in db.execute("""SELECT DISTINCT education_employment
                                         FROM lionheart_followups JOIN lionheart_cohort
                                         USING (person_id) WHERE age_band = '0-9'""").fetchall()}
    assert young <= {"not_applicable"}


# ---------------------------------------------------------------------------------------------
# The story: prevention and pursuit


def test_warning_zone_reaches_nine_to_ten_thousand_pupils_a_year(db):
    pupils = by_year(db, f"""SELECT year({FIRST_DAY_OF_FY.format('delivered_on')}),
                                    sum(participants)
                             FROM prevention_sessions WHERE programme = 'warning_zone'
                             GROUP BY 1""")
    for fy in FINANCIAL_YEARS:
        assert 8_500 <= pupils[fy] <= 10_500, (fy, pupils[fy])
    ages = one(db, """SELECT avg((age_band = '10-13')::INT) FROM prevention_sessions
                      WHERE programme = 'warning_zone'""")
    assert ages >= 0.7
    settings = {s for (s,) in db.execute("""SELECT DISTINCT setting FROM prevention_sessions
                                            WHERE programme = 'warning_zone'""").fetchall()}
    assert settings == {"primary_school", "secondary_school"}


def test_programmes_start_with_their_campaigns(db):
    def first(programme, setting="%"):
        return one(db, """SELECT min(delivered_on) FROM prevention_sessions
                          WHERE programme = ? AND setting LIKE ?""", programme, setting)

    assert first("brecks_last_game") >= demo.BRECK_IN_SCHOOLS
    assert {s for (s,) in db.execute("""SELECT DISTINCT setting FROM prevention_sessions
                                        WHERE programme = 'brecks_last_game'""").fetchall()} \
        == {"secondary_school"}
    assert first("cce_workshop") >= demo.CCE_ROLLOUT
    assert first("online_safety") < demo.CCE_ROLLOUT
    outreach = by_year(db, f"""SELECT year({FIRST_DAY_OF_FY.format('delivered_on')}), count(*)
                               FROM prevention_sessions
                               WHERE setting = 'gypsy_traveller_outreach' GROUP BY 1""")
    assert all(1 <= outreach[fy] <= 10 for fy in FINANCIAL_YEARS), outreach


def test_sessions_in_every_district_from_every_funder(db):
    assert {c for (c,) in db.execute("SELECT DISTINCT locality_code FROM prevention_sessions"
                                     ).fetchall()} == set(LOCALITIES)
    assert {f for (f,) in db.execute("SELECT DISTINCT funder FROM prevention_sessions"
                                     ).fetchall()} == set(CODE_LISTS["funder"])


def test_lionheart_arrests_and_charges_spike_in_its_quarter(db):
    for measure in ("arrests", "charges"):
        counts = dict(db.execute("""SELECT quarter_start, count FROM pursue_outcomes
                                    WHERE measure = ? AND exploitation_type = 'cce'""",
                                 [measure]).fetchall())
        spike = counts.pop(dt.date(2018, 4, 1))
        assert spike >= 3 * max(counts.values()), (measure, spike, counts)


def test_compensation_for_18_young_people(db):
    assert one(db, "SELECT sum(count) FROM pursue_outcomes WHERE measure = 'compensation_awards'") \
        == 18
