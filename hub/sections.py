"""A figure section: what a page's figure block shows, built without Streamlit.

A section holds one protected figure table in every form a person reads it: its title, the
one-line summary, the chart (from the one chart factory), the table as text, the event key in
words and the notes beside the chart. Slide packs and reports (hub.reports) are made of
sections, so a file shows exactly what the page shows for the same audience and view: the
same query through `hub.outputs.protected`, the same summary, the same table.

KEY_CHARTS names the charts a meeting takes away (issue 12), each as its page draws it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from hub import outputs, queries
from hub.audience import Audience
from hub.charts import chart, events_caption
from hub.contract import label
from hub.database import Database
from hub.disclosure import display
from hub.filters import Filters
from hub.formatting import places
from hub.summaries import breakdown_summary, trend_summary, when

GRAIN_NOTES = {  # why a protected trend does not step by month (outputs.for_audience)
    "quarter": "By quarter: figures for the board and partnerships are given for whole "
               "financial quarters.",
    "half": "By half-year: most of one district's quarterly figures would be too small to show.",
}
HIDDEN_NOTE = ("Gaps and [c] are small numbers hidden to protect children's identities (see "
               "About).")
ALL_HIDDEN_NOTE = ("Every figure in this chart is hidden [c]: the numbers are too small to show "
                   "without risk of identifying a child.")
NO_FIGURES_NOTE = "No figures for these filters."


@dataclass(frozen=True)
class ChartSpec:
    """A chart as its page's figure_block draws it (same arguments, same meaning)."""
    key: str  # the page's chart key
    page: str  # the app_pages file it is on
    query: Callable[[Database, Filters], queries.Result]
    title: str
    x: str
    y: str
    kind: str = "bar"
    series: str | None = None
    percent: bool = False
    trend: bool = False
    horizontal: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    measures: dict[str, str] | None = None
    decimals: int | None = None
    where: dict[str, str] = field(default_factory=dict)  # rows kept, e.g. dimension='sex'


KEY_CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("referrals_type_trend", "referrals", queries.referrals_by_month,
              "Referrals by month and exploitation type", "month", "referrals", "line",
              series="category", trend=True, where={"dimension": "exploitation_type"}),
    ChartSpec("referrals_male_share", "referrals", queries.male_share_by_quarter,
              "Boys as a share of referrals, by quarter", "quarter", "male_pct", "line",
              percent=True, trend=True,
              headers={"male_pct": "Male referrals (%)", "quarter": "Quarter"}),
    ChartSpec("referrals_source", "referrals", queries.referrals_by_source_and_type,
              "Referrals by source and exploitation type", "referral_source", "referrals",
              "stack", series="exploitation_type", horizontal=True),
    ChartSpec("missing_trend", "missing", queries.missing_by_month,
              "Missing episodes and children by month", "month", "episodes", "line",
              trend=True, measures={"episodes": "Episodes", "children": "Children"}),
    ChartSpec("missing_once_trend", "missing", queries.missing_once_by_quarter,
              "Children missing only once in the quarter (%)", "quarter", "missing_once_pct",
              "line", percent=True, trend=True,
              headers={"missing_once_pct": "Missing once (%)", "quarter": "Quarter"}),
    ChartSpec("repeat_meeting_trend", "missing", queries.repeat_missing_by_month,
              "Strategy meetings within 14 days of the trigger (%)", "month",
              "met_within_14_days_pct", "line", percent=True, trend=True,
              headers={"met_within_14_days_pct": "Within 14 days (%)"}),
    ChartSpec("rhi_trend", "missing", queries.return_interviews_by_month,
              "Return home interviews by month of return", "month", "rhi_offered_pct", "line",
              percent=True, trend=True,
              measures={"rhi_offered_pct": "Offered (%)",
                        "rhi_within_72h_pct": "Done within 72 hours (%)"}),
    ChartSpec("lionheart_engaged_with_support", "lionheart", queries.lionheart_reviews,
              "Engaged with support (%)", "review", "people_pct", "bar", percent=True,
              headers={"review": "Review", "people_pct": "Yes (%)"},
              where={"measure": "engaged_with_support", "category": "yes"}),
    ChartSpec("prevention_trend", "prevention_pursuit", queries.prevention_by_quarter,
              "Participants by quarter and programme", "quarter", "participants", "stack",
              series="programme", trend=True),
    ChartSpec("pursue_trend", "prevention_pursuit", queries.pursue_by_quarter,
              "Action against perpetrators by quarter", "quarter", "number", "group",
              series="measure", trend=True),
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    summary: str  # the one-line summary, written from the protected figures only
    events: str  # the numbered event markers in words ("" when none are drawn)
    notes: tuple[str, ...]  # what the page says under the chart (grain, hidden, not applied)
    table: pd.DataFrame  # the chart's figures as text, exactly as the page's table view
    frame: pd.DataFrame  # the protected figures the chart is drawn from
    figure: go.Figure | None  # None when there is nothing to draw (see notes)

    def table_lines(self) -> list[str]:
        """The table as lines of text: the header, then a row a line, cells joined by ' | '
        (a cell the table leaves empty, a category with none in a series, stays empty)."""
        rows = [list(map(str, self.table.columns))]
        rows += [["" if pd.isna(v) else str(v) for v in row]
                 for row in self.table.itertuples(index=False)]
        return [" | ".join(cells) for cells in rows]

    def alt_text(self) -> str:
        """Alt text for the chart image: what it is, what it shows, and every figure in it."""
        return "\n".join([f"Chart: {self.title}. {self.summary}",
                          *([self.events] if self.events else []), "Figures:",
                          *self.table_lines()])


def table_text(frame: pd.DataFrame, *, x: str, y: str, series: str | None, decimals: int,
               headers: dict[str, str]) -> pd.DataFrame:
    """The chart's figures as text, one row per x (a column per series)."""
    text = display(frame, [y], decimals={y: decimals})
    text[x] = [when(v, x) for v in text[x]]
    if series:
        text[series] = text[series].map(label)
        text = text.pivot(index=x, columns=series, values=y).reindex(
            index=list(dict.fromkeys(text[x])), columns=list(dict.fromkeys(text[series])))
        return text.reset_index().rename(columns={x: headers.get(x, label(x))})
    return text[[x, y]].rename(columns={x: headers.get(x, label(x)), y: headers.get(y, label(y))})


@dataclass(frozen=True)
class Prepared:
    """A chart's protected figures made ready to draw, as the screen and the files both do."""
    frame: pd.DataFrame
    x: str
    y: str
    series: str | None
    headers: dict[str, str]
    decimals: int
    summary: str
    events: pd.DataFrame | None  # the events within the trend's span (None: not a trend)
    period: tuple[dt.date, dt.date] | None

    def table(self) -> pd.DataFrame:
        return table_text(self.frame, x=self.x, y=self.y, series=self.series,
                          decimals=self.decimals, headers=self.headers)


def prepare(result: queries.Result, frame: pd.DataFrame, spec: ChartSpec, db: Database,
            filters: Filters) -> Prepared:
    """The protected `frame` of `result` narrowed by spec.where, with its axes, series,
    summary and events: the one route for page blocks (hub.ui.components) and files."""
    for column, value in spec.where.items():
        frame = frame[frame[column] == value].drop(columns=column)
    frame = frame.reset_index(drop=True)
    x = result.time if spec.trend and result.time else spec.x
    series, y, headers = spec.series, spec.y, dict(spec.headers)
    if spec.measures:
        frame, series, y = outputs.long_measures(frame, x, spec.measures), "measure", "value"
        headers = {"value": "Percentage" if spec.percent else "Number", **headers}
    decimals = places(spec.percent, spec.decimals)
    summary = (trend_summary if spec.trend else breakdown_summary)(
        frame, x=x, y=y, series=series, what=spec.title, percent=spec.percent,
        decimals=decimals)
    events, period = None, None
    if spec.trend:
        events = db.reference.events
        events = events[(events["date"] >= pd.Timestamp(frame[x].min()))
                        & (events["date"] <= pd.Timestamp(frame[x].max()))] \
            if not frame.empty else events.iloc[:0]
        period = (filters.start, filters.end)
    return Prepared(frame, x, y, series, headers, decimals, summary, events, period)


def section(db: Database, spec: ChartSpec, filters: Filters, audience: Audience,
            threshold: int) -> Section:
    """One chart of the view, protected for the audience, in every form a person reads it."""
    result, protected = outputs.protected(spec.query, db, filters, audience, threshold)
    ready = prepare(result, protected, spec, db, filters)
    frame, x, y, series, headers = ready.frame, ready.x, ready.y, ready.series, ready.headers
    decimals, summary, events, period = ready.decimals, ready.summary, ready.events, ready.period
    notes: list[str] = []
    figure = None
    if frame.empty:
        notes.append(NO_FIGURES_NOTE)
    elif frame[y].isna().all():
        notes.append(ALL_HIDDEN_NOTE)
    else:
        figure = chart(frame, x=x, y=y, kind=spec.kind, series=series, percent=spec.percent,
                       decimals=decimals, events=events, period=period,
                       horizontal=spec.horizontal, y_title=headers.get(y, label(y)))
        if spec.trend and audience.protected and result.time in GRAIN_NOTES:
            notes.append(GRAIN_NOTES[result.time])
        if frame[y].isna().any():
            notes.append(HIDDEN_NOTE)
    missing = filters.not_applied_to(result.table)
    if missing:
        notes.append(f"Not applied to these figures (the data does not carry them): "
                     f"{', '.join(missing)}.")
    if result.dropped:
        notes.append(outputs.dropped_note(result.dropped))
    drawn_events = events if figure is not None and events is not None and len(events) else None
    return Section(spec.key, spec.title, summary,
                   events_caption(drawn_events) if drawn_events is not None else "",
                   tuple(notes), ready.table(), frame, figure)


def key_sections(db: Database, filters: Filters, audience: Audience, threshold: int,
                 specs: tuple[ChartSpec, ...] = KEY_CHARTS) -> list[Section]:
    """The key charts of a view, each once, in the order a meeting reads them."""
    return [section(db, spec, filters, audience, threshold) for spec in specs]


def made_at(now: dt.datetime | None = None) -> dt.datetime:
    """When a file is made, in UTC (files say so)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
