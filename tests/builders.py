"""Tiny hand-made extracts for tests: rows with sensible defaults, written as a producer would.

A test states only the fields that matter to it, e.g.
    folder = build_extract(tmp_path, missing_episodes=[episode(child_id="a", start_at=...)])
Every table not given is written empty, so the extract is valid unless the test breaks it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from hub.contract import TABLES
from hub.extract import write_manifest, write_table

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
                  **tables: list[dict]) -> Path:
    """Write the given rows (table name -> list of row dicts) plus a manifest; return folder."""
    folder = Path(folder)
    unknown = set(tables) - {t.name for t in TABLES}
    assert not unknown, f"no such tables: {unknown}"
    for table in TABLES:
        write_table(folder, table, tables.get(table.name, []))
    write_manifest(folder, extract_id=extract_id, coverage_start=coverage_start,
                   coverage_end=coverage_end, source="hand-made test extract",
                   produced_at="2020-01-02T08:00:00Z")
    return folder
