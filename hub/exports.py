"""Local slices: protected figure tables for one locality and period, as tidy files.

A slice is a dict {table name: tidy frame}. A tidy frame has one row per period, locality and
breakdown: columns period_start, period_end, locality, the breakdown columns, then each measure
as a number (NA where not shown) followed by `<measure>_status` ("" or a symbol). Every figure
comes through hub.outputs (`protect`, `headline_cards`), so a file holds exactly the figures the
same audience sees on screen. The three writers add what disclosure.md rule 6 asks of a
download: the rules applied, the filters, the extract id, the time made, the symbol legend, and
the marking (OFFICIAL-SENSITIVE and "not for onward sharing" for the hub lead's unprotected
figures).

A partnership (csp) gets its own locality's rows and, below them in each table, extra rows of
county totals (locality COUNTY). The county figures are protected as usual and also against
differencing: a county figure is `[c]` when it minus the locality's would be a small number, or
would give away a hidden one.

No Streamlit here: the Local slices page calls these functions, and tests call them directly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from hub import audit, outputs, queries
from hub.audience import Audience
from hub.contract import LOCALITIES, label
from hub.database import Database
from hub.disclosure import CONFIDENTIAL, NOT_AVAILABLE, SHOWN, STATUS_SUFFIX, SYMBOLS, is_small
from hub.filters import APPLIES_TO, FILTER_LABELS, Filters, add_months, month_end

COUNTY = "Leicestershire (county)"
MARKING_OFFICIAL = "OFFICIAL"
MARKING_SENSITIVE = "OFFICIAL-SENSITIVE — not for onward sharing"
FORMATS = {  # extension -> (name for people, MIME type)
    "csv": ("CSV", "text/csv"),
    "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
}
BASE_COLUMNS = ("period_start", "period_end", "locality")
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


@dataclass(frozen=True)
class SliceTable:
    name: str
    title: str
    query: Callable[[Database, Filters], queries.Result] | None  # None: the headline figures
    source: str  # the extract table it reads (for filters not applied); "" for the headline
    rows: str  # the period of a row: "period", "month", "quarter" or "to_date" (period end)
    breakdown: dict[str, str]  # query column -> tidy column (codes become labels)
    measures: dict[str, str]  # tidy measure column -> its definition


_EPISODES = "missing episodes starting in the row's period"
TABLES: tuple[SliceTable, ...] = (
    SliceTable("headline", "Headline figures", None, "", "period", {},
               {"value": "the headline figure for the row's period (the period chosen, and the "
                         "comparison period before it); definitions below"}),
    SliceTable("referral_breakdown", "Referrals by breakdown", queries.referral_breakdown,
               "referrals", "period", {"dimension": "breakdown", "category": "category"},
               {"referrals": "referrals whose referral date is in the period"}),
    SliceTable("referrals_by_month", "Referrals by month", queries.referrals_by_month,
               "referrals", "month",
               {"dimension": "breakdown", "category": "category"},
               {"referrals": "referrals whose referral date is in the month"}),
    SliceTable("missing_by_month", "Missing episodes by month", queries.missing_by_month,
               "missing_episodes", "month", {},
               {"episodes": _EPISODES,
                "children": "distinct children with a missing episode starting in the month"}),
    SliceTable("episode_breakdown", "Missing episodes by breakdown", queries.episode_breakdown,
               "missing_episodes", "period", {"dimension": "breakdown", "category": "category"},
               {"episodes": _EPISODES}),
    SliceTable("return_interviews_by_month", "Return home interviews by month",
               queries.return_interviews_by_month, "missing_episodes", "month", {},
               {"ended_episodes": "missing episodes ending (the child returned) in the month",
                "rhi_offered": "of those, episodes where a return home interview was offered",
                "rhi_within_72h": "of those, episodes with a return home interview completed "
                                  "within 72 hours of return",
                "rhi_offered_pct": "rhi_offered as a percentage of ended_episodes",
                "rhi_within_72h_pct": "rhi_within_72h as a percentage of ended_episodes"}),
    SliceTable("repeat_missing_by_month", "Repeat missing by month",
               queries.repeat_missing_by_month, "missing_episodes", "month", {},
               {"triggered_children": "children with a repeat-missing trigger in the month "
                                      "(by default 3 or more missing episode starts within "
                                      "90 days; a setting)",
                "met_within_14_days": "of those, children with a strategy meeting within 14 "
                                      "days of their first trigger in the month",
                "met_within_14_days_pct": "met_within_14_days as a percentage of "
                                          "triggered_children"}),
    SliceTable("lionheart_reviews", "Lionheart outcomes by review",
               queries.lionheart_reviews, "lionheart_cohort", "to_date",
               {"review": "review", "measure": "breakdown", "category": "category"},
               {"people": "cohort members with this outcome at the review, among reviews held "
                          "by the end of the period",
                "reviewed": "cohort members reviewed at that review by the end of the period",
                "people_pct": "people as a percentage of reviewed"}),
    SliceTable("prevention_breakdown", "Prevention by breakdown",
               queries.prevention_breakdown, "prevention_sessions", "period",
               {"dimension": "breakdown", "category": "category"},
               {"sessions": "prevention sessions delivered in the period",
                "participants": "sum of participants at those sessions (attendances, not "
                                "distinct children, so never suppressed)"}),
    SliceTable("pursue_by_quarter", "Perpetrator action by quarter",
               queries.pursue_by_quarter, "pursue_outcomes", "quarter", {"measure": "breakdown"},
               {"number": "arrests, charges, convictions, abduction warning notices or "
                          "compensation awards in the quarter (county-wide)"}),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}

HEADLINE_DEFINITIONS = {  # the board's headline figures, in words (one per HEADLINES label)
    "Referrals": "referrals whose referral date is in the period",
    "Male referrals (%)": "of those referrals, the share of boys",
    "Joint CSE & CCE referrals": "of those referrals, the number for joint CSE and CCE",
    "CCE referrals from youth justice (%)": "of the period's CCE and joint referrals, the "
                                            "share referred by youth justice",
    "Missing episodes": "missing episodes starting in the period",
    "Children missing": "distinct children among those episodes",
    "Children missing once (%)": "of those children, the share with exactly one episode "
                                 "starting in the period",
    "Episodes from care, placed by other councils (%)": "of the period's episodes from care, "
                                                        "the share of children placed by "
                                                        "other councils",
    "Repeat-missing triggers": "children with at least one repeat-missing trigger in the "
                               "period (3 or more episode starts within 90 days)",
    "Strategy meetings within 14 days (%)": "of those children, the share with a strategy "
                                            "meeting within 14 days of their first trigger",
    "Return interviews offered (%)": "of episodes ending in the period, the share offered a "
                                     "return home interview",
    "Return interviews within 72 hours (%)": "of episodes ending in the period, the share "
                                             "with a return home interview within 72 hours",
    "Lionheart cohort": "people in the Operation Lionheart cohort identified by the end of "
                        "the period",
    "Lionheart engaged at latest review (%)": "of the cohort reviewed by the end of the "
                                              "period, the share engaged with support at "
                                              "their latest review",
    "Prevention participants": "sum of participants at prevention sessions in the period "
                               "(attendances, never suppressed)",
    "Convictions": "convictions in quarters starting in the period (county-wide)",
}


# --- Building a slice -------------------------------------------------------------------------

def slice_filters(filters: Filters, audience: Audience, locality: str | None) -> Filters:
    """The filters of a slice: the page's filters with the locality chosen (None = county).
    A partnership always gets its own locality, whatever was asked for."""
    if audience.kind == "csp":
        return replace(filters, locality=(audience.locality,))
    return replace(filters, locality=(locality,) if locality else ())


def locality_name(db: Database, filters: Filters) -> str:
    if not filters.locality:
        return COUNTY
    return " and ".join(db.reference.locality_name(code) for code in filters.locality)


def build_slice(db: Database, filters: Filters, audience: Audience, threshold: int,
                tables: list[str]) -> dict[str, pd.DataFrame]:
    """{table name: tidy protected frame} for the filters' locality (all = the county) and
    period, in the order of TABLES. A partnership gets its own locality only, with county
    totals (rows whose locality is COUNTY) protected against differencing with its own."""
    if audience.kind == "csp":
        filters = replace(filters, locality=(audience.locality,))
    # As on screen (quarterly trends for one district); the county totals in the extra rows
    # of a partnership's slice then come at the same grain.
    filters = outputs.for_audience(filters, audience)
    out = {}
    for spec in TABLES:
        if spec.name in tables:
            build = _headline_table if spec.query is None else _figure_table
            frame = build(db, spec, filters, audience, threshold)
            out[spec.name] = (_own_locality_only(frame, audience) if audience.kind == "csp"
                              else frame)
    return out


def _figure_table(db: Database, spec: SliceTable, filters: Filters, audience: Audience,
                  threshold: int) -> pd.DataFrame:
    result, protected = outputs.protected(spec.query, db, filters, audience, threshold)
    by_locality = spec.source in APPLIES_TO["locality"]
    frame = _tidy(spec, result, protected, filters,
                  locality_name(db, filters) if by_locality else COUNTY, db.info.coverage_start)
    if audience.kind != "csp" or not by_locality:  # a county-wide table is the county's already
        return frame
    county = replace(filters, locality=())
    marked = _mark_differences(spec.query(db, county), result, protected, threshold)
    return pd.concat([frame, _tidy(spec, marked, outputs.protect(marked, audience, threshold),
                                   county, COUNTY, db.info.coverage_start)], ignore_index=True)


def _headline_table(db: Database, spec: SliceTable, filters: Filters, audience: Audience,
                    threshold: int) -> pd.DataFrame:
    own_raw = queries.headline_figures(db, filters)
    hidden = outputs.hidden_in_cube(db, own_raw, filters, audience, threshold)
    frame = _tidy_headline(own_raw, filters, audience, threshold, locality_name(db, filters),
                           hidden)
    if audience.kind != "csp":
        return frame
    county = replace(filters, locality=())
    county_raw = queries.headline_figures(db, county)
    county_frame = _guard_headline(_tidy_headline(county_raw, county, audience, threshold,
                                                  COUNTY), county_raw, own_raw, frame, threshold)
    # County-wide figures (convictions) are in already, as the county's: not twice.
    by_locality = county_raw["table"].isin(APPLIES_TO["locality"]).to_numpy()
    return pd.concat([frame, county_frame[np.repeat(by_locality, 2)]], ignore_index=True)


def _counted(result: queries.Result) -> list[str]:
    """The columns disclosure control treats as counts (a rate's counts included)."""
    return list(dict.fromkeys([*result.counts, *(r.numerator for r in result.rates),
                               *(r.denominator for r in result.rates
                                 if r.denominator_is_count)]))


def _tidy(spec: SliceTable, result: queries.Result, protected: pd.DataFrame, filters: Filters,
          locality: str, coverage_start: dt.date) -> pd.DataFrame:
    frame = protected
    if spec.rows in ("month", "quarter"):
        # The dashboard protects the whole series (extract start to period end); the slice
        # keeps the figures of the period's months or quarters, exactly as shown there. A
        # monthly table comes by quarter for one district (outputs.for_audience).
        time = result.time
        start = pd.to_datetime(frame[time]).dt.date
        keep = ((start >= filters.start) & (start <= filters.end)).to_numpy()
        frame, start = frame[keep], list(start[keep])
        months = 1 if time == "month" else 3
        end = [month_end(add_months(s, months - 1)) for s in start]
    else:
        start = coverage_start if spec.rows == "to_date" else filters.start
        end = filters.end
    out = pd.DataFrame({"period_start": start, "period_end": end, "locality": locality},
                       index=range(len(frame)))
    for column, tidy in spec.breakdown.items():
        out[tidy] = [_breakdown_label(v) if tidy == "breakdown" else label(v)
                     for v in frame[column]]
    rates = {r.out for r in result.rates}
    for measure in spec.measures:
        values = pd.to_numeric(frame[measure]).to_numpy(dtype=float, na_value=np.nan)
        if measure in rates:
            out[measure] = pd.array(np.round(values, 1), dtype="Float64")
        else:
            out[measure] = pd.array(np.round(values), dtype="Float64").astype("Int64")
        status = (frame[measure + STATUS_SUFFIX].fillna(SHOWN).astype(str).to_numpy()
                  if measure + STATUS_SUFFIX in frame
                  else np.full(len(frame), SHOWN, dtype=object))
        status = np.where((status == SHOWN) & np.isnan(values), NOT_AVAILABLE, status)
        out[measure + STATUS_SUFFIX] = status
    return out


def _breakdown_label(code) -> str:
    return "Locality" if code == "locality_code" else label(code)


_SIDES = (("numerator", "denominator"), ("comparison_numerator", "comparison_denominator"))


def _tidy_headline(figures: pd.DataFrame, filters: Filters, audience: Audience, threshold: int,
                   locality: str, hidden: frozenset = frozenset()) -> pd.DataFrame:
    """Each headline figure twice: for the period and for the comparison period before it."""
    cards = outputs.headline_cards(figures, filters, audience, threshold, hidden)
    before = filters.comparison()
    rows = []
    for card, table in zip(cards, figures["table"]):  # HEADLINES order (_guard_headline)
        # A county-wide figure (convictions) is the county's, whatever locality was chosen.
        where = locality if table in APPLIES_TO["locality"] else COUNTY
        for (start, end), number, text in (((filters.start, filters.end), card.number,
                                            card.value),
                                           ((before.start, before.end),
                                            card.comparison_number, card.comparison)):
            rows.append({"period_start": start, "period_end": end, "locality": where,
                         "figure": card.label,
                         "unit": "percentage" if card.is_share else "number",
                         "filters_not_applied": ", ".join(card.not_applied),
                         "value": np.nan if number is None else round(number, 1),
                         "value" + STATUS_SUFFIX: SHOWN if number is not None else text})
    return pd.DataFrame(rows).astype({"value": "Float64"})


# --- County totals in extra rows below a partnership's own ------------------------------------

def _mark_differences(county: queries.Result, own: queries.Result, own_protected: pd.DataFrame,
                      threshold: int) -> queries.Result:
    """The county result with each count pre-marked [c] where the county figure minus the
    locality's is 1 to threshold (the rest of the county would be a small number), or is 0 while
    the locality's figure is hidden (the county figure would give it away). Disclosure control
    then adds primary and secondary suppression as usual."""
    keys = [*county.by, *county.dims]
    counts = _counted(county)
    own_values = own.frame[keys + counts].rename(columns={c: c + "@own" for c in counts})
    own_status = own_protected[keys + [c + STATUS_SUFFIX for c in counts]].rename(
        columns={c + STATUS_SUFFIX: c + "@own_status" for c in counts})
    merged = county.frame.reset_index(drop=True)
    for part in (own_values, own_status):
        merged = (merged.merge(part, on=keys, how="left") if keys
                  else pd.concat([merged, part.reset_index(drop=True)], axis=1))
    marked = county.frame.reset_index(drop=True).copy()
    for c in counts:
        rest = merged[c].to_numpy(dtype=float) - merged[c + "@own"].fillna(0).to_numpy(float)
        own_hidden = merged[c + "@own_status"].eq(CONFIDENTIAL).to_numpy()
        small = is_small(rest, threshold) | ((rest == 0) & own_hidden)
        marked[c + STATUS_SUFFIX] = np.where(small, CONFIDENTIAL, SHOWN)
    return replace(county, frame=marked)


def _guard_headline(county: pd.DataFrame, county_raw: pd.DataFrame, own_raw: pd.DataFrame,
                    own: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The same differencing rule for the county's headline figures (counts of people only)."""
    hide = []
    for county_row, own_row in zip(county_raw.itertuples(), own_raw.itertuples()):
        for side in _SIDES:
            own_hidden = own["value" + STATUS_SUFFIX].iat[len(hide)] == CONFIDENTIAL
            rests = [getattr(county_row, c) - getattr(own_row, c) for c in side
                     if not pd.isna(getattr(county_row, c))]
            hide.append(bool(county_row.is_count) and (
                any(0 < r <= threshold for r in rests)
                or (own_hidden and all(r == 0 for r in rests))))
    county = county.copy()
    hide = np.array(hide) & (county["value" + STATUS_SUFFIX] == SHOWN).to_numpy()
    county.loc[hide, "value"] = pd.NA
    county.loc[hide, "value" + STATUS_SUFFIX] = CONFIDENTIAL
    return county


def _own_locality_only(frame: pd.DataFrame, audience: Audience) -> pd.DataFrame:
    """Drop rows about another district (the county's breakdown by locality) for a csp."""
    others = {name for code, name in LOCALITIES.items() if code != audience.locality}
    keep = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            keep &= ~frame[column].isin(others).to_numpy()
    return frame[keep].reset_index(drop=True)


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
    """The rules the figures of a file were protected by, in words."""
    if not audience.protected:
        return ("Unprotected operational figures for the hub lead: no small-number suppression "
                "was applied. [z] marks a percentage whose denominator is 0.",
                f"{MARKING_SENSITIVE}: the figures include small numbers that could identify "
                "a child. Figures for anyone else must come from a board or partnership "
                "download, which is protected.")
    stated = [
        f"Primary: a count of 1 to {threshold} children, episodes, referrals, people or "
        "sessions is shown as [c]. Zero is shown as 0.",
        "Secondary: where a row, column or series (with its total) holds exactly one [c], the "
        "next smallest figure is shown as [c] too, repeated until no hidden figure can be "
        "worked out by subtraction from a total.",
        f"Derived: a percentage or rate is [c] when its numerator or denominator is 1 to "
        f"{threshold}, when they differ by 1 to {threshold}, or when a count it is made from is "
        "hidden; it is [z] when the denominator is 0.",
        "Participants at prevention sessions are attendances, not people, and are not "
        "suppressed.",
        "Monthly and quarterly figures were protected as the whole series the dashboard shows "
        "(from the start of the extract to the end of the period); this file holds those of "
        "the period, exactly as shown on screen.",
    ]
    if audience.kind == "csp":
        stated.append(f"County totals: each table's rows for {locality} are followed by extra "
                      f"rows of the same figures for {COUNTY}. A county figure is also [c] when "
                      f"it minus {locality}'s figure would be 1 to {threshold}, or would reveal "
                      f"a hidden figure of {locality}. Rows about other districts are left out.")
    return tuple(stated)


def describe(db: Database, filters: Filters, audience: Audience, threshold: int,
             tables: list[str], *, produced_at: dt.datetime | None = None) -> Meta:
    """The metadata of a slice file. `filters` are the slice's (see slice_filters)."""
    if audience.kind == "csp":
        filters = replace(filters, locality=(audience.locality,))
    name = locality_name(db, filters)
    grain = outputs.for_audience(filters, audience).trend_grain
    produced_at = produced_at or dt.datetime.now(dt.timezone.utc)
    restrictions = [f"{FILTER_LABELS[key]}: {', '.join(label(v) for v in values)}"
                    for key, values in filters.restrictions().items() if key != "locality"]
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
        definitions += [(f"{spec.name}.{m}", meaning) for m, meaning in spec.measures.items()]
        if spec.query is None:
            definitions += [(f"headline '{figure}'", meaning)
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
        rules=rules(audience, threshold, name), legend=tuple(SYMBOLS.items()),
        definitions=tuple(definitions))


def _rows_text(spec: SliceTable, grain: str) -> str:
    if spec.query is None:
        return "one row per figure for the period, and one for the comparison period before it"
    if spec.rows == "month" and grain == "quarter":
        return ("one row per quarter starting in the period: one district's months are too "
                "small to show")
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
        out[m] = [_text(v, s) for v, s in zip(frame[m], frame[m + STATUS_SUFFIX])]
    return out


def _text(value, status) -> str:
    if pd.isna(status):  # a column of another table (stacked files)
        return ""
    if status not in (SHOWN, "[u]"):
        return status
    if pd.isna(value):
        return NOT_AVAILABLE
    text = str(int(value)) if float(value).is_integer() else f"{float(value):.1f}"
    return f"{text} {status}" if status else text


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
    """Tidy CSV, symbols as text, after a block of '#' comment lines holding the metadata (each
    note whole in one spreadsheet cell: _comment_line). Read it with
    pandas.read_csv(file, comment="#") (no cell of a slice holds a '#')."""
    notes = [f"CSE, Missing and Trafficked Hub: local slice. {meta.marking}.",
             "Read with pandas.read_csv(file, comment='#'); every table of the slice is stacked, "
             "named in the 'table' column."]
    notes += [f"{field + ': ' if field else '    '}{text}" for field, text in meta.lines()]
    header = [_comment_line(note) for note in notes]
    body = as_text(stacked(slice_)).to_csv(index=False, date_format="%Y-%m-%d",
                                           lineterminator="\n")
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
    the marking and title on row 1, the header on row 2, figures from row 3 (numbers as numbers,
    symbols as text). Each sheet also carries the marking in its printed header and footer."""
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
        frame = as_text_cells(slice_[name])
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


def as_text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """For a spreadsheet: each measure a number where shown, else its symbol (object column)."""
    shown = measures(frame)
    out = frame.drop(columns=[m + STATUS_SUFFIX for m in shown])
    for m in shown:
        out[m] = pd.Series([
            (status or NOT_AVAILABLE) if status not in (SHOWN, "[u]") or pd.isna(value)
            else (int(value) if float(value).is_integer() else float(value))
            for value, status in zip(frame[m], frame[m + STATUS_SUFFIX])], dtype=object)
    return out


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
    filtered = "-filtered" if set(filters.restrictions()) - {"locality"} else ""
    return (f"{slug}-{filters.month_from:%Y-%m}-to-{filters.month_to:%Y-%m}-local-slice"
            f"{filtered}.{fmt}")


class DownloadRefused(RuntimeError):
    """The download could not be logged, so it is not given (disclosure.md rule 6)."""


def download(db: Database, filters: Filters, audience: Audience, threshold: int,
             slice_: dict[str, pd.DataFrame], fmt: str, audit_dir, *,
             now: dt.datetime | None = None) -> bytes:
    """What a download button gives on click: the file in `fmt`, made now and logged first.
    `slice_` is the protected slice already previewed (build_slice with the same filters)."""
    meta = describe(db, filters, audience, threshold, list(slice_), produced_at=now)
    data = render(slice_, meta, fmt)
    problem = audit.record(audit_dir, audience, description(meta, list(slice_)), fmt,
                           rows(slice_), meta.extract_id, now=now,
                           file_name=file_name(locality_name(db, filters), filters, fmt))
    if problem:
        raise DownloadRefused(f"Download refused: {problem}")
    return data


def description(meta: Meta, tables: list[str]) -> str:
    """What a download holds, in one line, for the audit log."""
    return (f"{meta.locality}; {meta.period}; {meta.filters}; tables: "
            f"{', '.join(tables)}")
