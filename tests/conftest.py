"""Shared fixtures: hand-made extracts opened as real DuckDB databases over real Parquet."""

from __future__ import annotations

import itertools

import pytest

from hub.database import open_database
from tests.builders import build_extract


@pytest.fixture
def make_db(tmp_path):
    """make_db(**tables) -> an opened Database over a hand-made extract (validated)."""
    opened, counter = [], itertools.count()

    def make(**tables):
        folder = build_extract(tmp_path / f"extract{next(counter)}", **tables)
        db = open_database(folder)
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()
