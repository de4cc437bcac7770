"""The one chart factory: protected DataFrame in, Plotly figure out (no Streamlit here).

Accessibility (WCAG 2.2 AA): colours are the Okabe-Ito colour-blind-safe set, darkened where
needed so every mark has 3:1 contrast on white; series also differ by marker symbol and line
dash, and bars carry text labels, so nothing relies on colour alone. A suppressed value is NaN:
drawn as a gap (never as zero, never joined across) and absent from hover text.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import plotly.graph_objects as go

from hub.contract import label
from hub.formatting import figure_text, plotly_literal
from hub.summaries import when as step_text

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#8A6500", "#332288",
           "#6F6F6F")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
PATTERNS = ("", "/", ".", "x", "\\", "+", "-", "|")
FONT = "Source Sans Pro, Arial, sans-serif"
STATUS_SUFFIX = "_status"


def chart(frame: pd.DataFrame, *, x: str, y: str, kind: str = "line",
          series: str | None = None, title: str = "", y_title: str = "",
          percent: bool = False, events: pd.DataFrame | None = None,
          period: tuple[dt.date, dt.date] | None = None, horizontal: bool = False,
          customdata: str | None = None, decimals: int = 0, subtitle: str = "") -> go.Figure:
    """A line chart (kind='line') or bar chart ('bar', 'stack' or 'group').

    frame holds the protected values: `y` is NaN where suppressed, and `y + '_status'` (if
    present) holds the symbol. `series` splits the frame into traces; `events` (date, label,
    description) are drawn as dotted lines numbered 1, 2, ... in their order; `period` is
    shaded; `customdata` names a column carried on each point (e.g. a locality code, so a
    click can filter by it). Percentages are drawn on a 0-100% axis.
    """
    groups = [(None, frame)] if series is None else list(frame.groupby(series, sort=False))
    value_ref = ("%{x" if horizontal else "%{y") + f":,.{decimals}f}}" + ("%" if percent else "")
    # Hover names the step as the summaries do ("Apr-Jun 2019" for a quarter, not "Apr 2019").
    hover = f"%{{hovertext}}<br>{value_ref}<extra>%{{fullData.name}}</extra>"
    dates = pd.api.types.is_datetime64_any_dtype(frame[x])
    traces = []
    for i, (name, part) in enumerate(groups):
        style = {"name": label(name) if name is not None else (y_title or label(y)),
                 "hovertext": [step_text(v, x) for v in part[x]], "hovertemplate": hover}
        if customdata:
            style["customdata"] = part[customdata].tolist()
        xs, ys = part[x].map(_category), part[y].astype(float)
        if series is None and not dates:  # a hidden category says so where its bar would be
            hidden = part.get(y + STATUS_SUFFIX, pd.Series("", index=part.index)).eq("[c]")
            xs = xs.where(~hidden, xs + " [c]")
        xs, ys = _values(xs), _values(ys)
        if kind == "line":
            traces.append({
                "type": "scatter", "x": xs, "y": ys, "mode": "lines+markers",
                "connectgaps": False,
                "line": {"color": PALETTE[i % 8], "dash": DASHES[i % 8], "width": 2},
                "marker": {"symbol": SYMBOLS[i % 8], "size": 7}, **style})
        else:
            text = None if dates else _bar_text(part, y, percent, decimals)  # months: hover
            # Values sit outside bars where they can (always legible); light hatching keeps
            # those inside a stack readable.
            traces.append({
                "type": "bar", "x": ys if horizontal else xs, "y": xs if horizontal else ys,
                "orientation": "h" if horizontal else "v", "cliponaxis": False,
                **({"text": text} if text is not None else {}),
                "textposition": "inside" if kind == "stack" else "outside",
                "marker": {"color": PALETTE[i % 8], "line": {"color": "#000000", "width": 0.5},
                           "pattern": {"shape": PATTERNS[i % 8], "fgopacity": 0.5,
                                       "solidity": 0.2}},
                **style})
    shapes, annotations = [], []
    if period:
        shapes.append({"type": "rect", "x0": pd.Timestamp(period[0]),
                       "x1": pd.Timestamp(period[1]), "xref": "x", "yref": "y domain", "y0": 0,
                       "y1": 1, "fillcolor": "#6F6F6F", "opacity": 0.12, "line": {"width": 0},
                       "layer": "below"})
    events = pd.DataFrame(columns=["date", "label", "description"]) if events is None else events
    for number, event in zip(_numbers(events), events.itertuples()):
        # Each event a dotted line, numbered above the plot (the caption beside the chart
        # names them), so a recording change is not read as a trend and no label hides data.
        when = pd.Timestamp(event.date)
        shapes.append({"type": "line", "x0": when, "x1": when, "xref": "x", "yref": "paper",
                       "y0": 0, "y1": 1,
                       "line": {"color": "#333333", "width": 1.5, "dash": "dot"}})
        annotations.append({"x": when, "xref": "x", "yref": "paper", "y": 1, "yanchor": "bottom",
                            "text": str(number), "showarrow": False, "font": {"size": 11},
                            "bordercolor": "#333333", "borderpad": 1, "bgcolor": "#ffffff",
                            "hovertext": plotly_literal(f"{event.label}: {event.description}")})
    value_axis = {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#d9d9d9",
                  "ticksuffix": "%" if percent else "", **({"range": [0, 100]} if percent else {})}
    # Dates span the data only (nothing drawn beyond it widens the axis); categories stay
    # categories ("4+" beside "1", "2", "3") in the frame's order.
    category_axis = {"range": _date_range(frame[x])} if dates else {"type": "category"}
    if horizontal:
        category_axis["autorange"] = "reversed"
    # Built as plain JSON-ready dicts and not validated again (validation was 90% of a chart's
    # cost); tests/test_charts.py checks that validating every chart the pages draw changes
    # nothing, so the figure is exactly what Plotly's own constructors would make.
    fig = go.Figure(data=traces, _validate=False, layout={
        **({"shapes": shapes} if shapes else {}),
        **({"annotations": annotations} if annotations else {}),
        # the title and subtitle (period, marking) travel with an image saved from the chart
        "title": {"text": plotly_literal(title), "font": {"size": 15},
                  "subtitle": {"text": plotly_literal(subtitle), "font": {"size": 12}}},
        "font": {"family": FONT, "size": 13, "color": "#1f1f1f"},
        "barmode": {"stack": "stack", "group": "group"}.get(kind, "relative"),
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        "margin": {"l": 10, "r": 10, "b": 10,
                   "t": (40 if title else 0) + (18 if subtitle else 0)
                   + (34 if len(events) else 12)},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "hovermode": "closest",
        "showlegend": series is not None, "height": 380,
        "xaxis": value_axis if horizontal else category_axis,
        "yaxis": category_axis if horizontal else value_axis,
    })
    return fig


def events_caption(events: pd.DataFrame) -> str:
    """The numbered events of a chart in words: '1 Police 'absent' category ends (Jan 2017) ...'."""
    return "Marked: " + "; ".join(f"{number} {event.label} "
                                  f"({pd.Timestamp(event.date):%b %Y})"
                                  for number, event in zip(_numbers(events), events.itertuples()))


def _numbers(events: pd.DataFrame) -> list[int]:
    """Each event's number: its own (hub.reference), so that it is the same on every chart."""
    return list(events["number"]) if "number" in events else list(range(1, len(events) + 1))


def image_options(title: str, subtitle: str) -> dict:
    """The chart toolbar's "Download plot as a png": a file name that says what the chart
    is and when (e.g. 'referrals-by-month-and-exploitation-type-apr-2019-to-sep-2019.png'),
    drawn wide enough to read."""
    name = re.sub(r"[^a-z0-9]+", "-", f"{title} {subtitle}".lower()).strip("-")
    return {"format": "png", "filename": name[:120].rstrip("-"), "width": 1200, "height": 600,
            "scale": 1}


def _values(column: pd.Series) -> list:
    """A column as JSON-ready values: NaN as None (a gap), dates as ISO text."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return [None if pd.isna(v) else v.isoformat() for v in column]
    return [None if isinstance(v, float) and v != v else v for v in column.tolist()]


def _category(value):
    """Code values read as labels; dates stay dates so the axis is a time axis."""
    return label(value) if isinstance(value, str) else value


def _bar_text(part: pd.DataFrame, y: str, percent: bool, decimals: int) -> list[str]:
    status = part.get(y + STATUS_SUFFIX, pd.Series("", index=part.index)).fillna("")
    return ["" if not s and pd.isna(v) else figure_text(v, s, percent=percent, decimals=decimals)
            for v, s in zip(part[y], status)]


def _date_range(when: pd.Series) -> list[pd.Timestamp]:
    """The data's first to last date, with half a step (a month or a quarter) either side."""
    steps = pd.Series(when.unique()).sort_values().diff().dropna()
    half = steps.median() / 2 if len(steps) else pd.Timedelta(days=15)
    return [when.min() - half, when.max() + half]
