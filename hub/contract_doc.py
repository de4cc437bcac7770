"""docs/contract.md, generated from the contract and the validator so that it cannot drift.

`python -m hub.contract_doc [PATH]` writes it (default docs/contract.md); a test checks that the
committed file equals `to_markdown()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hub.contract import (CODE_LISTS, CONTRACT_VERSION, EXTRA_COLUMN_PREFIX, IDENTIFIER_LIKE,
                          MANIFEST, MANIFEST_KEYS, TABLES, TYPES, Table)
from hub.settings import ROOT
from hub.validate import ACCEPTED_TYPES, KEYS, LOCAL_TZ, RULES

DOC_PATH = ROOT / "docs" / "contract.md"


def _code(text: object) -> str:
    return f"`{text}`"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table_section(table: Table) -> list[str]:
    lines = [f"### {table.file}", "", table.description, "",
             _row("column", "type", "nullable", "code list", "checked", "notes"),
             _row(*["---"] * 6)]
    for col in table.columns:
        checked = [word for word, on in (("unique", col.unique),
                                         ("inside coverage", col.event_date)) if on]
        lines.append(_row(_code(col.name), col.type, "yes" if col.nullable else "no",
                          col.codes or "", ", ".join(checked), col.notes))
    if table.name in KEYS:
        lines += ["", "Unique together: " + ", ".join(_code(c) for c in KEYS[table.name]) + "."]
    return lines + [""]


def to_markdown() -> str:
    """The contract documentation, as Markdown."""
    lines = [
        f"# Extract contract, version {CONTRACT_VERSION}",
        "",
        "<!-- Generated from hub/contract.py and hub/validate.py by `python -m hub.contract_doc`."
        " Do not edit by hand: a test fails when this file and the code differ. -->",
        "",
        "An extract is one folder of anonymised Parquet files plus a manifest. `python -m hub "
        "validate DIR` checks a folder against this contract and lists every problem it finds.",
        "",
        "## General rules",
        "",
        "- Identifiers are pseudonyms (opaque strings). No names, dates of birth, addresses, "
        "postcodes, NHS numbers, UPNs or free text.",
        "- Geography is never finer than a district (`locality_code`).",
        f"- Timestamps hold UTC and are shown (and checked against the coverage) as dates in "
        f"{LOCAL_TZ}.",
        "- Code-list values are lower-case strings exactly as listed.",
        "- A column that is not nullable holds no nulls; every column listed must exist.",
        f"- Any other column is refused, except that a producer may add columns whose names "
        f"start with `{EXTRA_COLUMN_PREFIX}` (ignored by the dashboard). A column name holding "
        f"any of these words is refused as possible personal data, even with the prefix: "
        + ", ".join(_code(w) for w in IDENTIFIER_LIKE) + ".",
        "",
        f"## {MANIFEST}",
        "",
        "Keys: " + ", ".join(_code(k) for k in MANIFEST_KEYS) + ". `files` maps each Parquet "
        "file name to `{\"rows\": <int>, \"sha256\": \"<hex>\"}`; coverage dates are "
        "`YYYY-MM-DD`.",
        "",
        "## Types",
        "",
        _row("contract type", "written as", "also accepted (as DuckDB reads Parquet)"),
        _row("---", "---", "---"),
    ]
    for name, written in TYPES.items():
        others = [t for t in ACCEPTED_TYPES[name] if t != written]
        lines.append(_row(name, written, ", ".join(others)))
    lines += ["", "## Code lists", "", _row("list", "values"), _row("---", "---")]
    for name, values in CODE_LISTS.items():
        lines.append(_row(name, ", ".join(_code(v) for v in values)))
    lines += ["", "## Tables", ""]
    for table in TABLES:
        lines += _table_section(table)
    lines += ["## What the validator refuses", "",
              "Each problem names the file, the column or rule, the number of rows and up to "
              "five example ids.", "", _row("rule", "refuses"), _row("---", "---")]
    lines += [_row(name, text) for name, text in RULES.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else DOC_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_markdown())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
