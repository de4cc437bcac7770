"""Following the live extract by content: what the app serves is what the live path names now.

A `LiveExtract` serves one live path (HUB_DATA_DIR) to every session of the process:

- It looks cheaply, at most every `recheck_seconds`: the folder the path resolves to (a publish
  switches the link) and each file's size, modification time and inode. Nothing is hashed
  while that look stays the same, so a rerun costs a few stat calls.
- When the look changes (or at the first open) it hashes every file. A published release is
  checked against its release.json, any other folder against its manifest, so a file
  truncated or rewritten in place is refused by name. An extract_id this
  process already served with other content is refused too: downloads are logged against the
  id, so the id must keep naming one set of data.
- Validation is cached by checksum (`ValidationCache`): an extract whose files, reference data
  and validation rules all hash as they did when it last passed is not validated again, at a
  restart either; it is only loaded.
- A refused extract leaves the last good one served to everyone, with the refusal (the page
  shows both). A database no longer served is closed once the last run using it has released
  it (`acquire`/`release`), never under a running query.
- A reader never gets half an extract: everything is read from the folder the path resolved to
  once, and a folder that changed while it was hashed, validated or loaded is not served.
- Where the live path is and how it is looked at is its source: `DiskSource` for a folder or a
  link (the look above), hub.storage's for s3://bucket/prefix (the look is reading the small
  pointer object; a new release is downloaded into HUB_CACHE_DIR by checksum and then opened
  from there, like a folder on disk).

Nothing here imports Streamlit: hub/ui/context.py wires it to the pages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Hashable, Protocol

from hub.database import Database
from hub.extract import ExtractError, read_manifest, sha256
from hub.publish import RECORD, checksums

log = logging.getLogger(__name__)

# What the validator's verdict depends on besides the data: its rules and the contract. Hashing
# their source means a changed rule invalidates every cached verdict without anyone bumping a
# version by hand.
_RULE_SOURCES = ("validate.py", "contract.py", "extract.py", "reference.py")
RULES_ID = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes()
                                   for name in _RULE_SOURCES)).hexdigest()[:16]


@dataclass(frozen=True)
class Look:
    """The cheap look at a live path: the folder it names and (name, size, mtime, inode) of
    each file there; files is None when the folder cannot be listed."""
    folder: str
    files: tuple[tuple[str, int, int, int], ...] | None


def look(path: Path | str) -> Look:
    folder = os.path.realpath(path)
    try:
        with os.scandir(folder) as entries:
            stats = [(e.name, e.stat()) for e in entries if e.is_file()]
    except OSError:
        return Look(folder, None)
    return Look(folder, tuple(sorted((name, s.st_size, s.st_mtime_ns, s.st_ino)
                                     for name, s in stats)))


def content_id(files: dict[str, dict]) -> str:
    """A short name for the content of an extract's files (their checksums)."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def verify_checksums(folder: Path, files: dict[str, dict], manifest: dict) -> None:
    """ExtractError naming every file that differs from the folder's release.json (a
    published release is never changed once there), or, without one, from the SHA-256 its
    manifest gives (the validator names other manifest problems)."""
    folder, record = Path(folder), Path(folder) / RECORD
    if record.is_file():
        try:
            recorded = json.loads(record.read_text())["files"]
            differ = sorted(name for name in recorded.keys() | files.keys()
                            if recorded.get(name) != files.get(name))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise ExtractError(f"{record}: the release record is unreadable, so the release "
                               "cannot be checked; publish the extract again") from None
        if differ:
            raise ExtractError(
                f"{folder}: {', '.join(differ)} changed on disk since the release was "
                "published (its SHA-256 or size differs from release.json), so the release is "
                "not served. Publish the extract again, under a new extract_id if its content "
                "changed.")
        return
    listed = manifest.get("files")
    differ = sorted(name for name, entry in (listed.items() if isinstance(listed, dict) else ())
                    if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
                    and name in files and entry["sha256"].lower() != files[name]["sha256"])
    if differ:
        raise ExtractError(
            f"{folder}: {', '.join(differ)} changed on disk (its SHA-256 differs from the "
            "manifest's), so the extract is not served. The producer must send it again.")


class ValidationCache:
    """Verdicts of extracts that passed, one small file per key (the extract's checksums, the
    reference data's and the rules'); folder None: nothing is cached."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None

    @staticmethod
    def key(files: dict[str, dict], reference_dir: Path | None) -> str:
        reference = ({p.name: sha256(p) for p in sorted(Path(reference_dir).glob("*"))
                      if p.is_file()} if reference_dir else {})
        text = json.dumps({"files": files, "reference": reference, "rules": RULES_ID},
                          sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / "validated" / f"{key}.json"

    def passed(self, key: str) -> bool:
        if self.folder is None:
            return False
        try:
            return json.loads(self._file(key).read_text()).get("key") == key
        except (OSError, ValueError, AttributeError):
            return False  # missing or damaged: validate again

    def remember(self, key: str, extract_id: str) -> None:
        if self.folder is not None:
            self._write(self._file(key), {"key": key, "extract_id": extract_id,
                                          "rules": RULES_ID})

    # What each extract_id served from a live path was, kept across restarts: an id that
    # named other content before a restart is refused after it too.
    def _served_file(self, live: Path | str, extract_id: str) -> Path:
        name = hashlib.sha256(f"{live}|{extract_id}".encode()).hexdigest()[:32]
        return self.folder / "served" / f"{name}.json"

    def served_content(self, live: Path | str, extract_id: str) -> str | None:
        """The content id `extract_id` named when last served from `live` (None: never)."""
        if self.folder is None:
            return None
        try:
            record = json.loads(self._served_file(live, extract_id).read_text())
            return record["content"] if record.get("extract_id") == extract_id else None
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return None

    def remember_served(self, live: Path | str, extract_id: str, content: str) -> None:
        if self.folder is not None:
            self._write(self._served_file(live, extract_id),
                        {"live": str(live), "extract_id": extract_id, "content": content})

    @staticmethod
    def _write(file: Path, record: dict) -> None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            temporary = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}")
            temporary.write_text(json.dumps(record) + "\n")
            os.replace(temporary, file)  # a reader sees the whole record or none
        except OSError as exc:  # a read-only cache only costs time
            log.warning("validation cache not written: %s", exc)


@dataclass(frozen=True)
class Opening:
    """What the last opening did (for the log, tests and benchmarks)."""
    extract_id: str
    content_id: str
    from_cache: bool  # True: the validation was skipped, the verdict was cached


@dataclass(frozen=True)
class Served:
    """A database lent to one run, and the refusal of a newer extract if there is one (the
    database is then the last good extract)."""
    db: Database
    refusal: str | None


# open_extract(folder, validate) -> Database: hub.database.open_database with the settings bound
Opener = Callable[[Path, bool], Database]


class Source(Protocol):
    """Where a live path is: `look()` is cheap and changes when what the path names may have
    changed; `resolve(seen)` gives the local folder that look names and the folder's own look
    (ExtractError when there is none; Transient when it is worth trying again soon)."""
    path: Path | str

    def look(self) -> Hashable: ...

    def resolve(self, seen) -> tuple[Path, Look]: ...


class DiskSource:
    """A folder, or a link managed by hub.publish, on this machine's disks."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def look(self) -> Look:
        return look(self.path)

    def resolve(self, seen: Look) -> tuple[Path, Look]:
        if seen.files is None:
            raise ExtractError(f"{self.path}: the extract folder does not exist")
        return Path(seen.folder), seen


class LiveExtract:
    """Serves the live path `path` by content (see the module's docstring). Thread-safe."""

    def __init__(self, path: Path | str, reference_dir: Path | None, open_extract: Opener, *,
                 cache: ValidationCache, recheck_seconds: float = 3.0,
                 clock: Callable[[], float] = time.monotonic, source: Source | None = None):
        self.source = source or DiskSource(path)
        self.path, self.reference_dir = self.source.path, reference_dir
        self._open_extract, self.cache = open_extract, cache
        self.recheck_seconds, self._clock = recheck_seconds, clock
        self._lock = threading.Lock()  # guards the state below; held only briefly
        self._checking = threading.Lock()  # one look-and-open at a time
        self._checked_at: float | None = None
        self._seen: Hashable | None = None  # the look of what was last opened or refused
        self._serving: Database | None = None  # the last good extract
        self._serving_content: tuple[str, str] | None = None  # (folder, content id)
        self._refusal: str | None = None
        self._ids: dict[str, str] = {}  # extract_id -> content id, of everything served
        self._leases: dict[int, int] = {}  # id(db) -> runs using it
        self._retired: dict[int, Database] = {}  # no longer served, closed when unused
        self.last_opening: Opening | None = None

    # -- serving -------------------------------------------------------------------------

    def acquire(self) -> Served:
        """The database to serve this run; release() it when the run ends. ExtractError when
        the live extract is refused and nothing passed before."""
        if self._due():
            first = self._serving is None and self._refusal is None
            if self._checking.acquire(blocking=first):  # others keep the current one meanwhile
                try:
                    if self._due():
                        self._check()
                finally:
                    self._checking.release()
        with self._lock:
            if self._serving is None:
                raise ExtractError(self._refusal or f"{self.path}: the extract is not open yet")
            db = self._serving
            self._leases[id(db)] = self._leases.get(id(db), 0) + 1
            return Served(db, self._refusal)

    def release(self, db: Database) -> None:
        with self._lock:
            left = self._leases.get(id(db), 0) - 1
            if left > 0:
                self._leases[id(db)] = left
                return
            self._leases.pop(id(db), None)
            retired = self._retired.pop(id(db), None)
        if retired is not None:
            retired.close()

    def close(self) -> None:
        """Stop serving: the database is closed once no run uses it."""
        with self._lock:
            db, self._serving = self._serving, None
            self._checked_at = self._seen = self._serving_content = None
        if db is not None:
            self._retire(db)

    def open_databases(self) -> int:
        """How many databases this holds open (the served one and those still in use)."""
        with self._lock:
            return (self._serving is not None) + len(self._retired)

    def _retire(self, db: Database) -> None:
        with self._lock:
            if self._leases.get(id(db)):
                self._retired[id(db)] = db
                return
        db.close()

    # -- looking and opening ---------------------------------------------------------------

    def _due(self) -> bool:
        checked = self._checked_at
        return checked is None or self._clock() - checked >= self.recheck_seconds

    def _check(self) -> None:
        seen = self.source.look()
        if seen != self._seen:
            try:
                db, opening, folder = self._open(seen)
            except ExtractError as exc:
                log.error("extract at %s refused: %s", self.path, exc)
                with self._lock:
                    self._refusal = str(exc)
                    # a folder that changed while being opened is looked at again next time
                    self._seen = None if isinstance(exc, Transient) else seen
            else:
                self._serve(db, opening, seen, folder)
        self._checked_at = self._clock()

    def _open(self, seen) -> tuple[Database | None, Opening, str]:
        folder, folder_look = self.source.resolve(seen)
        files = checksums(folder)
        manifest = read_manifest(folder)
        verify_checksums(folder, files, manifest)
        extract_id = str(manifest.get("extract_id"))
        content = content_id(files)
        if self._serving_content == (str(folder), content):  # touched, not changed
            return None, Opening(extract_id, content, from_cache=True), str(folder)
        known = self._ids.get(extract_id) or self.cache.served_content(self.path, extract_id)
        if known not in (None, content):  # by this process, or before a restart
            raise ExtractError(
                f"{folder}: extract {extract_id} was already served with other content, so "
                "this one is not: downloads are logged against the extract_id, which must "
                "keep naming the same data. Give the changed extract a new extract_id.")
        key = self.cache.key(files, self.reference_dir)
        from_cache = self.cache.passed(key)
        db = self._open_extract(folder, not from_cache)  # ExtractError: the report
        if look(folder) != folder_look:
            db.close()
            raise _Changed(f"{folder}: the extract changed while it was being opened, so it "
                           "is not served; it will be looked at again in a few seconds")
        if not from_cache:
            self.cache.remember(key, extract_id)
        return db, Opening(extract_id, content, from_cache), str(folder)

    def _serve(self, db: Database | None, opening: Opening, seen, folder: str) -> None:
        with self._lock:
            old = None
            if db is not None:
                old, self._serving = self._serving, db
                self._serving_content = (folder, opening.content_id)
                self._ids[opening.extract_id] = opening.content_id
                self.last_opening = opening
            self._seen, self._refusal = seen, None
        if db is not None:
            self.cache.remember_served(self.path, opening.extract_id, opening.content_id)
        log.info("serving extract %s (content %s, validation %s) from %s", opening.extract_id,
                 opening.content_id, "cached" if opening.from_cache else "run", folder)
        if old is not None:
            self._retire(old)


class Transient(ExtractError):
    """A refusal worth looking again at soon, even if the look stays the same (object storage
    out of reach, say)."""


class _Changed(Transient):
    """The folder changed under the opening."""
