"""The extract validator: a valid extract passes, and every rule refuses what it should.

Each refusal test builds a tiny extract that breaks exactly one rule (with tests/builders.py,
or pyarrow for types and columns the builders cannot write), then checks that the report names
the right file, column, rule and number of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.contract import MANIFEST
from hub.contract_doc import DOC_PATH, to_markdown
from hub.database import open_database
from hub.extract import ExtractError, write_manifest
from hub.reference import load_reference
from hub.settings import ROOT
from hub.validate import RULES, looks_like_identifier, validate_extract
from tests.builders import (COVERAGE_END, COVERAGE_START, build_extract, cohort_member, episode,
                            followup, meeting, pursue, referral, session)


def full_extract(folder: Path, **tables) -> Path:
    """A valid extract with one row in every table; keyword tables replace the defaults."""
    rows = dict(referrals=[referral()], missing_episodes=[episode()],
                strategy_meetings=[meeting()],
                lionheart_cohort=[cohort_member(person_id="p1")],
                lionheart_followups=[followup(person_id="p1")],
                prevention_sessions=[session()], pursue_outcomes=[pursue()])
    return build_extract(folder, **{**rows, **tables})


def rewrite_manifest(folder: Path) -> None:
    write_manifest(folder, extract_id="test-extract", coverage_start=COVERAGE_START,
                   coverage_end=COVERAGE_END, source="hand-made test extract",
                   produced_at="2020-01-02T08:00:00Z")


def edit_manifest(folder: Path, edit) -> Path:
    path = folder / MANIFEST
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))
    return folder


def edit_table(folder: Path, table: str, edit) -> Path:
    """Rewrite one Parquet file through edit(pa.Table) -> pa.Table, then the manifest."""
    path = folder / f"{table}.parquet"
    pq.write_table(edit(pq.read_table(path)), path)
    rewrite_manifest(folder)
    return folder


def set_column(data: pa.Table, name: str, values: pa.Array) -> pa.Table:
    """Replace a column (as a nullable field, so that it may hold nulls)."""
    return data.set_column(data.schema.get_field_index(name), pa.field(name, values.type),
                           values)


def only_problem(report, rule):
    assert [p.rule for p in report.problems] == [rule], report.text()
    return report.problems[0]


# --- valid extracts ----------------------------------------------------------------------------

def test_hand_made_valid_extract_passes(tmp_path):
    report = validate_extract(full_extract(tmp_path))
    assert report.ok, report.text()
    assert report.text().startswith("OK: ")
    assert "referrals.parquet 1 row" in report.text()


def test_empty_tables_are_valid(tmp_path):
    assert validate_extract(build_extract(tmp_path)).ok


def test_demo_extract_is_valid():
    report = validate_extract(ROOT / "data" / "demo")
    assert report.ok, report.text()


def test_extra_x_columns_are_accepted(tmp_path):
    folder = edit_table(full_extract(tmp_path), "referrals",
                        lambda t: t.append_column("x_source_system", pa.array(["mosaic"])))
    assert validate_extract(folder).ok


def test_other_parquet_types_of_the_contract_types_are_accepted(tmp_path):
    """Any integer width, any timestamp unit, UTC-adjusted or not."""
    folder = full_extract(tmp_path)
    start = dt.datetime(2019, 3, 1, 18, 0)

    def episodes(t):
        t = set_column(t, "start_at", pa.array([start], pa.timestamp("ns")))
        return set_column(t, "end_at", pa.array([start + dt.timedelta(hours=2)],
                                                pa.timestamp("ms", tz="UTC")))
    edit_table(folder, "missing_episodes", episodes)
    edit_table(folder, "prevention_sessions",
               lambda t: set_column(t, "participants", pa.array([30], pa.int16())))
    edit_table(folder, "lionheart_followups",
               lambda t: set_column(t, "review_month", pa.array([3], pa.uint8())))
    report = validate_extract(folder)
    assert report.ok, report.text()


def test_an_open_episode_at_the_end_of_the_coverage_is_valid(tmp_path):
    folder = full_extract(tmp_path, missing_episodes=[
        episode(start_at=dt.datetime(2019, 12, 31, 22, 0), end_at=None, rhi_offered=False,
                rhi_accepted=None)])
    assert validate_extract(folder).ok


def test_care_episodes_away_and_placed_by_other_la_are_valid(tmp_path):
    folder = full_extract(tmp_path, missing_episodes=[
        episode(missing_from="care", placement_type="foster", episode_type="away",
                placed_by_other_la=True)],
        referrals=[referral(looked_after=True, placed_by_other_la=True)])
    assert validate_extract(folder).ok


# --- one test per refusal rule -----------------------------------------------------------------

def _missing_manifest(tmp_path):
    folder = full_extract(tmp_path)
    (folder / MANIFEST).unlink()
    return folder


def _unreadable_manifest(tmp_path):
    folder = full_extract(tmp_path)
    (folder / MANIFEST).write_text("{not json")
    return folder


def _unreadable_file(tmp_path):
    folder = full_extract(tmp_path)
    (folder / "referrals.parquet").write_bytes(b"this is not parquet")
    return folder


def _missing_file(tmp_path):
    folder = full_extract(tmp_path)
    (folder / "strategy_meetings.parquet").unlink()
    rewrite_manifest(folder)
    return folder


def _unknown_file(tmp_path):
    folder = full_extract(tmp_path)
    pq.write_table(pa.table({"child_id": ["c1"]}), folder / "children.parquet")
    return folder


def _extra_column(name):
    return lambda tmp_path: edit_table(full_extract(tmp_path), "referrals",
                                       lambda t: t.append_column(name, pa.array(["x"])))


# (rule, file, column, rows, build): build(tmp_path) writes an extract breaking only that rule.
REFUSALS = [
    ("missing manifest", MANIFEST, None, 0, _missing_manifest),
    ("unreadable manifest", MANIFEST, None, 0, _unreadable_manifest),
    ("manifest keys", MANIFEST, None, 0,
     lambda p: edit_manifest(full_extract(p), lambda m: m.pop("source"))),
    ("manifest keys", MANIFEST, "coverage_end", 0,
     lambda p: edit_manifest(full_extract(p), lambda m: m.update(coverage_end="31/12/2019"))),
    ("manifest types", MANIFEST, "coverage_end", 0,  # 20191231 once passed, then crashed the app
     lambda p: edit_manifest(full_extract(p), lambda m: m.update(coverage_end=20191231))),
    ("contract version", MANIFEST, "contract_version", 0,
     lambda p: edit_manifest(full_extract(p), lambda m: m.update(contract_version=2))),
    ("missing file", "strategy_meetings.parquet", None, 0, _missing_file),
    ("unreadable file", "referrals.parquet", None, 0, _unreadable_file),
    ("not in manifest", "referrals.parquet", None, 1,
     lambda p: edit_manifest(full_extract(p), lambda m: m["files"].pop("referrals.parquet"))),
    ("unknown file", "children.parquet", None, 0, _unknown_file),
    ("checksum", "referrals.parquet", None, 1,
     lambda p: edit_manifest(full_extract(p), lambda m: m["files"]["referrals.parquet"].update(
         sha256="0" * 64))),
    ("row count", "referrals.parquet", None, 1,
     lambda p: edit_manifest(full_extract(p), lambda m: m["files"]["referrals.parquet"].update(
         rows=812))),
    ("missing column", "referrals.parquet", "risk_level", 1,
     lambda p: edit_table(full_extract(p), "referrals", lambda t: t.drop_columns("risk_level"))),
    ("wrong type", "referrals.parquet", "looked_after", 1,
     lambda p: edit_table(full_extract(p), "referrals", lambda t: set_column(
         t, "looked_after", pa.array(["no"])))),
    ("wrong type", "missing_episodes.parquet", "start_at", 1,
     lambda p: edit_table(full_extract(p), "missing_episodes", lambda t: set_column(
         t, "start_at", pa.array([dt.date(2019, 3, 1)])))),
    ("unlisted column", "referrals.parquet", "comments", 1, _extra_column("comments")),
    ("possible personal data", "referrals.parquet", "child_name", 1, _extra_column("child_name")),
    ("not null", "referrals.parquet", "sex", 2,
     lambda p: edit_table(
         full_extract(p, referrals=[referral(), referral(), referral()]), "referrals",
         lambda t: set_column(t, "sex", pa.array([None, "male", None], pa.string())))),
    ("code list", "referrals.parquet", "exploitation_type", 1,
     lambda p: full_extract(p, referrals=[referral(exploitation_type="CSE"), referral()])),
    ("code list", "referrals.parquet", "outcome", 1,  # values are bound, never spliced into SQL
     lambda p: full_extract(p, referrals=[referral(outcome="o'brien")])),
    ("code list", "referrals.parquet", "age_band", 1,  # adult bands only in Lionheart tables
     lambda p: full_extract(p, referrals=[referral(age_band="18-24")])),
    ("code list", "missing_episodes.parquet", "age_band", 1,
     lambda p: full_extract(p, missing_episodes=[episode(age_band="25+")])),
    ("code list", "prevention_sessions.parquet", "age_band", 1,
     lambda p: full_extract(p, prevention_sessions=[session(age_band="18-24")])),
    ("code list", "lionheart_followups.parquet", "review_month", 1,
     lambda p: full_extract(p, lionheart_followups=[followup(review_month=9)])),
    ("duplicate id", "referrals.parquet", "referral_id", 2,
     lambda p: full_extract(p, referrals=[referral(referral_id="r1"), referral(referral_id="r1"),
                                          referral()])),
    ("duplicate id", "lionheart_followups.parquet", "person_id, review_month", 2,
     lambda p: full_extract(p, lionheart_followups=[followup(), followup(),
                                                    followup(review_month=6)])),
    ("duplicate id", "pursue_outcomes.parquet", "quarter_start, measure, exploitation_type", 2,
     lambda p: full_extract(p, pursue_outcomes=[pursue(), pursue(), pursue(measure="arrests")])),
    ("outside coverage", "referrals.parquet", "referral_date", 1,
     lambda p: full_extract(p, referrals=[referral(referral_date=dt.date(2020, 1, 1))])),
    ("outside coverage", "prevention_sessions.parquet", "delivered_on", 1,
     lambda p: full_extract(p, prevention_sessions=[session(delivered_on=dt.date(2018, 12, 31))])),
    ("outside coverage", "pursue_outcomes.parquet", "quarter_start", 1,
     lambda p: full_extract(p, pursue_outcomes=[pursue(quarter_start=dt.date(2018, 10, 1))])),
    ("outside coverage", "missing_episodes.parquet", "end_at", 1,
     lambda p: full_extract(p, missing_episodes=[episode(start_at=dt.datetime(2019, 12, 31, 12),
                                                         end_at=dt.datetime(2020, 1, 2))])),
    ("placed by other la", "referrals.parquet", "placed_by_other_la", 1,
     lambda p: full_extract(p, referrals=[referral(placed_by_other_la=True, looked_after=False)])),
    ("placed by other la", "missing_episodes.parquet", "placed_by_other_la", 1,
     lambda p: full_extract(p, missing_episodes=[episode(placed_by_other_la=True)])),
    ("end before start", "missing_episodes.parquet", "end_at", 1,
     lambda p: full_extract(p, missing_episodes=[episode(
         start_at=dt.datetime(2019, 3, 2, 10), end_at=dt.datetime(2019, 3, 2, 9))])),
    ("return interview before return", "missing_episodes.parquet", "rhi_completed_at", 1,
     lambda p: full_extract(p, missing_episodes=[episode(
         start_at=dt.datetime(2019, 3, 2, 10), end_at=dt.datetime(2019, 3, 3, 10),
         rhi_completed_at=dt.datetime(2019, 3, 3, 9))])),
    ("return interview before return", "missing_episodes.parquet", "rhi_completed_at", 1,
     lambda p: full_extract(p, missing_episodes=[episode(
         start_at=dt.datetime(2019, 3, 2, 10), end_at=None,
         rhi_completed_at=dt.datetime(2019, 3, 3, 9))])),
    ("overlapping episodes", "missing_episodes.parquet", "start_at", 1,
     lambda p: full_extract(p, missing_episodes=[
         episode(start_at=dt.datetime(2019, 3, 1, 18)),  # ends 2 March 14:00
         episode(start_at=dt.datetime(2019, 3, 2, 13)),
         episode(start_at=dt.datetime(2019, 3, 1, 19), child_id="another child")])),
    ("overlapping episodes", "missing_episodes.parquet", "start_at", 1,
     lambda p: full_extract(p, missing_episodes=[  # an open episode overlaps what follows
         episode(start_at=dt.datetime(2019, 3, 1, 18), end_at=None, rhi_offered=False,
                 rhi_accepted=None),
         episode(start_at=dt.datetime(2019, 5, 1, 18))])),
    ("away from home", "missing_episodes.parquet", "episode_type", 1,
     lambda p: full_extract(p, missing_episodes=[episode(episode_type="away")])),
    ("placement type for home", "missing_episodes.parquet", "placement_type", 1,
     lambda p: full_extract(p, missing_episodes=[episode(placement_type="foster")])),
    ("no placement type for care", "missing_episodes.parquet", "placement_type", 1,
     lambda p: full_extract(p, missing_episodes=[episode(missing_from="care")])),
    ("interview accepted without offer", "missing_episodes.parquet", "rhi_accepted", 1,
     lambda p: full_extract(p, missing_episodes=[episode(rhi_offered=False,
                                                         rhi_accepted=False)])),
    ("unknown person", "lionheart_followups.parquet", "person_id", 1,
     lambda p: full_extract(p, lionheart_followups=[followup(person_id="p1"),
                                                    followup(person_id="nobody")])),
    ("reviewed before identified", "lionheart_followups.parquet", "reviewed_on", 1,
     lambda p: full_extract(p, lionheart_followups=[followup(
         person_id="p1", reviewed_on=dt.date(2019, 2, 1))])),  # the day p1 was identified
    ("no participants", "prevention_sessions.parquet", "participants", 1,
     lambda p: full_extract(p, prevention_sessions=[session(participants=0)])),
    ("negative count", "pursue_outcomes.parquet", "count", 1,
     lambda p: full_extract(p, pursue_outcomes=[pursue(count=-1)])),
    ("not a quarter start", "pursue_outcomes.parquet", "quarter_start", 1,
     lambda p: full_extract(p, pursue_outcomes=[pursue(quarter_start=dt.date(2019, 2, 1))])),
]


@pytest.mark.parametrize(("rule", "file", "column", "rows", "build"), REFUSALS,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in REFUSALS])
def test_refusal(tmp_path, rule, file, column, rows, build):
    assert_only_refusal(validate_extract(build(tmp_path)), rule, file, column, rows)


def assert_only_refusal(report, rule, file, column, rows):
    assert not report.ok
    problem = only_problem(report, rule)
    assert (problem.file, problem.column, problem.rows) == (file, column, rows)
    # The readable report names the rule, file, column and row count.
    line = report.text().splitlines()[1]
    assert f"[{rule}] {file}" in line
    assert column is None or f"column {column}" in line
    assert not rows or f"{rows} row" in line


def reference_copy(folder: Path, file: str = "", edit=None) -> Path:
    """A copy of data/reference in `folder`, with `file` (read as text) rewritten by
    edit(rows: list[dict]) -> list[dict] if given."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("localities.csv", "events.csv"):
        rows = list(csv.DictReader((ROOT / "data" / "reference" / name).open()))
        if name == file:
            rows = edit(rows)
        with (folder / name).open("w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["code"])
            writer.writeheader()
            writer.writerows(rows)
    return folder


def _edit_row(index: int, **values):
    return lambda rows: [({**row, **values} if i == index else row) for i, row in enumerate(rows)]


# (rule, file, column, rows, build): build(tmp_path) writes reference data breaking that rule.
REFERENCE_REFUSALS = [
    ("reference file", "events.csv", None, 0,
     lambda p: (reference_copy(p) / "events.csv").unlink() or p),
    ("reference file", "localities.csv", "population_0_17", 7,
     lambda p: reference_copy(p, "localities.csv", lambda rows: [
         {k: v for k, v in r.items() if k != "population_0_17"} for r in rows])),
    ("locality codes", "localities.csv", "code", 0,  # Oadby and Wigston vanished silently
     lambda p: reference_copy(p, "localities.csv", lambda rows: rows[:-1])),
    ("locality codes", "localities.csv", "code", 1,
     lambda p: reference_copy(p, "localities.csv", lambda rows: rows + [
         {**rows[0], "code": "E07000999"}])),
    ("duplicate locality", "localities.csv", "code", 2,
     lambda p: reference_copy(p, "localities.csv", lambda rows: rows + [rows[2]])),
    ("population", "localities.csv", "population_0_17", 1,
     lambda p: reference_copy(p, "localities.csv", _edit_row(1, population_0_17="20500.5"))),
    ("population", "localities.csv", "population_0_17", 2,
     lambda p: reference_copy(p, "localities.csv", lambda rows: _edit_row(
         4, population_0_17="0")(_edit_row(5, population_0_17="")(rows)))),
    ("event date", "events.csv", "date", 1,
     lambda p: reference_copy(p, "events.csv", _edit_row(2, date="01/02/2018"))),
    ("event date", "events.csv", "date", 1,
     lambda p: reference_copy(p, "events.csv", _edit_row(0, date="2017-02-30"))),
    ("event kind", "events.csv", "kind", 1,
     lambda p: reference_copy(p, "events.csv", _edit_row(3, kind="Policy"))),
    ("true or false", "events.csv", "illustrative", 2,  # "no" was once read as true
     lambda p: reference_copy(p, "events.csv", lambda rows: _edit_row(
         0, illustrative="no")(_edit_row(6, illustrative="1")(rows)))),
]


@pytest.mark.parametrize(("rule", "file", "column", "rows", "build"), REFERENCE_REFUSALS,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}-{r[3]}" for r in REFERENCE_REFUSALS])
def test_reference_refusal(tmp_path, rule, file, column, rows, build):
    report = validate_extract(full_extract(tmp_path / "extract"), build(tmp_path / "reference"))
    assert_only_refusal(report, rule, file, column, rows)


def test_the_committed_reference_data_is_valid_and_spreadsheet_booleans_are_accepted(tmp_path):
    assert validate_extract(full_extract(tmp_path / "extract"), ROOT / "data" / "reference").ok
    reference = reference_copy(tmp_path / "reference", "events.csv",
                               _edit_row(0, illustrative="TRUE"))
    assert validate_extract(full_extract(tmp_path / "extract2"), reference).ok
    assert load_reference(reference).events["illustrative"].iloc[0]


def test_a_reference_problem_names_lines_not_values(tmp_path):
    reference = reference_copy(tmp_path / "reference", "events.csv",
                               _edit_row(1, kind="<b>Jane Smith</b>"))
    problem = only_problem(validate_extract(full_extract(tmp_path / "x"), reference),
                           "event kind")
    assert problem.examples == ("3",)  # the header is line 1
    assert "Jane" not in problem.message and "line 3" in problem.message


def test_opening_refuses_a_manifest_value_of_the_wrong_type_with_the_report(tmp_path):
    folder = edit_manifest(full_extract(tmp_path), lambda m: m.update(coverage_end=20191231))
    with pytest.raises(ExtractError, match=r"\[manifest types\] manifest.json, column "
                                           r"coverage_end: coverage_end is a JSON number"):
        open_database(folder)


def test_opening_refuses_bad_reference_data_with_the_report(tmp_path):
    reference = reference_copy(tmp_path / "reference", "events.csv",
                               _edit_row(0, illustrative="no"))
    with pytest.raises(ExtractError, match=r"\[true or false\] events.csv"):
        open_database(full_extract(tmp_path / "x"), reference)


def test_every_rule_has_a_refusal_test():
    assert {case[0] for case in REFUSALS + REFERENCE_REFUSALS} == set(RULES)


def test_a_missing_folder_is_refused(tmp_path):
    problem = only_problem(validate_extract(tmp_path / "nowhere"), "missing file")
    assert "does not exist" in problem.message


# --- reports ----------------------------------------------------------------------------------

def test_every_problem_is_reported_together(tmp_path):
    folder = full_extract(
        tmp_path,
        referrals=[referral(sex="F"), referral(referral_date=dt.date(2021, 1, 1))],
        missing_episodes=[episode(episode_type="away"),
                          episode(start_at=dt.datetime(2019, 4, 1),
                                  end_at=dt.datetime(2019, 3, 1))],
        prevention_sessions=[session(participants=-3)])
    edit_table(folder, "strategy_meetings", lambda t: t.append_column("address", pa.array(["x"])))
    edit_manifest(folder, lambda m: m["files"]["pursue_outcomes.parquet"].update(rows=5))
    report = validate_extract(folder)
    expected = {("referrals.parquet", "code list"), ("referrals.parquet", "outside coverage"),
                ("missing_episodes.parquet", "away from home"),
                ("missing_episodes.parquet", "end before start"),
                ("prevention_sessions.parquet", "no participants"),
                ("strategy_meetings.parquet", "possible personal data"),
                ("pursue_outcomes.parquet", "row count")}
    assert {(p.file, p.rule) for p in report.problems} == expected
    lines = report.text().splitlines()
    assert lines[0].startswith("REFUSED") and f"{len(expected)} problems" in lines[0]
    assert len(lines) == 1 + len(expected)


def test_a_report_gives_at_most_five_example_ids(tmp_path):
    bad = [referral(referral_id=f"r{i}", risk_level="severe") for i in range(8)]
    problem = only_problem(validate_extract(full_extract(tmp_path, referrals=bad)), "code list")
    assert problem.rows == 8
    assert problem.examples == ("r0", "r1", "r2", "r3", "r4")
    assert "8 rows" in problem.message and "referral_id r0, r1, r2, r3, r4." in problem.message


def test_reports_never_quote_values_from_the_extract(tmp_path):
    folder = full_extract(tmp_path, referrals=[referral(referral_id="r1", sex="Jane Smith")])
    report = validate_extract(folder)
    assert only_problem(report, "code list").examples == ("r1",)
    assert "Jane" not in report.text()


def test_coverage_uses_the_date_in_london(tmp_path):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    late = dt.datetime(2019, 6, 30, 23, 30)
    folder = full_extract(tmp_path, missing_episodes=[episode(start_at=late, end_at=None)])
    edit_manifest(folder, lambda m: m.update(coverage_end="2019-06-30"))
    problem = only_problem(validate_extract(folder), "outside coverage")
    assert problem.column == "start_at"


def test_a_timestamp_late_on_the_day_before_the_coverage_in_utc_can_be_inside(tmp_path):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London, the first day of this coverage.
    folder = build_extract(tmp_path, coverage_start=dt.date(2019, 7, 1), missing_episodes=[
        episode(start_at=dt.datetime(2019, 6, 30, 23, 30))])
    assert validate_extract(folder).ok


def test_a_file_that_cannot_be_read_does_not_stop_the_others(tmp_path):
    folder = full_extract(tmp_path, prevention_sessions=[session(participants=0)])
    (folder / "referrals.parquet").write_bytes(b"garbage")
    report = validate_extract(folder)
    assert {(p.file, p.rule) for p in report.problems} == {
        ("referrals.parquet", "unreadable file"),
        ("prevention_sessions.parquet", "no participants")}


@pytest.mark.parametrize("name", ["child_name", "postcode_district", "DOB", "x_phone",
                                  "NHS_Number", "dateOfBirth", "home address"])
def test_identifier_like_columns_are_called_out_as_personal_data(tmp_path, name):
    assert looks_like_identifier(name)
    problem = only_problem(validate_extract(_extra_column(name)(tmp_path)),
                           "possible personal data")
    assert problem.column == name and "personal data" in problem.message


@pytest.mark.parametrize("name", ["username", "phoned", "upnext", "renamed", "x_team"])
def test_words_merely_containing_an_identifier_are_not_personal_data(name):
    assert not looks_like_identifier(name)


# Overlap against a plain Python reading of the rule, on random episodes of two children.
_episodes = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 40),
                               st.one_of(st.none(), st.integers(0, 10))), max_size=6)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_episodes)
def test_overlapping_episodes_match_a_python_reference(tmp_path_factory, spans):
    base = dt.datetime(2019, 3, 1)
    rows = [episode(child_id=child, start_at=base + dt.timedelta(hours=start),
                    end_at=None if length is None else base + dt.timedelta(hours=start + length),
                    rhi_offered=False, rhi_accepted=None)
            for child, start, length in spans]
    expected = 0
    for child in ("a", "b"):
        ends = []  # ends of the child's earlier episodes, in start order (None = open)
        for _, start, length in sorted((s for s in spans if s[0] == child),
                                       key=lambda s: s[1]):
            if any(end is None or start < end for end in ends):
                expected += 1
            ends.append(None if length is None else start + length)
    report = validate_extract(build_extract(tmp_path_factory.mktemp("x"),
                                            missing_episodes=rows))
    found = [p.rows for p in report.problems if p.rule == "overlapping episodes"]
    assert sum(found) == expected, report.text()


# --- command line and docs ---------------------------------------------------------------------

def _cli(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hub", "validate", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_exits_0_for_a_valid_extract(tmp_path):
    result = _cli(full_extract(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")


def test_cli_exits_1_and_lists_problems_for_a_refused_extract(tmp_path):
    result = _cli(full_extract(tmp_path, pursue_outcomes=[pursue(count=-1)]))
    assert result.returncode == 1
    assert "[negative count] pursue_outcomes.parquet, column count: 1 row" in result.stdout


def test_committed_contract_doc_matches_the_code():
    assert DOC_PATH.read_text() == to_markdown(), \
        "docs/contract.md is stale: run `python -m hub.contract_doc`"


def test_contract_doc_lists_every_rule_and_table():
    text = to_markdown()
    assert all(f"| {rule} |" in text for rule in RULES)
    assert all(f"### {table}.parquet" in text for table in
               ("referrals", "missing_episodes", "strategy_meetings", "lionheart_cohort",
                "lionheart_followups", "prevention_sessions", "pursue_outcomes"))
