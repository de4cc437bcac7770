"""Disclosure control (docs/disclosure.md, version 2) on hand-made frames.

Most tests use a hand-made ptable whose noise is chosen cell by cell, so each expected value
is worked out by hand; the properties run on the committed ptable.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from hub.disclosure import ADJUSTED_NOTE, Rate, display, protect, protect_figure, symbols, \
    symbols_present
from hub.ptable import PTable, default_ptable

C, Z, X = "[c]", "[z]", "[x]"


def hand_ptable(cells: dict[tuple[int, int], int]) -> PTable:
    """No noise except at (value, cell key): noise."""
    noise = np.zeros((751, 256), dtype=np.int64)
    for (value, key), n in cells.items():
        noise[value, key] = n
    return PTable("hand-made.csv", "0" * 64, noise)


NOISE = hand_ptable({(10, 3): -2, (8, 3): +3, (30, 100): -1, (3, 9): -3, (12, 1): -6,
                     (20, 20): +2})


def shown(frame, column):
    return [None if pd.isna(v) else v for v in frame[column]]


def test_counts_get_the_noise_of_their_value_and_cell_key():
    frame = pd.DataFrame({"category": ["a", "b", "c", "d"], "n": [10, 8, 30, 0],
                          "n_key": [3, 3 + 256, 100 + 512, 0]})
    out = protect(frame, ["n"], protected=True, ptable=NOISE)
    assert shown(out, "n") == [8, 11, 29, 0]  # cell keys mod 256; zero stays zero
    assert list(out["n_status"]) == ["", "", "", ""]
    assert "n_key" not in out.columns  # keys are never shown


def test_a_count_of_1_to_the_threshold_after_perturbation_is_confidential():
    frame = pd.DataFrame({"n": [10, 3, 12, 6], "n_key": [3, 9, 1, 0]})
    out = protect(frame, ["n"], protected=True, ptable=NOISE)
    # 10 -> 8 shown; 3 -> 0 shown as 0; 12 - 6 = 6 shown; 6 unchanged, shown
    assert shown(out, "n") == [8, 0, 6, 6]
    out = protect(frame, ["n"], protected=True, threshold=8, ptable=NOISE)
    assert shown(out, "n") == [None, 0, None, None]
    assert list(out["n_status"]) == [C, "", C, C]


def test_a_protected_count_without_record_keys_is_refused_not_shown():
    with pytest.raises(ValueError, match="no record-key sum"):
        protect(pd.DataFrame({"n": [10]}), ["n"], protected=True, ptable=NOISE)


def test_the_hub_lead_sees_exact_counts_and_needs_no_keys():
    out = protect(pd.DataFrame({"n": [10, 3, 0]}), ["n"], protected=False)
    assert shown(out, "n") == [10, 3, 0]
    assert list(out["n_status"]) == ["", "", ""]


SHARE = Rate("num", "den", "pct")


@pytest.mark.parametrize("num, num_key, den, den_key, value, status", [
    (20, 20, 30, 100, 22 / 29 * 100, ""),  # both perturbed: 22 of 29
    (8, 3, 30, 0, 11 / 30 * 100, ""),  # 11 of 30
    (3, 0, 30, 0, None, C),  # numerator small
    (27, 0, 30, 0, None, C),  # difference small
    (10, 3, 10, 0, None, C),  # 8 of 10: difference 2
    (0, 0, 19, 0, None, C),  # 0 % of under 20
    (19, 0, 19, 0, None, C),  # 100 % of under 20
    (25, 0, 25, 0, 100.0, ""),  # 100 % of 25 is shown
    (8, 3, 10, 3, None, C),  # 11 of 8: kept at 100 %, of under 20
    (0, 0, 0, 0, None, Z),
])
def test_shares_are_made_from_perturbed_parts(num, num_key, den, den_key, value, status):
    frame = pd.DataFrame({"num": [num], "num_key": [num_key], "den": [den],
                          "den_key": [den_key]})
    out = protect(frame, [], rates=[SHARE], protected=True, ptable=NOISE)
    assert out.at[0, "pct_status"] == status
    if value is None:
        assert pd.isna(out.at[0, "pct"])
    else:
        assert out.at[0, "pct"] == round(value, 1)  # at the precision shown


def test_a_rate_per_10000_is_hidden_with_its_count_and_carries_one_decimal():
    per_10k = Rate("n", "population", "rate", per=10_000, complement=False,
                   denominator_is_count=False)
    frame = pd.DataFrame({"n": [10, 3], "n_key": [3, 0], "population": [12_345, 20_000]})
    out = protect(frame, [], rates=[per_10k], protected=True, ptable=NOISE)
    assert out.at[0, "rate"] == round(8 / 12_345 * 10_000, 1)  # from the perturbed 8
    assert list(out["rate_status"]) == ["", C]
    assert shown(out, "population") == [12_345, 20_000]  # a population is not perturbed
    lead = protect(frame, [], rates=[per_10k], protected=False)
    assert lead.at[0, "rate"] == 10 / 12_345 * 10_000  # exact for the hub lead


def test_a_headline_figure_follows_the_same_rules():
    assert protect_figure(10, 3, protected=True, ptable=NOISE) == (8.0, "")
    assert protect_figure(10, 3, protected=True, threshold=8, ptable=NOISE) == (None, C)
    assert protect_figure(20, 20, 30, 100, protected=True, ptable=NOISE) == (
        round(22 / 29 * 100, 1), "")
    assert protect_figure(3, 0, 0, 0, protected=False) == (None, Z)
    assert protect_figure(3, None, protected=False) == (3.0, "")


def test_a_missing_figure_is_not_available():
    frame = pd.DataFrame({"n": [np.nan, 10], "n_key": [np.nan, 3]})
    out = protect(frame, ["n"], protected=True, ptable=NOISE)
    assert list(out["n_status"]) == [X, ""]


def test_texts_name_the_threshold_in_force_and_the_adjustment():
    assert "1 to 10" in symbols(10)[C]
    frame = protect(pd.DataFrame({"n": [10], "n_key": [3]}), ["n"], protected=True,
                    threshold=9, ptable=NOISE)
    assert symbols_present(frame, 9) == {C: symbols(9)[C]}
    assert display(frame, ["n"])["n"].tolist() == [C]
    assert "adjusted by small amounts" in ADJUSTED_NOTE


# --- Properties on the committed ptable -----------------------------------------------------

cells = st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 10**6)), min_size=1,
                 max_size=40)


@given(cells, st.integers(1, 10))
@settings(deadline=None)
def test_no_shown_count_is_small_or_negative_or_far_from_the_truth(drawn, threshold):
    values, keys = map(list, zip(*drawn))
    out = protect(pd.DataFrame({"n": values, "n_key": keys}), ["n"], protected=True,
                  threshold=threshold)
    for value, shown_value, status in zip(values, out["n"], out["n_status"]):
        if status == C:
            continue
        assert status == "" and not 0 < shown_value <= threshold and shown_value >= 0
        assert abs(shown_value - value) <= 3


@given(cells, st.integers(0, 39))
@settings(deadline=None)
def test_a_cell_shows_the_same_value_whatever_else_is_in_the_view(drawn, cut):
    """Consistency (rule 4): a cell's shown value depends on its own units only."""
    values, keys = map(list, zip(*drawn))
    whole = protect(pd.DataFrame({"n": values, "n_key": keys}), ["n"], protected=True)
    part = protect(pd.DataFrame({"n": values[cut:], "n_key": keys[cut:]}), ["n"],
                   protected=True)
    assert shown(part, "n") == shown(whole, "n")[cut:]


@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 10**5),
                          st.integers(0, 10**5)), min_size=1, max_size=30))
@settings(deadline=None)
def test_a_shown_share_is_within_0_and_100_and_reveals_no_small_part(rows):
    frame = pd.DataFrame(
        [{"num": min(a, b), "den": max(a, b), "num_key": k1, "den_key": k2}
         for a, b, k1, k2 in rows])
    out = protect(frame, [], rates=[SHARE], protected=True)
    table = default_ptable()
    num = table.perturb(frame["num"].to_numpy(), frame["num_key"].to_numpy())
    den = table.perturb(frame["den"].to_numpy(), frame["den_key"].to_numpy())
    for i, status in enumerate(out["pct_status"]):
        if status != "":
            continue
        assert 0 <= out.at[i, "pct"] <= 100
        for part in (num[i], den[i], den[i] - min(num[i], den[i])):
            assert not 0 < part <= 5
        if out.at[i, "pct"] in (0, 100):
            assert den[i] >= 20


def test_a_sum_goes_with_its_count_scaled_and_hidden_with_it():
    """Participants beside sessions: scaled by the sessions' perturbation (10 -> 8, so 400 ->
    320), [c] beside sessions that are [c] or 0, exact for the hub lead."""
    frame = pd.DataFrame({"sessions": [10, 3, 8], "sessions_key": [3, 9, 3],
                          "participants": [400, 90, 250]})
    out = protect(frame, ["sessions"], sums=["participants"], protected=True, ptable=NOISE)
    assert shown(out, "sessions") == [8, 0, 11]
    assert shown(out, "participants") == [320, None, round(250 * 11 / 8)]
    assert list(out["participants_status"]) == ["", C, ""]
    lead = protect(frame, ["sessions"], sums=["participants"], protected=False)
    assert shown(lead, "participants") == [400, 90, 250]
    with pytest.raises(ValueError, match="exactly one count"):
        protect(frame.assign(other=1, other_key=0), ["sessions", "other"],
                sums=["participants"], protected=True, ptable=NOISE)
    headline = pd.DataFrame({"numerator": [400.0], "numerator_key": [np.nan],
                             "denominator": [np.nan], "denominator_key": [np.nan],
                             "scale": [10.0], "scale_key": [3.0], "is_count": [False]})
    from hub.disclosure import protect_figures
    assert protect_figures(headline, protected=True, ptable=NOISE).iloc[0].tolist() == [320, ""]
    assert protect_figures(headline, protected=False).iloc[0].tolist() == [400, ""]
