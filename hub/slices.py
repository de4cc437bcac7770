"""Local slices: protected figure tables for one locality and period, to take away.

A slice is a dict {table name: tidy frame}. A tidy frame has one row per period, locality and
breakdown: columns period_start, period_end, locality, the breakdown columns, then each measure
as a number (NA where not shown) followed by `<measure>_status` ("" or a symbol). Every figure
comes through hub.outputs (`protected`, `headline`), so a slice holds exactly the figures the
same audience sees on screen. hub.exports writes a slice as files.

A partnership (csp) gets its own locality's rows and, below them in each table, extra rows of
county totals (locality COUNTY), protected by the same rules: perturbed figures cannot be
differenced into a hidden one (docs/disclosure.md).

No Streamlit here: the Local slices page calls these functions, and tests call them directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from hub import outputs, queries
from hub.audience import Audience
from hub.contract import LOCALITIES, label
from hub.database import Database
from hub.disclosure import STATUS_SUFFIX
from hub.filters import APPLIES_TO, GRAIN_MONTHS, Filters, add_months, month_end
from hub.formatting import NOT_AVAILABLE, SHOWN

COUNTY = "Leicestershire (county)"
BASE_COLUMNS = ("period_start", "period_end", "locality")


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
                                      "({trigger})",
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
                                "distinct children: not perturbed, but [c] beside sessions "
                                "that are [c] or 0)"}),
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
                               "period ({trigger})",
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
                               "(attendances, not people: scaled with the sessions' adjustment)",
    "Convictions": "convictions in quarters starting in the period (county-wide)",
}


def trigger_text(db: Database) -> str:
    """The repeat-missing rule in words, from the settings the extract was opened with."""
    return (f"{db.repeat_threshold} or more missing episode starts within "
            f"{db.repeat_window_days} days")


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
    result, protected = outputs.protected(spec.query, db, filters, audience, threshold,
                                          complete=True)
    by_locality = spec.source in APPLIES_TO["locality"]
    frame = _tidy(spec, result, protected, filters,
                  locality_name(db, filters) if by_locality else COUNTY, db.info.coverage_start)
    if audience.kind != "csp" or not by_locality:  # a county-wide table is the county's already
        return frame
    county = replace(filters, locality=())
    county_result, county_protected = outputs.protected(spec.query, db, county, audience,
                                                        threshold, complete=True)
    return pd.concat([frame, _tidy(spec, county_result, county_protected, county, COUNTY,
                                   db.info.coverage_start)], ignore_index=True)


def _headline_table(db: Database, spec: SliceTable, filters: Filters, audience: Audience,
                    threshold: int) -> pd.DataFrame:
    frame = _tidy_headline(outputs.headline(db, filters, audience, threshold), filters,
                           locality_name(db, filters))
    if audience.kind != "csp":
        return frame
    county = replace(filters, locality=())
    cards = outputs.headline(db, county, audience, threshold)
    # County-wide figures (convictions) are in already, as the county's: not twice.
    by_locality = [h.table in APPLIES_TO["locality"] for h in queries.HEADLINES]
    county_frame = _tidy_headline(cards, county, COUNTY)
    return pd.concat([frame, county_frame[np.repeat(by_locality, 2)]], ignore_index=True)


def _tidy(spec: SliceTable, result: queries.Result, protected: pd.DataFrame, filters: Filters,
          locality: str, coverage_start: dt.date) -> pd.DataFrame:
    frame = protected
    if spec.rows in ("month", "quarter"):
        # The slice keeps the steps of the trend in the period, exactly as shown on screen
        # (by quarter or half-year for protected audiences: outputs.for_audience).
        time = result.time
        start = pd.to_datetime(frame[time]).dt.date
        keep = ((start >= filters.start) & (start <= filters.end)).to_numpy()
        frame, start = frame[keep], list(start[keep])
        months = GRAIN_MONTHS[time]
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


def _tidy_headline(cards: list[outputs.Card], filters: Filters, locality: str) -> pd.DataFrame:
    """Each headline figure twice: for the period and for the comparison period before it."""
    before = filters.comparison()
    rows = []
    for card, h in zip(cards, queries.HEADLINES):
        # A county-wide figure (convictions) is the county's, whatever locality was chosen.
        where = locality if h.table in APPLIES_TO["locality"] else COUNTY
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


def _own_locality_only(frame: pd.DataFrame, audience: Audience) -> pd.DataFrame:
    """Drop rows about another district (the county's breakdown by locality) for a csp."""
    others = {name for code, name in LOCALITIES.items() if code != audience.locality}
    keep = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            keep &= ~frame[column].isin(others).to_numpy()
    return frame[keep].reset_index(drop=True)

