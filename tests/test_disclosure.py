"""Disclosure control (hub/disclosure.py): hand-worked examples, then properties of random tables.

Every expected figure below was worked out by hand; the comments show the arithmetic.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hub.disclosure import (STATUS_SUFFIX, SYMBOLS, Rate, display, is_small, protect,
                            protect_share, protect_value, symbols_present)

C, Z, X, U = "[c]", "[z]", "[x]", "[u]"
NAN = math.nan


def table(grid: list[list[int]]) -> pd.DataFrame:
    """A 2-D figure table (row r0.., column c0.., count n) from a grid of counts."""
    return pd.DataFrame([(f"r{i}", f"c{j}", n) for i, row in enumerate(grid)
                         for j, n in enumerate(row)], columns=["row", "col", "n"])


def statuses(frame: pd.DataFrame, column: str = "n") -> list[list[str]]:
    """The status grid of a protected 2-D table, rows and columns in order of first appearance."""
    pivot = frame.pivot(index="row", columns="col", values=column + STATUS_SUFFIX)
    return pivot.loc[frame["row"].unique(), frame["col"].unique()].to_numpy().tolist()


def protect_grid(grid, **options) -> pd.DataFrame:
    return protect(table(grid), ["n"], dims=["row", "col"], protected=True, **options)


def pinned_by_moves(grid: np.ndarray, hidden: np.ndarray) -> list[tuple[int, ...]]:
    """Brute force: the hidden cells of an n-D table whose value the reader can work out from
    the shown cells and every line total (in 2-D: the row and column totals, and so the grand
    total), trying every move of -1, 0 or +1 on each hidden cell that keeps every total and
    leaves no cell below 0. A cell is pinned unless such a move changes it.

    In 2-D that is the whole truth: any other assignment consistent with the totals differs
    from the true one by a sum of +1/-1 cycles (the constraints are totally unimodular). In
    more dimensions it is what the protection promises: a box of hidden cells to move on.
    """
    cells = [tuple(int(i) for i in cell) for cell in np.argwhere(hidden)]
    if not cells:
        return []
    totals = np.array([[all(cell[k] == line[k] for k in range(grid.ndim) if k != axis)
                        for cell in cells]
                       for axis in range(grid.ndim) for line in np.ndindex(grid.shape)
                       if line[axis] == 0], dtype=np.int8).reshape(-1, len(cells))
    moves = _moves(len(cells))
    allowed = ((moves @ totals.T.astype(np.float32) == 0).all(axis=1)
               & (np.array([grid[cell] for cell in cells]) + moves >= 0).all(axis=1))
    return [cell for k, cell in enumerate(cells) if not (allowed & (moves[:, k] != 0)).any()]


@cache
def _moves(k: int) -> np.ndarray:
    """Every move of -1, 0 or +1 on each of k cells, one per row."""
    return np.indices((3,) * k, dtype=np.float32).reshape(k, 3**k).T - 1


def pinned_by_cycles(grid: np.ndarray, hidden: np.ndarray) -> list[tuple[int, int]]:
    """The same question for tables too big to try every move: a hidden cell can change by s
    (+1 or -1) exactly when a cycle of hidden cells through it alternates +s (row to column) and
    -s (column back to row) without taking any cell below zero. Breadth-first search for one."""
    rows, cols = grid.shape
    pinned = []
    for r, c in zip(*np.nonzero(hidden)):
        def usable(i, j, change):
            return hidden[i, j] and (i, j) != (r, c) and grid[i, j] + change >= 0
        free = False
        for s in (1, -1):
            if grid[r, c] + s < 0:
                continue
            seen, queue = {("col", c)}, deque([("col", c)])
            while queue and not free:
                side, k = queue.popleft()
                steps = ([("row", i) for i in range(rows) if usable(i, k, -s)] if side == "col"
                         else [("col", j) for j in range(cols) if usable(k, j, s)])
                free = ("row", r) in steps
                queue.extend(step for step in steps if step not in seen)
                seen.update(steps)
            if free:
                break
        if not free:
            pinned.append((int(r), int(c)))
    return pinned


# ---------------------------------------------------------------------------------------------
# Hand-worked examples


def test_one_dimension_small_count_and_the_next_smallest():
    out = protect(pd.DataFrame({"locality": ["A", "B", "C", "D"], "n": [10, 3, 0, 12]}), ["n"],
                  dims=["locality"], protected=True)
    # Rule 1: 3 is 1..5 -> [c]. Rule 2: the total 25 would give 3 back (25 - 10 - 0 - 12), so the
    # next smallest non-zero cell, 10, is hidden too. The reader now knows only [c] + [c] = 13
    # (hiding the 0 instead would tell the reader that the two hidden cells add up to 3).
    assert out["n"].tolist() == pytest.approx([NAN, NAN, 0.0, 12.0], nan_ok=True)
    assert out["n_status"].tolist() == [C, C, "", ""]


def test_one_dimension_with_only_zeros_left_hides_a_zero():
    out = protect(pd.DataFrame({"k": ["a", "b", "c"], "n": [9, 2, 0]}), ["n"], dims=["k"],
                  protected=True)
    # 2 -> [c]; the smallest non-zero shown cell is 9 (the only one), so 9 goes, not the 0.
    assert out["n_status"].tolist() == [C, C, ""]
    out = protect(pd.DataFrame({"k": ["a", "b", "c"], "n": [0, 4, 0]}), ["n"], dims=["k"],
                  protected=True)
    # 4 -> [c]; no non-zero cell is left, so the first smallest cell, a 0, is hidden.
    assert out["n_status"].tolist() == [C, C, ""]


def test_two_dimensions_secondary_suppression_cascades():
    grid = [[3, 9, 20],
            [7, 30, 11],
            [40, 8, 50]]
    # One cell at a time, columns first, then rows:
    # 3 is small -> [c]. Column c0 (3, 7, 40) has one [c]: hide 7.
    # Row r0 (3, 9, 20) has one: hide 9. Column c1 (9, 30, 8) has one: hide 8.
    # Row r1 (7, 30, 11) has one (7): hide 11. Column c2 (20, 11, 50) has one: hide 20.
    # Row r2 (40, 8, 50) has one (8): hide 40. Now every row and column has 0 or 2+ [c].
    assert statuses(protect_grid(grid)) == [[C, C, C],
                                            [C, "", C],
                                            [C, C, ""]]
    hidden = np.array(statuses(protect_grid(grid))) == C
    assert pinned_by_moves(np.array(grid), hidden) == []


def test_cells_pinned_by_several_lines_together_are_protected_too():
    grid = [[2, 3, 4, 20],
            [3, 2, 30, 40],
            [25, 35, 2, 3],
            [45, 50, 3, 2]]
    # Rule 1 hides the nine small cells, and then no row or column holds exactly one [c]. Yet
    # the 4 in r0 joins two blocks of [c] and can be worked out from the totals:
    # rows r0 + r1 = 29 + 75 = 104 = [c]x4 + 4 + (20 + 30 + 40);
    # columns c0 + c1 = 75 + 90 = 165 = [c]x4 + (25 + 45 + 35 + 50);
    # so 4 = 104 - 90 - (165 - 155). The cheapest box of cells around it that can move
    # together (r0 c2 +1, r0 c3 -1, r2 c3 +1, r2 c2 -1 keeps every total) needs only 20 hidden
    # (r0 c3); the other boxes need 25 (r2 c0) or 30 (r1 c2).
    assert pinned_by_moves(np.array(grid), np.array(grid) <= 5) == [(0, 2)]
    assert statuses(protect_grid(grid)) == [[C, C, C, C],
                                            [C, C, "", ""],
                                            ["", "", C, C],
                                            ["", "", C, C]]
    hidden = np.array(statuses(protect_grid(grid))) == C
    assert pinned_by_moves(np.array(grid), hidden) == []
    assert pinned_by_cycles(np.array(grid), hidden) == []


def test_a_zero_that_a_total_of_zero_gives_away_is_not_used_to_hide_a_count():
    grid = [[0, 0, 0],
            [6, 1, 0],
            [0, 9, 7]]
    # 1 is small -> [c]. Column c1 (0, 1, 9): hide 9. Row r1 (6, 1, 0): hide 6. Column c0
    # (0, 6, 0) has one [c] and no non-zero cell left; row r0 adds up to 0, so its 0 is known
    # to be 0 and r2's 0 is hidden instead. Rows r1, r2 and columns c0, c1 now hold two [c]
    # each, and the hidden 6, 1, 0, 9 could as well be 5, 2, 1, 8 (every total is the same).
    assert statuses(protect_grid(grid)) == [["", "", ""],
                                            [C, C, ""],
                                            [C, C, ""]]
    assert pinned_by_moves(np.array(grid), np.array(statuses(protect_grid(grid))) == C) == []


def test_an_absent_combination_is_a_zero_and_is_added_when_it_must_be_hidden():
    frame = pd.DataFrame({"month": ["Jan", "Feb", "Feb"], "locality": ["A", "A", "B"],
                          "n": [3, 8, 9]})
    # Grid: Jan (A 3, B absent = 0), Feb (A 8, B 9). 3 -> [c]; column A: hide 8; row Jan
    # (3, 0): hide the 0, else the Jan total would give 3; column B (0, 9): hide 9.
    out = protect(frame, ["n"], dims=["month", "locality"], protected=True)
    assert out[["month", "locality", "n_status"]].values.tolist() == [
        ["Jan", "A", C], ["Feb", "A", C], ["Feb", "B", C], ["Jan", "B", C]]
    # Where the 0 can stay shown, no row is added: absence already reads as 0.
    out = protect(frame.assign(n=[30, 8, 9]), ["n"], dims=["month", "locality"], protected=True)
    assert len(out) == 3 and (out["n_status"] == "").all()


def test_by_splits_a_stack_of_breakdowns_into_separate_tables():
    frame = pd.DataFrame({"dimension": ["sex", "sex", "type", "type"],
                          "category": ["female", "male", "cse", "cce"], "n": [20, 3, 12, 11]})
    out = protect(frame, ["n"], dims=["category"], by=["dimension"], protected=True)
    # Sex (20, 3): 3 -> [c], so 20 -> [c]. Type (12, 11) adds up on its own: untouched.
    assert out["n_status"].tolist() == [C, C, "", ""]
    assert out["category"].tolist() == ["female", "male", "cse", "cce"]


@pytest.mark.parametrize("numerator, denominator, value, status", [
    (3, 10, None, C),     # numerator 3 is 1..5
    (8, 10, None, C),     # complement 10 - 8 = 2 is 1..5
    (0, 4, None, C),      # denominator 4 is 1..5
    (0, 0, None, Z),      # nothing to take a percentage of
    (20, 40, 50.0, ""),   # 20 / 40 * 100 = 50; 20, 40 and 40 - 20 = 20 all above 5
    (30, 36, 250 / 3, ""),  # 30 / 36 * 100 = 83.3; 36 - 30 = 6 is above 5, so shown
    (0, 10, 0.0, ""),     # 0 is not small; 10 - 0 = 10
    (10, 10, 100.0, ""),  # 10 - 10 = 0 is not small
])
def test_percentages(numerator, denominator, value, status):
    assert protect_share(numerator, denominator, protected=True) == (
        pytest.approx(value) if value is not None else None, status)
    out = protect(pd.DataFrame({"n": [numerator], "d": [denominator]}), [], dims=[],
                  protected=True, rates=[Rate("n", "d", "pct")])
    assert out["pct_status"].tolist() == [status]
    assert out["pct"].tolist() == pytest.approx([NAN if value is None else value], nan_ok=True)


def test_rate_per_10000_children_and_a_rate_whose_count_was_hidden():
    frame = pd.DataFrame({"locality": ["A", "B", "C"], "referrals": [12, 30, 3],
                          "population": [60_000, 90_000, 45_000]})
    out = protect(frame, ["referrals"], dims=["locality"], protected=True,
                  rates=[Rate("referrals", "population", "per_10k", per=10_000,
                              complement=False, denominator_is_count=False)])
    # 3 -> [c]; the next smallest, 12, -> [c]. A's rate 12 / 60,000 * 10,000 = 2.0 would give
    # 12 back (2.0 * 60,000 / 10,000), so it is [c]. B: 30 / 90,000 * 10,000 = 3.33. C: [c].
    # Populations are not counts of people in the data: shown as they are.
    assert out["per_10k_status"].tolist() == [C, "", C]
    assert out["per_10k"].tolist() == pytest.approx([NAN, 10 / 3, NAN], nan_ok=True)
    assert out["population"].tolist() == [60_000, 90_000, 45_000]
    assert "population_status" not in out


def test_single_values():
    assert protect_value(0, protected=True) == (0.0, "")
    assert protect_value(3, protected=True) == (None, C)
    assert protect_value(6, protected=True) == (6.0, "")
    assert protect_value(None, protected=True) == (None, X)
    assert protect_value(3, protected=False) == (3.0, "")
    assert protect_value(8, protected=True, threshold=10) == (None, C)
    assert protect_share(3, 10, protected=False) == (pytest.approx(30.0), "")
    assert protect_share(0, 0, protected=False) == (None, Z)


def test_hub_lead_sees_everything_but_zero_denominators():
    frame = pd.DataFrame({"k": ["a", "b", "c", "d"], "n": [10, 3, 0, 12], "d": [40, 3, 0, 12]})
    out = protect(frame, ["n"], dims=["k"], protected=False, rates=[Rate("n", "d", "pct")])
    assert out["n"].tolist() == [10.0, 3.0, 0.0, 12.0]
    assert out["n_status"].tolist() == ["", "", "", ""]
    assert out["pct"].tolist() == pytest.approx([25.0, 100.0, NAN, 100.0], nan_ok=True)
    assert out["pct_status"].tolist() == ["", "", Z, ""]


def test_threshold_is_a_setting():
    frame = pd.DataFrame({"k": ["a", "b", "c"], "n": [10, 11, 0]})
    # Threshold 10: 10 -> [c], then 11 (the only other non-zero) -> [c].
    assert protect(frame, ["n"], dims=["k"], protected=True, threshold=10)[
        "n_status"].tolist() == [C, C, ""]
    assert protect(frame.assign(n=[1, 11, 0]), ["n"], dims=["k"], protected=True, threshold=0)[
        "n_status"].tolist() == ["", "", ""]


def test_display_and_legend():
    frame = pd.DataFrame({"k": ["a", "b", "c"], "n": [1234.0, NAN, 0.0], "n_status": ["", C, ""],
                          "pct": [250 / 3, NAN, 12.5], "pct_status": ["", Z, U]})
    out = display(frame, ["n", "pct"], decimals={"pct": 1})
    assert out.to_dict("list") == {"k": ["a", "b", "c"], "n": ["1,234", C, "0"],
                                   "pct": ["83.3", Z, "12.5 [u]"]}
    assert symbols_present(frame) == {C: SYMBOLS[C], Z: SYMBOLS[Z], U: SYMBOLS[U]}
    assert symbols_present(frame.assign(n_status="", pct_status="")) == {}


def test_a_missing_count_is_not_available_and_is_not_used_to_hide_another():
    out = protect(pd.DataFrame({"k": ["a", "b", "c"], "n": [3, None, 8]}), ["n"], dims=["k"],
                  protected=True)
    # 3 -> [c]; the missing count is [x]; the only other cell to hide is 8.
    assert out["n_status"].tolist() == [C, X, C]


def test_duplicate_cells_are_refused():
    with pytest.raises(ValueError, match="appear once"):
        protect(pd.DataFrame({"k": ["a", "a"], "n": [1, 2]}), ["n"], dims=["k"], protected=True)


# ---------------------------------------------------------------------------------------------
# Properties over random tables (counts 0 to 30, small ones made likely)

COUNTS = st.one_of(st.integers(0, 5), st.integers(0, 30))


@st.composite
def tables(draw, dims=st.integers(1, 3), levels=st.integers(1, 4), sparse=True, counts=COUNTS):
    """(frame, dims): every combination of 1-3 dimensions, some absent when sparse."""
    names = [f"d{i}" for i in range(draw(dims))]
    shape = [draw(levels) for _ in names]
    cells = list(itertools.product(*([f"{n}{k}" for k in range(size)]
                                     for n, size in zip(names, shape))))
    keep = draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells))) if sparse \
        else [True] * len(cells)
    values = draw(st.lists(counts, min_size=len(cells), max_size=len(cells)))
    rows = [(*cell, n) for cell, n, k in zip(cells, values, keep) if k or cell == cells[0]]
    return pd.DataFrame(rows, columns=[*names, "n"]), names


@st.composite
def tables_with_denominators(draw):
    """(frame, dims) from `tables`, plus a denominator d = n + a count, for percentages."""
    frame, dims = draw(tables())
    extra = draw(st.lists(COUNTS, min_size=len(frame), max_size=len(frame)))
    return frame.assign(d=frame["n"] + extra), dims


def lines(frame: pd.DataFrame, dims: list[str]):
    """The statuses of every line of the table read as a full grid (absent cells shown as 0)."""
    grid = pd.MultiIndex.from_product([frame[d].unique() for d in dims], names=dims)
    full = frame.set_index(dims)["n_status"].reindex(grid).fillna("").reset_index()
    for dim in dims:
        others = [d for d in dims if d != dim]
        yield from ([full["n_status"]] if not others
                    else (group["n_status"] for _, group in full.groupby(others)))


@given(tables(), st.integers(0, 10))
@settings(deadline=None)
def test_no_small_count_is_shown_and_no_line_has_a_lone_suppression(drawn, threshold):
    frame, dims = drawn
    out = protect(frame, ["n"], dims=dims, protected=True, threshold=threshold)
    shown = out[out["n_status"] == ""]
    assert not is_small(shown["n"], threshold).any()
    assert set(out["n_status"]) <= {"", C}
    # shown figures are the true ones, and every input row is still there
    merged = frame.merge(out, on=dims, suffixes=("", "_out"))
    assert len(merged) == len(frame)
    assert (merged["n_out"].isna() | (merged["n_out"] == merged["n"])).all()
    assert (out["n_status"].eq(C) | out["n"].notna()).all()
    for line in lines(out, dims):
        assert len(line) < 2 or (line == C).sum() != 1, line.tolist()


@given(tables(sparse=False, counts=st.one_of(st.just(0), st.integers(6, 30))))
@settings(deadline=None)
def test_a_table_without_small_counts_is_shown_whole(drawn):
    frame, dims = drawn  # zeros included: a 0 never becomes [c] by the primary rule
    out = protect(frame, ["n"], dims=dims, protected=True)
    assert (out["n_status"] == "").all() and out["n"].tolist() == frame["n"].tolist()


@given(tables_with_denominators())
@settings(deadline=None)
def test_hub_lead_figures_are_untouched(drawn):
    frame, dims = drawn
    out = protect(frame, ["n"], dims=dims, protected=False, rates=[Rate("n", "d", "pct")])
    assert out[dims].equals(frame[dims])
    assert out["n"].tolist() == frame["n"].tolist() and out["d"].tolist() == frame["d"].tolist()
    assert (out["n_status"] == "").all() and (out["d_status"] == "").all()
    assert out["pct_status"].tolist() == [Z if d == 0 else "" for d in frame["d"]]


@given(tables_with_denominators(), st.booleans())
@settings(deadline=None)
def test_protecting_twice_changes_nothing(drawn, protected):
    frame, dims = drawn
    options = dict(dims=dims, protected=protected, rates=[Rate("n", "d", "pct")])
    once = protect(frame, ["n"], **options)
    pd.testing.assert_frame_equal(protect(once, ["n"], **options), once)


@given(tables_with_denominators())
@settings(deadline=None)
def test_a_shown_percentage_reveals_no_small_count(drawn):
    frame, dims = drawn
    out = protect(frame, ["n"], dims=dims, protected=True, rates=[Rate("n", "d", "pct")])
    for row in out.itertuples():
        if row.pct_status == "":
            assert row.n_status == row.d_status == "" and row.d > 0
            assert not is_small(np.array([row.n, row.d, row.d - row.n]), 5).any()
            assert row.pct == pytest.approx(row.n / row.d * 100)
        else:
            assert row.pct_status in (C, Z) and math.isnan(row.pct)
            assert row.pct_status == C or (row.d == 0 and row.n_status == row.d_status == "")


@given(st.one_of(st.none(), COUNTS), COUNTS, st.booleans(), st.integers(0, 10))
@settings(deadline=None)
def test_single_values_follow_the_table_rules(numerator, extra, protected, threshold):
    denominator = None if numerator is None else numerator + extra
    frame = pd.DataFrame({"n": [numerator], "d": [denominator]}, dtype=float)
    out = protect(frame, ["n"], dims=[], protected=protected, threshold=threshold,
                  rates=[Rate("n", "d", "pct")]).iloc[0]
    value, status = protect_value(numerator, protected=protected, threshold=threshold)
    assert status == out["n_status"] and (value is None) == math.isnan(out["n"])
    assert value is None or value == out["n"]
    value, status = protect_share(numerator, denominator, protected=protected,
                                  threshold=threshold)
    assert status == out["pct_status"] and (value is None) == math.isnan(out["pct"])
    assert value is None or value == pytest.approx(out["pct"])


def hidden_cells(grid: np.ndarray) -> np.ndarray:
    """Protect an n-D array of counts (one dim per axis); True where the count is hidden."""
    cells = list(np.ndindex(grid.shape))
    dims = [f"d{k}" for k in range(grid.ndim)]
    frame = pd.DataFrame([(*(f"v{i}" for i in cell), grid[cell]) for cell in cells],
                         columns=[*dims, "n"])
    out = protect(frame, ["n"], dims=dims, protected=True).set_index(dims)
    return (out["n_status"].reindex(frame.set_index(dims).index) == C).to_numpy().reshape(
        grid.shape)


# Tables with a small line total are skipped (assume), which can be most of a small draw.
FILTERED = [HealthCheck.filter_too_much]


def no_small_total(grid: np.ndarray) -> bool:
    """No line total is 1 to 5 (such a total would itself be [c], not a figure readers have)."""
    return not any(is_small(grid.sum(axis=axis), 5).any() for axis in range(grid.ndim))


def arrays(shapes):
    """n-D arrays of counts, of a shape drawn from `shapes`."""
    return shapes.flatmap(lambda shape: st.lists(
        COUNTS, min_size=math.prod(shape), max_size=math.prod(shape)).map(
        lambda counts: np.array(counts).reshape(shape)))


@given(arrays(st.tuples(st.integers(2, 3), st.integers(2, 3))))
@settings(deadline=None, suppress_health_check=FILTERED)
def test_no_hidden_count_can_be_worked_out_from_the_totals(grid):
    assume(no_small_total(grid))
    hidden = hidden_cells(grid)
    pinned = pinned_by_moves(grid, hidden)
    assert pinned_by_cycles(grid, hidden) == pinned  # two ways of asking agree
    # A hidden 0 can sometimes be shown to be 0, which reveals nothing; no other count can.
    assert [cell for cell in pinned if grid[cell] > 0] == []


@given(arrays(st.tuples(st.integers(4, 7), st.integers(4, 6))))
@settings(deadline=None, max_examples=60, suppress_health_check=FILTERED)
def test_no_hidden_count_can_be_worked_out_in_a_district_by_month_table(grid):
    assume(no_small_total(grid))
    assert [cell for cell in pinned_by_cycles(grid, hidden_cells(grid)) if grid[cell] > 0] == []


@given(arrays(st.sampled_from([(2, 2, 2), (3, 2, 2), (2, 3, 2)])))
@settings(deadline=None, max_examples=60, suppress_health_check=FILTERED)
def test_no_hidden_count_can_be_worked_out_in_three_dimensions(grid):
    assume(no_small_total(grid))
    # Here the totals alone can pin a count, e.g. (0 0 / 6 0) over (6 0 / 1 6): a 2x2x2 table
    # has one way to move, which its zeros block. Protection must do as well as hiding it all.
    pinned = [cell for cell in pinned_by_moves(grid, hidden_cells(grid)) if grid[cell] > 0]
    if pinned:
        assert set(pinned) <= set(pinned_by_moves(grid, np.ones_like(grid, dtype=bool)))
