"""The perturbation table (hub/ptable.py): the committed file, its rules, and the ONS package.

The ONS `cell-key-perturbation` package is the oracle: counts perturbed here must equal its
`create_perturbed_table` counts, cell by cell, for the same microdata and ptable.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.ptable import (PARAMETERS, PTABLE_PATH, PTable, PTableError, default_ptable,
                        distribution, generate, main, to_csv_bytes)

P = PARAMETERS
counts_with_rows = st.integers(1, P.values)
large_counts = st.integers(P.values + 1, 10**12)
any_keys = st.integers(-(10**12), 10**12)


@pytest.fixture(scope="module")
def table() -> PTable:
    return default_ptable()


def row(table: PTable, value: int) -> np.ndarray:
    return table.noise[value]


# The committed file ------------------------------------------------------------------------

def test_the_committed_file_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "again" / "ptable.csv"
    assert main([str(out)]) == 0
    assert out.read_bytes() == PTABLE_PATH.read_bytes()
    assert to_csv_bytes(generate()) == PTABLE_PATH.read_bytes()


def test_the_committed_file_loads_and_names_itself(table):
    assert table.name == "ptable.csv"
    assert table.sha256 == hashlib.sha256(PTABLE_PATH.read_bytes()).hexdigest()
    assert table.noise.shape == (P.values + 1, P.keys) and table.noise.dtype.kind == "i"
    assert not table.noise[0].any()
    assert not table.noise.flags.writeable


def test_generate_has_one_row_per_pcv_and_ckey_sorted():
    frame = generate()
    assert list(frame.columns) == ["pcv", "ckey", "pvalue"]
    assert all(frame[c].dtype == np.int64 for c in frame.columns)
    assert len(frame) == P.values * P.keys
    assert frame.equals(frame.sort_values(["pcv", "ckey"]).reset_index(drop=True))
    assert frame["pcv"].min() == 1 and frame["pcv"].max() == P.values
    assert not frame.duplicated(["pcv", "ckey"]).any()


def test_the_seed_changes_which_key_gets_which_noise_but_not_the_distribution():
    other = generate(replace(P, seed=P.seed + 1))
    mine = generate()
    assert not np.array_equal(other["pvalue"], mine["pvalue"])
    assert (other.groupby("pcv")["pvalue"].apply(sorted)
            .equals(mine.groupby("pcv")["pvalue"].apply(sorted)))


def test_parameters_that_cannot_be_met_are_refused():
    # sd 2.01 is the flattest spread over -3..3; asking for more cannot be met.
    with pytest.raises(PTableError, match="standard deviation"):
        generate(replace(P, min_sd=2.5))
    with pytest.raises(PTableError, match="unchanged"):
        generate(replace(P, max_unchanged_share=0.1))


# The coverage check refuses broken tables ---------------------------------------------------

def drop_row(frame):
    return frame.drop(index=1000)


def duplicate_row(frame):
    return pd.concat([frame, frame.iloc[[5000]]])


def noise_of_four(frame):
    frame = frame.copy()
    frame.loc[(frame["pcv"] == 40) & (frame["ckey"] == 7), "pvalue"] = 4
    return frame


def made_negative(frame):
    frame = frame.copy()
    frame.loc[(frame["pcv"] == 1) & (frame["ckey"] == 9), "pvalue"] = -2
    return frame


def fraction(frame):
    frame = frame.copy().astype({"pvalue": float})
    frame.loc[frame.index[3], "pvalue"] = 0.5
    return frame


def out_of_range(frame):
    frame = frame.copy()
    frame.loc[frame.index[-1], "ckey"] = P.keys  # and so (750, 255) goes missing
    return frame


@pytest.mark.parametrize("mutate, rule", [
    (drop_row, r"missing \(1 row\)"),
    (duplicate_row, r"duplicated \(1 row\)"),
    (noise_of_four, r"\|pvalue\| must be at most 3 \(1 row\)"),
    (made_negative, r"made negative \(pcv \+ pvalue < 0\) \(1 row\)"),
    (fraction, r"column pvalue is not integer \(1 rows not whole numbers\)"),
    (out_of_range, r"ckey 0-255 \(1 row\).*missing \(1 row\)"),
], ids=lambda x: getattr(x, "__name__", ""))
def test_a_broken_table_is_refused_naming_file_rule_and_rows(tmp_path, mutate, rule):
    path = tmp_path / "bad_ptable.csv"
    mutate(generate()).to_csv(path, index=False)
    with pytest.raises(PTableError, match=rule) as refused:
        PTable.load(path)
    assert str(path) in str(refused.value)


def test_a_table_with_other_columns_or_no_file_is_refused(tmp_path):
    path = tmp_path / "renamed.csv"
    generate().rename(columns={"pvalue": "noise"}).to_csv(path, index=False)
    with pytest.raises(PTableError, match=r"renamed.csv: columns must be pcv, ckey, pvalue"):
        PTable.load(path)
    with pytest.raises(PTableError, match="absent.csv"):
        PTable.load(tmp_path / "absent.csv")


def test_an_intact_copy_loads_with_its_own_name(tmp_path):
    path = tmp_path / "copy.csv"
    path.write_bytes(PTABLE_PATH.read_bytes())
    copy = PTable.load(path)
    assert copy.name == "copy.csv" and copy.sha256 == default_ptable().sha256
    assert np.array_equal(copy.noise, default_ptable().noise)


# The rules, for every row ------------------------------------------------------------------

@given(counts_with_rows)
def test_no_count_goes_negative_or_moves_more_than_3(table, value):
    noise = row(table, value)
    assert (value + noise >= 0).all()
    assert (np.abs(noise) <= P.max_noise).all()


@given(st.integers(P.max_noise + 1, P.values))
def test_counts_of_4_and_more_get_flat_noise_averaging_zero(table, value):
    noise = row(table, value)
    assert noise.sum() == 0
    assert np.count_nonzero(noise == 0) <= P.max_unchanged_share * P.keys
    assert noise.std() >= P.min_sd
    assert set(noise.tolist()) == set(range(-3, 4))


@given(st.integers(1, P.max_noise))
def test_counts_of_1_to_3_go_to_0_for_a_quarter_of_keys_and_are_unbiased(table, value):
    noise = row(table, value)
    assert np.count_nonzero(value + noise == 0) >= P.min_zero_share_small * P.keys
    assert noise.sum() == 0  # mean exactly the true count
    assert set((value + noise).tolist()) == set(range(0, value + 4))  # every outcome used


def test_the_distributions_are_those_stated_in_the_module(table):
    stated = {1: [118, 66, 38, 22, 12], 2: [64, 52, 45, 37, 31, 27],
              3: [64, 20, 23, 28, 34, 40, 47], 4: [37, 37, 36, 36, 36, 37, 37]}
    for value in range(1, P.values + 1):
        outcomes = list(range(max(0, value - 3), value + 4))
        expected = stated[min(value, 4)]
        assert [list(distribution(value).values())] == [expected]
        assert [np.count_nonzero(value + row(table, value) == o) for o in outcomes] == expected


@given(counts_with_rows)
def test_noise_is_not_monotone_in_the_key(table, value):
    noise = row(table, value)
    assert not (np.diff(noise) >= 0).all() and not (np.diff(noise) <= 0).all()
    # Rank correlation of key and noise: ~N(0, 1/16) for a shuffle; 0.3 is ~5 sd.
    ranks = pd.Series(noise).rank().to_numpy()
    assert abs(np.corrcoef(np.arange(P.keys), ranks)[0, 1]) < 0.3
    neighbour = row(table, value % P.values + 1)
    assert not np.array_equal(noise, neighbour)


# perturb ------------------------------------------------------------------------------------

@given(any_keys)
def test_zero_stays_zero(table, key):
    assert table.perturb(0, key) == 0


@given(large_counts, any_keys)
def test_counts_above_750_reuse_rows_501_to_750(table, value, key):
    pcv = (value - 1) % 250 + 501
    assert table.perturb(value, key) == value + table.noise[pcv, key % 256]


@pytest.fixture(scope="module")
def reloaded() -> PTable:
    return PTable.load()


@given(counts_with_rows, any_keys)
def test_perturb_is_deterministic_and_takes_keys_mod_256(table, reloaded, value, key):
    once = table.perturb(value, key)
    assert once == table.perturb(value, key) == reloaded.perturb(value, key)
    assert once == table.perturb(value, key % 256) == value + table.noise[value, key % 256]


@given(st.lists(st.tuples(st.integers(0, 5000), any_keys), min_size=1, max_size=50))
def test_perturb_of_arrays_is_perturb_of_each_cell(table, cells):
    values, keys = map(np.array, zip(*cells))
    result = table.perturb(values, keys)
    assert result.dtype == np.int64 and result.shape == values.shape
    assert result.tolist() == [int(table.perturb(v, k)) for v, k in cells]
    # DuckDB hands sum() over integers to pandas as float64.
    assert table.perturb(values.astype(float), keys.astype(float)).tolist() == result.tolist()


def test_perturb_refuses_negative_counts_and_fractions(table):
    with pytest.raises(ValueError, match="negative"):
        table.perturb([3, -1], [0, 0])
    with pytest.raises(ValueError, match="whole numbers"):
        table.perturb([2.5], [0])
    with pytest.raises(ValueError, match="whole numbers"):
        table.perturb([2], [np.nan])


# The ONS package as oracle --------------------------------------------------------------------

def microdata() -> pd.DataFrame:
    """Records in 4 areas x 3 x 3 categories, keys 0-255, with cells of 1, 2, 3, 750, 751, 1000."""
    rng = np.random.default_rng(7)
    n = 200
    frames = [pd.DataFrame({"area": rng.choice(["north", "south", "east"], n),
                            "sex": rng.choice(["female", "male", "unknown"], n),
                            "age": rng.choice(["0-9", "10-13", "14-17"], n)})]
    for size, (sex, age) in zip([1, 2, 3, 750, 751, 1000],
                                [("female", "0-9"), ("female", "10-13"), ("female", "14-17"),
                                 ("male", "0-9"), ("male", "10-13"), ("male", "14-17")]):
        frames.append(pd.DataFrame({"area": ["west"] * size, "sex": [sex] * size,
                                    "age": [age] * size}))
    micro = pd.concat(frames, ignore_index=True)
    micro["record_key"] = rng.integers(0, 256, len(micro))
    return micro


def test_perturb_equals_the_ons_package_cell_by_cell(table):
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table
    micro = microdata()
    ours = duckdb.connect().execute(
        "SELECT area, sex, age, count(*) AS n, sum(record_key) AS k FROM micro GROUP BY ALL"
    ).df()
    ours["ours"] = table.perturb(ours["n"], ours["k"])
    theirs = create_perturbed_table(data=micro, ptable=pd.read_csv(PTABLE_PATH),
                                    geog=["area"], tab_vars=["sex", "age"],
                                    record_key="record_key", threshold=0)
    both = theirs.merge(ours, on=["area", "sex", "age"], how="outer", indicator=True)
    # The package also lists the empty cells of the full cross-product, as 0.
    empty = both["_merge"] == "left_only"
    assert (both.loc[empty, "pre_sdc_count"] == 0).all() and (both.loc[empty, "count"] == 0).all()
    assert (table.perturb(np.zeros(empty.sum(), int), both.loc[empty, "ckey"]) == 0).all()
    cells = both[both["_merge"] == "both"]
    assert len(cells) == len(ours) and not (both["_merge"] == "right_only").any()
    assert (cells["pre_sdc_count"] == cells["n"]).all()
    assert (cells["ckey"] == cells["k"] % 256).all()
    assert cells["count"].astype(int).tolist() == cells["ours"].tolist()
    # The data reached what it was meant to: keys summing past 255, every kind of row.
    assert (cells["k"] > 255).any() and cells["n"].max() > P.values
    assert {1, 2, 3}.issubset(cells["n"]) and (cells["count"] != cells["n"]).any()


def test_a_well_formed_table_that_breaks_rule_3_is_refused(tmp_path):
    """A table of zeros has every row and protects nothing: refused, naming the rule."""
    frame = generate().assign(pvalue=0)
    path = tmp_path / "zeros.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(PTableError, match=r"zeros.csv: count 1: too few keys send the count to 0"):
        PTable.load(path)
