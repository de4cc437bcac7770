"""One DuckDB database per extract, and the runner for the named queries in queries/*.sql.

A DuckDB connection shared by threads gives wrong answers (Streamlit runs each script run in
its own thread), so the database is opened once and every query runs on its own cursor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from hub.contract import TABLES
from hub.extract import ExtractError, ExtractInfo, read_manifest
from hub.filters import GRAIN_MONTHS, add_months, month_end, months_between, period_start
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


def steps_from(date_from: dt.date, grain: str) -> dt.date:
    """The first day of the period of the grain that date_from falls in (queries/_macros.sql
    period_of: periods from April)."""
    return period_start(date_from, _months(grain))


def steps_to(date_to: dt.date, grain: str) -> dt.date:
    """The last day of the period of the grain that date_to falls in."""
    return month_end(add_months(steps_from(date_to, grain), _months(grain) - 1))


def whole_steps(date_from: dt.date, date_to: dt.date, grain: str) -> bool:
    """True when [date_from, date_to] is whole periods of the grain."""
    return grain in GRAIN_MONTHS and (date_from, date_to) == (steps_from(date_from, grain),
                                                              steps_to(date_to, grain))


def period_grain(date_from: dt.date, date_to: dt.date) -> str | None:
    """The grain of which [date_from, date_to] is one period, or None."""
    return next((grain for grain, n in GRAIN_MONTHS.items()
                 if n == months_between(date_from, date_to)
                 and whole_steps(date_from, date_to, grain)), None)


# Parameters a query may use without being given them, from those it is given: whether the
# base aggregates by trend step (queries/_prepare.sql) answer for its range. Worked out here,
# once, rather than in SQL, where DuckDB would plan the same expressions at every use.
DERIVED = {
    "whole_steps": lambda p: whole_steps(p["date_from"], p["date_to"], p["grain"]),
    "period_grain": lambda p: period_grain(p["date_from"], p["date_to"]),
    "steps_from": lambda p: steps_from(p["date_from"], p["grain"]),
    "steps_to": lambda p: steps_to(p["date_to"], p["grain"]),
}


def _months(grain: str) -> int:
    if grain not in GRAIN_MONTHS:
        raise ValueError(f"unknown grain: {grain}")
    return GRAIN_MONTHS[grain]


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
    """Run queries/_prepare.sql: the work that does not depend on the filters. The trigger
    settings are written into it as integers (macros cannot take bound parameters)."""
    settings = {"threshold": int(threshold), "window_days": int(window_days)}
    for statement in statements("_prepare"):
        con.execute(PARAMETER.sub(lambda m: str(settings[m.group(1)]), statement))


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
        for derived in wanted & DERIVED.keys() - params.keys():
            params[derived] = DERIVED[derived](params)
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
                  secret: str = DEMO_SECRET, cache_dir: Path | None = None) -> Database:
    """Validate the extract at `path` and load it; ExtractError with the report if refused.

    Each table gets its record key columns (RECORD_KEYS), computed once here from `secret`,
    which is bound as a parameter and kept nowhere in the database; then queries/_prepare.sql
    does the work that does not depend on the filters (base aggregates, triggers).

    With `cache_dir`, all of that is kept on disk, in a DuckDB file named by the extract's
    checksums, the secret's key id and a hash of what builds it (build_id), and read from
    there (read-only, not copied into memory): a restart on an unchanged extract only opens
    it. Without, everything is built in memory at each open.

    A live path published by hub.publish is a link: it is resolved once here and everything is
    read from the release it names, so a publish meanwhile cannot mix two extracts."""
    path = Path(path).resolve()
    if validate:
        from hub.validate import validate_extract  # the validator also uses DuckDB

        from hub.reference import DEFAULT_DIR

        report = validate_extract(path, reference_dir or DEFAULT_DIR)
        if not report.ok:
            raise ExtractError(report.text())
    manifest = read_manifest(path)
    info = ExtractInfo.from_manifest(path, manifest)
    reference = load_reference(reference_dir)
    key_id = hashlib.sha256(f"key id|{secret}".encode()).hexdigest()[:12]
    settings = (repeat_threshold, repeat_window_days)
    if cache_dir is None:
        con = _connect(":memory:")
        _build(con, path, reference, secret, *settings)
    else:
        file = Path(cache_dir) / "databases" / (
            f"{build_id(manifest, reference, key_id, *settings)}.duckdb")
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            partial = file.with_name(f"{file.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
            partial.unlink(missing_ok=True)
            con = _connect(str(partial), memory_limit=BUILD_MEMORY)
            try:
                _build(con, path, reference, secret, *settings)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(partial, file)  # whole or absent: another process may be reading it
            _forget_older(file)
        os.utime(file)  # recently used (_forget_older keeps those)
        con = _connect(str(file), read_only=True)
    return Database(info, reference, con, repeat_threshold, repeat_window_days, key_id)


def _connect(database: str, read_only: bool = False, memory_limit: str | None = None
             ) -> duckdb.DuckDBPyConnection:
    """A connection with the settings every query expects. Results need no insertion order
    (every query has its ORDER BY), which lets DuckDB stream and hold less in memory."""
    config = {"preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(database, read_only=read_only, config=config)
    con.execute("SET TimeZone = 'UTC'")  # naive timestamps in the extract are UTC
    con.execute("SET enable_progress_bar = false")
    return con


# A build into the cache folder spills to disk beyond this (beside the database being built)
# rather than holding a national-size extract in memory.
BUILD_MEMORY = "500MB"
DATABASES_KEPT = 4  # built databases kept in the cache folder, the most recently opened


def build_id(manifest: dict, reference: Reference, key_id: str, threshold: int,
             window_days: int) -> str:
    """Names a built database: the extract's files (their checksums, which validation
    checks against the files), the secret's key id, the trigger settings, the reference
    localities, and everything that builds it (this module, queries/_macros.sql and
    _prepare.sql, the contract's tables, the DuckDB version)."""
    parts = [json.dumps({name: entry.get("sha256") for name, entry in
                         sorted(manifest.get("files", {}).items())}),
             key_id, str(threshold), str(window_days), reference.localities.to_csv(),
             Path(__file__).read_text(), sql_text("_macros"), sql_text("_prepare"),
             repr(TABLES), duckdb.__version__]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _forget_older(file: Path) -> None:
    """Remove all but the DATABASES_KEPT most recently opened databases (and temporary files
    left by a build that did not finish, an hour on) beside `file`."""
    built = sorted(file.parent.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in built[DATABASES_KEPT:]:
        old.unlink(missing_ok=True)  # a process reading it keeps reading (POSIX)
    for partial in file.parent.glob("*.tmp"):
        if time.time() - partial.stat().st_mtime > 3600:
            partial.unlink(missing_ok=True)


def _build(con: duckdb.DuckDBPyConnection, path: Path, reference: Reference, secret: str,
           threshold: int, window_days: int) -> None:
    """Load the extract at `path` into `con` with its record keys, the reference localities,
    the macros and the prepared tables."""
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
    prepare(con, threshold, window_days)
