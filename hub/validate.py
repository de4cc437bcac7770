"""The extract validator: checks a folder against contract v1 and reports every problem found.

`validate_extract(folder)` returns a Report listing each problem with its file, column, rule,
number of rows and up to five example ids. It stops checking a file only when the file cannot
be read at all; everything else is reported together so a producer can fix it in one round.

The rules run as SQL in DuckDB over the Parquet files (a few passes per table), so a
national-size extract validates in seconds. The generic rules (types, not null, code lists,
unique ids, coverage) are generated from hub.contract; the rules about one table's meaning are
listed by hand in CHECKS. RULES names and describes every rule once; docs/contract.md prints it.

Reports never quote values from the extract, only pseudonymous ids (or the keys of aggregate
rows): a stray name in a code-list column must not end up on a screen or in a log.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hub.contract import (CODE_LISTS, CONTRACT_VERSION, EXTRA_COLUMN_PREFIX, IDENTIFIER_LIKE,
                          LOCALITIES, MANIFEST, MANIFEST_KEYS, TABLES, TYPES, Table)
from hub.extract import ExtractError, read_manifest, sha256
from hub.reference import EVENT_COLUMNS, EVENT_KINDS, LOCALITY_COLUMNS, TRUE_FALSE

# Every refusal, name -> what it refuses. Problem.rule is always one of these names.
RULES: dict[str, str] = {
    # The folder and the manifest
    "missing manifest": "manifest.json is not in the extract folder.",
    "unreadable manifest": "manifest.json cannot be read as a JSON object.",
    "manifest keys": "manifest.json lacks one of its keys, or a key holds a malformed value "
                     "(coverage dates that are not ISO dates or start after they end; a file "
                     "entry without an integer `rows` and a 64-character `sha256`).",
    "manifest types": "A manifest value of the wrong JSON type: extract_id, produced_at, source, "
                      "coverage_start and coverage_end are strings (coverage_end given as a "
                      "number is refused), synthetic, when given, is true or false.",
    "contract version": f"The manifest's contract_version is not {CONTRACT_VERSION}.",
    "missing file": "A file of the contract (or the extract folder itself) is not there.",
    "unreadable file": "A file cannot be read as Parquet; its other checks are skipped.",
    "not in manifest": "A file of the contract is in the folder but not listed in the manifest.",
    "unknown file": "A Parquet file in the folder or the manifest is not a file of the contract.",
    "checksum": "A file's SHA-256 differs from the one in the manifest.",
    "row count": "A file's number of rows differs from the one in the manifest.",
    # Columns
    "missing column": "A column of the contract is not in the file.",
    "wrong type": "A column's Parquet type is not its contract type (see Types).",
    "unlisted column": f"A column is not in the contract and its name does not start with "
                       f"`{EXTRA_COLUMN_PREFIX}`.",
    "possible personal data": "A column's name contains an identifier-like word ("
                              + ", ".join(IDENTIFIER_LIKE) + "), with or without the "
                              f"`{EXTRA_COLUMN_PREFIX}` prefix.",
    # Values, generated from the contract
    "not null": "A null in a column that is not nullable.",
    "code list": "A value outside the column's code list (exact, lower-case).",
    "duplicate id": "Rows sharing a unique column, or sharing a person_id and review_month "
                    "(follow-ups) or a quarter_start, measure and exploitation_type (pursue).",
    "outside coverage": "An event date before coverage_start or after coverage_end (timestamps "
                        "are taken as dates in Europe/London; an open episode's null end_at "
                        "is allowed).",
    # Values, table by table
    "placed by other la": "placed_by_other_la is true for a referral that is not looked_after, "
                          "or for an episode not missing from care.",
    "end before start": "A missing episode's end_at is before its start_at.",
    "return interview before return": "A return home interview completed (rhi_completed_at) "
                                      "before the episode's end_at, or while it is still open.",
    "overlapping episodes": "A missing episode starts before an earlier episode of the same child "
                            "has ended (an open episode overlaps everything after it).",
    "away from home": "An away episode from home (away is only for children missing from care).",
    "placement type for home": "placement_type is set for an episode missing from home.",
    "no placement type for care": "placement_type is null for an episode missing from care.",
    "interview accepted without offer": "rhi_accepted is set although rhi_offered is false.",
    "unknown person": "A follow-up's person_id is not in lionheart_cohort.",
    "reviewed before identified": "A follow-up's reviewed_on is not after the person's "
                                  "identified_on.",
    "no participants": "A prevention session with participants of 0 or fewer.",
    "negative count": "A pursue outcome with a count below 0.",
    "not a quarter start": "A pursue quarter_start that is not 1 January, 1 April, 1 July or "
                           "1 October.",
    # Reference data (HUB_REFERENCE_DIR), checked by `hub validate` and when the app opens it
    "reference file": "localities.csv or events.csv is missing, cannot be read as CSV, or lacks "
                      "one of its columns.",
    "locality codes": "localities.csv does not hold exactly the contract's locality codes: one "
                      "is missing, or a row's code is not one of them.",
    "duplicate locality": "A locality code on more than one row of localities.csv.",
    "population": "A population_0_17 in localities.csv that is not a whole number above 0.",
    "event date": "An events.csv date that is not an ISO date (YYYY-MM-DD).",
    "event kind": "An events.csv kind that is not " + ", ".join(EVENT_KINDS) + ".",
    "true or false": "An events.csv illustrative value that is not true or false (in any case; "
                     "no, yes, 0 or 1 are refused).",
}

# Types DuckDB reports for each contract type. TYPES holds the one the project writes; a
# producer may use any integer width, and any timestamp unit, UTC-adjusted or not.
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("VARCHAR",),
    "date": ("DATE",),
    "timestamp": ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS",
                  "TIMESTAMP_S"),
    "int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT"),
    "bool": ("BOOLEAN",),
}
assert all(TYPES[t] in accepted for t, accepted in ACCEPTED_TYPES.items())

# Tables without an id column: these columns are unique together and name example rows.
KEYS: dict[str, tuple[str, ...]] = {
    "lionheart_followups": ("person_id", "review_month"),
    "pursue_outcomes": ("quarter_start", "measure", "exploitation_type"),
}

EXAMPLES = 5
LOCAL_TZ = "Europe/London"


@dataclass(frozen=True)
class Problem:
    file: str
    column: str | None
    rule: str  # a key of RULES
    rows: int  # rows affected (a whole-file problem counts the file's rows; 0 when unknown)
    examples: tuple[str, ...]  # up to five ids (or keys) of offending rows
    message: str  # one sentence naming all of the above

    def __post_init__(self):
        assert self.rule in RULES, self.rule


@dataclass
class Report:
    folder: Path
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # file -> rows, for files read
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.ok:
            counts = ", ".join(f"{file} {_count(n, 'row')}" for file, n in self.rows.items())
            about = ""
            if self.manifest:
                about = (f" (extract {self.manifest['extract_id']}, coverage "
                         f"{self.manifest['coverage_start']}..{self.manifest['coverage_end']})")
            return f"OK: {self.folder} meets contract v{CONTRACT_VERSION}{about}: {counts}."
        lines = [f"REFUSED: {self.folder} does not meet contract v{CONTRACT_VERSION}: "
                 f"{_count(len(self.problems), 'problem')}."]
        lines += [f"{i:>3}. {p.message}" for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _problem(file: str, column: str | None, rule: str, says: str, rows: int = 0,
             examples: tuple[str, ...] = (), example_name: str = "") -> Problem:
    """A problem whose message reads '[rule] file, column c: says, e.g. id a, b.'"""
    where = f"{file}, column {column}" if column else file
    tail = f", e.g. {example_name} {', '.join(examples)}" if examples else ""
    return Problem(file, column, rule, rows, tuple(examples), f"[{rule}] {where}: {says}{tail}.")


def _file_problem(file: str, column: str | None, rule: str, says: str, rows: int) -> Problem:
    """A problem with a whole file or column: every row of the file is affected."""
    return _problem(file, column, rule, f"{says} ({_count(rows, 'row')} in the file)", rows)


def _q(name: str) -> str:
    """A quoted SQL identifier; names come from the contract (some, like count, are keywords)."""
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------
# Checks: each selects the offending rows of one table, as SQL.

@dataclass(frozen=True)
class Check:
    rule: str
    table: str
    column: str | None
    says: str  # about the offending rows, after "N rows": "where end_at is before start_at"
    where: str = ""  # a predicate true for offending rows (a table's predicates run in one pass)
    query: str = ""  # or a SELECT of offending rows, `{key} AS example`, for windows and joins
    count: str = ""  # with `where`: an aggregate counting the same rows from Parquet statistics
    needs: tuple[str, ...] = ()  # "table.column"s read; the check is skipped unless all usable
    params: tuple = ()


_EPISODES = "missing_episodes"
_FOLLOWUPS = "lionheart_followups"

# The rules about one table's meaning, beyond what the generic rules read from the contract.
CHECKS: tuple[Check, ...] = (
    Check("placed by other la", "referrals", "placed_by_other_la",
          "where placed_by_other_la is true but looked_after is false",
          where="placed_by_other_la AND NOT looked_after",
          needs=("referrals.placed_by_other_la", "referrals.looked_after")),
    Check("placed by other la", _EPISODES, "placed_by_other_la",
          "where placed_by_other_la is true but missing_from is not care",
          where="placed_by_other_la AND missing_from <> 'care'",
          needs=(f"{_EPISODES}.placed_by_other_la", f"{_EPISODES}.missing_from")),
    Check("end before start", _EPISODES, "end_at", "where end_at is before start_at",
          where="end_at < start_at", needs=(f"{_EPISODES}.end_at", f"{_EPISODES}.start_at")),
    Check("return interview before return", _EPISODES, "rhi_completed_at",
          "where rhi_completed_at is before end_at, or end_at is null",
          where="rhi_completed_at < end_at OR (rhi_completed_at IS NOT NULL AND end_at IS NULL)",
          needs=(f"{_EPISODES}.rhi_completed_at", f"{_EPISODES}.end_at")),
    # Ordered by start, an episode overlaps when it starts before the latest end so far of the
    # child's earlier episodes (a running max, so one long episode is not hidden by short ones).
    Check("overlapping episodes", _EPISODES, "start_at",
          "starting before an earlier episode of the same child has ended",
          query="""
            SELECT example FROM (
                SELECT {key} AS example, start_at,
                       max(coalesce(end_at, 'infinity'::TIMESTAMPTZ)) OVER (
                           PARTITION BY child_id ORDER BY start_at
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
                FROM missing_episodes)
            WHERE start_at < earlier_end""",
          needs=(f"{_EPISODES}.child_id", f"{_EPISODES}.start_at", f"{_EPISODES}.end_at")),
    Check("away from home", _EPISODES, "episode_type",
          "with episode_type away and missing_from home",
          where="episode_type = 'away' AND missing_from = 'home'",
          needs=(f"{_EPISODES}.episode_type", f"{_EPISODES}.missing_from")),
    Check("placement type for home", _EPISODES, "placement_type",
          "with a placement_type although missing_from is home",
          where="missing_from = 'home' AND placement_type IS NOT NULL",
          needs=(f"{_EPISODES}.missing_from", f"{_EPISODES}.placement_type")),
    Check("no placement type for care", _EPISODES, "placement_type",
          "with no placement_type although missing_from is care",
          where="missing_from = 'care' AND placement_type IS NULL",
          needs=(f"{_EPISODES}.missing_from", f"{_EPISODES}.placement_type")),
    Check("interview accepted without offer", _EPISODES, "rhi_accepted",
          "with rhi_accepted set although rhi_offered is false",
          where="NOT rhi_offered AND rhi_accepted IS NOT NULL",
          needs=(f"{_EPISODES}.rhi_offered", f"{_EPISODES}.rhi_accepted")),
    Check("unknown person", _FOLLOWUPS, "person_id", "with a person_id not in lionheart_cohort",
          where="""person_id IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM lionheart_cohort c
                       WHERE c.person_id = lionheart_followups.person_id)""",
          needs=(f"{_FOLLOWUPS}.person_id", "lionheart_cohort.person_id")),
    Check("reviewed before identified", _FOLLOWUPS, "reviewed_on",
          "with reviewed_on on or before the person's identified_on",
          where="""EXISTS (
                       SELECT 1 FROM lionheart_cohort c
                       WHERE c.person_id = lionheart_followups.person_id
                         AND lionheart_followups.reviewed_on <= c.identified_on)""",
          needs=(f"{_FOLLOWUPS}.person_id", f"{_FOLLOWUPS}.reviewed_on",
                 "lionheart_cohort.person_id", "lionheart_cohort.identified_on")),
    Check("no participants", "prevention_sessions", "participants",
          "with participants of 0 or fewer",
          where="participants <= 0", needs=("prevention_sessions.participants",)),
    Check("negative count", "pursue_outcomes", "count", "with a count below 0",
          where='"count" < 0', needs=("pursue_outcomes.count",)),
    Check("not a quarter start", "pursue_outcomes", "quarter_start",
          "with a quarter_start that is not the first day of a quarter",
          where="day(quarter_start) <> 1 OR month(quarter_start) NOT IN (1, 4, 7, 10)",
          needs=("pursue_outcomes.quarter_start",)),
)
assert all(c.rule in RULES for c in CHECKS)


def generic_checks(table: Table, coverage: tuple[dt.date, dt.date] | None) -> list[Check]:
    """The rules every table follows, read from the contract: not null, code lists, unique
    ids and coverage (a check reads only its own column, so it needs only that one)."""
    checks = []
    for col in table.columns:
        name, needs = _q(col.name), (f"{table.name}.{col.name}",)
        if not col.nullable:
            # count(col) skips nulls and comes from the Parquet footer, without a scan.
            checks.append(Check("not null", table.name, col.name, "with a null",
                                where=f"{name} IS NULL", count=f"count(*) - count({name})",
                                needs=needs))
        if col.codes:
            codes = list(CODE_LISTS[col.codes])
            # review_month is an int whose codes are text: compare as text.
            checks.append(Check(
                "code list", table.name, col.name,
                f"with a value outside the {col.codes} code list ({', '.join(codes)})",
                where=f"{name} IS NOT NULL AND NOT list_contains(?, CAST({name} AS VARCHAR))",
                needs=needs, params=(codes,)))
        if col.event_date and coverage:
            checks.append(_coverage_check(table, col.name, col.type, *coverage))
    unique = [(c.name,) for c in table.columns if c.unique] + [KEYS.get(table.name, ())]
    for columns in filter(None, unique):
        names = ", ".join(_q(c) for c in columns)
        # A hash aggregate finds the repeated keys (faster than a window, which sorts).
        checks.append(Check(
            "duplicate id", table.name, ", ".join(columns),
            f"sharing their {' and '.join(columns)} with another row",
            query=f"""SELECT {{key}} AS example FROM {table.name} SEMI JOIN (
                          SELECT {names} FROM {table.name} GROUP BY ALL HAVING count(*) > 1
                      ) AS repeated USING ({names})""",
            needs=tuple(f"{table.name}.{c}" for c in columns)))
    return checks


def _coverage_check(table: Table, column: str, type_: str, start: dt.date,
                    end: dt.date) -> Check:
    says = f"with a date outside the coverage {start}..{end}"
    needs = (f"{table.name}.{column}",)
    if type_ == "date":
        return Check("outside coverage", table.name, column, says, needs=needs,
                     where=f"{_q(column)} NOT BETWEEN ? AND ?", params=(start, end))
    # A timestamp is inside when its date in London is: from London midnight starting the
    # first day to London midnight ending the last. Comparing with these two instants is
    # many times faster than converting every row to a London date.
    first = dt.datetime.combine(start, dt.time())
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return Check("outside coverage", table.name, column, f"{says} (as dates in {LOCAL_TZ})",
                 needs=needs,
                 where=f"{_q(column)} < timezone(?, ?::TIMESTAMP) "
                       f"OR {_q(column)} >= timezone(?, ?::TIMESTAMP)",
                 params=(LOCAL_TZ, first, LOCAL_TZ, after))


# ---------------------------------------------------------------------------------------------
# The validation, step by step.

def validate_extract(folder: Path | str, reference_dir: Path | str | None = None) -> Report:
    """Check the extract in `folder` against contract v1, and the reference data in
    `reference_dir` if given; the Report lists every problem."""
    report = Report(Path(folder))
    if reference_dir is not None:
        report.problems += validate_reference(reference_dir)
    if not report.folder.is_dir():
        report.problems.append(_problem(str(report.folder), None, "missing file",
                                        "the extract folder does not exist"))
        return report
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")  # timestamps not marked UTC-adjusted are UTC
        con.execute("SET enable_progress_bar = false")  # it would print into the report
        manifest, coverage = _check_manifest(report)
        files = manifest.get("files") if manifest else None
        files = files if isinstance(files, dict) else None
        usable: set[str] = set()  # "table.column" present with the right type
        for table in TABLES:
            usable |= _open_table(con, report, table, files)
        _check_unknown_files(report, files)
        for table in TABLES:
            if report.rows.get(table.file):  # read, and not empty: an empty table breaks no rule
                checks = generic_checks(table, coverage) + [c for c in CHECKS
                                                            if c.table == table.name]
                _run_checks(con, report, table, checks, usable)
    finally:
        con.close()
    # Group the report by file, in contract order (manifest first, unknown files last).
    order = [MANIFEST] + [t.file for t in TABLES]
    report.problems.sort(key=lambda p: order.index(p.file) if p.file in order else len(order))
    return report


def _check_manifest(report: Report) -> tuple[dict | None, tuple[dt.date, dt.date] | None]:
    """The manifest (None if unusable) and its coverage (None if unusable)."""
    if not (report.folder / MANIFEST).exists():
        report.problems.append(_problem(MANIFEST, None, "missing manifest",
                                        "the extract has no manifest"))
        return None, None
    try:
        manifest = read_manifest(report.folder)
    except ExtractError as exc:
        report.problems.append(_problem(MANIFEST, None, "unreadable manifest",
                                        str(exc).replace(str(report.folder / MANIFEST) + ": ",
                                                         "")))
        return None, None
    report.manifest = manifest
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        report.problems.append(_problem(MANIFEST, None, "manifest keys",
                                        f"lacks the key(s) {', '.join(missing)}"))
    for key, (kind, name) in MANIFEST_TYPES.items():
        if key in manifest and not isinstance(manifest[key], kind):
            report.problems.append(_problem(
                MANIFEST, key, "manifest types",
                f"{key} is a JSON {_json_type(manifest[key])} but must be a JSON {name}"))
    version = manifest.get("contract_version")
    if "contract_version" in manifest and (version != CONTRACT_VERSION
                                           or isinstance(version, bool)):
        report.problems.append(_problem(
            MANIFEST, "contract_version", "contract version",
            f"contract_version is {version!r}; this dashboard reads version {CONTRACT_VERSION}"))
    files = manifest.get("files")
    if "files" in manifest and not isinstance(files, dict):
        report.problems.append(_problem(MANIFEST, "files", "manifest keys",
                                        "files is not an object of file name -> rows, sha256"))
    for name, entry in (files.items() if isinstance(files, dict) else ()):
        if not (isinstance(entry, dict) and _is_int(entry.get("rows"))
                and re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256", "")).lower())):
            report.problems.append(_problem(
                MANIFEST, "files", "manifest keys",
                f"the entry for {name} needs an integer rows and a 64-character sha256"))
    return manifest, _coverage(report, manifest)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The manifest's values and their JSON types (contract_version and files have rules of their
# own): ExtractInfo reads them as they are, so a number where a date string belongs is refused
# here rather than crashing the app.
MANIFEST_TYPES = {key: (str, "string") for key in
                  ("extract_id", "produced_at", "source", "coverage_start", "coverage_end")}
MANIFEST_TYPES["synthetic"] = (bool, "true or false")


def _json_type(value) -> str:
    """The JSON name of a parsed value's type, for messages (never the value itself)."""
    for kind, name in ((bool, "true/false"), (str, "string"), (int, "number"),
                       (float, "number"), (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null"


def _coverage(report: Report, manifest: dict) -> tuple[dt.date, dt.date] | None:
    dates = []
    for key in ("coverage_start", "coverage_end"):
        if not isinstance(manifest.get(key), str):  # missing, or a "manifest types" problem
            return None
        try:
            dates.append(dt.date.fromisoformat(manifest[key]))
        except ValueError:
            report.problems.append(_problem(MANIFEST, key, "manifest keys",
                                            f"{key} {manifest[key]!r} is not a YYYY-MM-DD date"))
    if len(dates) < 2:
        return None
    if dates[0] > dates[1]:
        report.problems.append(_problem(MANIFEST, "coverage_start", "manifest keys",
                                        "coverage_start is after coverage_end"))
        return None
    return dates[0], dates[1]


def _open_table(con, report: Report, table: Table, files: dict | None) -> set[str]:
    """Check one file against the manifest and its columns against the contract; make it a
    view named after the table (timestamps as TIMESTAMPTZ, so they compare as instants).
    Returns the file's usable columns as "table.column"."""
    path = report.folder / table.file
    entry = files.get(table.file) if files is not None else None
    if not path.is_file():
        listed = " although the manifest lists it" if entry is not None else ""
        report.problems.append(_problem(table.file, None, "missing file",
                                        f"the file is not in the extract{listed}"))
        return set()
    try:
        con.read_parquet(str(path)).create_view(f"_raw_{table.name}")
        schema = dict(con.execute(f"SELECT column_name, column_type FROM "
                                  f"(DESCRIBE _raw_{table.name})").fetchall())
        rows = con.execute(f"SELECT count(*) FROM _raw_{table.name}").fetchone()[0]
    except duckdb.Error as exc:
        report.problems.append(_problem(table.file, None, "unreadable file",
                                        f"cannot be read as Parquet ({_first_line(exc)})"))
        return set()
    report.rows[table.file] = rows

    if files is not None and entry is None:
        report.problems.append(_file_problem(table.file, None, "not in manifest",
                                             "the file is not listed in the manifest", rows))
    elif isinstance(entry, dict):
        if _is_int(entry.get("rows")) and entry["rows"] != rows:
            report.problems.append(_problem(
                table.file, None, "row count",
                f"the file has {_count(rows, 'row')} but the manifest says {entry['rows']:,}",
                rows))
        if isinstance(entry.get("sha256"), str) and entry["sha256"].lower() != sha256(path):
            report.problems.append(_file_problem(table.file, None, "checksum",
                                                 "its SHA-256 differs from the manifest's", rows))

    usable = set()
    for col in table.columns:
        found = schema.get(col.name)
        if found is None:
            report.problems.append(_file_problem(table.file, col.name, "missing column",
                                                 "the column is missing", rows))
        elif found not in ACCEPTED_TYPES[col.type]:
            report.problems.append(_file_problem(
                table.file, col.name, "wrong type",
                f"is {found} but the contract says {col.type} ({TYPES[col.type]})", rows))
        else:
            usable.add(f"{table.name}.{col.name}")
    contract_names = {c.name for c in table.columns}
    for name in schema:
        if name in contract_names:
            continue
        if looks_like_identifier(name):
            report.problems.append(_file_problem(
                table.file, name, "possible personal data",
                "the column's name suggests personal data, which an extract must never hold",
                rows))
        elif not name.startswith(EXTRA_COLUMN_PREFIX):
            report.problems.append(_file_problem(
                table.file, name, "unlisted column",
                f"the column is not in the contract (extra columns must start with "
                f"{EXTRA_COLUMN_PREFIX})", rows))

    stamps = [c.name for c in table.columns
              if c.type == "timestamp" and f"{table.name}.{c.name}" in usable]
    replace = (" REPLACE (" + ", ".join(f"CAST({_q(c)} AS TIMESTAMPTZ) AS {_q(c)}"
                                        for c in stamps) + ")") if stamps else ""
    con.execute(f"CREATE VIEW {table.name} AS SELECT *{replace} FROM _raw_{table.name}")
    return usable


def looks_like_identifier(column: str) -> bool:
    """True when the name holds an identifier-like word as a whole word part:
    'child_name', 'x_postcode_district', 'DateOfBirth' yes; 'username', 'phoned' no."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column)  # camelCase -> camel_Case
    parts = [p for p in re.split(r"[^a-z0-9]+", spaced.lower()) if p]
    for word in IDENTIFIER_LIKE:
        needle = word.split("_")
        if any(parts[i:i + len(needle)] == needle for i in range(len(parts))):
            return True
    return False


def _check_unknown_files(report: Report, files: dict | None) -> None:
    known = {t.file for t in TABLES}
    present = {p.name for p in report.folder.glob("*.parquet")}
    for name in sorted((present | set(files or ())) - known):
        where = "in the folder" if name in present else "listed in the manifest"
        report.problems.append(_problem(name, None, "unknown file",
                                        f"the file is {where} but is not a file of the "
                                        f"contract"))


def _key(table: Table, usable: set[str]) -> tuple[str, str]:
    """SQL naming an offending row for examples (its id, or its key), and what to call it."""
    columns = (table.id_column,) if table.id_column else KEYS[table.name]
    if not all(f"{table.name}.{c}" in usable for c in columns):
        return "NULL::VARCHAR", ""
    parts = [f"CAST({_q(c)} AS VARCHAR)" for c in columns]
    sql = parts[0] if len(parts) == 1 else f"concat_ws(' / ', {', '.join(parts)})"
    return sql, " / ".join(columns)


def _run_checks(con, report: Report, table: Table, checks: list[Check],
                usable: set[str]) -> None:
    """Run the checks that can run; add a problem for each that finds offending rows."""
    key, key_name = _key(table, usable)
    checks = [c for c in checks if set(c.needs) <= usable]
    queries = [(c, c.query.format(key=key) or
                f"SELECT {key} AS example FROM {table.name} WHERE {c.where}") for c in checks]
    try:
        # The checks counted from statistics take one query, every other predicate check one
        # pass over the table (a pass per check would decode each column many times), and
        # the query checks one pass each.
        counts = {}
        for group in ([c for c in checks if c.count],
                      [c for c in checks if c.where and not c.count]):
            if group:
                aggregates = ", ".join(c.count or f"count(*) FILTER (WHERE {c.where})"
                                       for c in group)
                values = con.execute(f"SELECT {aggregates} FROM {table.name}",
                                     [p for c in group for p in c.params]).fetchone()
                counts.update(zip(map(id, group), values))
        for check, sql in queries:
            rows = counts[id(check)] if check.where else con.execute(
                f"SELECT count(*) FROM ({sql})", list(check.params)).fetchone()[0]
            if rows:
                examples = tuple(v for (v,) in con.execute(
                    f"SELECT DISTINCT example FROM ({sql}) WHERE example IS NOT NULL "
                    f"ORDER BY example LIMIT {EXAMPLES}", list(check.params)).fetchall())
                report.problems.append(_problem(table.file, check.column, check.rule,
                                                f"{_count(rows, 'row')} {check.says}", rows,
                                                examples, key_name))
    except duckdb.Error as exc:  # e.g. a corrupt page that the file's footer did not show
        report.problems.append(_problem(table.file, None, "unreadable file",
                                        f"cannot be read as Parquet ({_first_line(exc)})",
                                        report.rows.get(table.file, 0)))


# ---------------------------------------------------------------------------------------------
# Reference data: two small CSV files the hub edits by hand, so read as text and checked here
# before hub.reference reads them with types.

LOCALITIES_FILE, EVENTS_FILE = "localities.csv", "events.csv"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def validate_reference(folder: Path | str) -> list[Problem]:
    """Every problem with localities.csv and events.csv in `folder` (examples are line
    numbers of the file, the header being line 1)."""
    folder, problems = Path(folder), []
    localities = _read_reference(folder / LOCALITIES_FILE, LOCALITY_COLUMNS, problems)
    if localities is not None:
        codes = localities["code"]
        unknown = ~codes.isin(list(LOCALITIES))
        _reference_problem(problems, LOCALITIES_FILE, "code", "locality codes", unknown,
                           "with a code that is not a locality of the contract")
        absent = [code for code in LOCALITIES if code not in set(codes)]
        if absent:  # contract codes, not values from the file: safe to name
            problems.append(_problem(LOCALITIES_FILE, "code", "locality codes",
                                     f"the contract's locality {', '.join(absent)} has no row"))
        _reference_problem(problems, LOCALITIES_FILE, "code", "duplicate locality",
                           codes.duplicated(keep=False) & ~unknown,
                           "sharing their code with another row")
        population = localities["population_0_17"].str.strip()
        _reference_problem(problems, LOCALITIES_FILE, "population_0_17", "population",
                           ~population.str.fullmatch(r"0*[1-9][0-9]*"),
                           "with a population_0_17 that is not a whole number above 0")
    events = _read_reference(folder / EVENTS_FILE, EVENT_COLUMNS, problems)
    if events is not None:
        _reference_problem(problems, EVENTS_FILE, "date", "event date",
                           ~events["date"].map(_is_iso_date), "with a date that is not YYYY-MM-DD")
        _reference_problem(problems, EVENTS_FILE, "kind", "event kind",
                           ~events["kind"].isin(EVENT_KINDS),
                           f"with a kind that is not {', '.join(EVENT_KINDS)}")
        _reference_problem(problems, EVENTS_FILE, "illustrative", "true or false",
                           ~events["illustrative"].str.strip().str.lower().isin(TRUE_FALSE),
                           "with an illustrative value that is not true or false")
    return problems


def _read_reference(path: Path, columns: tuple[str, ...], problems: list[Problem]):
    """The file as text (every value a string, nothing parsed), or None with a problem."""
    import pandas as pd  # only the reference files need it here

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        problems.append(_problem(path.name, None, "reference file",
                                 "the reference file is missing"))
        return None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        problems.append(_problem(path.name, None, "reference file",
                                 f"cannot be read as CSV ({_first_line(exc)})"))
        return None
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        problems.append(_file_problem(path.name, ", ".join(absent), "reference file",
                                      "the column is missing", len(frame)))
        return None
    return frame


def _reference_problem(problems: list[Problem], file: str, column: str, rule: str, bad,
                       says: str) -> None:
    """A problem for the rows where `bad` (a boolean Series) holds, named by line number."""
    rows = int(bad.sum())
    if rows:
        lines = tuple(str(i + 2) for i in bad[bad].index[:EXAMPLES])  # header is line 1
        problems.append(_problem(file, column, rule, f"{_count(rows, 'row')} {says}", rows,
                                 lines, "line"))


def _is_iso_date(text: str) -> bool:
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]

