"""Local slice files: a slice (hub.slices) written as CSV, Excel or Parquet, and its download.

The three formats hold the same tidy columns: each measure a number (empty where it is not
shown) beside its `<measure>_status` (the symbol, such as [c], or empty), so that a spreadsheet
or pandas reads the numbers as numbers. CSV and Parquet stack every table in one (a `table`
column names each row's); Excel has a sheet a table, with that table's columns.

The three writers add what docs/disclosure.md rule 12 asks of a download: the rules applied
(the ptable's name and checksum included), the filters, the extract id, the time made, the
symbol legend, and the marking (OFFICIAL-SENSITIVE and "not for onward sharing" for the hub
lead's exact figures). Every file is written to the download log before it is given.

No Streamlit here: the Local slices page calls these functions, and tests call them directly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, replace
from typing import Callable

import pandas as pd

from hub import audit, disclosure, outputs
from hub.access import Person
from hub.audience import Audience
from hub.contract import label
from hub.database import Database
from hub.disclosure import ADJUSTED_NOTE, STATUS_SUFFIX, symbols
from hub.filters import FILTER_LABELS, GRAIN_LABELS, Filters
from hub.formatting import figure_text
from hub.ptable import default_ptable
from hub.slices import BASE_COLUMNS, COUNTY, HEADLINE_DEFINITIONS, TABLES, TABLES_BY_NAME, \
    SliceTable, locality_name, trigger_text

MARKING_OFFICIAL = "OFFICIAL"
MARKING_SENSITIVE = "OFFICIAL-SENSITIVE — not for onward sharing"
FORMATS = {  # extension -> (name for people, MIME type)
    "csv": ("CSV", "text/csv"),
    "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
}
COLUMN_MEANINGS = {
    "table": "which table of the slice the row belongs to (CSV and Parquet only)",
    "period_start": "first day the row's figures cover",
    "period_end": "last day the row's figures cover",
    "locality": f"the district the figures are for, or {COUNTY} for the whole county",
    "breakdown": "what the category is a category of (e.g. Sex)",
    "category": "the group within the breakdown the figures are for",
    "review": "the Operation Lionheart review (3, 6 or 12 months after identification)",
    "figure": "the headline figure, exactly as the dashboard labels it",
    "unit": "number or percentage",
    "filters_not_applied": "filters in force that this figure's data cannot carry",
}


# --- What every file says about itself (disclosure.md rule 6) ---------------------------------

@dataclass(frozen=True)
class Meta:
    extract_id: str
    extract_produced_at: str
    produced_at: str  # when the file was made, UTC
    period: str
    locality: str
    filters: str
    audience: str
    marking: str
    rules: tuple[str, ...]
    legend: tuple[tuple[str, str], ...]
    definitions: tuple[tuple[str, str], ...]  # (what, meaning): tables, columns, figures

    def lines(self) -> list[tuple[str, str]]:
        """(field, text) rows, in the order people read them (CSV header, Excel Read me)."""
        rows = [("Marking", self.marking), ("Extract id", self.extract_id),
                ("Extract produced at", self.extract_produced_at),
                ("File produced at (UTC)", self.produced_at), ("Period", self.period),
                ("Locality", self.locality), ("Filters", self.filters),
                ("Audience", self.audience)]
        rows += [("Rules applied" if i == 0 else "", f"{i + 1}. {rule}")
                 for i, rule in enumerate(self.rules)]
        rows += [("Symbol legend" if i == 0 else "", f"{symbol} {meaning}")
                 for i, (symbol, meaning) in enumerate(self.legend)]
        rows += [("Definitions" if i == 0 else "", f"{what}: {meaning}")
                 for i, (what, meaning) in enumerate(self.definitions)]
        return rows

    def as_dict(self) -> dict:
        return {"marking": self.marking, "extract_id": self.extract_id,
                "extract_produced_at": self.extract_produced_at,
                "produced_at": self.produced_at, "period": self.period,
                "locality": self.locality, "filters": self.filters, "audience": self.audience,
                "rules": list(self.rules), "legend": dict(self.legend),
                "definitions": [list(d) for d in self.definitions]}


def marking(audience: Audience) -> str:
    return MARKING_OFFICIAL if audience.protected else MARKING_SENSITIVE


def rules(audience: Audience, threshold: int, locality: str) -> tuple[str, ...]:
    """The rules the figures of a file were protected by, in words (docs/disclosure.md)."""
    if not audience.protected:
        return ("Unprotected operational figures for the hub lead: no perturbation or "
                "suppression was applied. [z] marks a percentage whose denominator is 0.",
                f"{MARKING_SENSITIVE}: the figures include small numbers that could identify "
                "a child. Figures for anyone else must come from a board or partnership "
                "download, which is protected.")
    ptable = default_ptable()
    stated = [
        ADJUSTED_NOTE,
        "Cell key perturbation (the ONS method): each count of children, episodes, "
        "referrals, triggers, people, households, sessions, meetings or perpetrator actions "
        "has a small amount from -3 to +3 added, looked up from the cell's key (made from "
        "keys of the units counted) in the perturbation table "
        f"{ptable.name} (SHA-256 {ptable.sha256}). The same units always give the same "
        "figure, in every view and every file.",
        f"A count of 1 to {threshold} after perturbation is shown as [c]; zero is shown as 0 "
        "(which does not prove that none were counted).",
        f"A percentage is computed from perturbed counts and is [c] when either of them or "
        f"their difference is 1 to {threshold}, or when it is 0% or 100% of fewer than "
        f"{disclosure.SHARE_EXTREMES_BELOW}; it is [z] when the denominator is 0. A rate per "
        "10,000 is [c] when its count is.",
        "Participants at prevention sessions are attendances, not people: they are scaled "
        "with their sessions' adjustment, and [c] beside sessions that are [c] or 0. Every "
        "category of every breakdown is listed: one with none and one whose figures are all 0 "
        "after perturbation both read 0.",
        "Periods are whole financial quarters, half-years or years; trends step by a quarter "
        "or longer for the county and by a half-year or longer for one district.",
    ]
    if audience.kind == "csp":
        stated.append(f"County totals: each table's rows for {locality} are followed by extra "
                      f"rows of the same figures for {COUNTY}, protected by the same rules. "
                      "Rows about other districts are left out.")
    return tuple(stated)


def describe(db: Database, filters: Filters, audience: Audience, threshold: int,
             tables: list[str], *, produced_at: dt.datetime | None = None) -> Meta:
    """The metadata of a slice file. `filters` are the slice's (see slice_filters)."""
    if audience.kind == "csp":
        filters = replace(filters, locality=(audience.locality,))
    name = locality_name(db, filters)
    grain = outputs.for_audience(filters, audience).trend_grain
    produced_at = produced_at or dt.datetime.now(dt.timezone.utc)
    restrictions = restrictions_text(filters.extra())
    code = audience.kind + (f":{audience.locality}" if audience.locality else "")
    chosen = [t for t in TABLES if t.name in tables]
    columns = {"table", *BASE_COLUMNS, *(c for t in chosen for c in t.breakdown.values())}
    if "headline" in tables:
        columns |= {"figure", "unit", "filters_not_applied"}
    definitions = [(f"column {column}", meaning) for column, meaning in COLUMN_MEANINGS.items()
                   if column in columns]
    for spec in chosen:
        definitions.append((f"table {spec.name}", f"{spec.title} ({_rows_text(spec, grain)})"
                            + _not_applied_text(spec, filters)))
        definitions += [(f"{spec.name}.{m}", meaning.format(trigger=trigger_text(db)))
                        for m, meaning in spec.measures.items()]
        if spec.query is None:
            definitions += [(f"headline '{figure}'", meaning.format(trigger=trigger_text(db)))
                            for figure, meaning in HEADLINE_DEFINITIONS.items()]
    county_note = " (county totals in extra rows)" if audience.kind == "csp" else ""
    return Meta(
        extract_id=db.info.extract_id, extract_produced_at=db.info.produced_at,
        produced_at=produced_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        period=f"{filters.describe_period()} ({filters.start:%Y-%m-%d} to "
               f"{filters.end:%Y-%m-%d})",
        locality=name + county_note,
        filters="; ".join([f"Locality: {name}", *restrictions]),
        audience=f"{audience} ({code})", marking=marking(audience),
        rules=rules(audience, threshold, name), legend=tuple(symbols(threshold).items()),
        definitions=tuple(definitions))


def _rows_text(spec: SliceTable, grain: str) -> str:
    if spec.query is None:
        return "one row per figure for the period, and one for the comparison period before it"
    if spec.rows in ("month", "quarter") and grain != "month":
        step = GRAIN_LABELS[grain].lower()
        return f"one row per whole {step} in the period (none when the period is shorter)"
    return {"period": "one row per breakdown for the period",
            "month": "one row per month of the period",
            "quarter": "one row per quarter starting in the period",
            "to_date": "from the start of the extract to the end of the period"}[spec.rows]


def _not_applied_text(spec: SliceTable, filters: Filters) -> str:
    if spec.query is None:
        return ""
    missing = filters.not_applied_to(spec.source)
    return f"; not applied (the data does not carry them): {', '.join(missing)}" if missing \
        else ""


# --- Files --------------------------------------------------------------------------------------

def measures(frame: pd.DataFrame) -> list[str]:
    """The measure columns of a tidy frame (those with a status companion)."""
    return [c for c in frame.columns if f"{c}{STATUS_SUFFIX}" in frame.columns]


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The tidy frame with each measure as text: the number, or its symbol where hidden."""
    shown = measures(frame)
    out = frame.drop(columns=[m + STATUS_SUFFIX for m in shown])
    for m in shown:
        out[m] = ["" if pd.isna(s) else  # a column of another table (stacked files)
                  figure_text(v, s, decimals=0 if _whole(v) else 1, grouping=False)
                  for v, s in zip(frame[m], frame[m + STATUS_SUFFIX])]
    return out


def _whole(value) -> bool:
    return pd.isna(value) or float(value).is_integer()


def stacked(slice_: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every table of the slice in one tidy frame, with a `table` column first; a column that
    is not part of a row's table is empty."""
    parts = [frame.assign(table=name) for name, frame in slice_.items()]
    if not parts:
        return pd.DataFrame(columns=["table", *BASE_COLUMNS])
    frame = pd.concat(parts, ignore_index=True)
    first = ["table", *BASE_COLUMNS]
    return frame[first + [c for c in frame.columns if c not in first]]


def to_csv(slice_: dict[str, pd.DataFrame], meta: Meta) -> bytes:
    """Tidy CSV, numbers with their status columns beside them, after a block of '#' comment
    lines holding the metadata (each note whole in one spreadsheet cell: _comment_line). Read
    it with pandas.read_csv(file, comment="#") (no cell of a slice holds a '#')."""
    notes = [f"CSE, Missing and Trafficked Hub: local slice. {meta.marking}.",
             "Read with pandas.read_csv(file, comment='#'); every table of the slice is stacked, "
             "named in the 'table' column."]
    notes += [f"{field + ': ' if field else '    '}{text}" for field, text in meta.lines()]
    return _csv(notes, numbers_as_text(stacked(slice_)))


def numbers_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The measures written as a program reads them: a whole number without decimals, others
    to one place, nothing where the figure is not shown (its status says why)."""
    out = frame.copy()
    for m in measures(frame):
        out[m] = ["" if pd.isna(v) else f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"
                  for v in frame[m]]
    return out


def _csv(notes: list[str], frame: pd.DataFrame) -> bytes:
    header = [_comment_line(note) for note in notes]
    body = frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
    # utf-8-sig so that Excel reads the marking's dash; pandas skips the byte-order mark.
    return ("\n".join(header) + "\n" + body).encode("utf-8-sig")


def _comment_line(text: str) -> str:
    """A CSV note that pandas (comment='#') skips and a spreadsheet keeps in one cell. Text with
    a comma or a quote goes quoted in a cell after a '#' cell: a spreadsheet would split it at
    its commas, and pandas would not skip a line that opens with a quote."""
    if "," not in text and '"' not in text:
        return f"# {text}"
    return '#,"' + text.replace('"', '""') + '"'


def to_parquet(slice_: dict[str, pd.DataFrame], meta: Meta) -> bytes:
    """The stacked tidy table with numbers numeric (null where hidden) and the symbols in the
    `<measure>_status` columns; the metadata in the file's key-value metadata (`hub.meta` as
    JSON, and each field as `hub.<field>`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(stacked(slice_), preserve_index=False)
    extra = {f"hub.{key}": (value if isinstance(value, str) else json.dumps(value))
             for key, value in meta.as_dict().items()}
    extra["hub.meta"] = json.dumps(meta.as_dict())
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           **{k.encode(): v.encode() for k, v in extra.items()}})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def to_excel(slice_: dict[str, pd.DataFrame], meta: Meta) -> bytes:
    """A 'Read me' sheet first (metadata, rules, legend, definitions), then one sheet per table:
    the marking and title on row 1, the header on row 2, figures from row 3 (the columns of
    the CSV and Parquet for that table: numbers as numbers, symbols in the status columns). Each sheet also carries the marking in its printed header and footer."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    readme = book.active
    readme.title = "Read me"
    readme.append(["CSE, Missing and Trafficked Hub: local slice"])
    readme["A1"].font = Font(bold=True, size=14)
    for field, text in meta.lines():
        readme.append([field, text])
        readme.cell(readme.max_row, 1).font = Font(bold=True)
    readme.append(["Sheets", ", ".join(_sheet_titles(slice_).values())])
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 120
    _mark_sheet(readme, meta.marking)
    for name, sheet_title in _sheet_titles(slice_).items():
        frame = slice_[name]
        sheet = book.create_sheet(sheet_title)
        sheet.append([f"{meta.marking}. {TABLES_BY_NAME[name].title}: {meta.locality}, "
                      f"{meta.period}. Symbols and rules: see Read me."])
        sheet["A1"].font = Font(bold=True)
        sheet.append(list(frame.columns))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else v for v in row])
        for column in ("A", "B"):
            for cell in sheet[column][2:]:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A3"
        for i, column in enumerate(frame.columns):
            sheet.column_dimensions[_column_letter(i)].width = max(12, len(str(column)) + 2)
        _mark_sheet(sheet, meta.marking)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _mark_sheet(sheet, text: str) -> None:
    sheet.oddHeader.center.text = text
    sheet.oddFooter.center.text = text


def _sheet_titles(slice_: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Sheet names: the table titles, within Excel's 31 characters and allowed characters."""
    return {name: re.sub(r"[\[\]:*?/\\]", "", TABLES_BY_NAME[name].title)[:31].rstrip()
            for name in slice_}


RENDERERS = {"csv": to_csv, "xlsx": to_excel, "parquet": to_parquet}


def render(slice_: dict[str, pd.DataFrame], meta: Meta, fmt: str) -> bytes:
    return RENDERERS[fmt](slice_, meta)


def rows(slice_: dict[str, pd.DataFrame]) -> int:
    return sum(len(frame) for frame in slice_.values())


def file_name(locality: str, filters: Filters, fmt: str) -> str:
    """e.g. 'melton-2019-04-to-2019-09-local-slice.xlsx'; '-filtered' when restrictions other
    than the locality apply (sex, age band, exploitation type)."""
    slug = re.sub(r"[^a-z0-9]+", "-", locality.lower()).strip("-")
    filtered = "-filtered" if filters.extra() else ""
    return (f"{slug}-{filters.month_from:%Y-%m}-to-{filters.month_to:%Y-%m}-local-slice"
            f"{filtered}.{fmt}")


class DownloadRefused(RuntimeError):
    """The download could not be logged, so it is not given (disclosure.md rule 6)."""


def download(db: Database, filters: Filters, audience: Audience, threshold: int,
             slice_: dict[str, pd.DataFrame] | Callable[[], dict[str, pd.DataFrame]], fmt: str,
             audit_dir, *, person: Person, now: dt.datetime | None = None) -> bytes:
    """What a download button gives on click: the file in `fmt`, made now and logged first.
    `slice_` is the protected slice (build_slice with the same filters as the previews), or
    the call that builds it (the page builds it on click only)."""
    if callable(slice_):
        slice_ = slice_()
    meta = describe(db, filters, audience, threshold, list(slice_), produced_at=now)
    data = render(slice_, meta, fmt)
    problem = audit.record(audit_dir, audience, description(meta, list(slice_)), fmt,
                           rows(slice_), meta.extract_id, now=now, person=person,
                           file_name=file_name(locality_name(db, filters), filters, fmt))
    if problem:
        raise DownloadRefused(f"Download refused: {problem}")
    return data


# --- The hub lead's lists ----------------------------------------------------------------------

def restrictions_text(restrictions: dict[str, tuple[str, ...]]) -> list[str]:
    """['Locality: Melton', 'Sex: Male'] for people to read (files and the download log)."""
    return [f"{FILTER_LABELS[key]}: {', '.join(label(v) for v in values)}"
            for key, values in restrictions.items()]


def list_description(title: str, db: Database, filters: Filters) -> str:
    """A list, as the download log names it: which list, as of when, for which filters."""
    return "; ".join([f"{title}, as of {db.info.coverage_end:%d %b %Y}",
                      *restrictions_text(filters.restrictions())])


def list_file_name(title: str, db: Database) -> str:
    """e.g. 'children-awaiting-a-strategy-meeting-2019-09-30.csv'."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{slug}-{db.info.coverage_end:%Y-%m-%d}.csv"


def list_viewed(title: str, db: Database, filters: Filters, audience: Audience, rows: int,
                audit_dir, *, person: Person, now: dt.datetime | None = None) -> str | None:
    """Log that a list was opened on screen (format 'screen'); None, or why it could not be."""
    if audience.protected:
        return "lists are for the hub lead only"
    return audit.record(audit_dir, audience, list_description(title, db, filters), "screen",
                        rows, db.info.extract_id, now=now, person=person)


def list_download(frame: pd.DataFrame, title: str, db: Database, filters: Filters,
                  audience: Audience, audit_dir, *, person: Person,
                  now: dt.datetime | None = None) -> bytes:
    """A hub lead's list as a CSV marked OFFICIAL-SENSITIVE, logged before it is given."""
    if audience.protected:
        raise DownloadRefused("Download refused: lists are for the hub lead only")
    made = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    notes = [f"CSE, Missing and Trafficked Hub: {title}. {MARKING_SENSITIVE}.",
             f"As of {db.info.coverage_end:%d %b %Y}, the end of extract {db.info.extract_id}; "
             f"file produced at {made:%Y-%m-%dT%H:%M:%SZ} for {audience}.",
             f"Filters: {'; '.join(restrictions_text(filters.restrictions())) or 'none'}.",
             "Pseudonymised children: for the hub lead's casework, not for onward sharing."]
    data = _csv(notes, frame)
    problem = audit.record(audit_dir, audience, list_description(title, db, filters), "csv",
                           len(frame), db.info.extract_id, file_name=list_file_name(title, db),
                           now=now, person=person)
    if problem:
        raise DownloadRefused(f"Download refused: {problem}")
    return data


def description(meta: Meta, tables: list[str]) -> str:
    """What a download holds, in one line, for the audit log."""
    return (f"{meta.locality}; {meta.period}; {meta.filters}; tables: "
            f"{', '.join(tables)}")
