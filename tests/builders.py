"""Tiny hand-made extracts for tests: rows with sensible defaults, written as a producer would.

A test states only the fields that matter to it, e.g.
    folder = build_extract(tmp_path, missing_episodes=[episode(child_id="a", start_at=...)])
Every table not given is written empty, so the extract is valid unless the test breaks it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
from pathlib import Path

import pandas as pd

from hub.contract import TABLES
from hub.extract import write_manifest, write_table
from hub.settings import DEMO_SECRET, ROOT

COVERAGE_START = dt.date(2019, 1, 1)
COVERAGE_END = dt.date(2019, 12, 31)
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}"


def referral(**fields) -> dict:
    return {"referral_id": _id("r"), "child_id": "c1", "referral_date": dt.date(2019, 3, 1),
            "locality_code": "E07000130", "exploitation_type": "cse",
            "referral_source": "police", "sex": "female", "age_band": "14-15",
            "ethnicity_group": "white_british", "looked_after": False,
            "placed_by_other_la": False, "risk_level": "medium", "outcome": "hub_intervention",
            "nrm_referral": False, **fields}


def episode(**fields) -> dict:
    """A missing-from-home episode of one day; timestamps are UTC."""
    start = fields.get("start_at", dt.datetime(2019, 3, 1, 18, 0))
    return {"episode_id": _id("e"), "child_id": "c1", "start_at": start,
            "end_at": start + dt.timedelta(hours=20), "locality_code": "E07000130",
            "missing_from": "home", "placement_type": None, "placed_by_other_la": False,
            "episode_type": "missing", "police_risk": "medium", "sex": "female",
            "age_band": "14-15", "exploitation_concern": False, "recording_system": "eform",
            "rhi_offered": True, "rhi_accepted": True,
            "rhi_completed_at": None, **fields}


def meeting(**fields) -> dict:
    return {"meeting_id": _id("m"), "child_id": "c1", "held_on": dt.date(2019, 3, 10),
            "locality_code": "E07000130", "trigger": "repeat_missing", **fields}


def cohort_member(**fields) -> dict:
    return {"person_id": _id("p"), "household_id": "h1", "person_type": "child",
            "relationship": "exploited_child", "locality_code": "E07000130", "sex": "male",
            "age_band": "14-15", "identified_on": dt.date(2019, 2, 1), **fields}


def followup(**fields) -> dict:
    return {"person_id": "p1", "review_month": 3, "reviewed_on": dt.date(2019, 5, 1),
            "partnership_meeting_held": True, "engaged_with_support": True,
            "safeguarding_status": "child_in_need", "education_employment": "in_education",
            "missing_since_last_review": False, "re_referred": False, "nrm_decision": "none",
            "justice_status": "none", **fields}


def session(**fields) -> dict:
    return {"session_id": _id("s"), "delivered_on": dt.date(2019, 3, 5),
            "locality_code": "E07000130", "programme": "warning_zone",
            "setting": "secondary_school", "participants": 30, "age_band": "10-13",
            "funder": "pcc", **fields}


def pursue(**fields) -> dict:
    return {"quarter_start": dt.date(2019, 1, 1), "measure": "convictions",
            "exploitation_type": "cse", "count": 2, **fields}


def build_extract(folder: Path, *, coverage_start: dt.date = COVERAGE_START,
                  coverage_end: dt.date = COVERAGE_END, extract_id: str = "test-extract",
                  synthetic: bool = True, **tables: list[dict]) -> Path:
    """Write the given rows (table name -> list of row dicts) plus a manifest; return folder.
    Test extracts are made up, and say so (`synthetic`), unless a test is about real ones."""
    folder = Path(folder)
    unknown = set(tables) - {t.name for t in TABLES}
    assert not unknown, f"no such tables: {unknown}"
    for table in TABLES:
        write_table(folder, table, tables.get(table.name, []))
    write_manifest(folder, extract_id=extract_id, coverage_start=coverage_start,
                   coverage_end=coverage_end, source="hand-made test extract",
                   produced_at="2020-01-02T08:00:00Z", synthetic=synthetic)
    return folder


# --- Protected figures worked out by hand (docs/disclosure.md rules 2, 3, 5 and 6) -----------
# From the ids a test made, hashlib and the committed ptable file read as a plain CSV: not
# through the project's SQL or its PTable class.

def record_key(*parts: str, secret: str = DEMO_SECRET) -> int:
    """The last byte of SHA-256 over the secret, '|' and the identifier (parts joined by '|')."""
    return int(hashlib.sha256(f"{secret}|{'|'.join(parts)}".encode()).hexdigest()[-2:], 16)


@functools.cache
def _noise() -> dict[tuple[int, int], int]:
    table = pd.read_csv(ROOT / "data" / "perturbation" / "ptable.csv")
    return dict(zip(zip(table["pcv"], table["ckey"]), table["pvalue"]))


def perturbed(ids: list[str]) -> int:
    """The perturbed count of the units with these ids."""
    n = len(ids)
    if n == 0:
        return 0
    row = n if n <= 750 else (n - 1) % 250 + 501
    return n + _noise()[(row, sum(record_key(i) for i in ids) % 256)]


def shown(ids: list[str], threshold: int = 5):
    """What a protected audience sees of a count: the perturbed number, or "[c]"."""
    value = perturbed(ids)
    return "[c]" if 0 < value <= threshold else value


def shown_share(numerator_ids: list[str], denominator_ids: list[str], threshold: int = 5):
    """A protected percentage (rule 6), to one decimal place, or its symbol."""
    num, den = perturbed(numerator_ids), perturbed(denominator_ids)
    num = min(num, den)
    if den == 0:
        return "[z]"
    if any(0 < part <= threshold for part in (num, den, den - num)) or (
            num in (0, den) and den < 20):
        return "[c]"
    return round(num / den * 100, 1)
