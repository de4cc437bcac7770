"""Reading and writing extracts: Parquet files plus manifest.json (contract v1).

Writing is shared by the demo generator and the tests' hand-made extracts, so both produce
files exactly as a producer would (contract types, checksums, row counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hub.contract import CONTRACT_VERSION, MANIFEST, TABLES, TABLES_BY_NAME, Table

ARROW_TYPES = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


class ExtractError(Exception):
    """An extract that cannot be used; str() is a report a person can act on."""


@dataclass(frozen=True)
class ExtractInfo:
    path: Path
    extract_id: str
    produced_at: str
    source: str
    coverage_start: dt.date
    coverage_end: dt.date
    synthetic: bool = False  # the manifest's "synthetic": true, and nothing else, says so

    @classmethod
    def from_manifest(cls, path: Path, manifest: dict) -> ExtractInfo:
        return cls(Path(path), str(manifest["extract_id"]), str(manifest["produced_at"]),
                   str(manifest.get("source", "")),
                   dt.date.fromisoformat(manifest["coverage_start"]),
                   dt.date.fromisoformat(manifest["coverage_end"]),
                   manifest.get("synthetic") is True)


def read_manifest(path: Path) -> dict:
    """The manifest as a dict; ExtractError naming the file if missing or unreadable."""
    file = Path(path) / MANIFEST
    try:
        manifest = json.loads(file.read_text())
    except FileNotFoundError:
        raise ExtractError(f"{file}: manifest is missing") from None
    except (OSError, ValueError) as exc:
        raise ExtractError(f"{file}: manifest is unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        raise ExtractError(f"{file}: manifest is not a JSON object")
    return manifest


def arrow_schema(table: Table | str) -> pa.Schema:
    table = TABLES_BY_NAME[table] if isinstance(table, str) else table
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable)
                      for c in table.columns])


def to_arrow(table: Table | str, rows: pd.DataFrame | list[dict]) -> pa.Table:
    """Rows in contract order and types (timestamps given naive are taken as UTC)."""
    schema = arrow_schema(table)
    frame = pd.DataFrame(rows, columns=None if isinstance(rows, pd.DataFrame) else schema.names)
    arrays = []
    for f in schema:
        values = frame[f.name]
        if pa.types.is_timestamp(f.type):
            values = pd.to_datetime(values, utc=True)
        elif pa.types.is_date32(f.type):
            values = pd.to_datetime(values).dt.date
        arrays.append(pa.array(values, type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_table(folder: Path, table: Table | str, rows) -> Path:
    table = TABLES_BY_NAME[table] if isinstance(table, str) else table
    path = Path(folder) / table.file
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows if isinstance(rows, pa.Table) else to_arrow(table, rows), path)
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, *, extract_id: str, coverage_start: dt.date,
                   coverage_end: dt.date, source: str, produced_at: str,
                   synthetic: bool = False) -> dict:
    """Write manifest.json listing every contract file present, with rows and SHA-256;
    `synthetic` marks made-up data (the demo and test extracts)."""
    folder = Path(folder)
    files = {}
    for table in TABLES:
        path = folder / table.file
        if path.exists():
            files[table.file] = {"rows": pq.ParquetFile(path).metadata.num_rows,
                                 "sha256": sha256(path)}
    manifest = {
        "contract_version": CONTRACT_VERSION,
        "extract_id": extract_id,
        "produced_at": produced_at,
        "source": source,
        "coverage_start": coverage_start.isoformat(),
        "coverage_end": coverage_end.isoformat(),
        **({"synthetic": True} if synthetic else {}),
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
