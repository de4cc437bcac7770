"""Files to take into a meeting: a locality slide pack (PowerPoint) and the six-month update (PDF).

Both are built from one `Pack`: the view's headline figures against the previous period, the
written summary and the key charts (hub.sections), each protected for the audience exactly as
on screen. A pack is built once and written as either file; every file leaves through the
download log (hub.audit) before it is given, as slice files do (hub.exports, whose marking,
rules and symbol legend these files repeat).

The six-month update goes to a public committee, so it is built at board protection for a
financial half-year whoever builds it; only the hub lead may build an exact operational
version, marked OFFICIAL-SENSITIVE and not for publication.

Chart images come from the chart factory through kaleido, which drives the same Chromium as the
browser tests (CHROMIUM). No Streamlit here: the Reports page and `python -m hub slides|report`
call these functions.
"""

from __future__ import annotations

import base64
import getpass
import datetime as dt
import html
import io
import os
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from hub import audit, exports, outputs
from hub.access import Person
from hub.audience import Audience
from hub.database import Database
from hub.disclosure import symbols
from hub.filters import Filters, months_between, period_name, protected_choices, \
    reporting_periods
from hub.sections import Section, key_sections, made_at
from hub.slices import COUNTY, HEADLINE_DEFINITIONS, locality_name, trigger_text

CHROMIUM = Path("/usr/bin/chromium")  # Debian's: kaleido and the browser tests both drive it
NOT_FOR_PUBLICATION = "not for publication"
KINDS = {  # file kind -> (name for people, extension, MIME type)
    "slides": ("slide pack", "pptx",
               "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "report": ("six-month update", "pdf", "application/pdf"),
}
IMAGE = {"width": 900, "height": 460, "scale": 2}  # px of a chart image, and its pixel density
TITLE = "CSE, Missing and Trafficked Hub"
FONTS = '"DejaVu Sans", Arial, sans-serif'  # the report's text (the charts use hub.charts')


class ReportError(ValueError):
    """A pack that cannot be built as asked (a message for people, never a traceback)."""


@dataclass(frozen=True)
class Pack:
    kind: str  # "slides" or "report"
    audience: Audience  # whose protection the figures carry
    filters: Filters
    place: str  # the locality's name, or the county
    marking: str
    extract_id: str
    produced_at: dt.datetime  # UTC
    cards: list[outputs.Card]
    county_cards: list[outputs.Card] | None  # beside one district's, for comparison
    summary: str  # the written summary, from the protected cards only
    sections: list[Section]
    definitions: tuple[tuple[str, str], ...]
    rules: tuple[str, ...]
    legend: tuple[tuple[str, str], ...]

    @property
    def period(self) -> str:
        return self.filters.describe_period()

    @property
    def comparison_period(self) -> str:
        return self.filters.comparison().describe_period()

    @property
    def footer(self) -> str:
        """What every slide and page carries: the marking, the place and the period."""
        return f"{self.marking} · {self.place} · {self.period}"

    @property
    def made(self) -> str:
        return f"{self.produced_at:%d %b %Y %H:%M} UTC"

    @property
    def heading(self) -> str:
        name = KINDS[self.kind][0]
        return f"{TITLE}: {name[0].upper()}{name[1:]}, {self.place}"


# --- Which audience and period a file is built for ----------------------------------------------

def file_audience(audience: Audience, exact: bool) -> Audience:
    """The protection a file carries: exact only for the hub lead who asks for it; a hub lead
    who does not ask gets the board's (files travel further than a screen)."""
    if exact and audience.protected:
        raise ReportError("Only the hub lead can build files with exact figures.")
    return audience if exact else (Audience("board") if not audience.protected else audience)


def file_filters(db: Database, audience: Audience, filters: Filters, kind: str) -> Filters:
    """The view's filters as a file may carry them: a partnership's own locality; for protected
    figures one locality, one value beyond it (rule 8) and a reporting period; for the
    six-month update, the financial half-year ending last on or before the view's end."""
    if audience.kind == "csp":
        filters = replace(filters, locality=(audience.locality,))
    if audience.protected:
        chosen, _ = protected_choices(filters.restrictions())
        filters = Filters(filters.month_from, filters.month_to,
                          **{**dict.fromkeys(("locality", "sex", "age_band",
                                              "exploitation_type"), ()), **chosen})
    periods = reporting_periods(db.info.coverage_start, db.info.coverage_end)
    if kind == "report":
        halves = [p for p in periods if months_between(*p) == 6]
        if not halves:
            raise ReportError("The extract holds no complete financial half-year, so there is "
                              "no six-month update to build.")
        ending = [p for p in halves if p[1] <= filters.month_to] or halves[-1:]
        return replace(filters, month_from=ending[0][0], month_to=ending[0][1])
    if audience.protected and (filters.month_from, filters.month_to) not in periods:
        raise ReportError(f"{filters.describe_period()} is not a financial quarter, half-year "
                          "or year of the extract, so it cannot be given at board protection.")
    return filters


def file_marking(audience: Audience, kind: str) -> str:
    """The marking of slice files (hub.exports); an exact report is also not for publication."""
    marking = exports.marking(audience)
    return f"{marking}, {NOT_FOR_PUBLICATION}" if kind == "report" and not audience.protected \
        else marking


def parse_period(db: Database, text: str) -> tuple[dt.date, dt.date]:
    """'H1 2019-20', 'Q2 2019-20', '2019-20' or '2019-04/2019-09' -> (first, last month)."""
    from hub.filters import parse_month

    periods = reporting_periods(db.info.coverage_start, db.info.coverage_end)
    named = {period_name(*p): p for p in periods}
    if text.strip() in named:
        return named[text.strip()]
    first, _, last = text.partition("/")
    try:
        return parse_month(first), parse_month(last or first)
    except ValueError:
        raise ReportError(f"period {text!r} is not a reporting period of the extract (e.g. "
                          f"{', '.join(list(named)[:3])}) nor months like 2019-04/2019-09")


# --- The pack ------------------------------------------------------------------------------------

def build_pack(db: Database, audience: Audience, filters: Filters, threshold: int, kind: str,
               *, exact: bool = False, now: dt.datetime | None = None) -> Pack:
    """Everything a slide pack or report shows, protected for the file's audience, once."""
    if kind not in KINDS:
        raise ReportError(f"unknown kind {kind!r}: use {' or '.join(KINDS)}")
    audience = file_audience(audience, exact)
    filters = file_filters(db, audience, filters, kind)
    if kind == "report" and audience.protected:  # a partnership's, for its own district
        audience = Audience("board")
    place = locality_name(db, filters)
    marking = file_marking(audience, kind)
    cards = outputs.headline(db, filters, audience, threshold)
    county_cards = (outputs.headline(db, replace(filters, locality=()), audience, threshold)
                    if filters.locality else None)
    trigger = trigger_text(db)
    return Pack(kind, audience, filters, place, marking, db.info.extract_id, made_at(now),
                cards, county_cards, outputs.overview_summary(cards, filters, audience),
                key_sections(db, filters, audience, threshold),
                tuple((figure, meaning.format(trigger=trigger))
                      for figure, meaning in HEADLINE_DEFINITIONS.items()),
                # a partnership's slice files add county rows; these files do not
                exports.rules(Audience("board") if audience.kind == "csp" else audience,
                              threshold, place), tuple(symbols(threshold).items()))


def headline_rows(pack: Pack) -> list[list[str]]:
    """The headline table: a header, then each figure with the previous period and change (and
    the county's figure beside one district's)."""
    header = ["Figure", "This period", "Previous period", "Change"]
    if pack.county_cards:
        header.append(f"{COUNTY}, this period")
    rows = [header]
    for i, card in enumerate(pack.cards):
        row = [card.label, card.value, card.comparison, card.change or "not shown"]
        if pack.county_cards:
            row.append(pack.county_cards[i].value)
        rows.append(row)
    return rows


Progress = Callable[[int, int, str], None]  # (chart number, charts, title) as each is drawn


def _drawing(pack: Pack, progress: Progress | None):
    """The pack's sections, telling `progress` as each chart is reached."""
    for number, section in enumerate(pack.sections, start=1):
        if progress:
            progress(number, len(pack.sections), section.title)
        yield section


# --- Chart images --------------------------------------------------------------------------------

_kaleido_lock = threading.Lock()
_kaleido_started = False


def chart_png(figure) -> bytes:
    """The chart as a PNG, drawn by kaleido in Chromium (one browser kept for the process)."""
    import kaleido

    global _kaleido_started
    with _kaleido_lock:  # one drawing at a time: the page builds files in its own threads
        if not _kaleido_started:
            if CHROMIUM.is_file():  # else kaleido looks for a Chrome of its own
                os.environ.setdefault("BROWSER_PATH", str(CHROMIUM))
            try:  # kaleido closes the browser when the process ends
                kaleido.start_sync_server(silence_warnings=True)
            except Exception as exc:  # no browser: say what to install, not a traceback
                raise ReportError(f"Chart images need Chromium ({CHROMIUM}: on Debian, "
                                  f"apt-get install chromium): {exc}") from exc
            _kaleido_started = True
        return kaleido.calc_fig_sync(figure, opts={"format": "png", **IMAGE})


# --- Slides --------------------------------------------------------------------------------------

def to_pptx(pack: Pack, progress: Progress | None = None) -> bytes:
    """A 16:9 slide pack: title, headline figures, a slide per key chart, then definitions and
    protection. Each slide's title comes first in reading order (it is the first shape), and
    every slide carries the marking, place and period; speaker notes hold each chart's table."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    width = Inches(12.333)

    def place(shape, top: float, height: float, left: float = 0.5, box_width=None):
        shape.left, shape.top, shape.height = Inches(left), Inches(top), Inches(height)
        shape.width = box_width or width

    def slide(title: str, layout: int = 5):
        """A slide whose title placeholder (its first shape) holds the title. The default
        template is 4:3, so every placeholder is placed here for 16:9."""
        page = deck.slides.add_slide(deck.slide_layouts[layout])
        page.shapes.title.text = title
        cover = layout == 0
        place(page.shapes.title, 1.4 if cover else 0.3, 1.6 if cover else 0.9)
        page.shapes.title.text_frame.paragraphs[0].font.size = Pt(36 if cover else 28)
        return page

    def text(page, lines: list[str], left, top, box_width, height, size: int = 14):
        frame = page.shapes.add_textbox(left, top, box_width, height).text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(size)
        return frame

    def footer(page):
        text(page, [pack.footer], Inches(0.5), Inches(6.95), width, Inches(0.4), size=11)

    cover = slide(pack.heading, layout=0)
    place(cover.placeholders[1], 3.3, 2.6)
    cover.placeholders[1].text = "\n".join([
        f"Period: {pack.period}", f"Marking: {pack.marking}",
        f"Extract: {pack.extract_id}", f"Made: {pack.made} for {pack.audience}"])
    for paragraph in cover.placeholders[1].text_frame.paragraphs:
        paragraph.font.size = Pt(20)
    footer(cover)

    page = slide(f"Headline figures: {pack.place}")
    text(page, [f"{pack.period}, compared with {pack.comparison_period}."], Inches(0.5),
         Inches(1.1), width, Inches(0.4), size=14)
    rows = headline_rows(pack)
    table = page.shapes.add_table(len(rows), len(rows[0]), Inches(0.5), Inches(1.55), width,
                                  Inches(0.29) * len(rows)).table
    table.columns[0].width = Inches(4.8)
    for c in range(1, len(rows[0])):
        table.columns[c].width = int((width - Inches(4.8)) / (len(rows[0]) - 1))
    for r, row in enumerate(rows):
        table.rows[r].height = Inches(0.29)
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = value
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.text_frame.paragraphs[0].font.size = Pt(11)
    footer(page)
    page.notes_slide.notes_text_frame.text = pack.summary

    for section in _drawing(pack, progress):
        page = slide(section.title)
        text(page, [section.summary], Inches(0.5), Inches(1.15), width, Inches(0.9), size=14)
        side = [f"Period: {pack.period}", *([section.events] if section.events else []),
                *section.notes]
        if section.figure is not None:
            picture = page.shapes.add_picture(io.BytesIO(chart_png(section.figure)),
                                              Inches(0.5), Inches(2.1), width=Inches(8.6))
            picture.name = f"Chart: {section.title}"
            picture._element.nvPicPr.cNvPr.set("descr", section.alt_text())
            text(page, side, Inches(9.3), Inches(2.1), Inches(3.5), Inches(4.6), size=12)
        else:
            text(page, side, Inches(0.5), Inches(2.1), width, Inches(4.6), size=14)
        footer(page)
        page.notes_slide.notes_text_frame.text = "\n".join(
            [f"{section.title}: the chart's figures.", *section.table_lines(), *section.notes])

    page = slide("Definitions, and how the figures are protected")
    text(page, [f"{what}: {meaning}" for what, meaning in pack.definitions],
         Inches(0.5), Inches(1.2), Inches(6.0), Inches(5.6), size=9)
    text(page, [*pack.rules, *(f"{s} {meaning}" for s, meaning in pack.legend)],
         Inches(6.8), Inches(1.2), Inches(6.0), Inches(5.6), size=9)
    footer(page)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


# --- The six-month update as a PDF ----------------------------------------------------------------

def _css_string(value: str) -> str:
    """Text as a CSS string (margin boxes), quotes and backslashes escaped."""
    return '"' + re.sub(r'(["\\])', r"\\\1", value).replace("\n", " ") + '"'


def to_html(pack: Pack, progress: Progress | None = None) -> str:
    """The report as HTML, every text escaped (nothing from an extract or a reference file is
    read as markup). Margin boxes carry the marking, place, period and page numbers."""
    e = html.escape
    rows = headline_rows(pack)
    head = "".join(f'<th scope="col">{e(cell)}</th>' for cell in rows[0])
    body = "".join("<tr>" + f'<th scope="row">{e(row[0])}</th>'
                   + "".join(f"<td>{e(cell)}</td>" for cell in row[1:]) + "</tr>"
                   for row in rows[1:])
    parts = [f"<h1>{e(pack.heading)}</h1>",
             f'<p class="meta">Period: {e(pack.period)}. Compared with '
             f"{e(pack.comparison_period)}.<br>Marking: {e(pack.marking)}.<br>Extract "
             f"{e(pack.extract_id)}; made {e(pack.made)} for {e(str(pack.audience))}.</p>",
             "<h2>Summary</h2>", f"<p>{e(pack.summary)}</p>",
             "<h2>Headline figures</h2>",
             f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
             "<h2>Key charts</h2>"]
    for section in _drawing(pack, progress):
        parts.append(f'<section class="chart"><h3>{e(section.title)}</h3>'
                     f"<p>{e(section.summary)}</p>")
        if section.figure is not None:
            data = base64.b64encode(chart_png(section.figure)).decode()
            parts.append(f'<img src="data:image/png;base64,{data}" alt="{e(section.alt_text())}">')
        parts += [f'<p class="note">{e(line)}</p>'
                  for line in ([section.events] if section.events else []) + list(section.notes)]
        parts.append("</section>")
    parts += ["<h2>Definitions</h2>", "<dl>"
              + "".join(f"<dt>{e(what)}</dt><dd>{e(meaning)}</dd>"
                        for what, meaning in pack.definitions) + "</dl>",
              "<h2>How the figures are protected</h2>",
              "<ol>" + "".join(f"<li>{e(rule)}</li>" for rule in pack.rules) + "</ol>",
              "<ul>" + "".join(f"<li>{e(s)} {e(meaning)}</li>" for s, meaning in pack.legend)
              + "</ul>"]
    style = f"""
@page {{ size: A4; margin: 22mm 16mm 20mm 16mm;
  @top-center {{ content: {_css_string(pack.marking)}; font: bold 9pt {FONTS}; }}
  @bottom-left {{ content: {_css_string(f"{pack.place} · {pack.period}")}; font: 8pt {FONTS}; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font: 8pt {FONTS}; }} }}
body {{ font-family: {FONTS}; font-size: 10pt; color: #1f1f1f; }}
h1 {{ font-size: 18pt; }} h2 {{ font-size: 14pt; break-after: avoid; }}
h3 {{ font-size: 12pt; break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; }}
th, td {{ border: 0.5pt solid #6f6f6f; padding: 2pt 4pt; text-align: left; }}
section.chart {{ break-inside: avoid; }}
img {{ width: 80%; }}
.note, .meta {{ font-size: 9pt; }}
dt {{ font-weight: bold; }}"""
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            f"<title>{e(pack.heading)}, {e(pack.period)}</title><style>{style}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def to_pdf(pack: Pack, progress: Progress | None = None) -> bytes:
    """The report as a tagged PDF (PDF/UA-1: real text, headings, alt text, reading order)."""
    from weasyprint import HTML

    return HTML(string=to_html(pack, progress)).write_pdf(pdf_variant="pdf/ua-1")


RENDERERS = {"slides": to_pptx, "report": to_pdf}


# --- Leaving through the download log -------------------------------------------------------------

def file_name(pack: Pack) -> str:
    """e.g. 'melton-2019-04-to-2019-09-slide-pack.pptx'; '-filtered' when restrictions beyond
    the locality apply, '-official-sensitive' for exact figures."""
    slug = re.sub(r"[^a-z0-9]+", "-", pack.place.lower()).strip("-")
    name, ext, _ = KINDS[pack.kind]
    f = pack.filters
    return (f"{slug}-{f.month_from:%Y-%m}-to-{f.month_to:%Y-%m}-{name.replace(' ', '-')}"
            f"{'-filtered' if f.extra() else ''}"
            f"{'' if pack.audience.protected else '-official-sensitive'}.{ext}")


def description(pack: Pack) -> str:
    """What the file holds, in one line, for the download log."""
    restrictions = exports.restrictions_text(pack.filters.extra())
    return "; ".join([f"{KINDS[pack.kind][0]}: {pack.place}", pack.period, *restrictions,
                      f"{len(pack.sections)} charts", pack.marking])


def render(pack: Pack, progress: Progress | None = None) -> bytes:
    return RENDERERS[pack.kind](pack, progress)


def download(pack: Pack, audit_dir, *, person: Person, now: dt.datetime | None = None) -> bytes:
    """The file of the pack, written to the download log first (naming `person`);
    DownloadRefused when the log cannot be written."""
    return logged(pack, render(pack), audit_dir, person=person, now=now)


def command_line_person() -> Person:
    """Who made a file from the command line, for the download log: the operating-system
    user (there is no sign-in there)."""
    user = getpass.getuser()
    return Person(subject=f"os-user:{user}", email=f"{user} (command line)")


def logged(pack: Pack, data: bytes, audit_dir, *, person: Person,
           now: dt.datetime | None = None) -> bytes:
    """A rendered file of the pack, given only once the download log holds it."""
    problem = audit.record(audit_dir, pack.audience, description(pack), KINDS[pack.kind][1],
                           sum(len(s.table) for s in pack.sections) + len(pack.cards),
                           pack.extract_id, file_name=file_name(pack), now=now,
                           person=person)
    if problem:
        raise exports.DownloadRefused(f"Download refused: {problem}")
    return data


# --- The command line (python -m hub slides|report) ----------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("--audience", required=True,
                        help="board, csp:<ONS code> or hub_lead (board protection unless --exact)")
    parser.add_argument("--locality", help="ONS code of one district (default: the county; a "
                                           "partnership always gets its own)")
    parser.add_argument("--period", help="a reporting period such as 'H1 2019-20', 'Q2 2019-20' "
                                         "or '2019-20', or months '2019-04/2019-09' (default: "
                                         "the latest complete half-year)")
    parser.add_argument("--exact", action="store_true",
                        help="the hub lead's exact figures, marked OFFICIAL-SENSITIVE")
    parser.add_argument("--out", type=Path, required=True, help="the file to write")


def command(args) -> int:
    """Build and write one file; a problem is a message on stderr and exit status 1."""
    import sys

    from hub.contract import LOCALITIES
    from hub.database import open_database
    from hub.extract import ExtractError
    from hub.settings import Settings
    from hub.storage import local_folder

    settings = Settings.from_env()
    try:
        audience = Audience.parse(args.audience)
        if args.locality and args.locality not in LOCALITIES:
            raise ReportError(f"unknown locality {args.locality!r}: use an ONS code such as "
                              f"{next(iter(LOCALITIES))}")
        db = open_database(local_folder(settings.data_dir, settings.cache_dir),
                           settings.reference_dir,
                           repeat_threshold=settings.repeat_threshold,
                           repeat_window_days=settings.repeat_window_days,
                           secret=settings.record_key_secret, cache_dir=settings.cache_dir)
        protected = file_audience(audience, args.exact).protected
        if protected and not db.info.synthetic and not settings.perturbation_secret:
            raise ReportError("this extract is not synthetic and no perturbation secret is set "
                              "(HUB_PERTURBATION_SECRET), so its figures cannot be protected")
        filters = Filters.default(db.info.coverage_end, protected=protected,
                                  coverage_start=db.info.coverage_start)
        if args.period:
            first, last = parse_period(db, args.period)
            filters = replace(filters, month_from=first, month_to=last)
        if args.locality:
            filters = replace(filters, locality=(args.locality,))
        pack = build_pack(db, audience, filters, settings.suppression_threshold, args.command,
                          exact=args.exact)
        data = download(pack, settings.audit_dir, person=command_line_person())
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    except (ValueError, ExtractError, exports.DownloadRefused, OSError) as exc:
        print(f"Not written: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {args.out} ({KINDS[pack.kind][0]}: {pack.place}, {pack.period}, "
          f"{pack.marking}; logged in {audit.WHERE}).")
    return 0
