"""One DuckDB database per extract, and the runner for the named queries in queries/*.sql.

A DuckDB connection shared by threads gives wrong answers (Streamlit runs each script run in
its own thread), so the database is opened once and every query runs on its own cursor.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from hub.contract import TABLES
from hub.extract import ExtractError, ExtractInfo, read_manifest
from hub.reference import Reference, load_reference
from hub.settings import DEMO_SECRET

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")

# Dates people see are Europe/London; the extract's timestamps are UTC.
LOCAL_DATES = {
    "missing_episodes": {
        "start_date": "CAST(timezone('Europe/London', start_at::TIMESTAMPTZ) AS DATE)",
        "end_date": "CAST(timezone('Europe/London', end_at::TIMESTAMPTZ) AS DATE)",
    },
}

# The units each table's figures count, and their identifiers (SQL over the table's columns,
# LOCAL_DATES included): every count in queries/*.sql reports X_key, the sum of the record keys
# of its units (cell key perturbation, docs/disclosure.md rule 2). One identifier, one key, in every
# table: a child has the same child_rkey in referrals, episodes and meetings.
RECORD_KEYS: dict[str, dict[str, str]] = {
    "referrals": {"rkey": "referral_id", "child_rkey": "child_id"},
    "missing_episodes": {
        "rkey": "episode_id", "child_rkey": "child_id",
        # a repeat-missing trigger: the child and the (London) date of the episode's start
        "trigger_rkey": "child_id || '|' || strftime(start_date, '%Y-%m-%d')",
    },
    "strategy_meetings": {"rkey": "meeting_id", "child_rkey": "child_id"},
    "lionheart_cohort": {"rkey": "person_id", "household_rkey": "household_id"},
    "lionheart_followups": {"rkey": "person_id"},  # a person at a review
    "prevention_sessions": {"rkey": "session_id"},
    "pursue_outcomes": {  # already aggregated: a row is the unit
        "rkey": "'pursue_outcomes|' || strftime(quarter_start, '%Y-%m-%d') || '|' || measure"
                " || '|' || exploitation_type",
    },
}


def record_key(identifier: str) -> str:
    """SQL for a unit's record key, 0-255: the last byte of SHA-256 over the secret, '|' and
    the identifier, i.e. int(sha256(f"{secret}|{id}").hexdigest()[-2:], 16) in Python. The
    secret is the bound parameter $secret, never SQL text."""
    return f"CAST(('0x' || right(sha256($secret || '|' || ({identifier})), 2)) AS INTEGER)"


@cache
def sql_text(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (QUERY_DIR / f"{name}.sql").read_text()


def statements(name: str) -> list[str]:
    """The statements of queries/<name>.sql without their comments (each statement ends with a
    semicolon at the end of a line)."""
    text = "\n".join(line for line in sql_text(name).splitlines()
                     if not line.lstrip().startswith("--"))
    return [s for s in re.split(r";\s*$", text, flags=re.M) if s.strip()]


def prepare(con: duckdb.DuckDBPyConnection, threshold: int, window_days: int) -> None:
    """Run queries/_prepare.sql: the work that does not depend on the filters."""
    settings = {"threshold": threshold, "window_days": window_days}
    for statement in statements("_prepare"):
        con.execute(statement, {k: v for k, v in settings.items()
                                if k in PARAMETER.findall(statement)})


class Database:
    """An opened, validated extract. `query(name, **params)` runs queries/<name>.sql."""

    def __init__(self, info: ExtractInfo, reference: Reference,
                 con: duckdb.DuckDBPyConnection, repeat_threshold: int = 3,
                 repeat_window_days: int = 90, key_id: str = ""):
        self.info = info
        self.key_id = key_id  # names the secret the record keys came from (caches key on it)
        self.reference = reference
        self.repeat_threshold = repeat_threshold  # kpis.md "Trigger": local practice, a setting
        self.repeat_window_days = repeat_window_days
        self._con = con

    def query(self, name: str, **params) -> pd.DataFrame:
        sql = sql_text(name)
        wanted = set(PARAMETER.findall(sql))
        missing = wanted - params.keys()
        if missing:
            raise TypeError(f"query {name} needs parameters {sorted(missing)}")
        cursor = self._con.cursor()
        try:
            return cursor.execute(sql, {k: v for k, v in params.items() if k in wanted}).df()
        finally:
            cursor.close()

    def close(self) -> None:
        self._con.close()


def open_database(path: Path, reference_dir: Path | None = None, *, validate: bool = True,
                  repeat_threshold: int = 3, repeat_window_days: int = 90,
                  secret: str = DEMO_SECRET) -> Database:
    """Validate the extract at `path` and load it; ExtractError with the report if refused.

    Each table gets its record key columns (RECORD_KEYS), computed once here from `secret`,
    which is bound as a parameter and kept nowhere in the database.

    A live path published by hub.publish is a link: it is resolved once here and everything is
    read from the release it names, so a publish meanwhile cannot mix two extracts."""
    path = Path(path).resolve()
    if validate:
        from hub.validate import validate_extract  # the validator also uses DuckDB

        from hub.reference import DEFAULT_DIR

        report = validate_extract(path, reference_dir or DEFAULT_DIR)
        if not report.ok:
            raise ExtractError(report.text())
    info = ExtractInfo.from_manifest(path, read_manifest(path))
    reference = load_reference(reference_dir)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")  # naive timestamps in the extract are UTC
    con.execute("SET enable_progress_bar = false")
    for table in TABLES:
        columns = [f"CAST({c.name} AS TIMESTAMP) AS {c.name}" if c.type == "timestamp"
                   else c.name for c in table.columns]
        derived = [f"{expr} AS {name}" for name, expr in LOCAL_DATES.get(table.name, {}).items()]
        keys = [f"{record_key(unit)} AS {name}" for name, unit in RECORD_KEYS[table.name].items()]
        con.execute(f"CREATE TABLE {table.name} AS SELECT *, {', '.join(keys)} "
                    f"FROM (SELECT {', '.join(columns + derived)} FROM read_parquet($file))",
                    {"file": str(path / table.file), "secret": secret})
    con.register("localities_df", reference.localities)
    con.execute("CREATE TABLE localities AS SELECT * FROM localities_df")
    con.unregister("localities_df")
    con.execute(sql_text("_macros"))
    prepare(con, repeat_threshold, repeat_window_days)
    key_id = hashlib.sha256(f"key id|{secret}".encode()).hexdigest()[:12]
    return Database(info, reference, con, repeat_threshold, repeat_window_days, key_id)
