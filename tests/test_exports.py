"""Local slice downloads (hub/exports.py) and the download log (hub/audit.py).

One tiny hand-made extract; the period is Apr to Sep 2019 and every expected figure is worked out
by hand below (protected ones from the ids, hashlib and the ptable file: tests/builders.py).
Each file is opened with its own reader (pandas for CSV, openpyxl for Excel, pandas and pyarrow
for Parquet), and must hold the metadata and the protected figures.

In the period:
  Melton (E07000133): 3 CSE referrals of girls (source education) and 7 CCE referrals of boys
    (police); one child missing twice in July; 1 prevention session.
  Charnwood (E07000130): 12 CSE referrals of girls (police) and 2 CCE referrals of boys (youth
    justice); 8 children missing once each in July; 7 prevention sessions.
Before it (Jan to Mar 2019, in the comparison period Oct 2018 to Mar 2019): 8 CSE referrals of
girls in Melton.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
import io
import json

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from hub import audit, exports, outputs, queries, slices
from hub.access import DEMO_PERSON, Person
from hub.audience import Audience
from hub.contract import LOCALITIES
from hub.database import open_database
from hub.disclosure import ADJUSTED_NOTE, STATUS_SUFFIX, symbols
from hub.filters import Filters
from hub.ptable import default_ptable
from hub.queries import HEADLINES
from tests.builders import build_extract, episode, referral, session, shown, shown_share

D = dt.date
MELTON, CHARNWOOD = "E07000133", "E07000130"
PERIOD = Filters(D(2019, 4, 1), D(2019, 9, 1))
BOARD, LEAD, CSP = Audience("board"), Audience("hub_lead"), Audience("csp", MELTON)
# Who downloads, as the sign-in gives them (hub/access.py).
REP = Person("sub-melton-rep", "rep@melton.example", "Melton Rep")
ALL = [t.name for t in slices.TABLES]
NOW = dt.datetime(2020, 1, 6, 9, 30, tzinfo=dt.timezone.utc)
C = "[c]"


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


M_CSE, M_CCE, M_OLD = ids("m-cse-", 3), ids("m-cce-", 7), ids("m-old-", 8)
C_CSE, C_CCE = ids("c-cse-", 12), ids("c-cce-", 2)
M_EPISODES = ids("m-ep-", 2)


def referrals(names, first: dt.date, **fields):
    return [referral(referral_id=name, referral_date=first + dt.timedelta(days=i), **fields)
            for i, name in enumerate(names)]


def as_cell(expected):
    """A hand-worked shown value as (value, status), like `cell` gives."""
    return (None, expected) if isinstance(expected, str) else (expected, "")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    rows = (referrals(M_CSE, D(2019, 4, 10), locality_code=MELTON, exploitation_type="cse",
                      sex="female", referral_source="education")
            + referrals(M_CCE, D(2019, 5, 1), locality_code=MELTON, exploitation_type="cce",
                        sex="male", referral_source="police")
            + referrals(M_OLD, D(2019, 2, 1), locality_code=MELTON, exploitation_type="cse",
                        sex="female", referral_source="police")
            + referrals(C_CSE, D(2019, 5, 10), locality_code=CHARNWOOD,
                        exploitation_type="cse", sex="female", referral_source="police")
            + referrals(C_CCE, D(2019, 6, 3), locality_code=CHARNWOOD, exploitation_type="cce",
                        sex="male", referral_source="youth_justice"))
    episodes = ([episode(episode_id=name, child_id="m1", locality_code=MELTON,
                         start_at=dt.datetime(2019, 7, day, 12))
                 for name, day in zip(M_EPISODES, (1, 5))]
                + [episode(child_id=f"c{i}", locality_code=CHARNWOOD,
                           start_at=dt.datetime(2019, 7, 10, 12)) for i in range(8)])
    sessions = ([session(session_id="m-s-0", locality_code=MELTON, delivered_on=D(2019, 6, 1))]
                + [session(locality_code=CHARNWOOD, delivered_on=D(2019, 6, d))
                   for d in range(1, 8)])
    folder = build_extract(tmp_path_factory.mktemp("slice"), referrals=rows,
                           missing_episodes=episodes, prevention_sessions=sessions)
    opened = open_database(folder)
    yield opened
    opened.close()


def slice_for(db, audience, locality=MELTON, tables=ALL, filters=PERIOD):
    chosen = slices.slice_filters(filters, audience, locality)
    return chosen, slices.build_slice(db, chosen, audience, 5, tables)


def cell(frame, measure, locality="Melton", **where):
    """(value, status) of one measure in the row matching `where` (plus the locality)."""
    mask = frame["locality"] == locality
    for column, value in where.items():
        mask &= frame[column] == value
    row = frame[mask]
    assert len(row) == 1, (where, row)
    value = row[measure].iloc[0]
    return (None if pd.isna(value) else value), row[measure + STATUS_SUFFIX].iloc[0]


# --- The figures: hand-worked, and the same as on screen -----------------------------------------

def test_board_sees_a_small_locality_perturbed(db):
    _, s = slice_for(db, BOARD)
    breakdown = s["referral_breakdown"]
    assert cell(breakdown, "referrals", breakdown="Exploitation type",
                category="CSE") == as_cell(shown(M_CSE))
    assert cell(breakdown, "referrals", breakdown="Exploitation type",
                category="CCE") == as_cell(shown(M_CCE))
    assert cell(breakdown, "referrals", breakdown="Age band",
                category="14-15") == as_cell(shown(M_CSE + M_CCE))
    headline = s["headline"]
    # the same 10 referrals, so the same figure as their age band's (rule 4)
    assert cell(headline, "value", figure="Referrals", period_start=D(2019, 4, 1)) == \
        as_cell(shown(M_CSE + M_CCE))
    assert cell(headline, "value", figure="Referrals", period_start=D(2018, 10, 1)) == \
        as_cell(shown(M_OLD))
    assert cell(headline, "value", figure="Male referrals (%)",
                period_start=D(2019, 4, 1)) == as_cell(shown_share(M_CCE, M_CSE + M_CCE))
    assert cell(headline, "value", figure="Male referrals (%)",
                period_start=D(2018, 10, 1)) == (None, C)  # 0 % of under 20 (rule 6)
    assert cell(headline, "value", figure="Missing episodes",
                period_start=D(2019, 4, 1)) == as_cell(shown(M_EPISODES))
    # One district's trend comes by half-year, as on screen: Apr-Sep 2019.
    halves = s["missing_by_month"]
    assert list(halves["period_start"]) == [D(2019, 4, 1)]
    assert list(halves["period_end"]) == [D(2019, 9, 30)]
    assert cell(halves, "episodes", period_start=D(2019, 4, 1)) == as_cell(shown(M_EPISODES))
    assert cell(halves, "children", period_start=D(2019, 4, 1)) == as_cell(shown(["m1"]))
    # Melton's one session is [c], with its 30 participants hidden beside it (an exact sum
    # beside a hidden count would give the count back); or it is perturbed to 0 and reads as
    # a category with none: 0 sessions, participants hidden beside them.
    prevention = s["prevention_breakdown"]
    if shown(["m-s-0"]) == 0:
        assert cell(prevention, "sessions", breakdown="Locality", category="Melton") == (0, "")
        assert cell(prevention, "participants", breakdown="Locality",
                    category="Melton") == (None, C)
    else:
        assert cell(prevention, "sessions", breakdown="Locality", category="Melton") == (None, C)
        assert cell(prevention, "participants", breakdown="Locality",
                    category="Melton") == (None, C)
    lead = slice_for(db, LEAD)[1]["prevention_breakdown"]
    assert cell(lead, "participants", breakdown="Locality", category="Melton") == (30, "")


def test_a_file_lists_every_category_within_its_filters_zeros_included(db):
    """'Complete the matrix': Melton's referrals (3 CSE girls, 7 CCE boys) list every
    exploitation type and sex, the ones with none as 0; a view of boys lists no girls; a
    district's file lists no other district."""
    _, lead = slice_for(db, LEAD)
    breakdown = lead["referral_breakdown"]
    types = breakdown[breakdown["breakdown"] == "Exploitation type"]
    assert list(zip(types["category"], types["referrals"])) == [
        ("CSE", 3), ("CCE", 7), ("Joint CSE & CCE", 0), ("Trafficking", 0)]
    sexes = breakdown[breakdown["breakdown"] == "Sex"]
    assert list(zip(sexes["category"], sexes["referrals"])) == [
        ("Female", 3), ("Male", 7), ("Other", 0), ("Not recorded", 0)]
    _, boys = slice_for(db, LEAD, filters=replace(PERIOD, sex=("male",)))
    sexes = boys["referral_breakdown"][boys["referral_breakdown"]["breakdown"] == "Sex"]
    assert list(zip(sexes["category"], sexes["referrals"])) == [("Male", 7)]
    places = lead["prevention_breakdown"]
    assert list(places[places["breakdown"] == "Locality"]["category"]) == ["Melton"]
    # the board's file: the types with none read 0, exactly as a small count shown as 0 would
    _, board = slice_for(db, BOARD)
    types = board["referral_breakdown"][board["referral_breakdown"]["breakdown"]
                                        == "Exploitation type"]
    assert cell(types, "referrals", category="Trafficking") == (0, "")


def test_hub_lead_sees_every_figure(db):
    _, s = slice_for(db, LEAD)
    breakdown = s["referral_breakdown"]
    assert cell(breakdown, "referrals", breakdown="Exploitation type", category="CSE") == (3, "")
    assert cell(breakdown, "referrals", breakdown="Exploitation type", category="CCE") == (7, "")
    assert cell(s["headline"], "value", figure="Male referrals (%)",
                period_start=D(2019, 4, 1)) == (70.0, "")
    assert cell(s["missing_by_month"], "episodes", period_start=D(2019, 7, 1)) == (2, "")


def test_nrm_referral_breakdown_is_labelled_with_its_acronym(db):
    _, s = slice_for(db, LEAD)
    breakdown = s["referral_breakdown"]
    # None of Melton's 10 referrals in the period went to the National Referral Mechanism
    assert cell(breakdown, "referrals", breakdown="NRM referral", category="No") == (10, "")
    assert "Nrm referral" not in set(breakdown["breakdown"])


def test_board_county_slice(db):
    filters, s = slice_for(db, BOARD, locality=None)
    assert filters.locality == ()
    breakdown = s["referral_breakdown"]
    county = dict(locality=slices.COUNTY, breakdown="Referral source")
    assert cell(breakdown, "referrals", category="Police", **county) == as_cell(
        shown(M_CCE + C_CSE))
    assert cell(breakdown, "referrals", category="Education", **county) == as_cell(
        shown(M_CSE))
    assert cell(breakdown, "referrals", category="Youth justice", **county) == as_cell(
        shown(C_CCE))
    assert cell(s["headline"], "value", locality=slices.COUNTY, figure="Male referrals (%)",
                period_start=D(2019, 4, 1)) == as_cell(
        shown_share(M_CCE + C_CCE, M_CSE + M_CCE + C_CSE + C_CCE))


def test_partnership_gets_its_own_locality_and_the_county_as_the_board_sees_it(db):
    # Asking for Charnwood makes no difference: a partnership's slice is its own.
    filters, s = slice_for(db, CSP, locality=CHARNWOOD)
    assert filters.locality == (MELTON,)
    breakdown = s["referral_breakdown"]
    assert set(breakdown["locality"]) == {"Melton", slices.COUNTY}
    # The county rows show the same figures as the board's county slice (rule 4): the same
    # units, the same values, so putting them beside Melton's gives nothing away.
    _, board = slice_for(db, BOARD, locality=None)
    for name in ("referral_breakdown", "headline"):
        county, seen = (frame[(frame["locality"] == slices.COUNTY)
                              & (frame.get("figure") != "Convictions")].reset_index(drop=True)
                        for frame in (s[name], board[name]))  # convictions: county-wide
        pd.testing.assert_frame_equal(county, seen)
    headline = s["headline"]
    # County-wide figures and tables appear once, as the county's
    convictions = headline[headline["figure"] == "Convictions"]
    assert list(convictions["locality"]) == [slices.COUNTY] * 2  # this period, the one before
    assert set(s["pursue_by_quarter"]["locality"]) <= {slices.COUNTY}
    # No other district anywhere (the county's sessions by locality lists only Melton)
    for frame in s.values():
        text = frame.astype(str).to_string()
        assert not [name for code, name in LOCALITIES.items()
                    if code != MELTON and name in text]


def test_partnership_county_totals_are_extra_rows_below_its_own(db):
    """What the page and the file's rules say of the county totals is where they are."""
    filters, s = slice_for(db, CSP)
    halves = s["missing_by_month"]  # one district's trend is by half-year, the county's too
    assert list(halves["locality"]) == ["Melton", slices.COUNTY]
    assert list(halves["period_start"]) == [D(2019, 4, 1)] * 2
    localities = list(s["referral_breakdown"]["locality"])
    own = localities.count("Melton")
    assert own and localities == ["Melton"] * own + [slices.COUNTY] * (len(localities) - own)
    meta = exports.describe(db, filters, CSP, 5, ALL, produced_at=NOW)
    assert meta.locality == "Melton (county totals in extra rows)"
    assert meta.rules[-1].startswith("County totals: each table's rows for Melton are followed "
                                     "by extra rows of the same figures for Leicestershire "
                                     "(county), ")


@pytest.mark.parametrize("audience", [BOARD, LEAD, CSP], ids=str)
def test_slice_figures_are_the_protected_figures_on_screen(db, audience):
    """Each table's own-locality rows equal what the pages show: outputs.protected of the same
    query and filters (trend tables: the months of the period)."""
    filters, s = slice_for(db, audience)
    name = slices.locality_name(db, filters)
    for spec in slices.TABLES:
        frame = s[spec.name]
        if spec.query is None:
            cards = outputs.headline(db, filters, audience, 5)
            own = frame.iloc[:2 * len(cards):2]  # the locality's own rows, this period
            assert list(own["figure"]) == [c.label for c in cards]
            assert set(own["period_start"]) == {filters.start}
            assert list(own["locality"]) == [slices.COUNTY if c.label == "Convictions"
                                             else name for c in cards]  # county-wide
            for card, (_, row) in zip(cards, own.iterrows()):
                if card.number is None:
                    assert (pd.isna(row["value"]), row["value_status"]) == (True, card.value)
                else:
                    assert row["value"] == pytest.approx(card.number, abs=0.05)
            continue
        # the file completes the matrix: the categories the screen leaves out are all 0
        result, screen = outputs.protected(spec.query, db, filters, audience, 5, complete=True)
        if spec.rows in ("month", "quarter"):
            start = pd.to_datetime(screen[result.time]).dt.date
            screen = screen[((start >= filters.start) & (start <= filters.end)).to_numpy()]
        own = frame[frame["locality"] == (name if spec.name != "pursue_by_quarter"
                                          else slices.COUNTY)]
        assert len(own) == len(screen), spec.name
        for measure in spec.measures:
            status = screen.get(measure + STATUS_SUFFIX, pd.Series([""] * len(screen)))
            assert list(own[measure + STATUS_SUFFIX]) == list(status.fillna("")), spec.name
            expected = pd.to_numeric(screen[measure]).round(1).tolist()
            got = [None if pd.isna(v) else float(v) for v in own[measure]]
            assert got == [None if pd.isna(v) else v for v in expected], spec.name


# --- The files ------------------------------------------------------------------------------------

def files(db, audience, locality=MELTON, tables=ALL):
    filters, s = slice_for(db, audience, locality, tables)
    meta = exports.describe(db, filters, audience, 5, tables, produced_at=NOW)
    return filters, s, meta, {fmt: exports.render(s, meta, fmt) for fmt in exports.FORMATS}


def csv_header(data: bytes) -> str:
    return "\n".join(line for line in data.decode("utf-8-sig").splitlines()
                     if line.startswith("#"))


def excel_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None)


def parquet_meta(data: bytes) -> dict:
    raw = pq.read_schema(io.BytesIO(data)).metadata
    return json.loads(raw[b"hub.meta"])


def test_csv_opens_with_pandas_holds_metadata_and_protected_figures(db):
    _, s, meta, data = files(db, BOARD)
    header = csv_header(data["csv"])
    for needed in ["Extract id: test-extract", "Period: Apr 2019 to Sep 2019",
                   "File produced at (UTC): 2020-01-06T09:30:00Z", "Audience: Board member",
                   "Filters: Locality: Melton", "Marking: OFFICIAL", ADJUSTED_NOTE,
                   "A count of 1 to 5 after perturbation is shown as [c]",
                   f"{default_ptable().name} (SHA-256 {default_ptable().sha256})",
                   "comment='#'", *[f"{sym} {text}" for sym, text in symbols(5).items()]]:
        assert needed in header, needed
    frame = pd.read_csv(io.BytesIO(data["csv"]), comment="#", dtype=str, keep_default_na=False)
    assert len(frame) == exports.rows(s)
    assert list(frame.columns[:4]) == ["table", "period_start", "period_end", "locality"]

    def csv_cell(expected) -> list[str]:  # (number, status) as the CSV writes them
        return ["", expected] if isinstance(expected, str) else [str(expected), ""]

    rows = frame[(frame["table"] == "referral_breakdown") & (frame["category"] == "CSE")]
    assert rows[["referrals", "referrals_status"]].values.tolist() == [csv_cell(shown(M_CSE))]
    rows = frame[(frame["table"] == "referral_breakdown") & (frame["category"] == "14-15")]
    assert rows[["referrals", "referrals_status"]].values.tolist() == [
        csv_cell(shown(M_CSE + M_CCE))]
    half = frame[(frame["table"] == "missing_by_month") & (frame["period_start"] == "2019-04-01")]
    assert half[["episodes", "episodes_status", "children", "children_status"]].values.tolist() \
        == [csv_cell(shown(M_EPISODES)) + csv_cell(shown(["m1"]))]


def test_csv_notes_stay_in_one_cell_each_in_a_spreadsheet(db):
    """A spreadsheet splits a line at its unquoted commas: each '#' note must arrive whole, in
    one cell (after a '#' cell when it holds a comma), and pandas must still skip it."""
    _, s, _, data = files(db, CSP)
    lines = [line for line in data["csv"].decode("utf-8-sig").splitlines()
             if line.startswith("#")]
    notes = list(csv.reader(lines))  # as a spreadsheet reads them
    assert notes[0] == ["#", "CSE, Missing and Trafficked Hub: local slice. OFFICIAL."]
    assert ["# Marking: OFFICIAL"] in notes
    assert ["# Locality: Melton (county totals in extra rows)"] in notes
    assert ["#", f"Rules applied: 1. {ADJUSTED_NOTE}"] in notes
    assert ["#", f"Symbol legend: [c] {symbols(5)[C]}"] in notes
    assert all((len(n) == 1 and n[0].startswith("# ")) or (len(n) == 2 and n[0] == "#")
               for n in notes), [n for n in notes if len(n) > 2]
    frame = pd.read_csv(io.BytesIO(data["csv"]), comment="#", dtype=str, keep_default_na=False)
    assert list(frame.columns[:4]) == ["table", "period_start", "period_end", "locality"]
    assert len(frame) == exports.rows(s)


def test_hub_lead_csv_shows_the_numbers_and_the_marking(db):
    _, _, _, data = files(db, LEAD)
    header = csv_header(data["csv"])
    assert exports.MARKING_SENSITIVE in header
    assert "OFFICIAL-SENSITIVE — not for onward sharing" in header
    assert "no perturbation or suppression" in header
    frame = pd.read_csv(io.BytesIO(data["csv"]), comment="#", dtype=str, keep_default_na=False)
    rows = frame[(frame["table"] == "referral_breakdown") & (frame["category"] == "CSE")]
    assert rows["referrals"].tolist() == ["3"]
    male = frame[(frame["table"] == "headline") & (frame["figure"] == "Male referrals (%)")]
    assert male["value"].tolist() == ["70", "0"]  # this period, the one before


def test_excel_has_a_read_me_first_and_a_sheet_per_table(db):
    _, s, meta, data = files(db, BOARD)
    book = openpyxl.load_workbook(io.BytesIO(data["xlsx"]))
    assert book.sheetnames[0] == "Read me"
    assert len(book.sheetnames) == 1 + len(s)
    readme = {row[0]: row[1] for row in book["Read me"].iter_rows(values_only=True)
              if row[0]}
    assert readme["Extract id"] == "test-extract"
    assert readme["File produced at (UTC)"] == "2020-01-06T09:30:00Z"
    assert readme["Period"].startswith("Apr 2019 to Sep 2019")
    assert readme["Audience"].startswith("Board member")
    assert readme["Marking"] == "OFFICIAL"
    assert readme["Rules applied"] == f"1. {ADJUSTED_NOTE}"
    assert readme["Symbol legend"].startswith("[c] confidential")
    text = excel_text(data["xlsx"])
    assert "referral_breakdown.referrals: referrals whose referral date is in the period" in text
    for label in [h.label for h in HEADLINES]:  # every headline figure is defined
        assert f"headline '{label}'" in text
    sheet = book["Referrals by breakdown"]
    assert sheet["A1"].value.startswith("OFFICIAL. Referrals by breakdown: Melton")
    assert sheet.oddHeader.center.text == "OFFICIAL"
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=3, values_only=True)]
    by_category = {(r["breakdown"], r["category"]): (r["referrals"], r["referrals_status"] or "")
                   for r in rows}
    assert by_category[("Exploitation type", "CSE")] == as_cell(shown(M_CSE))
    assert by_category[("Age band", "14-15")] == as_cell(shown(M_CSE + M_CCE))
    assert isinstance(by_category[("Age band", "14-15")][0], int)  # a number, not text
    assert rows[0]["period_start"] == dt.datetime(2019, 4, 1)


@pytest.mark.parametrize("audience", [BOARD, CSP, LEAD])
def test_csv_excel_and_parquet_hold_the_same_columns_and_numbers(db, audience):
    """The same tidy columns in all three (Excel: each table's own, a sheet a table), the
    same values, and every measure a number, its symbol in the status column beside it."""
    _, s, _, data = files(db, audience)
    csv_frame = pd.read_csv(io.BytesIO(data["csv"]), comment="#", keep_default_na=False,
                            na_values={m: [""] for m in exports.measures(exports.stacked(s))})
    parquet = pd.read_parquet(io.BytesIO(data["parquet"]))
    assert list(csv_frame.columns) == list(parquet.columns)
    book = openpyxl.load_workbook(io.BytesIO(data["xlsx"]))
    for (name, frame), sheet in zip(s.items(), book.worksheets[1:]):
        header = [c.value for c in sheet[2]]
        assert header == list(frame.columns), name
        in_csv = csv_frame[csv_frame["table"] == name]
        in_parquet = parquet[parquet["table"] == name]
        cells = list(sheet.iter_rows(min_row=3, values_only=True))
        for m in exports.measures(frame):
            assert pd.api.types.is_numeric_dtype(in_csv[m]), (name, m)
            assert pd.api.types.is_numeric_dtype(in_parquet[m]), (name, m)
            column = header.index(m)
            in_excel = [cell[column] for cell in cells]
            assert all(v is None or isinstance(v, (int, float)) for v in in_excel), (name, m)
            numbers = [None if pd.isna(v) else float(v) for v in frame[m]]
            for values in (in_csv[m], in_parquet[m], in_excel):
                assert [None if pd.isna(v) else float(v) for v in values] == numbers, (name, m)
            statuses = list(frame[m + STATUS_SUFFIX])
            assert [v or "" for v in in_csv[m + STATUS_SUFFIX]] == statuses, (name, m)
            assert list(in_parquet[m + STATUS_SUFFIX]) == statuses, (name, m)
            assert [cell[column + 1] or "" for cell in cells] == statuses, (name, m)


def test_hub_lead_excel_is_marked_on_every_sheet(db):
    _, _, _, data = files(db, LEAD)
    book = openpyxl.load_workbook(io.BytesIO(data["xlsx"]))
    for sheet in book:
        assert sheet.oddHeader.center.text == exports.MARKING_SENSITIVE
        assert sheet.oddFooter.center.text == exports.MARKING_SENSITIVE
        if sheet.title != "Read me":
            assert sheet["A1"].value.startswith(exports.MARKING_SENSITIVE)
    rows = list(book["Referrals by breakdown"].iter_rows(min_row=3, values_only=True))
    header = [c.value for c in book["Referrals by breakdown"][2]]
    cse = [dict(zip(header, r)) for r in rows if r[header.index("category")] == "CSE"]
    assert cse[0]["referrals"] == 3


def test_parquet_keeps_numbers_numeric_and_symbols_beside_them(db):
    _, s, meta, data = files(db, BOARD)
    frame = pd.read_parquet(io.BytesIO(data["parquet"]))
    assert len(frame) == exports.rows(s)
    assert pd.api.types.is_integer_dtype(frame["referrals"])
    assert pd.api.types.is_float_dtype(frame["rhi_offered_pct"])
    cse = frame[(frame["table"] == "referral_breakdown") & (frame["category"] == "CSE")]
    expected = shown(M_CSE)
    assert cse["referrals"].tolist() == [None if expected == C else expected] or (
        cse["referrals"].isna().all() and expected == C)
    assert cse["referrals_status"].tolist() == [C if expected == C else ""]
    age = frame[(frame["table"] == "referral_breakdown") & (frame["category"] == "14-15")]
    assert age["referrals"].tolist() == [shown(M_CSE + M_CCE)]
    assert age["referrals_status"].tolist() == [""]
    assert frame["period_start"].iloc[0] == D(2019, 4, 1)
    stored = parquet_meta(data["parquet"])
    assert stored["extract_id"] == "test-extract"
    assert stored["produced_at"] == "2020-01-06T09:30:00Z"
    assert stored["period"].startswith("Apr 2019 to Sep 2019")
    assert stored["audience"].startswith("Board member")
    assert stored["marking"] == "OFFICIAL"
    assert stored["legend"] == symbols(5)
    assert stored["rules"][0] == ADJUSTED_NOTE
    raw = pq.read_schema(io.BytesIO(data["parquet"])).metadata
    assert raw[b"hub.extract_id"] == b"test-extract"


def test_hub_lead_parquet_is_marked(db):
    _, s, _, data = files(db, LEAD)
    assert parquet_meta(data["parquet"])["marking"] == exports.MARKING_SENSITIVE
    frame = pd.read_parquet(io.BytesIO(data["parquet"]))
    cse = frame[(frame["table"] == "referral_breakdown") & (frame["category"] == "CSE")]
    assert cse["referrals"].tolist() == [3]


def test_partnership_files_name_no_other_district(db):
    _, _, meta, data = files(db, CSP)
    assert "County totals" in " ".join(meta.rules)
    frames = [pd.read_csv(io.BytesIO(data["csv"]), comment="#", dtype=str).to_string(),
              excel_text(data["xlsx"]), pd.read_parquet(io.BytesIO(data["parquet"])).to_string()]
    for text in frames:
        assert "Melton" in text and slices.COUNTY in text
        assert not [name for code, name in LOCALITIES.items() if code != MELTON and name in text]


def test_a_single_table_slice(db):
    _, s, _, data = files(db, BOARD, tables=["missing_by_month"])
    assert list(s) == ["missing_by_month"]
    book = openpyxl.load_workbook(io.BytesIO(data["xlsx"]))
    assert book.sheetnames == ["Read me", "Missing episodes by month"]
    frame = pd.read_csv(io.BytesIO(data["csv"]), comment="#")
    # Melton's Apr-Sep: a board member's view of one district is by half-year
    assert set(frame["table"]) == {"missing_by_month"} and len(frame) == 1


def test_file_names_say_what_they_hold():
    assert exports.file_name("Melton", PERIOD, "xlsx") == \
        "melton-2019-04-to-2019-09-local-slice.xlsx"
    assert exports.file_name(slices.COUNTY, PERIOD, "csv") == \
        "leicestershire-county-2019-04-to-2019-09-local-slice.csv"
    assert exports.file_name("Oadby and Wigston", Filters(D(2019, 4, 1), D(2019, 9, 1),
                                                          sex=("male",)), "parquet") == \
        "oadby-and-wigston-2019-04-to-2019-09-local-slice-filtered.parquet"


def test_every_file_states_the_threshold_in_force(db):
    filters = slices.slice_filters(PERIOD, BOARD, MELTON)
    tables = ["headline", "referral_breakdown"]
    s = slices.build_slice(db, filters, BOARD, 10, tables)
    meta = exports.describe(db, filters, BOARD, 10, tables, produced_at=NOW)
    for fmt in exports.FORMATS:
        data = exports.render(s, meta, fmt)
        text = excel_text(data) if fmt == "xlsx" else data.decode("utf-8", "replace")
        assert "1 to 10" in text and "1 to 5" not in text, fmt


def test_filters_are_stated(db):
    filters = slices.slice_filters(Filters(D(2019, 4, 1), D(2019, 9, 1), sex=("male",)), BOARD,
                                    MELTON)
    meta = exports.describe(db, filters, BOARD, 5, ["referral_breakdown", "pursue_by_quarter"])
    assert meta.filters == "Locality: Melton; Sex: Male"
    pursue = dict(meta.definitions)["table pursue_by_quarter"]
    assert "not applied" in pursue and "Locality" in pursue and "Sex" in pursue


# --- The download log --------------------------------------------------------------------------

def test_a_download_is_logged_with_who_what_and_when(db, tmp_path):
    filters, s = slice_for(db, CSP)
    data = exports.download(db, filters, CSP, 5, s, "xlsx", tmp_path / "audit", now=NOW,
                            person=REP)
    openpyxl.load_workbook(io.BytesIO(data))  # the file itself
    exports.download(db, filters, CSP, 5, s, "csv", tmp_path / "audit",
                     now=NOW + dt.timedelta(minutes=1), person=DEMO_PERSON)
    lines = audit.chain_file(tmp_path / "audit", audit.chain_name()).read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["at"] == "2020-01-06T09:30:00Z"
    assert first["audience"] == "csp:E07000133"
    assert first["audience_name"] == "Partnership representative for Melton"
    assert first["format"] == "xlsx"
    assert first["rows"] == exports.rows(s)
    assert first["extract_id"] == "test-extract"
    assert first["file_name"] == "melton-2019-04-to-2019-09-local-slice.xlsx"
    assert "Melton" in first["slice"] and "Apr 2019 to Sep 2019" in first["slice"]
    assert (first["subject"], first["email"]) == ("sub-melton-rep", "rep@melton.example")
    log = audit.read_log(tmp_path / "audit")
    assert log["format"].tolist() == ["csv", "xlsx"]  # newest first
    # in demo mode nobody signs in, and the log says so in words
    assert log["subject"][0] == "demo" and "demo mode" in log["email"][0]


def test_a_download_that_cannot_be_logged_is_refused(db, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the audit folder should be")
    filters, s = slice_for(db, BOARD)
    assert audit.problem(blocker / "audit")
    with pytest.raises(exports.DownloadRefused, match="cannot be written"):
        exports.download(db, filters, BOARD, 5, s, "csv", blocker / "audit", person=REP)


def test_the_log_folder_is_created_and_bad_lines_are_skipped(tmp_path):
    folder = tmp_path / "deep" / "audit"
    assert audit.read_log(folder).empty
    assert audit.record(folder, BOARD, "Melton; Apr 2019", "csv", 12, "x1", now=NOW,
                        person=REP) is None
    with open(audit.chain_file(folder, audit.chain_name()), "a") as file:
        file.write("not json\n")
    assert audit.record(folder, LEAD, "county", "parquet", 3, "x1", person=REP) is None
    log = audit.read_log(folder)
    assert log["audience"].tolist() == ["hub_lead", "board"]
    assert list(log.columns) == list(audit.COLUMNS)
    assert log["rows"].tolist() == [3, 12]


# --- The hub lead's lists ------------------------------------------------------------------------

def test_a_list_download_is_marked_and_logged_first_and_only_for_the_hub_lead(db, tmp_path):
    waiting = queries.children_awaiting_meeting(db, PERIOD)
    melton = Filters(D(2019, 4, 1), D(2019, 9, 1), locality=(MELTON,))
    title = "Children awaiting a strategy meeting"
    data = exports.list_download(waiting, title, db, melton, LEAD, tmp_path, now=NOW,
                                 person=REP)
    text = data.decode("utf-8-sig")
    assert exports.MARKING_SENSITIVE in text and "As of 31 Dec 2019" in text
    assert "Locality: Melton" in text
    frame = pd.read_csv(io.BytesIO(data), comment="#")
    assert list(frame.columns) == list(waiting.columns) and len(frame) == len(waiting)
    [logged] = audit.read_log(tmp_path).to_dict("records")
    assert logged["format"] == "csv" and logged["audience"] == "hub_lead"
    assert logged["slice"] == f"{title}, as of 31 Dec 2019; Locality: Melton"
    assert logged["file_name"] == "children-awaiting-a-strategy-meeting-2019-12-31.csv"
    assert (logged["subject"], logged["email"]) == (REP.subject, REP.email)
    for audience in (BOARD, CSP):
        with pytest.raises(exports.DownloadRefused, match="hub lead only"):
            exports.list_download(waiting, title, db, melton, audience, tmp_path, person=REP)
        assert exports.list_viewed(title, db, melton, audience, 3, tmp_path, person=REP)
    assert len(audit.read_log(tmp_path)) == 1  # nothing logged, nothing given
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(exports.DownloadRefused, match="cannot be written"):
        exports.list_download(waiting, title, db, melton, LEAD, blocker / "audit", person=REP)
