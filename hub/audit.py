"""The download log (disclosure.md rule 6): who downloaded which slice, in what form, and when.

"Who" is the signed-in person (the provider's subject and their email) and their audience; in
demo mode the person is hub.access.DEMO_PERSON, whose fields say "demo" in words.

The log is tamper-evident and loses nothing:
- Each process (a replica: host and process id) appends to its own chain,
  <audit_dir>/downloads-<host>-<pid>.jsonl, one JSON object a line, so replicas never share a
  file; the Download log page merges the chains (`read_log`).
- Each entry is written as one whole line by one writer at a time (an fcntl lock on the file,
  which also orders the threads of a process), then flushed to disk (fsync) before the
  download is given. A line left partial by a failed write (disk full) is never joined to the
  next entry: a write starts with a newline when the file does not end with one.
- Each entry carries its sequence number in the chain and a keyed hash (HMAC-SHA256 with the
  secret HUB_AUDIT_SECRET) over itself and the previous entry's hash, so an edited, deleted or
  reordered entry breaks the chain. The chain's latest sequence number and hash are also kept
  outside the log, in <chain>.head.json (replaced atomically, itself keyed), so dropping the
  last entries is caught too. `verify` (`python -m hub audit verify`) checks every chain.
- Unset, the secret is hub.settings.DEMO_AUDIT_SECRET, which is published: the chain then
  shows accidents (a cut, a lost line) but not tampering by someone who reads this code, so it
  is for demo and synthetic use only, and the Download log page and `verify` say so.

The folder is a setting (HUB_AUDIT_DIR, default data/audit, git-ignored). Writing never raises:
a problem comes back as a message for the page, which then refuses the download. Messages for
people name the folder in words (WHERE), never by its path on the server.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hub.access import Person
from hub.audience import Audience
from hub.settings import DEMO_AUDIT_SECRET

LOG_FILE = "downloads.jsonl"  # the single log written before chains: still read, not verified
CHAIN_GLOB = "downloads-*.jsonl"
HEAD_SUFFIX = ".head.json"
GENESIS = "start"  # the "previous hash" of a chain's first entry
COLUMNS = ("at", "audience", "audience_name", "slice", "format", "rows", "extract_id",
           "file_name", "subject", "email")
WHERE = "the hub's audit folder"  # what people are told, never the server's path
log = logging.getLogger(__name__)


def audience_code(audience: Audience) -> str:
    return audience.kind + (f":{audience.locality}" if audience.locality else "")


def record(audit_dir: Path, audience: Audience, slice_desc: str, fmt: str, rows: int,
           extract_id: str, *, person: Person, file_name: str = "",
           now: dt.datetime | None = None, secret: str | None = None,
           chain: str | None = None) -> str | None:
    """Append one download by `person` to this process's chain (or `chain`), keyed with
    `secret` (None: the HUB_AUDIT_SECRET setting). None when written, else a message saying
    why not."""
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    entry = {"at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "audience": audience_code(audience),
             "audience_name": str(audience), "slice": slice_desc, "format": fmt,
             "rows": int(rows), "extract_id": extract_id, "file_name": file_name,
             "subject": person.subject, "email": person.email}
    if secret is None:
        from hub.settings import Settings

        secret = Settings.from_env().audit_key
    try:
        append(Path(audit_dir), entry, secret, chain or chain_name())
    except OSError as exc:
        log.error("download log not written to %s: %s", audit_dir, exc)
        return f"the download log in {WHERE} cannot be written ({exc.strerror or exc})"
    return None


def chain_name() -> str:
    """This replica's chain: its host and process id (file-name safe)."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", f"{socket.gethostname()}-{os.getpid()}")


def chain_file(audit_dir: Path, chain: str) -> Path:
    return Path(audit_dir) / f"downloads-{chain}.jsonl"


def _head_file(log_file: Path) -> Path:
    return log_file.with_name(log_file.stem + HEAD_SUFFIX)


def key_id(secret: str) -> str:
    """Names the key an entry was signed with ("demo" for the published one), never the key."""
    if secret == DEMO_AUDIT_SECRET:
        return "demo"
    return hashlib.sha256(f"audit key id|{secret}".encode()).hexdigest()[:12]


def _mac(secret: str, fields: dict) -> str:
    """HMAC-SHA256 over the fields (without "hmac"), as canonical JSON."""
    body = json.dumps({k: v for k, v in fields.items() if k != "hmac"}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def append(audit_dir: Path, fields: dict, secret: str, chain: str) -> dict:
    """Add `fields` to the chain as its next entry (sequence number, key id, the previous
    entry's hash and its own HMAC), then update the chain's head; returns the entry."""
    audit_dir.mkdir(parents=True, exist_ok=True)
    path = chain_file(audit_dir, chain)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the fd closes: one writer at a time
        last, ends_with_newline = _last_entry(fd)
        entry = {"chain": chain, "seq": (last["seq"] if last else 0) + 1, **fields,
                 "key": key_id(secret), "prev": last["hmac"] if last else GENESIS}
        entry["hmac"] = _mac(secret, entry)
        line = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
        _write_all(fd, line if ends_with_newline else b"\n" + line)
        os.fsync(fd)
        _write_head(_head_file(path), chain, entry["seq"], entry["hmac"], secret)
    finally:
        os.close(fd)
    return entry


def _last_entry(fd: int) -> tuple[dict | None, bool]:
    """The chain's last whole entry (None if none) and whether the file ends with a newline.
    Reads back from the end: entries are small, so the last 64 KiB nearly always hold it."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None, True
    span = 1 << 16
    while True:
        start = max(0, size - span)
        tail = os.pread(fd, size - start, start)
        lines = tail.split(b"\n")[1 if start else 0:]  # the first may be cut by the span
        for raw in reversed(lines):
            entry = _parse(raw)
            if entry is not None and "seq" in entry:
                return entry, tail.endswith(b"\n")
        if start == 0:
            return None, tail.endswith(b"\n")
        span *= 4


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a short write is retried; an error raises)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_head(path: Path, chain: str, seq: int, last_hash: str, secret: str) -> None:
    """The chain's latest sequence number and hash, keyed, replaced in one step."""
    head = {"chain": chain, "seq": seq, "hash": last_hash}
    head["hmac"] = _mac(secret, head)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(json.dumps(head) + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _parse(raw: bytes | str) -> dict | None:
    """A line's entry, or None for a line that is not one (blank, or left partial)."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def problem(audit_dir: Path) -> str | None:
    """Why downloads could not be logged (None if they can), without creating anything: the
    log file, or else the nearest folder on its path that exists, must be writable."""
    log_file = chain_file(audit_dir, chain_name())
    if log_file.exists():
        ok = log_file.is_file() and os.access(log_file, os.W_OK)
    else:
        folder = Path(audit_dir)
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
        ok = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    return None if ok else f"the download log in {WHERE} cannot be written"


def _log_files(audit_dir: Path) -> list[Path]:
    folder = Path(audit_dir)
    return sorted(folder.glob(CHAIN_GLOB)) + [f for f in [folder / LOG_FILE] if f.exists()]


def read_log(audit_dir: Path) -> pd.DataFrame:
    """Every logged download of every chain, newest first; a line that is not an entry (left
    partial by a failed write) is skipped and logged."""
    entries = []
    for file in _log_files(audit_dir):
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, start=1):
            entry = _parse(line) if line.strip() else {}
            if entry is None:
                log.warning("%s line %d is not a whole entry; skipped", file.name, number)
            elif entry:
                entries.append({"seq": number, **entry})  # the old log: its line number
    frame = pd.DataFrame(entries, columns=[*COLUMNS, "seq"])
    # Newest first across chains; within a second, a chain's later entry first.
    frame = frame.sort_values(["at", "seq"], ascending=False, kind="stable")
    return frame[list(COLUMNS)].reset_index(drop=True)


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)  # each names a chain's first bad entry
    notes: list[str] = field(default_factory=list)  # worth knowing, not a break
    entries: int = 0
    demo_key: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.ok:
            lines = [f"OK: every chain of the download log is intact ({self.entries:,} "
                     f"entr{'y' if self.entries == 1 else 'ies'})."]
        else:
            lines = [f"BROKEN: {len(self.problems)} chain(s) of the download log fail:"]
            lines += [f"  {p}" for p in self.problems]
        lines += [f"  note: {n}" for n in self.notes]
        if self.demo_key:
            lines.append(f"  note: {DEMO_KEY_NOTE}")
        return "\n".join(lines)


DEMO_KEY_NOTE = ("the log is keyed with the published demo key (HUB_AUDIT_SECRET is not set): "
                 "it shows accidents, not deliberate edits. Demo and synthetic data only.")


def verify(audit_dir: Path, secret: str) -> Verification:
    """Check every chain in `audit_dir` against `secret` and its head."""
    result = Verification(demo_key=secret == DEMO_AUDIT_SECRET)
    folder = Path(audit_dir)
    chains = sorted(folder.glob(CHAIN_GLOB))
    for file in chains:
        found = _verify_chain(file, secret, result)
        if found:
            result.problems.append(f"{file.name}: {found}")
    for head in sorted(folder.glob(f"downloads-*{HEAD_SUFFIX}")):
        if head.with_name(head.name[:-len(HEAD_SUFFIX)] + ".jsonl") not in chains:
            result.problems.append(f"{head.name}: its log file is missing (every entry "
                                   "deleted)")
    if (folder / LOG_FILE).exists():
        result.notes.append(f"{LOG_FILE} was written before the log was chained; its entries "
                            "are shown but cannot be verified")
    return result


def _verify_chain(file: Path, secret: str, result: Verification) -> str | None:
    """What is wrong with one chain, naming its first bad entry (None when intact)."""
    chain = file.stem[len("downloads-"):]
    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    parsed = [(n, _parse(line)) for n, line in enumerate(lines, start=1) if line.strip()]
    partial = [n for n, entry in parsed if entry is None]
    if partial:  # a failed write: never an entry (the next one follows the entry before it)
        result.notes.append(f"{file.name}: line(s) {', '.join(map(str, partial))} hold a "
                            "partial write (e.g. disk full), not an entry")
    entries = [(n, e) for n, e in parsed if e is not None]
    seqs = [e.get("seq") for _, e in entries]
    expected, previous = 1, GENESIS
    for index, (line, entry) in enumerate(entries):
        seq = entry.get("seq")
        where = f"entry {seq} (line {line})"
        if not hmac.compare_digest(str(entry.get("hmac", "")), _mac(secret, entry)) \
                or entry.get("chain") != chain:
            signed = entry.get("key")
            other = (f", and it names key {signed!r}, not this one"
                     if signed != key_id(secret) else "")
            return f"{where} was edited: its keyed hash does not match{other}"
        if seq != expected:
            if expected in seqs[index + 1:]:
                return (f"entries were reordered: {where} comes before entry {expected}")
            return f"entry {expected} was deleted: {where} follows entry {expected - 1}"
        if entry.get("prev") != previous:
            return f"{where} does not follow the entry before it"
        expected, previous = expected + 1, entry["hmac"]
    result.entries += expected - 1
    last = expected - 1
    head_path = _head_file(file)
    head = _parse(head_path.read_bytes()) if head_path.exists() else None
    if head is None:
        return f"its head record {head_path.name} is missing, so a cut cannot be ruled out"
    if not hmac.compare_digest(str(head.get("hmac", "")), _mac(secret, head)) \
            or head.get("chain") != chain:
        return f"its head record {head_path.name} was edited"
    if head["seq"] > last:
        return (f"the log was cut at the end: entries {last + 1} to {head['seq']} are "
                "missing (the head record names them)")
    kept = dict(zip(seqs, (e["hmac"] for _, e in entries)))
    if kept.get(head["seq"]) != head["hash"]:
        return f"entry {head['seq']} differs from the one the head record names"
    if head["seq"] < last:  # the process stopped between the line and the head
        result.notes.append(f"{file.name}: entries after {head['seq']} were written after the "
                            "head record was last updated (an interrupted write)")
    return None
