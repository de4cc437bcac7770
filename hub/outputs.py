"""From query results to what people see: every figure passes through disclosure control here.

`protected` is the only route from a query to a chart, table, summary or download; `headline`
is the only route for headline figures. Both apply the audience's rules (hub.disclosure); the
hub lead's figures pass through exact. Because a cell's shown value depends only on the units
in it (cell key perturbation), a district's figures are protected on their own: the same
units give the same value in a district's view, the county's breakdown by locality and a file.

Protected views cross at most two dimensions besides period and locality (docs/disclosure.md
rule 8): a figure that would cross more with the filter in force is computed without the
filters beyond the locality, and says so (`Result.dropped`, `Card.not_applied`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from hub import disclosure, queries
from hub.audience import Audience
from hub.contract import CODE_LISTS
from hub.database import Database
from hub.filters import APPLIES_TO, FILTER_LABELS, Filters, grain_choices, nearest_grain
from hub.queries import TIME, Result
from hub.formatting import figure_text
from hub.summaries import CHANGE_NOISE, direction

MAX_CROSSED = 2  # dimensions a protected cell may cross besides period and locality (rule 8)

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
    "review": ("3 months", "6 months", "12 months"),  # queries/lionheart_reviews.sql
}


def protect(result: Result, audience: Audience, threshold: int) -> pd.DataFrame:
    """The result's figures as this audience may see them (value NaN + status where hidden)."""
    return disclosure.protect(result.frame, list(result.counts), rates=list(result.rates),
                              sums=list(result.sums), protected=audience.protected,
                              threshold=threshold)


def for_audience(filters: Filters, audience: Audience) -> Filters:
    """The filters a view is computed with: a protected trend steps by one of the audience's
    grain choices (hub.filters.grain_choices), the one asked for or the next longer."""
    if not audience.protected:
        return filters
    choices = grain_choices(True, bool(filters.locality))
    return replace(filters, trend_grain=nearest_grain(filters.trend_grain, choices))


def carried(table: str, filters: Filters) -> tuple[str, ...]:
    """Labels of the filters beyond the locality that apply to `table`."""
    return tuple(FILTER_LABELS[name] for name in filters.extra() if table in APPLIES_TO[name])


def crosses_too_many(crossed: int, table: str, filters: Filters, audience: Audience) -> bool:
    """True when a protected figure crossing `crossed` dimensions, with the filter values in
    force that its table carries, would cross more than MAX_CROSSED (rule 8)."""
    return audience.protected and crossed + len(carried(table, filters)) > MAX_CROSSED


def dropped_note(dropped: tuple[str, ...]) -> str:
    return (f"Shown without the {', '.join(dropped).lower()} filter: with it, these figures "
            "would cross too many characteristics to protect children's identities.")


def protected(query: Callable[[Database, Filters], Result], db: Database, filters: Filters,
              audience: Audience, threshold: int, *, complete: bool = False
              ) -> tuple[Result, pd.DataFrame]:
    """(raw Result, for its metadata; the figures this audience may see). When rule 8 drops
    the filters beyond the locality, the Result's `dropped` names them.

    A category with no one in it and one whose figures are shown as 0 must read the same
    (_without_shown_zeros): on screen both are left out; with `complete` (files: "complete
    the matrix") both are there, every category of every breakdown, as 0."""
    filters = for_audience(filters, audience)
    raw = query(db, filters)
    if crosses_too_many(raw.crossed, raw.table, filters, audience):
        raw = replace(query(db, filters.without_extra()), dropped=carried(raw.table, filters))
    if complete:
        raw = replace(raw, frame=_completed(raw, filters))
    frame = protect(raw, audience, threshold)
    if audience.protected and not complete:
        frame = _without_shown_zeros(frame, raw)
    return raw, _tidy(frame)


def _completed(result: Result, filters: Filters) -> pd.DataFrame:
    """The raw frame with a row of zeros for every category of its breakdowns that no one is
    in (CATEGORY_ORDER's lists, within the filters: a district's view lists no other district,
    a view of boys no girls), in every time step, locality and breakdown it has. A rate's
    denominator that is the same across its group's categories (a step's total) keeps that
    value; every other figure is 0, so the row is protected as any category of 0 would be."""
    frame = result.frame
    keys = [c for c in (*result.by, *result.dims) if c in frame]
    named_by = next((c for c in ("dimension", "measure") if c in keys), None)
    listed = [c for c in keys if c not in (*TIME, "locality_code", "dimension", "measure")
              and (c in CATEGORY_ORDER or (c == "category" and named_by))]
    if frame.empty or not listed:
        return frame
    groups = [c for c in keys if c not in listed]
    denominators = [c for r in result.rates for c in (r.denominator, r.denominator + "_key")
                    if c in frame]
    figures = [c for c in frame.columns if c not in keys]
    added = []
    for group, part in (frame.groupby(groups, sort=False, dropna=False) if groups
                        else [((), frame)]):
        group = dict(zip(groups, group if isinstance(group, tuple) else (group,)))
        lists = [_within(group[named_by] if c == "category" else c, filters) for c in listed]
        if any(values is None for values in lists):
            continue  # a breakdown without a fixed list (e.g. household size): as it is
        have = set(map(tuple, part[listed].astype(object).to_numpy()))
        constant = {c: part[c].iloc[0] for c in denominators if part[c].nunique() == 1}
        for combination in pd.MultiIndex.from_product(lists):
            if tuple(combination) not in have:
                added.append({**group, **dict(zip(listed, combination)),
                              **{c: constant.get(c, 0) for c in figures}})
    if not added:
        return frame
    extra = pd.DataFrame(added, columns=frame.columns).astype(frame.dtypes.to_dict())
    return pd.concat([frame, extra], ignore_index=True)


def _within(characteristic: str, filters: Filters) -> tuple[str, ...] | None:
    """The categories of a characteristic that the filters leave in view (None: no list)."""
    values = CATEGORY_ORDER.get(characteristic)
    name = "locality" if characteristic == "locality_code" else characteristic
    allowed = filters.restrictions().get(name)
    return values if values is None or not allowed else tuple(v for v in values if v in allowed)


def _without_shown_zeros(frame: pd.DataFrame, result: Result) -> pd.DataFrame:
    """The frame without the categories whose every figure is shown as 0. The queries leave
    out a category with nothing in it, so a category shown as 0 (a small count perturbed down)
    would prove that someone was counted: both read as absent. Localities and time steps are
    always there, zeros included, so they stay."""
    groups = [c for c in (*result.by, *result.dims) if c not in (*TIME, "locality_code")]
    # Only counts: a sum beside a count shown as 0 is hidden with it (hub.disclosure)
    figures = [c for c in (*result.counts, *(r.numerator for r in result.rates)) if c in frame]
    if not groups or not figures:
        return frame
    zero = frame[figures].fillna(-1).eq(0).all(axis=1)  # a hidden [c] is not a 0
    everywhere = zero.groupby([frame[g] for g in groups], dropna=False).transform("all")
    return frame[~everywhere.to_numpy()]


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in time order, then categories in CATEGORY_ORDER, without the working columns."""
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


def headline(db: Database, filters: Filters, audience: Audience, threshold: int) -> list[Card]:
    """The headline figures of a view as cards, protected for the audience. A figure that
    would cross too many dimensions with the filter in force (rule 8) is computed without the
    filters beyond the locality, and its card says which were not applied."""
    figures = queries.headline_figures(db, filters)
    too_many = [crosses_too_many(h.crossed, h.table, filters, audience)
                for h in queries.HEADLINES]
    dropped: dict[str, tuple[str, ...]] = {}
    if any(too_many):
        wide = queries.headline_figures(db, filters.without_extra()).set_index("label")
        figures = figures.set_index("label")
        for h, drop in zip(queries.HEADLINES, too_many):
            if drop:
                figures.loc[h.label] = wide.loc[h.label]
                dropped[h.label] = carried(h.table, filters)
        figures = figures.reset_index()
    return headline_cards(figures, filters, audience, threshold, dropped)


@dataclass(frozen=True)
class Card:
    label: str
    value: str  # text as shown: a number, or a symbol such as [c]
    comparison: str
    change: str | None  # None when it cannot be given (a side hidden or not applicable)
    number: float | None  # the shown value, None when hidden
    comparison_number: float | None
    is_share: bool
    not_applied: tuple[str, ...]  # filters in force not applied to it (its table or rule 8)


def headline_cards(figures: pd.DataFrame, filters: Filters, audience: Audience,
                   threshold: int, dropped: dict[str, tuple[str, ...]] | None = None
                   ) -> list[Card]:
    """Each headline figure with its comparison value and change, protected for the audience
    (both periods of every figure in one pass); `dropped` names, by label, the filters a
    figure was computed without (rule 8)."""
    sides = ("numerator", "numerator_key", "denominator", "denominator_key", "scale",
             "scale_key")
    both = pd.concat([figures[[*sides, "is_count"]],
                      figures[[f"comparison_{c}" for c in sides] + ["is_count"]].set_axis(
                          [*sides, "is_count"], axis=1)], ignore_index=True)
    numbers = {c: pd.to_numeric(both[c]).to_numpy(float, na_value=np.nan) for c in sides}
    shown = disclosure.protect_figures(both.assign(**numbers), protected=audience.protected,
                                       threshold=threshold)
    values = [None if pd.isna(v) else float(v) for v in shown["value"]]
    cards, n = [], len(figures)
    for i, row in enumerate(figures.itertuples()):
        is_share = not pd.isna(row.denominator)
        now, before = values[i], values[n + i]
        now_status, before_status = shown["status"].iat[i], shown["status"].iat[n + i]
        change = None
        if now is not None and before is not None:
            change = ("no change" if now == before
                      else f"{now - before:+.1f} points" if is_share
                      else f"{now - before:+,.0f}" + (f" ({(now - before) / before:+.0%})"
                                                      if before else ""))
        not_applied = (*filters.not_applied_to(row.table), *(dropped or {}).get(row.label, ()))
        cards.append(Card(row.label, now_status or figure_text(now, percent=is_share),
                          before_status or figure_text(before, percent=is_share), change, now,
                          before, is_share, tuple(dict.fromkeys(not_applied))))
    return cards


def overview_summary(cards: list[Card], filters: Filters, audience: Audience) -> str:
    """A few sentences for the board, written only from the protected cards; a change that
    perturbation alone could make is "about the same" (hub.summaries.CHANGE_NOISE)."""
    noise = CHANGE_NOISE if audience.protected else 0
    card = {c.label: c for c in cards}

    def boys(c: Card) -> str:
        return (f"boys made up {c.value} of them" if c.number is not None
                else f"the share of boys is not shown ({c.value})")

    def compare(label: str, noun: str) -> str:
        c = card[label]
        if c.number is None:
            return f"{noun} are not shown ({c.value})"
        text = f"{figure_text(c.number)} {noun}"
        if c.comparison_number is not None and direction(
                c.number, c.comparison_number, noise) == "about the same":
            text += (f", about the same as the previous {filters.months} months "
                     f"({figure_text(c.comparison_number)})")
        elif c.comparison_number:
            delta = (c.number - c.comparison_number) / c.comparison_number
            text += (f", {abs(delta):.0%} {'more' if delta > 0 else 'fewer'} than the previous "
                     f"{filters.months} months ({figure_text(c.comparison_number)})")
        return text

    return (f"From {filters.describe_period()}: {compare('Referrals', 'referrals')}; "
            f"{boys(card['Male referrals (%)'])}. "
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
