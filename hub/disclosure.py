"""Disclosure control: the one place where small numbers are protected before anyone sees them.

For protected audiences (board and partnerships):
1. primary: a count from 1 to the threshold (default 5) is confidential, `[c]`; 0 stays 0;
2. secondary: no `[c]` may be worked out from the totals: a line (row, column or series) never
   holds exactly one `[c]`, and each hidden count can, as far as the reader knows, be another;
3. derived: a rate is `[c]` when its numerator, counted denominator or complement is small, or
   a count it is made from is hidden; it is `[z]` when the denominator is 0.
The hub lead sees every figure, with `[z]` still marking a zero denominator.

Sources: Department for Education, children in need and looked-after children statistics
methodology (counts of 1 to 5 shown as `c`); Government Statistical Service, "Symbols in
tables: definitions and help"; Office for Statistics Regulation, guidance on dashboards.

A figure table is a tidy frame of dimension and measure columns. After `protect`, each measure
`m` is a float (NaN unless shown) beside a text column `m + STATUS_SUFFIX`: "" or a symbol.
A sum that is not a count of people (prevention session participants) is simply not listed.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

STATUS_SUFFIX = "_status"
SHOWN, CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE, LOW_RELIABILITY = "", "[c]", "[z]", "[x]", "[u]"
SYMBOLS = {  # GSS "Symbols in tables" shorthand, worded for the board
    CONFIDENTIAL: "confidential: a small number (1 to 5), or one that would reveal one",
    NOT_APPLICABLE: "not applicable: there is nothing to take a percentage of",
    NOT_AVAILABLE: "not available",
    LOW_RELIABILITY: "low reliability",
}
_NUMBER_SHOWN = (SHOWN, LOW_RELIABILITY)  # [u] qualifies a number that is still shown


@dataclass(frozen=True)
class Rate:
    """out = numerator / denominator * per. Keep the defaults for a share of people; a rate per
    10,000 children has a population for denominator, which reveals no one and has no
    meaningful complement: per=10_000, complement=False, denominator_is_count=False."""
    numerator: str
    denominator: str
    out: str
    per: float = 100
    complement: bool = True
    denominator_is_count: bool = True


def is_small(n, threshold: int = 5):
    """True for a count from 1 to threshold, for a number or an array; 0 and NaN are not small."""
    return (n > 0) & (n <= threshold)


def protect_value(value, *, protected: bool, threshold: int = 5) -> tuple[float | None, str]:
    """One count (a headline figure) -> (value or None, status)."""
    value = _number(value)
    if math.isnan(value):
        return None, NOT_AVAILABLE
    return (None, CONFIDENTIAL) if protected and is_small(value, threshold) else (value, SHOWN)


def protect_share(numerator, denominator, *, protected: bool, threshold: int = 5,
                  per: float = 100) -> tuple[float | None, str]:
    """One percentage (a headline figure) -> (value or None, status)."""
    numerator, denominator = _number(numerator), _number(denominator)
    status = _rate_status(numerator, denominator, protected=protected, threshold=threshold)
    return (None, status) if status else (numerator / denominator * per, SHOWN)


def protect(frame: pd.DataFrame, counts: list[str], *, dims: list[str], protected: bool,
            threshold: int = 5, rates: list[Rate] = (), by: list[str] = ()) -> pd.DataFrame:
    """The frame as an audience may see it, with a fresh index.

    dims: the columns whose cells add up to totals; each holds one dimension (keep labels out).
    by: columns that split the frame into tables that are not added up together, such as
    `dimension` in a stack of breakdowns. An absent combination of dims counts as 0; it comes
    back as a row only if it had to be hidden. A rate's numerator and counted denominator are
    protected as counts, listed or not. Protecting a protected frame again changes nothing.
    """
    rates, by = list(rates), list(by)
    counts = list(dict.fromkeys([*counts, *(r.numerator for r in rates),
                                 *(r.denominator for r in rates if r.denominator_is_count)]))
    if [*by, *dims] and frame.duplicated([*by, *dims]).any():
        raise ValueError(f"each combination of {[*by, *dims]} must appear once")
    work, grids = frame.reset_index(drop=True), []
    if protected and dims:
        work, grids = _tables(work, dims, by, counts)
    values = {c: pd.to_numeric(work[c]).to_numpy(float, na_value=np.nan)
              for c in [*counts, *(r.denominator for r in rates)]}
    statuses = {c: _statuses(work, c) for c in values}
    for column in counts:
        if protected:
            hidden = (statuses[column] == CONFIDENTIAL) | is_small(values[column], threshold)
            statuses[column][_secondary(values[column], hidden, grids)] = CONFIDENTIAL
        work[column] = np.where(np.isin(statuses[column], _NUMBER_SHOWN), values[column], np.nan)
        work[column + STATUS_SUFFIX] = statuses[column]
    for rate in rates:
        num, den = values[rate.numerator], values[rate.denominator]
        sources = zip(statuses[rate.numerator], statuses[rate.denominator])
        status = np.array([_rate_status(n, d, protected=protected, threshold=threshold,
                                        complement=rate.complement, sources=source,
                                        denominator_is_count=rate.denominator_is_count)
                           for n, d, source in zip(num, den, sources)], dtype=object)
        with np.errstate(divide="ignore", invalid="ignore"):
            work[rate.out] = np.where(status == SHOWN, num / den * rate.per, np.nan)
        work[rate.out + STATUS_SUFFIX] = status
    keep = np.arange(len(work)) < len(frame)  # an added 0 that is shown reads as absent
    for column in counts:
        keep |= statuses[column] == CONFIDENTIAL
    return work[keep].reset_index(drop=True)


def display(frame: pd.DataFrame, measures: list[str],
            decimals: dict[str, int] | None = None) -> pd.DataFrame:
    """Measures as text for a table: the symbol where there is one, else the number with
    thousands separators, to decimals[m] places (default 0; percentages want 1)."""
    out = frame.drop(columns=[m + STATUS_SUFFIX for m in measures if m + STATUS_SUFFIX in frame])
    for m in measures:
        places = (decimals or {}).get(m, 0)
        out[m] = [_text(v, s, places) for v, s in zip(frame[m], _statuses(frame, m))]
    return out


def symbols_present(frame: pd.DataFrame) -> dict[str, str]:
    """The legend entries for the symbols a protected frame uses, in legend order."""
    used = set()
    for column in frame.columns:
        if str(column).endswith(STATUS_SUFFIX):
            used.update(frame[column].dropna())
    return {symbol: meaning for symbol, meaning in SYMBOLS.items() if symbol in used}


def _number(value) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def _statuses(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The statuses a column already has ("" if none); a missing number is [x]."""
    name = column + STATUS_SUFFIX
    status = (frame[name].fillna(SHOWN).astype(str).to_numpy(object) if name in frame
              else np.full(len(frame), SHOWN, dtype=object))
    status[frame[column].isna().to_numpy() & (status == SHOWN)] = NOT_AVAILABLE
    return status


def _rate_status(num: float, den: float, *, protected: bool, threshold: int,
                 complement: bool = True, denominator_is_count: bool = True,
                 sources: tuple[str, str] = (SHOWN, SHOWN)) -> str:
    if CONFIDENTIAL in sources:  # with the other count, the rate would give the hidden one away
        return CONFIDENTIAL
    if math.isnan(num) or math.isnan(den):
        return NOT_AVAILABLE
    if den == 0:
        return NOT_APPLICABLE
    if protected and (is_small(num, threshold) or (denominator_is_count and is_small(
            den, threshold)) or (complement and is_small(den - num, threshold))):
        return CONFIDENTIAL
    return SHOWN


def _text(value, status: str, places: int) -> str:
    if status not in _NUMBER_SHOWN or pd.isna(value):
        return status or NOT_AVAILABLE
    text = f"{value:,.{places}f}"
    return f"{text} {LOW_RELIABILITY}" if status == LOW_RELIABILITY else text


def _tables(frame: pd.DataFrame, dims: list[str], by: list[str], counts: list[str]):
    """The frame with a 0 row for each absent combination of the dims' values (within each
    `by` table), and each table as an array of row positions with one axis per dim."""
    grids, added, rows = [], [], len(frame)
    for key, part in (frame.groupby(by, sort=False, dropna=False) if by else [((), frame)]):
        codes, levels = zip(*(pd.factorize(part[d], use_na_sentinel=False) for d in dims))
        grid = np.full([len(level) for level in levels], -1)
        grid[codes] = part.index.to_numpy()
        absent = np.argwhere(grid < 0)
        grid[tuple(absent.T)] = np.arange(rows, rows + len(absent))
        rows += len(absent)
        grids.append(grid)
        if len(absent):
            cells = {d: level.take(absent[:, k]) for k, (d, level) in enumerate(zip(dims, levels))}
            added.append(pd.DataFrame(cells).assign(**dict(zip(by, key)),
                                                    **dict.fromkeys(counts, 0)))
    return pd.concat([frame, *added], ignore_index=True), grids


def _secondary(values: np.ndarray, hidden: np.ndarray, grids: list[np.ndarray]) -> np.ndarray:
    """Rule 2, one cell at a time until stable. First as written: a line (the cells along one
    axis of a table, adding up to a total) never holds exactly one hidden cell. That is not
    enough on its own (a small count joining two blocks of hidden cells can be worked out), so
    then every hidden count must have a box of hidden cells (`_box`) that lets it be another."""
    lines = [line for grid in grids for k in range(grid.ndim) if grid.shape[k] > 1
             for line in np.moveaxis(grid, k, -1).reshape(-1, grid.shape[k])]
    # Lines of one length stacked, so that each round counts hidden cells in all at once.
    lengths = np.array([len(line) for line in lines], int)
    stacks = [(numbers, np.stack([lines[i] for i in numbers]))
              for numbers in (np.flatnonzero(lengths == n) for n in np.unique(lengths))]
    hidden, known_zero = hidden.copy(), np.zeros(len(values), bool)
    for line in lines:  # a line adding up to 0 tells that each of its cells is 0
        known_zero[line] |= not hidden[line].any() and (values[line] == 0).all()
    where = {grid[at]: (grid, at) for grid in grids for at in np.ndindex(grid.shape)}
    to_check = [p for p in np.flatnonzero(hidden) if values[p] >= 1 and p in where]
    while True:
        one_hidden = np.sort(np.concatenate(
            [numbers[hidden[cells].sum(axis=1) == 1] for numbers, cells in stacks]
            or [np.array([], int)]))
        pick = next((p for i in one_hidden
                     if (p := _complement(values, hidden, known_zero, lines[i])) is not None),
                    None)
        while pick is None and to_check:
            pick = _box(values, hidden, *where[to_check[0]]) or None
            if pick is None:  # it has one already (or its table cannot give it one)
                to_check.pop(0)
        if pick is None:
            return hidden
        hidden[pick] = True
        to_check += [p for p in np.atleast_1d(pick) if values[p] >= 1]


def _complement(values: np.ndarray, hidden: np.ndarray, known_zero: np.ndarray,
                cells: np.ndarray) -> int | None:
    """The smallest shown cell; a 0 only when no other is left (hiding a 0 protects less), and
    a 0 that another line's total gives away only as a last resort."""
    shown = cells[~hidden[cells] & ~np.isnan(values[cells])]
    for pool in (shown[values[shown] > 0], shown[~known_zero[shown]], shown):
        if len(pool):
            return int(pool[np.argmin(values[pool])])
    return None


@functools.cache
def _corner_steps(axes: int) -> tuple[np.ndarray, np.ndarray]:
    """A box's corners as steps (0 or 1 along each axis), and which are an even number away."""
    steps = np.array(list(itertools.product((0, 1), repeat=axes)), bool)
    return steps, steps.sum(axis=1) % 2 == 0


def _box(values: np.ndarray, hidden: np.ndarray, grid: np.ndarray, at: tuple) -> list[int]:
    """The shown corners of the cheapest box of cells around `at` (one other value along each
    axis) in which 1 can be taken from each corner an even number of steps from `at` and added
    to each other corner, or the other way round, without going below 0. Every line total
    stays the same, so once the box is hidden the reader cannot tell the count at `at` from
    its neighbour. [] when such a box is hidden already (or none exists)."""
    axes = [k for k in range(grid.ndim) if grid.shape[k] > 1]
    if not axes:  # a table of one cell: its total is itself
        return []
    steps, even = _corner_steps(len(axes))
    # Every box at once, one corner at a time (numpy, not a Python loop over the boxes: a
    # locality cube has thousands of them). Row: a box; column: a corner, `at` first.
    others = {k: np.delete(np.arange(grid.shape[k]), at[k]) for k in axes}
    boxes = [len(others[k]) if k in others else 1 for k in range(grid.ndim)]
    corners = []
    for step in steps:
        moved = {k for k, move in zip(axes, step) if move}
        index = [others[k] if k in moved else [at[k]] for k in range(grid.ndim)]
        corners.append(np.broadcast_to(grid[np.ix_(*index)], boxes).reshape(-1))
    corners = np.stack(corners, axis=1)
    corner_values = values[corners]
    with np.errstate(invalid="ignore"):
        movable = ((corner_values[:, even] >= 1).all(axis=1)
                   | (corner_values[:, ~even] >= 1).all(axis=1))
    candidates = np.flatnonzero(~np.isnan(corner_values).any(axis=1) & movable)
    if not len(candidates):
        return []
    new = ~hidden[corners[candidates]]  # cost: the value hidden, then the number of cells
    count = new.sum(axis=1)
    if not count.min():  # a box is hidden already (counts are never negative: cost 0 is least)
        return []
    cost = np.where(new, corner_values[candidates], 0).sum(axis=1)
    cheapest = np.flatnonzero(cost == cost.min())
    cheapest = cheapest[count[cheapest] == count[cheapest].min()]
    return min(corners[candidates[i]][new[i]].tolist() for i in cheapest)
