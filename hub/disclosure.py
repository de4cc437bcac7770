"""Disclosure control: the one place where figures are protected before anyone sees them.

Version 2 of docs/disclosure.md. For protected audiences (board and partnerships):
1. every count is perturbed by cell key perturbation (the ONS method): its cell key is the sum
   of its units' record keys mod 256 (queries/*.sql give the sum as `<count>_key`), and the
   noise for (count, cell key) comes from the committed ptable (hub.ptable). The same units
   give the same shown value in every view, so repeating or differencing views tells nothing
   new, and a difference of two noisy figures is itself noisy: no secondary suppression;
2. a perturbed count from 1 to the threshold is `[c]`;
3. a share is computed from the perturbed parts, `[c]` when either part or their difference is
   small, kept within 0-100 %, and `[c]` at 0 % or 100 % of a denominator under 20; a rate per
   10,000 is `[c]` with its count; derived figures carry only the precision shown.
The hub lead sees exact figures, with `[z]` still marking a zero denominator.

A figure table is a tidy frame. After `protect`, each count or rate `m` is a float (NaN unless
shown) beside a text column `m + STATUS_SUFFIX`: "" or a symbol; the key columns are gone. A
sum that is not a count of people (prevention session participants) is simply not listed.

Sources: ONS, cell key perturbation for Census 2021 outputs and the `cell-key-perturbation`
package; ABS TableBuilder; Government Statistical Service, "Symbols in tables".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hub.formatting import CONFIDENTIAL, LOW_RELIABILITY, NOT_APPLICABLE, NOT_AVAILABLE, \
    NUMBER_SHOWN, SHOWN, figure_text, places
from hub.ptable import PTable, default_ptable

STATUS_SUFFIX = "_status"
KEY_SUFFIX = "_key"
SHARE_EXTREMES_BELOW = 20  # 0 % or 100 % of fewer than this many is itself a disclosure
ADJUSTED_NOTE = ("Figures are adjusted by small amounts to protect children's identities, so "
                 "totals may differ slightly from the sum of their parts.")


def symbols(threshold: int) -> dict[str, str]:
    """GSS "Symbols in tables" shorthand, worded for the board, for the threshold in force."""
    return {
        CONFIDENTIAL: f"confidential: a small number (1 to {threshold}), or a percentage "
                      "made from one",
        NOT_APPLICABLE: "not applicable: there is nothing to take a percentage of",
        NOT_AVAILABLE: "not available",
        LOW_RELIABILITY: "low reliability",
    }


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
    decimals: int = 1  # as shown; protected figures carry no more


def is_small(n, threshold: int = 5):
    """True for a count from 1 to threshold, for a number or an array; 0 and NaN are not small."""
    return (n > 0) & (n <= threshold)


def protect(frame: pd.DataFrame, counts: list[str], *, protected: bool, threshold: int = 5,
            rates: list[Rate] = (), sums: list[str] = (), ptable: PTable | None = None
            ) -> pd.DataFrame:
    """The frame as an audience may see it, with a fresh index and without key columns.

    A rate's numerator and counted denominator are protected as counts, listed or not. For a
    protected audience every count needs its `<count>_key` column: without one the frame is
    refused (ValueError), never shown unperturbed. `sums` (participants at sessions) go with
    the one count of the frame: see `_scale_sums`.
    """
    rates = list(rates)
    counts = list(dict.fromkeys([*counts, *(r.numerator for r in rates),
                                 *(r.denominator for r in rates if r.denominator_is_count)]))
    work = frame.reset_index(drop=True).copy()
    table = (ptable or default_ptable()) if protected else None
    values, statuses = {}, {}
    for column in [*counts, *(r.denominator for r in rates)]:
        values[column] = pd.to_numeric(work[column]).to_numpy(float, na_value=np.nan)
        statuses[column] = _statuses(work, column)
    exact = {column: values[column] for column in counts}
    for column in counts:
        if protected:
            values[column] = _perturbed(work, column, values[column], table)
            statuses[column][is_small(values[column], threshold)] = CONFIDENTIAL
        work[column] = np.where(np.isin(statuses[column], NUMBER_SHOWN), values[column], np.nan)
        work[column + STATUS_SUFFIX] = statuses[column]
    if protected and sums:
        _scale_sums(work, sums, counts, exact, values, statuses)
    for column in sums if not protected else ():
        work[column + STATUS_SUFFIX] = _statuses(work, column)
    for rate in rates:
        work[rate.out], work[rate.out + STATUS_SUFFIX] = _rate(
            rate, values[rate.numerator], values[rate.denominator],
            statuses[rate.numerator], statuses[rate.denominator], protected, threshold)
    return work.drop(columns=[c for c in work.columns if str(c).endswith(KEY_SUFFIX)])


def _scale_sums(work: pd.DataFrame, sums: list[str], counts: list[str],
                exact: dict[str, np.ndarray], values: dict[str, np.ndarray],
                statuses: dict[str, np.ndarray]) -> None:
    """A sum beside a count (participants beside sessions) is scaled by the count's
    perturbation, so that it stays consistent with the shown count and a total minus its
    parts is as noisy as the counts are; it is [c] beside a count that is [c] or 0 (divided
    by a typical size, it would give the count back)."""
    if len(counts) != 1:
        raise ValueError(f"sums {sums} need exactly one count to scale with, not {counts}")
    count = counts[0]
    true = exact[count]
    hidden = (statuses[count] == CONFIDENTIAL) | (values[count] == 0)
    for column in sums:
        total = pd.to_numeric(work[column]).to_numpy(float, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = np.where(true > 0, np.round(total * values[count] / true), total)
        status = _statuses(work, column)
        status[hidden & (status == SHOWN)] = CONFIDENTIAL
        work[column] = np.where(status == SHOWN, scaled, np.nan)
        work[column + STATUS_SUFFIX] = status


def _perturbed(frame: pd.DataFrame, column: str, values: np.ndarray, table: PTable
               ) -> np.ndarray:
    key = column + KEY_SUFFIX
    if key not in frame:
        raise ValueError(f"count {column!r} has no record-key sum ({key}): it cannot be shown "
                         "to a protected audience")
    keys = pd.to_numeric(frame[key]).to_numpy(float, na_value=np.nan)
    missing = np.isnan(values) | np.isnan(keys)
    perturbed = table.perturb(np.where(missing, 0, values).astype(np.int64),
                              np.where(missing, 0, keys).astype(np.int64)).astype(float)
    return np.where(missing, np.nan, perturbed)


def _rate(rate: Rate, num: np.ndarray, den: np.ndarray, num_status: np.ndarray,
          den_status: np.ndarray, protected: bool, threshold: int):
    """(values, statuses) of a derived figure from its (perturbed) parts: rule 6."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if protected and rate.complement:  # a share stays within 0-100 %
            num = np.minimum(num, den)
        value = num / den * rate.per
    status = np.full(len(value), SHOWN, dtype=object)
    status[np.isnan(num) | np.isnan(den)] = NOT_AVAILABLE
    status[(den == 0) & (status == SHOWN)] = NOT_APPLICABLE
    hidden = (num_status == CONFIDENTIAL) | (den_status == CONFIDENTIAL)
    if protected:
        hidden |= is_small(num, threshold)
        if rate.denominator_is_count:
            hidden |= is_small(den, threshold)
        if rate.complement:
            hidden |= is_small(den - num, threshold)
            hidden |= ((num == 0) | (num == den)) & (den > 0) & (den < SHARE_EXTREMES_BELOW)
        value = np.round(value, rate.decimals)
    status[hidden & (status == SHOWN)] = CONFIDENTIAL
    return np.where(status == SHOWN, value, np.nan), status


def protect_figures(frame: pd.DataFrame, *, protected: bool, threshold: int = 5,
                    ptable: PTable | None = None) -> pd.DataFrame:
    """Headline figures, by the same rules as `protect`: a frame of numerator,
    numerator_key, denominator and denominator_key (NA for a count), is_count (False for a
    sum such as participants) and, for a sum, scale and scale_key (the count it goes with) ->
    value (NaN unless shown) and status, in the frame's order."""
    out = pd.DataFrame({"value": np.nan, "status": SHOWN}, index=frame.index)
    share = frame["denominator"].notna().to_numpy()
    count = frame["is_count"].astype(bool).to_numpy()
    sums = frame.drop(columns="numerator_key").rename(
        columns={"numerator": "sum", "scale": "numerator", "scale_key": "numerator_key"})
    for rows, figure, source, how in (
            (~share & count, "numerator", frame, {"counts": ["numerator"]}),
            (~share & ~count, "sum", sums, {"counts": ["numerator"], "sums": ["sum"]}),
            (share, "share", frame, {"counts": [], "rates": [Rate("numerator", "denominator",
                                                                  "share")]})):
        if rows.any():
            done = protect(source[rows], **{"protected": protected, "threshold": threshold,
                                            "ptable": ptable, **how})
            out.loc[rows, "value"] = done[figure].to_numpy(float)
            out.loc[rows, "status"] = done[figure + STATUS_SUFFIX].to_numpy(object)
    return out


def protect_figure(numerator, numerator_key, denominator=None, denominator_key=None, *,
                   protected: bool, threshold: int = 5, ptable: PTable | None = None
                   ) -> tuple[float | None, str]:
    """One headline count, or (with a denominator) percentage -> (value or None, status):
    `protect_figures` of one row."""
    frame = pd.DataFrame({"numerator": [numerator], "numerator_key": [numerator_key],
                          "denominator": [denominator], "denominator_key": [denominator_key],
                          "scale": [np.nan], "scale_key": [np.nan]},
                         dtype=float).assign(is_count=True)
    out = protect_figures(frame, protected=protected, threshold=threshold, ptable=ptable)
    value, status = out.at[0, "value"], out.at[0, "status"]
    return (None if pd.isna(value) else float(value)), status


def display(frame: pd.DataFrame, measures: list[str],
            decimals: dict[str, int] | None = None) -> pd.DataFrame:
    """Measures as text for a table: the symbol where there is one, else the number with
    thousands separators, to decimals[m] places (default 0; percentages want 1)."""
    out = frame.drop(columns=[m + STATUS_SUFFIX for m in measures if m + STATUS_SUFFIX in frame])
    for m in measures:
        out[m] = [figure_text(v, s, decimals=places(decimals=(decimals or {}).get(m, 0)))
                  for v, s in zip(frame[m], _statuses(frame, m))]
    return out


def symbols_present(frame: pd.DataFrame, threshold: int) -> dict[str, str]:
    """The legend entries for the symbols a protected frame uses, in legend order."""
    used = set()
    for column in frame.columns:
        if str(column).endswith(STATUS_SUFFIX):
            used.update(frame[column].dropna())
    return {symbol: meaning for symbol, meaning in symbols(threshold).items() if symbol in used}


def _statuses(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The statuses a column already has ("" if none); a missing number is [x]."""
    name = column + STATUS_SUFFIX
    status = (frame[name].fillna(SHOWN).astype(str).to_numpy(object) if name in frame
              else np.full(len(frame), SHOWN, dtype=object))
    status[frame[column].isna().to_numpy() & (status == SHOWN)] = NOT_AVAILABLE
    return status
