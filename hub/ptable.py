"""The perturbation table (ptable) for cell key perturbation, in the ONS format.

Cell key perturbation (docs/disclosure.md rule 3) adds to each count a small noise looked up by
(count, cell key); the same cell always gets the same noise, so repeated or overlapping views
cannot be averaged to the true count. The table is derived here from `Parameters`, committed as
data/perturbation/ptable.csv, and checked whenever it is loaded.

Format (as the ONS `cell-key-perturbation` package, 3.1.0): columns pcv, ckey, pvalue, where
pvalue is the noise *added* (perturbed count = count + pvalue); counts above 750 use the row
(count - 1) % 250 + 501; a count of 0 has no row and stays 0.

Chosen distributions (keys out of 256 per perturbed value; `distribution` derives them): the
flattest (maximum entropy) integer counts whose mean is exactly the true value, over the
values the count can move to (never below 0, at most 3 away), with at least 64 keys (25 %) going
to 0 for counts of 1 to 3, so that a shown 0 never proves that no child was counted:
    1 -> 0..4:  118  66  38  22  12
    2 -> 0..5:   64  52  45  37  31  27
    3 -> 0..6:   64  20  23  28  34  40  47
    4 and more -> count-3..count+3: 37 37 36 36 36 37 37 (14 % unchanged, sd 2.01)
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import itertools
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hub.settings import ROOT

PTABLE_PATH = ROOT / "data" / "perturbation" / "ptable.csv"
COLUMNS = ("pcv", "ckey", "pvalue")


@dataclass(frozen=True)
class Parameters:
    max_noise: int = 3
    keys: int = 256              # cell keys 0..keys-1 (record keys are one byte)
    values: int = 750            # rows pcv 1..values
    reuse_from: int = 501        # counts above `values` reuse rows reuse_from..values
    min_zero_share_small: float = 0.25
    max_unchanged_share: float = 0.20
    min_sd: float = 1.8
    seed: int = 20_250_613

    @property
    def zero_keys_small(self) -> int:
        return math.ceil(self.min_zero_share_small * self.keys)

    def row_of(self, values: np.ndarray) -> np.ndarray:
        """The ptable row (pcv) of each count: the ONS rule for counts above `values`."""
        cycle = self.values - self.reuse_from + 1
        return np.where(values > self.values, (values - 1) % cycle + self.reuse_from, values)


PARAMETERS = Parameters()


class PTableError(ValueError):
    """A ptable that breaks a rule; the message names the file, the rule and how many rows."""


def _maxent(support: list[int], mean: float) -> list[float]:
    """The maximum-entropy probabilities over `support` with the given mean: p_k ~ exp(t k)."""
    def probabilities(t: float) -> list[float]:
        weights = [math.exp(t * (k - mean)) for k in support]  # centred, so no overflow
        total = math.fsum(weights)
        return [w / total for w in weights]

    low, high = -20.0, 20.0
    for _ in range(200):  # the mean rises with t: bisect
        t = (low + high) / 2
        if math.fsum(p * k for p, k in zip(probabilities(t), support)) < mean:
            low = t
        else:
            high = t
    return probabilities((low + high) / 2)


def _entropy(counts) -> float:
    # Summed in sorted order, so that counts that are a permutation tie exactly.
    return -math.fsum(n * math.log(n) for n in sorted(counts))


@functools.cache
def distribution(value: int, params: Parameters = PARAMETERS) -> dict[int, int]:
    """noise -> number of keys (summing to params.keys) for a count of `value` (1..values)."""
    if value > params.max_noise + 1:
        return distribution(params.max_noise + 1, params)  # 0 out of reach: one shape for all
    support = list(range(max(0, value - params.max_noise), value + params.max_noise + 1))
    small = value <= params.max_noise  # 0 reachable, so a symmetric spread is not
    floor = params.zero_keys_small if small else 1
    share = _maxent(support, value)
    if small and share[0] * params.keys < floor:
        # The zero floor binds: the rest is the flattest spread with the remaining mean.
        rest = _maxent(support[1:], value * params.keys / (params.keys - floor))
        share = [floor / params.keys] + [p * (params.keys - floor) / params.keys for p in rest]
    # Integer counts next to the real solution: exact total, exact mean, every value used.
    boxes = [range(max(floor if k == 0 and small else 1, math.floor(p * params.keys) - 1),
                   math.ceil(p * params.keys) + 2) for k, p in zip(support, share)]
    best = None
    for counts in itertools.product(*boxes):
        if sum(counts) != params.keys or sum(n * k for n, k in zip(counts, support)) != \
                value * params.keys:
            continue
        # Flattest first; among equals, the most noise; then the first, for a fixed answer.
        score = (_entropy(counts), sum(n * (k - value) ** 2 for n, k in zip(counts, support)))
        if best is None or score > best[0]:
            best = (score, counts)
    if best is None:
        raise PTableError(f"generated ptable: no distribution meets the rules for count {value}")
    return {k - value: n for k, n in zip(support, best[1])}


def _check_distribution(value: int, noise: dict[int, int], params: Parameters) -> None:
    keys, spread = params.keys, np.repeat(list(noise), list(noise.values()))
    broken = []
    if sum(noise.values()) != keys:
        broken.append(f"{sum(noise.values())} keys, not {keys}")
    if min(noise) + value < 0 or max(map(abs, noise)) > params.max_noise:
        broken.append("a noise makes the count negative or exceeds the maximum")
    if value > params.max_noise:
        if spread.sum() != 0:
            broken.append("the noise does not average 0")
        if noise.get(0, 0) > params.max_unchanged_share * keys:
            broken.append("too many keys leave the count unchanged")
        if spread.std() < params.min_sd:
            broken.append(f"standard deviation {spread.std():.2f} below {params.min_sd}")
    elif noise.get(-value, 0) < params.zero_keys_small:
        broken.append("too few keys send the count to 0")
    if broken:
        raise PTableError(f"generated ptable: count {value}: " + "; ".join(broken))


def generate(params: Parameters = PARAMETERS) -> pd.DataFrame:
    """The ptable: one row per (pcv 1..values, ckey 0..keys-1), sorted by pcv then ckey."""
    rows = []
    for value in range(1, params.values + 1):
        noise = distribution(value, params)
        _check_distribution(value, noise, params)
        sorted_noise = np.repeat(np.array(list(noise), dtype=np.int64), list(noise.values()))
        # A shuffle per row, so neighbouring keys get unrelated noise. Built on the raw PCG64
        # stream (stable across numpy versions, unlike Generator methods) so that the
        # committed file regenerates byte for byte.
        raw = np.random.PCG64(np.random.SeedSequence([params.seed, value])).random_raw(params.keys)
        rows.append(sorted_noise[np.argsort(raw, kind="stable")])
    pcv = np.repeat(np.arange(1, params.values + 1, dtype=np.int64), params.keys)
    ckey = np.tile(np.arange(params.keys, dtype=np.int64), params.values)
    return pd.DataFrame({"pcv": pcv, "ckey": ckey, "pvalue": np.concatenate(rows)})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("ascii")


def _coverage(frame: pd.DataFrame, where: str, params: Parameters) -> np.ndarray:
    """The noise array of a read ptable, or PTableError naming every rule it breaks."""
    if sorted(frame.columns) != sorted(COLUMNS):
        raise PTableError(f"{where}: columns must be {', '.join(COLUMNS)}, "
                          f"not {', '.join(map(str, frame.columns))} ({len(frame)} rows)")
    broken = []
    for column in COLUMNS:
        if not pd.api.types.is_integer_dtype(frame[column]):
            numbers = pd.to_numeric(frame[column], errors="coerce")
            bad = int((numbers.isna() | (numbers != numbers.round())).sum())
            broken.append(f"column {column} is not integer ({bad} rows not whole numbers)")
    if broken:
        raise PTableError(f"{where}: " + "; ".join(broken))
    pcv, ckey, pvalue = (frame[c].to_numpy(dtype=np.int64) for c in COLUMNS)

    def rule(text: str, mask) -> None:
        if (count := int(np.count_nonzero(mask))):
            broken.append(f"{text} ({count} {'row' if count == 1 else 'rows'})")

    inside = (pcv >= 1) & (pcv <= params.values) & (ckey >= 0) & (ckey < params.keys)
    rule(f"pcv must be 1-{params.values} and ckey 0-{params.keys - 1}", ~inside)
    pairs = pcv[inside] * params.keys + ckey[inside]
    rule("each (pcv, ckey) must appear once: duplicated", pd.Series(pairs).duplicated())
    present = np.zeros(params.values * params.keys, dtype=bool)
    present[pairs - params.keys] = True
    rule("each (pcv, ckey) must appear once: missing", ~present)
    rule(f"|pvalue| must be at most {params.max_noise}", np.abs(pvalue) > params.max_noise)
    rule("no count may be made negative (pcv + pvalue < 0)", pcv + pvalue < 0)
    if broken:
        raise PTableError(f"{where}: " + "; ".join(broken))
    noise = np.zeros((params.values + 1, params.keys), dtype=np.int64)
    noise[pcv, ckey] = pvalue
    # Every row must meet rule 3 too: a table of zeros is well formed and protects nothing.
    for value in range(1, params.values + 1):
        steps, counts = np.unique(noise[value], return_counts=True)
        try:
            _check_distribution(value, dict(zip(steps.tolist(), counts.tolist())), params)
        except PTableError as error:
            raise PTableError(f"{where}: {str(error).removeprefix('generated ptable: ')} "
                              f"({params.keys} rows)") from None
    noise.flags.writeable = False  # shared by every caller of default_ptable()
    return noise


# eq=False: compared and hashed by identity (an array field has no single truth value).
@dataclass(frozen=True, eq=False)
class PTable:
    name: str
    sha256: str
    noise: np.ndarray  # (values + 1, keys): noise[count, cell key]; row 0 all zeros

    @classmethod
    def load(cls, path: Path = PTABLE_PATH) -> PTable:
        path = Path(path)
        try:
            content = path.read_bytes()
            frame = pd.read_csv(io.BytesIO(content))
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise PTableError(f"{path}: not a readable ptable CSV ({error}; 0 rows)") from error
        return cls(path.name, hashlib.sha256(content).hexdigest(),
                   _coverage(frame, str(path), PARAMETERS))

    def perturb(self, values, cell_keys) -> np.ndarray:
        """Perturbed counts (int64) of counts and their cell keys (broadcast together)."""
        values, keys = np.broadcast_arrays(_integers(values, "values"),
                                           _integers(cell_keys, "cell_keys"))
        if (values < 0).any():
            raise ValueError("perturb: counts must not be negative")
        rows = PARAMETERS.row_of(values)
        return values + self.noise[rows, np.mod(keys, self.noise.shape[1])]


def _integers(data, name: str) -> np.ndarray:
    # DuckDB returns sum() of integers as HUGEINT, which pandas receives as float64: whole
    # floats are accepted, fractions and missing values refused.
    array = np.asarray(data)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.round(array)).all():
        return array.astype(np.int64)
    raise ValueError(f"perturb: {name} must be whole numbers, not {array.dtype}")


@functools.cache
def default_ptable() -> PTable:
    return PTable.load()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.ptable",
                                     description="Write the ptable generated from PARAMETERS.")
    parser.add_argument("out", nargs="?", type=Path, default=PTABLE_PATH)
    out = parser.parse_args(argv).out
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = generate()
    content = to_csv_bytes(frame)
    out.write_bytes(content)
    print(f"{out}: {len(frame)} rows, sha256 {hashlib.sha256(content).hexdigest()}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
