"""Shared fixtures: hand-made extracts opened as real DuckDB databases over real Parquet."""

from __future__ import annotations

import itertools
import os

import pytest

from hub.database import open_database
from tests.builders import build_extract


@pytest.fixture(scope="session", autouse=True)
def validation_cache(tmp_path_factory):
    """Verdicts of the validation are cached in a folder of the test run, not in data/cache
    (servers the tests start inherit it)."""
    if "HUB_CACHE_DIR" not in os.environ:
        os.environ["HUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("validation-cache"))


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
