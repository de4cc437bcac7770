"""One-line text summaries of charts, for screen readers and people who prefer words.

They are written from protected figures only (NaN = suppressed), so a summary can never say
more than the chart or table beside it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from hub.contract import label


def number(value: float, percent: bool = False) -> str:
    return f"{value:.1f}%" if percent else f"{value:,.0f}"


def _when(value) -> str:
    """Months and quarters as 'Apr 2019'; codes as their labels."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{pd.Timestamp(value):%b %Y}"
    return label(value)


def hidden_note(values: pd.Series) -> str:
    hidden = int(values.isna().sum())
    return f" {hidden} value{'s are' if hidden != 1 else ' is'} hidden [c]." if hidden else ""


def trend_summary(frame: pd.DataFrame, *, x: str, y: str, what: str,
                  series: str | None = None, percent: bool = False) -> str:
    """'Referrals by month, Apr 2016 to Sep 2019: CSE latest 8 (Sep 2019), highest 15 ...'."""
    if frame.empty:
        return f"{what}: no data for these filters."
    span = f"{_when(frame[x].min())} to {_when(frame[x].max())}"
    parts = []
    groups = [(None, frame)] if series is None else frame.groupby(series, sort=False)
    for name, part in groups:
        shown = part.dropna(subset=[y])
        prefix = f"{label(name)} " if name is not None else ""
        if shown.empty:
            parts.append(f"{prefix}all hidden [c]")
            continue
        latest, top = shown.iloc[-1], shown.loc[shown[y].idxmax()]
        parts.append(f"{prefix}latest {number(latest[y], percent)} ({_when(latest[x])}), "
                     f"highest {number(top[y], percent)} ({_when(top[x])})")
    return f"{what}, {span}: " + "; ".join(parts) + "." + hidden_note(frame[y])


def breakdown_summary(frame: pd.DataFrame, *, category: str, y: str, what: str,
                      percent: bool = False) -> str:
    """'Referrals by source: largest Police (45), then Youth justice (30). 2 hidden [c].'"""
    shown = frame.dropna(subset=[y]).sort_values(y, ascending=False)
    if frame.empty:
        return f"{what}: no data for these filters."
    if shown.empty:
        return f"{what}: every value is hidden [c]."
    top = [f"{label(row[category])} ({number(row[y], percent)})"
           for _, row in shown.head(3).iterrows()]
    lead = "largest " + top[0] + (", then " + ", ".join(top[1:]) if len(top) > 1 else "")
    return f"{what}: {lead}." + hidden_note(frame[y])
