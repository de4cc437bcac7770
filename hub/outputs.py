"""From query results to what people see: every figure passes through disclosure control here.

`protected` is the only route from a query to a chart, table, summary or download; `headline`
is the only route for headline figures. Both apply the audience's rules (hub.disclosure); the
hub lead's figures pass through unsuppressed.

One locality's figures are protected together with every other locality's (the "locality
cube"), so that nobody can subtract the districts' views from each other or from the county's
to work out a hidden figure. For the same reason protected audiences see one locality at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import pandas as pd

from hub import disclosure, queries
from hub.audience import Audience
from hub.contract import CODE_LISTS, LOCALITIES
from hub.database import Database
from hub.filters import APPLIES_TO, Filters
from hub.queries import TIME, Result
from hub.summaries import number

LOCALITY = "_locality"  # the cube's extra dimension
PERIOD = "_period"  # splits a trend into the months in the period and those before

# Categories in the order people read them: each code list's own order (hub.contract), and
# the bands the queries derive (queries/*.sql) in theirs, shortest first. A category column
# named `category` takes its order from the `dimension` or `measure` beside it. Values not
# listed keep the query's order, after the listed ones.
CATEGORY_ORDER: dict[str, tuple[str, ...]] = {
    **CODE_LISTS,
    "outcome": CODE_LISTS["referral_outcome"],
    "care_status": ("not_looked_after", "looked_after_by_county", "placed_by_other_council"),
    "duration_band": ("up_to_24_hours", "24_to_48_hours", "2_to_7_days", "over_7_days",
                      "still_missing"),
    "missing_from_detail": ("home", "care_of_the_county", "care_placed_by_other_council"),
    "placement_type": ("not_in_care", *CODE_LISTS["placement_type"]),
    "nrm_referral": ("yes", "no"),
    "exploitation_concern": ("yes", "no"),
}


def protect(result: Result, audience: Audience, threshold: int) -> pd.DataFrame:
    """The result's figures as this audience may see them (value NaN + status where hidden)."""
    return disclosure.protect(result.frame, list(result.counts), dims=list(result.dims),
                              by=list(result.by), rates=list(result.rates),
                              protected=audience.protected, threshold=threshold)


def _one_locality(table: str, filters: Filters, audience: Audience) -> str | None:
    """The locality whose figures need protecting within the cube, if any."""
    if audience.protected and len(filters.locality) == 1 and table in APPLIES_TO["locality"]:
        return filters.locality[0]
    return None


def _cube(run: Callable[[Filters], pd.DataFrame], filters: Filters, own: str,
          own_frame: pd.DataFrame) -> pd.DataFrame:
    """Every locality's figures stacked, with the locality in column LOCALITY."""
    return pd.concat([(own_frame if code == own else run(replace(filters, locality=(code,))))
                      .assign(**{LOCALITY: code}) for code in LOCALITIES], ignore_index=True)


def _period_split(result: Result, filters: Filters) -> Result:
    """A trend's months in the period form a table of their own: their totals are the
    headline figures shown beside it, so no single hidden month may be left in the period."""
    time = result.time
    if time is None:
        return result
    when = pd.to_datetime(result.frame[time])
    inside = (when >= pd.Timestamp(filters.start)) & (when <= pd.Timestamp(filters.end))
    return replace(result, frame=result.frame.assign(**{PERIOD: inside.map(
        {True: "in", False: "before"})}), by=(*result.by, PERIOD))


def for_audience(filters: Filters, audience: Audience) -> Filters:
    """The filters a view is computed with: a protected view of one district has quarterly
    trends, because most of its months would be [c] (too few children a month to show)."""
    if audience.protected and len(filters.locality) == 1:
        return replace(filters, trend_grain="quarter")
    return filters


def protected(query: Callable[[Database, Filters], Result], db: Database, filters: Filters,
              audience: Audience, threshold: int) -> tuple[Result, pd.DataFrame]:
    """(raw Result, for its metadata; the figures this audience may see)."""
    filters = for_audience(filters, audience)
    raw = query(db, filters)
    result = _period_split(raw, filters)
    own = _one_locality(result.table, filters, audience)
    if own is None or "locality_code" in result.frame.columns:
        return raw, _tidy(protect(result, audience, threshold))
    # A breakdown by locality (one row under a locality filter) is not cubed: its other rows
    # would be structural zeros, and would name other districts.
    by_locality = _by_locality(result)
    cube = _cube(lambda f: _without_by_locality(_period_split(query(db, f), filters)), filters,
                 own, result.frame[~by_locality])
    frame = disclosure.protect(cube, list(result.counts), dims=[*result.dims, LOCALITY],
                               by=list(result.by), rates=list(result.rates), protected=True,
                               threshold=threshold)
    mine = frame[frame[LOCALITY] == own].drop(columns=LOCALITY)
    # A combination absent here but present elsewhere comes back as a row: its sums are 0.
    mine = mine.fillna({column: 0 for column in result.sums})
    if by_locality.any():
        local = protect(replace(result, frame=result.frame[by_locality]), audience, threshold)
        mine = pd.concat([mine, local], ignore_index=True)
    return raw, _tidy(mine)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in time order, then categories in CATEGORY_ORDER, without the working columns."""
    frame = frame.drop(columns=[c for c in (PERIOD, LOCALITY) if c in frame])
    keys = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column in TIME:
            keys[column] = frame[column]
        elif column in ("dimension", "measure"):  # which breakdown: the query's order
            keys[column] = pd.factorize(frame[column])[0]
        elif column == "category" or column in CATEGORY_ORDER:
            named_by = next((c for c in ("dimension", "measure") if c in frame), None)
            lists = frame[named_by] if column == "category" and named_by else [column] * len(frame)
            keys[column] = [_rank(name, value) for name, value in zip(lists, frame[column])]
    if keys.columns.empty:
        return frame.reset_index(drop=True)
    return frame.loc[keys.sort_values(list(keys), kind="stable").index].reset_index(drop=True)


def _rank(name: str, value) -> int:
    order = CATEGORY_ORDER.get(name, ())
    return order.index(value) if value in order else len(order)


def _by_locality(result: Result) -> pd.Series:
    """Rows of a breakdown by locality (a `by` column naming locality_code)."""
    if not result.by:
        return pd.Series(False, index=result.frame.index)
    return result.frame[list(result.by)].eq("locality_code").any(axis=1)


def _without_by_locality(result: Result) -> pd.DataFrame:
    return result.frame[~_by_locality(result)]


_SIDES = ("numerator", "denominator", "comparison_numerator", "comparison_denominator")


def headline(db: Database, filters: Filters, audience: Audience, threshold: int) -> list[Card]:
    """The headline figures of a view as cards, protected for the audience (locality cube
    included: a district's headline counts are protected with every other district's)."""
    figures = queries.headline_figures(db, filters)
    return headline_cards(figures, filters, audience, threshold,
                          hidden_in_cube(db, figures, filters, audience, threshold))


def hidden_in_cube(db: Database, figures: pd.DataFrame, filters: Filters, audience: Audience,
                   threshold: int) -> frozenset[tuple[str, str]]:
    """(label, side) of the headline counts hidden when protected across the localities."""
    own = _one_locality("referrals", filters, audience)
    if own is None:
        return frozenset()
    cube = _cube(lambda f: queries.headline_figures(db, f), filters, own, figures)
    counted = cube[cube["is_count"] & cube["table"].isin(APPLIES_TO["locality"])]
    frame = disclosure.protect(counted.drop(columns=["table", "is_count"]), list(_SIDES),
                               dims=[LOCALITY], by=["label"], protected=True,
                               threshold=threshold)
    mine = frame[frame[LOCALITY] == own]
    return frozenset((row["label"], side) for _, row in mine.iterrows() for side in _SIDES
                     if row[side + disclosure.STATUS_SUFFIX] == disclosure.CONFIDENTIAL)


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


def _shown(numerator, denominator, is_count, audience, threshold, hidden=False):
    protected = audience.protected and is_count
    if hidden:
        return None, disclosure.CONFIDENTIAL
    if pd.isna(denominator):
        return disclosure.protect_value(numerator, protected=protected, threshold=threshold)
    return disclosure.protect_share(numerator, denominator, protected=protected,
                                    threshold=threshold)


def headline_cards(figures: pd.DataFrame, filters: Filters, audience: Audience,
                   threshold: int, hidden: frozenset[tuple[str, str]] = frozenset()
                   ) -> list[Card]:
    """Each headline figure with its comparison value and change, protected for the audience;
    `hidden` names the (label, side) counts already hidden by the locality cube."""
    cards = []
    for row in figures.itertuples():
        is_share = not pd.isna(row.denominator)
        now, now_status = _shown(
            row.numerator, row.denominator, row.is_count, audience, threshold,
            {(row.label, "numerator"), (row.label, "denominator")} & hidden)
        before, before_status = _shown(
            row.comparison_numerator, row.comparison_denominator, row.is_count, audience,
            threshold, {(row.label, "comparison_numerator"),
                        (row.label, "comparison_denominator")} & hidden)
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
