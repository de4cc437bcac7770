"""Slide packs and the six-month update (hub/reports.py, hub/sections.py, app_pages/reports.py).

Each file is opened with its own reader (python-pptx; pypdf) and must hold the slides and pages
expected, real chart images with alt text, the protected tables in notes and alt text, the
period and marking everywhere, and the same figures as the screen for the same audience and
view (the demo extract, under AppTest). Values that matter are checked by hand on a tiny
extract, the one of the slice files (tests/test_exports.py; period Apr to Sep 2019):
  Melton (E07000133): 3 CSE referrals of girls (source education), 7 CCE referrals of boys
    (police); one child missing twice in July. Before the period (Feb 2019): 8 CSE referrals.
  Charnwood (E07000130): 12 CSE referrals of girls (police), 2 CCE of boys (youth justice).
"""

from __future__ import annotations

import getpass
import io
import re
from dataclasses import replace

import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from hub import audit, exports, reports
from hub.__main__ import main
from hub.access import Person
from hub.audience import Audience
from hub.filters import Filters
from hub.sections import KEY_CHARTS
from hub.settings import ROOT
from tests.builders import shown, shown_share
from tests.test_app import run as run_page
from tests import test_exports
from tests.test_exports import C_CCE, C_CSE, CHARNWOOD, M_CCE, M_CSE, M_OLD, MELTON, NOW, \
    PERIOD, D

db = test_exports.db  # the fixture: the hand-made extract of the slice files

BOARD, LEAD, CSP = Audience("board"), Audience("hub_lead"), Audience("csp", MELTON)
THRESHOLD = 5
SMALL = {str(n) for n in range(1, THRESHOLD + 1)}
DEMO = ROOT / "data" / "demo"


def pack(db, audience, kind="slides", filters=PERIOD, locality=MELTON, **options):
    return reports.build_pack(db, audience, replace(filters, locality=(locality,)
                                                    if locality else ()),
                              THRESHOLD, kind, now=NOW, **options)


def cards(p) -> dict[str, tuple[str, str, str | None]]:
    return {c.label: (c.value, c.comparison, c.change) for c in p.cards}


def as_text(value) -> str:
    return value if isinstance(value, str) else f"{value:,}"


def table_cell(p, key: str, row: str, column: str) -> str:
    """A cell of a section's table as its lines give it (the first column names the row)."""
    lines = [line.split(" | ") for line in
             next(s for s in p.sections if s.key == key).table_lines()]
    return next(cells for cells in lines[1:] if cells[0] == row)[lines[0].index(column)]


# --- The figures, worked out by hand --------------------------------------------------------------

def test_hub_lead_exact_figures_are_the_hand_counted_ones(db):
    p = pack(db, LEAD, exact=True)
    seen = cards(p)
    assert seen["Referrals"] == ("10", "8", "+2 (+25%)")  # 3 + 7 against Feb's 8
    assert seen["Male referrals (%)"][0] == "70.0%"
    assert seen["Missing episodes"][0] == "2" and seen["Children missing"][0] == "1"
    county = {c.label: c.value for c in p.county_cards}
    assert county["Referrals"] == "24"  # Melton's 10 and Charnwood's 14
    assert table_cell(p, "referrals_source", "Police", "CCE") == "7"
    assert table_cell(p, "referrals_source", "Education", "CSE") == "3"
    assert table_cell(p, "referrals_source", "Police", "CSE") == ""  # none: an empty cell
    assert p.marking == exports.MARKING_SENSITIVE


def test_board_figures_are_perturbed_and_small_ones_hidden(db):
    p = pack(db, BOARD)
    seen = cards(p)
    now, before = shown(M_CSE + M_CCE), shown(M_OLD)
    assert seen["Referrals"][:2] == (as_text(now), as_text(before))
    share = shown_share(M_CCE, M_CSE + M_CCE)
    assert seen["Male referrals (%)"][0] == (share if isinstance(share, str) else f"{share}%")
    assert seen["Children missing"][0] == as_text(shown(["m1"]))
    county = {c.label: c.value for c in p.county_cards}
    assert county["Referrals"] == as_text(shown(M_CSE + M_CCE + C_CSE + C_CCE))
    assert table_cell(p, "referrals_source", "Police", "CCE") == as_text(shown(M_CCE))
    assert table_cell(p, "referrals_source", "Education", "CSE") == as_text(shown(M_CSE))
    assert p.marking == exports.MARKING_OFFICIAL


def test_a_partnership_gets_its_own_district_with_the_county_beside_it(db):
    p = pack(db, CSP, locality=CHARNWOOD)  # asks for another district: gets its own
    assert p.place == "Melton" and p.filters.locality == (MELTON,)
    assert cards(p) == cards(pack(db, BOARD))  # the same units, the same shown figures
    assert {c.label: c.value for c in p.county_cards}["Referrals"] == as_text(
        shown(M_CSE + M_CCE + C_CSE + C_CCE))


def test_the_report_is_at_board_protection_for_a_half_year_whoever_builds_it(db):
    quarter = Filters(D(2019, 7, 1), D(2019, 9, 1))
    for audience in (BOARD, CSP, LEAD):
        p = pack(db, audience, "report", filters=quarter)
        assert p.audience == BOARD and p.marking == exports.MARKING_OFFICIAL
        assert (p.filters.month_from, p.filters.month_to) == (D(2019, 4, 1), D(2019, 9, 1))
        assert cards(p) == cards(pack(db, BOARD))
    exact = pack(db, LEAD, "report", exact=True)
    assert exact.audience == LEAD and cards(exact)["Referrals"][0] == "10"
    assert exact.marking == f"{exports.MARKING_SENSITIVE}, {reports.NOT_FOR_PUBLICATION}"


def test_only_the_hub_lead_builds_exact_files_and_boards_get_reporting_periods(db):
    with pytest.raises(reports.ReportError, match="Only the hub lead"):
        pack(db, BOARD, exact=True)
    with pytest.raises(reports.ReportError, match="not a financial quarter"):
        pack(db, BOARD, filters=Filters(D(2019, 5, 1), D(2019, 7, 1)))
    assert pack(db, LEAD).audience == BOARD  # without asking, the hub lead's files are protected


# --- The slide pack, read with python-pptx --------------------------------------------------------

def slides_of(data: bytes):
    return list(Presentation(io.BytesIO(data)).slides)


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def pictures(slide):
    return [s for s in slide.shapes if s.shape_type == 13]


def is_real_chart(png: bytes) -> bool:
    """Not blank: many colours, and pixels that vary."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    return len(colours) > 20 and max(ImageStat.Stat(image).stddev) > 10


@pytest.fixture(scope="module")
def board_slides(db):
    p = pack(db, BOARD, locality=None)
    return p, slides_of(reports.to_pptx(p))


def test_slide_pack_holds_title_headline_every_key_chart_and_definitions(board_slides):
    p, slides = board_slides
    titles = [s.shapes[0].text_frame.text for s in slides]  # the title is first in reading order
    assert all(s.shapes[0].is_placeholder and s.shapes[0].placeholder_format.idx == 0
               for s in slides)
    assert titles == [p.heading, f"Headline figures: {p.place}",
                      *(spec.title for spec in KEY_CHARTS),
                      "Definitions, and how the figures are protected"]
    cover = slide_text(slides[0])
    assert all(text in cover for text in (p.period, p.marking, p.extract_id, "06 Jan 2020"))
    headline = slide_text(slides[1])
    assert all(card.label in headline and card.comparison in headline for card in p.cards)
    assert "Cell key perturbation" in slide_text(slides[-1])


def test_every_slide_carries_the_period_and_the_marking(board_slides):
    p, slides = board_slides
    for slide in slides:
        assert p.period in slide_text(slide) and p.marking in slide_text(slide)


def test_chart_slides_have_real_images_with_alt_text_and_the_table_in_the_notes(board_slides):
    p, slides = board_slides
    drawn = 0
    for section, slide in zip(p.sections, slides[2:-1]):
        text = slide_text(slide)
        assert section.summary in text and section.events in text
        notes = slide.notes_slide.notes_text_frame.text.splitlines()
        assert notes[1:1 + len(section.table) + 1] == section.table_lines()
        for picture in pictures(slide):
            drawn += 1
            assert is_real_chart(picture.image.blob)
            alt = picture._element.nvPicPr.cNvPr.get("descr")
            assert alt == section.alt_text() and section.table_lines()[-1] in alt
        assert len(pictures(slide)) == (section.figure is not None)
    assert drawn >= 3  # the referral charts, at least


def small_counts(p, lines_by_section: list[list[str]]) -> list[str]:
    """Counts of 1 to the threshold in the given table lines of each section (percentages and
    the first column, which names the row, aside), and in the headline counts."""
    found = [c.value for c in p.cards if not c.is_share and c.value in SMALL]
    found += [c.comparison for c in p.cards if not c.is_share and c.comparison in SMALL]
    for spec, lines in zip(KEY_CHARTS, lines_by_section):
        if not spec.percent:
            found += [cell for line in lines[1:] for cell in line.split(" | ")[1:]
                      if cell in SMALL]
    return found


def test_no_count_of_1_to_the_threshold_in_a_protected_pack(db):
    p = pack(db, CSP)
    slides = slides_of(reports.to_pptx(p))
    notes = [s.notes_slide.notes_text_frame.text.splitlines()[1:] for s in slides[2:-1]]
    assert small_counts(p, notes) == []
    exact = pack(db, LEAD, exact=True)  # the test can fail: exact figures have small counts
    assert small_counts(exact, [s.table_lines() for s in exact.sections]) != []


# --- The six-month update, read with pypdf --------------------------------------------------------

def alt_texts(reader: PdfReader) -> list[str]:
    found = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            for kid in node:
                walk(kid)
        elif isinstance(node, DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.fixture(scope="module")
def melton_report(db):
    p = pack(db, CSP, "report")
    return p, PdfReader(io.BytesIO(reports.to_pdf(p)))


def test_report_is_a_tagged_pdf(melton_report):
    _, reader = melton_report
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4: 210 mm


def test_every_page_carries_the_period_the_marking_and_its_number(melton_report):
    p, reader = melton_report
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 2
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert p.marking in flat and p.period in flat, number
        assert f"Page {number} of {len(pages)}" in flat


def test_report_holds_headline_table_summary_charts_and_rules(melton_report):
    p, reader = melton_report
    flat = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert " ".join(p.summary.split()) in flat
    assert "Previous period" in flat and "Change" in flat
    for card in p.cards:
        assert card.value in flat and card.comparison in flat
    for section in p.sections:
        assert section.title in flat
    assert "How the figures are protected" in flat and "Cell key perturbation" in flat


def test_report_charts_are_real_images_with_the_tables_as_alt_text(melton_report):
    p, reader = melton_report
    unique = {image.data: image.image for page in reader.pages for image in page.images}
    images = list(unique.values())  # a page lists the images of the pages it shares resources with
    drawn = [s for s in p.sections if s.figure is not None]
    assert len(images) == len(drawn) > 0
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        assert is_real_chart(buffer.getvalue())
    alts = [" ".join(a.split()) for a in alt_texts(reader)]
    assert alts == [" ".join(s.alt_text().split()) for s in drawn]
    assert small_counts(p, [s.table_lines() for s in p.sections]) == []


# --- Leaving through the download log; the command line ------------------------------------------

TESTER = Person("sub-tester", "tester@melton.example")


def test_a_file_is_logged_before_it_is_given_and_refused_when_it_cannot_be(db, tmp_path):
    p = pack(db, CSP)
    data = reports.download(p, tmp_path / "audit", person=TESTER, now=NOW)
    assert data[:2] == b"PK"  # a zip: the pptx
    entry = audit.read_log(tmp_path / "audit").iloc[0]
    assert entry["audience"] == f"csp:{MELTON}" and entry["format"] == "pptx"
    assert entry["file_name"] == "melton-2019-04-to-2019-09-slide-pack.pptx"
    assert entry["audience_name"] == "Partnership representative for Melton"
    assert (entry["subject"], entry["email"]) == ("sub-tester", "tester@melton.example")
    assert "Melton" in entry["slice"]
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(exports.DownloadRefused):
        reports.download(p, blocked, person=TESTER, now=NOW)


def test_the_command_line_writes_and_logs_a_file_naming_the_os_user(db, tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_DATA_DIR", str(db.info.path))
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "audit"))
    out = tmp_path / "melton.pdf"
    assert main(["report", "--audience", f"csp:{MELTON}", "--out", str(out)]) == 0
    reader = PdfReader(out)
    assert "Melton" in reader.pages[0].extract_text()
    entry = audit.read_log(tmp_path / "audit").iloc[0]  # the newest
    assert entry["audience_name"] == "Board member" and entry["format"] == "pdf"
    user = getpass.getuser()
    assert (entry["subject"], entry["email"]) == (f"os-user:{user}", f"{user} (command line)")
    exact = tmp_path / "exact.pptx"
    assert main(["slides", "--audience", "hub_lead", "--exact", "--period", "2019-04/2019-09",
                 "--locality", MELTON, "--out", str(exact)]) == 0
    assert exports.MARKING_SENSITIVE in slide_text(slides_of(exact.read_bytes())[0])
    table = next(s for s in slides_of(exact.read_bytes())[1].shapes if s.has_table).table
    assert "Referrals | 10 | 8" in " | ".join(c.text for row in table.rows for c in row.cells)


@pytest.mark.parametrize("argv, message", [
    (["--audience", "board", "--exact"], "Only the hub lead"),
    (["--audience", "nobody"], "unknown audience"),
    (["--audience", "board", "--locality", "E99"], "unknown locality"),
    (["--audience", "board", "--period", "2019-05/2019-07"], "not a financial quarter"),
    (["--audience", "board", "--period", "soon"], "not a reporting period"),
])
def test_bad_command_lines_get_a_message_not_a_traceback(db, tmp_path, monkeypatch, capsys,
                                                         argv, message):
    monkeypatch.setenv("HUB_DATA_DIR", str(db.info.path))
    monkeypatch.setenv("HUB_AUDIT_DIR", str(tmp_path / "audit"))
    out = tmp_path / "x.pptx"
    assert main(["slides", *argv, "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and not out.exists()


# --- The same figures as the screen, and the Reports page (AppTest, demo extract) ----------------

def run(monkeypatch, audience: str, page: str, audit_dir, **query):
    monkeypatch.setenv("HUB_AUDIT_DIR", str(audit_dir))
    return run_page(monkeypatch, DEMO, audience, page, **query)


def screen_tables(at) -> dict[str, list]:
    """Each subheader's table view (the next dataframe after it), by title."""
    def walk(node):
        for child in getattr(node, "children", {}).values():
            yield child
            yield from walk(child)

    tables, title = {}, None
    for node in walk(at.main):
        if node.type == "subheader":
            title = node.value
        elif node.type == "dataframe" and title and title not in tables:
            frame = node.value
            tables[title] = [list(map(str, frame.columns)),
                             *[[str(v) for v in row] for row in frame.values.tolist()]]
    return tables


def pack_lines(section) -> list:
    return [list(map(str, section.table.columns)),
            *[[str(v) for v in row] for row in section.table.values.tolist()]]


@pytest.mark.parametrize("audience", ["board", f"csp:{MELTON}", "hub_lead"])
def test_the_reports_page_builds_files_with_the_screens_figures(monkeypatch, tmp_path,
                                                                audience):
    at = run(monkeypatch, audience, "overview", tmp_path)
    on_screen = {m.label: m.value for m in at.metric}
    at.switch_page(str(ROOT / "app_pages" / "reports.py")).run()
    if audience == "hub_lead":  # the screen's exact figures, asked for explicitly
        at.checkbox(key="report_exact").check().run()
    at.button(key="report_build_slides").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.key for b in at.get("download_button")] == ["report_download_slides"]
    assert audit.read_log(tmp_path).empty  # logged on download, not on building
    _, p, data = at.session_state["_report_slides"]
    assert p.audience == Audience.parse(audience)
    assert {c.label: c.value for c in p.cards} == on_screen
    slides = slides_of(data)
    assert len(slides) == len(KEY_CHARTS) + 3 and p.marking in slide_text(slides[0])
    tables = {}
    for page in sorted({spec.page for spec in KEY_CHARTS}):
        # the print view: every section of a page shown by section
        tables.update(screen_tables(run(monkeypatch, audience, page, tmp_path, print="1")))
    for section in p.sections:
        assert pack_lines(section) == tables[section.title], section.title


def test_the_reports_page_offers_the_half_year_report_at_board_protection(monkeypatch,
                                                                           tmp_path):
    at = run(monkeypatch, "hub_lead", "reports", tmp_path)
    captions = " ".join(c.value for c in at.caption)
    assert "Built at board protection for a financial half-year" in captions
    assert re.search(r"PDF for Leicestershire \(county\), Apr 2019 to Sep 2019", captions)
    at.button(key="report_build_report").click().run()
    _, p, data = at.session_state["_report_report"]
    assert p.audience == BOARD and data[:4] == b"%PDF"
