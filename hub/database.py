"""One DuckDB database per extract, and the runner for the named queries in queries/*.sql.

A DuckDB connection shared by threads gives wrong answers (Streamlit runs each script run in
its own thread), so the database is opened once and every query runs on its own cursor.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from hub.contract import TABLES
from hub.extract import ExtractError, ExtractInfo, read_manifest
from hub.reference import Reference, load_reference

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")

# Dates people see are Europe/London; the extract's timestamps are UTC.
LOCAL_DATES = {
    "missing_episodes": {
        "start_date": "CAST(timezone('Europe/London', start_at::TIMESTAMPTZ) AS DATE)",
        "end_date": "CAST(timezone('Europe/London', end_at::TIMESTAMPTZ) AS DATE)",
    },
}


@cache
def sql_text(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (QUERY_DIR / f"{name}.sql").read_text()


class Database:
    """An opened, validated extract. `query(name, **params)` runs queries/<name>.sql."""

    def __init__(self, info: ExtractInfo, reference: Reference,
                 con: duckdb.DuckDBPyConnection, repeat_threshold: int = 3,
                 repeat_window_days: int = 90):
        self.info = info
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
                  repeat_threshold: int = 3, repeat_window_days: int = 90) -> Database:
    """Validate the extract at `path` and load it; ExtractError with the report if refused."""
    path = Path(path)
    if validate:
        from hub.validate import validate_extract  # the validator also uses DuckDB

        report = validate_extract(path)
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
        con.execute(f"CREATE TABLE {table.name} AS SELECT {', '.join(columns + derived)} "
                    f"FROM read_parquet(?)", [str(path / table.file)])
    con.register("localities_df", reference.localities)
    con.execute("CREATE TABLE localities AS SELECT * FROM localities_df")
    con.unregister("localities_df")
    con.execute(sql_text("_macros"))
    return Database(info, reference, con, repeat_threshold, repeat_window_days)
