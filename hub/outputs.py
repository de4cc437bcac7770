"""From query results to what people see: every figure passes through disclosure control here.

`protect` is the only route from a query `Result` to a chart, table, summary or download;
`headline_cards` is the only route for headline figures. Both apply the audience's rules
(hub.disclosure); the hub lead's figures pass through unsuppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hub import disclosure
from hub.audience import Audience
from hub.filters import Filters
from hub.queries import Result
from hub.summaries import number


def protect(result: Result, audience: Audience, threshold: int) -> pd.DataFrame:
    """The result's figures as this audience may see them (value NaN + status where hidden)."""
    return disclosure.protect(result.frame, list(result.counts), dims=list(result.dims),
                              by=list(result.by), rates=list(result.rates),
                              protected=audience.protected, threshold=threshold)


@dataclass(frozen=True)
class Card:
    label: str
    value: str  # text as shown: a number, or a symbol such as [c]
    comparison: str
    change: str | None  # None when it cannot be given (a side hidden or not applicable)
    number: float | None  # the shown value, None when hidden
    comparison_number: float | None
    is_share: bool
    not_applied: tuple[str, ...]  # filters in force that this figure's table cannot carry


def _shown(numerator, denominator, is_count, audience, threshold):
    protected = audience.protected and is_count
    if pd.isna(denominator):
        return disclosure.protect_value(numerator, protected=protected, threshold=threshold)
    return disclosure.protect_share(numerator, denominator, protected=protected,
                                    threshold=threshold)


def headline_cards(figures: pd.DataFrame, filters: Filters, audience: Audience,
                   threshold: int) -> list[Card]:
    """Each headline figure with its comparison value and change, protected for the audience."""
    cards = []
    for row in figures.itertuples():
        is_share = not pd.isna(row.denominator)
        now, now_status = _shown(row.numerator, row.denominator, row.is_count, audience,
                                 threshold)
        before, before_status = _shown(row.comparison_numerator, row.comparison_denominator,
                                       row.is_count, audience, threshold)
        change = None
        if now is not None and before is not None:
            change = (f"{now - before:+.1f} points" if is_share
                      else f"{now - before:+,.0f}" + (f" ({(now - before) / before:+.0%})"
                                                      if before else ""))
        cards.append(Card(row.label, now_status or number(now, is_share),
                          before_status or number(before, is_share), change, now, before,
                          is_share, tuple(filters.not_applied_to(row.table))))
    return cards


def overview_summary(cards: list[Card], filters: Filters) -> str:
    """A few sentences for the board, written only from the protected cards."""
    card = {c.label: c for c in cards}

    def compare(label: str, noun: str) -> str:
        c = card[label]
        if c.number is None:
            return f"{noun} are not shown ({c.value})"
        text = f"{number(c.number)} {noun}"
        if c.comparison_number:
            delta = (c.number - c.comparison_number) / c.comparison_number
            direction = "more" if delta > 0 else "fewer"
            text += (f", {abs(delta):.0%} {direction} than the previous "
                     f"{filters.months} months ({number(c.comparison_number)})"
                     if delta else ", the same as the previous period")
        return text

    return (f"From {filters.describe_period()}: {compare('Referrals', 'referrals')}; "
            f"boys made up {card['Male referrals (%)'].value} of them. "
            f"{compare('Missing episodes', 'missing episodes')}, involving "
            f"{card['Children missing'].value} children; "
            f"{card['Return interviews within 72 hours (%)'].value} of returns had a return "
            "interview within 72 hours.")


def long_measures(frame: pd.DataFrame, x: str, measures: dict[str, str]) -> pd.DataFrame:
    """Several protected measures of one frame as series of one chart: columns x, measure
    (its name for people), value and value_status (each value keeps its own status)."""
    parts = [pd.DataFrame({x: frame[x], "measure": name, "value": frame[column],
                           "value" + disclosure.STATUS_SUFFIX:
                               frame.get(column + disclosure.STATUS_SUFFIX, "")})
             for column, name in measures.items()]
    return pd.concat(parts, ignore_index=True)
