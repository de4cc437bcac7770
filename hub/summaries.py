"""One-line text summaries of charts, for screen readers and people who prefer words.

They are written from protected figures only (NaN = suppressed), so a summary can never say
more than the chart or table beside it.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd

from hub.contract import label
from hub.filters import GRAIN_MONTHS, add_months, period_name
from hub.formatting import figure_text
from hub.ptable import PARAMETERS


# Two figures each moved by up to max_noise (hub.ptable) can differ by twice that with no real
# change: protected text never calls such a change a rise or a fall.
CHANGE_NOISE = 2 * PARAMETERS.max_noise


def direction(now: float, before: float, noise: float) -> str:
    """'a rise', 'a fall', or 'about the same' when the change is within `noise` (a count's
    units, a share's percentage points; 0 for exact figures)."""
    if abs(now - before) <= noise:
        return "about the same"
    return "a rise" if now > before else "a fall"


@functools.lru_cache(maxsize=8192)  # every chart, table and summary names its steps
def when(value, column: str = "") -> str:
    """A time as people read it: a month 'Apr 2019', a quarter (column 'quarter') 'Apr-Jun
    2019', a half-year (column 'half') 'Apr-Sep 2019', a financial year (column 'year')
    '2019-20'; a code as its label."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        start = pd.Timestamp(value)
        months = GRAIN_MONTHS.get(column, 1)
        if column == "year":
            return period_name(start.date(), add_months(start.date(), months - 1))
        if months > 1:
            return f"{start:%b}\u2013{start + pd.DateOffset(months=months - 1):%b %Y}"
        return f"{start:%b %Y}"
    return label(value)


def hidden_note(values: pd.Series) -> str:
    hidden = int(values.isna().sum())
    return f" {hidden} value{'s are' if hidden != 1 else ' is'} hidden [c]." if hidden else ""


def _groups(frame: pd.DataFrame, series: str | None):
    """(prefix naming the series, its rows) for each series, in the frame's order."""
    if series is None:
        return [("", frame)]
    return [(f"{label(name)}: ", part) for name, part in frame.groupby(series, sort=False)]


def trend_summary(frame: pd.DataFrame, *, x: str, y: str, what: str,
                  series: str | None = None, percent: bool = False,
                  decimals: int | None = None) -> str:
    """'Referrals by month, Apr 2016 to Sep 2019: CSE latest 8 (Sep 2019), highest 15 ...'.

    "Latest" is the last month whatever it shows, so a hidden one reads [c], never an older
    month; "highest shown" says that a hidden month might be higher."""
    if frame.empty:
        return f"{what}: no data for these filters."
    figure = functools.partial(figure_text, percent=percent, decimals=decimals)
    span = f"{when(frame[x].min(), x)} to {when(frame[x].max(), x)}"
    parts = []
    for prefix, part in _groups(frame.sort_values(x, kind="stable"), series):
        shown = part.dropna(subset=[y])
        if shown.empty:
            parts.append(f"{prefix}all hidden [c]")
            continue
        latest = part.iloc[-1]
        latest_text = "[c]" if pd.isna(latest[y]) else figure(latest[y])
        top = shown.loc[shown[y].idxmax()]
        highest = "highest shown" if len(shown) < len(part) else "highest"
        parts.append(f"{prefix}latest {latest_text} ({when(latest[x], x)}), "
                     f"{highest} {figure(top[y])} ({when(top[x], x)})")
    return f"{what}, {span}: " + "; ".join(parts) + "." + hidden_note(frame[y])


def breakdown_summary(frame: pd.DataFrame, *, x: str, y: str, what: str,
                      series: str | None = None, percent: bool = False,
                      decimals: int | None = None) -> str:
    """'Referrals by source: largest Police (45), then Youth justice (30). 2 hidden [c].'
    x holds the categories. With series, the largest three of each: 'CSE largest Police (45)
    ...; CCE largest ...'."""
    if frame.empty:
        return f"{what}: no data for these filters."
    if frame[y].isna().all():
        return f"{what}: every value is hidden [c]."
    figure = functools.partial(figure_text, percent=percent, decimals=decimals)
    parts = []
    for prefix, part in _groups(frame, series):
        shown = part.dropna(subset=[y]).sort_values(y, ascending=False, kind="stable")
        if shown.empty:
            parts.append(f"{prefix}all hidden [c]")
            continue
        top = [f"{label(row[x])} ({figure(row[y])})" for _, row in shown.head(3).iterrows()]
        parts.append(f"{prefix}largest {top[0]}"
                     + (", then " + ", ".join(top[1:]) if len(top) > 1 else ""))
    return f"{what}: " + "; ".join(parts) + "." + hidden_note(frame[y])
