"""Publishing next month's extract: `python -m hub publish SRC` and `python -m hub rollback`.

The live path (HUB_DATA_DIR) is a symbolic link that publish manages. Releases sit beside it:

    <live>.parent/releases/<extract_id>/   a copy of the extract, never changed once there,
                                            with release.json: every file's SHA-256 and size
    <live>.parent/releases/published.json  the extract ids in the order they went live

Publishing copies SRC into a staging folder, validates the copy (so what is checked is what
goes live, even if SRC changes meanwhile), renames it to releases/<extract_id> and then swaps
the link in one step (a new link beside it, then os.replace), so that a reader resolving the
live path sees the old release or the new one, whole. A refused extract changes nothing. An
extract_id already published with other content is refused: the id must keep naming the data
that downloads were logged against. The last HUB_RELEASES_KEPT releases are kept for rollback.

Readers resolve the link once and read everything from the release it names
(hub.database.open_database does), since a switch may happen between two reads.

A live path s3://bucket/prefix is published and rolled back in object storage by hub/storage.py,
with the same steps (staged, refuse_other_content, record, rolled_back, split_kept) and messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
from pathlib import Path

from hub.extract import sha256
from hub.settings import is_object_url

RELEASES = "releases"
RECORD = "release.json"
HISTORY = "published.json"
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a release folder's name


class PublishError(Exception):
    """Publishing or rolling back was refused and nothing changed; str() says why."""


def releases_dir(live: Path) -> Path:
    return _absolute(live).parent / RELEASES


def _absolute(path: Path) -> Path:
    """The path made absolute without following the link (resolve() would follow it)."""
    return Path(os.path.abspath(path))


def checksums(folder: Path) -> dict[str, dict]:
    """file name -> {"sha256", "bytes"} for every file of a release (its record aside)."""
    return {p.name: {"sha256": sha256(p), "bytes": p.stat().st_size}
            for p in sorted(Path(folder).iterdir()) if p.is_file() and p.name != RECORD}


def changed_files(release: Path) -> list[str]:
    """The files of a published release that differ from its record (edited, truncated,
    added or removed since publishing); empty when it is as published."""
    recorded = json.loads((Path(release) / RECORD).read_text())["files"]
    found = checksums(release)
    return sorted(name for name in recorded.keys() | found.keys()
                  if recorded.get(name) != found.get(name))


def live_release(live: Path) -> str | None:
    """The extract id the live link names (None when it names no release)."""
    live = _absolute(live)
    if not live.is_symlink():
        return None
    target = Path(os.readlink(live))
    return target.name if target.parent.name == RELEASES else None


@contextlib.contextmanager
def _locked(releases: Path):
    """One publish or rollback at a time."""
    releases.mkdir(parents=True, exist_ok=True)
    with open(releases / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _check_live(live: Path) -> None:
    if live.exists() and not live.is_symlink():
        raise PublishError(f"{live} is a folder, not a link managed by publish: move it aside "
                           "(or point HUB_DATA_DIR at a new path) and publish again")


def publish(src: Path, live: Path | str, reference_dir: Path, keep: int = 3,
            now: dt.datetime | None = None) -> str:
    """Validate and publish the extract at `src` as the live extract; what was done, in words.
    PublishError (with the validator's report when refused) leaves everything as it was.
    A live path s3://bucket/prefix is published in object storage (hub/storage.py)."""
    if is_object_url(live):
        from hub import storage

        return storage.publish(src, live, reference_dir, keep, now)
    src, live = Path(src), _absolute(live)
    _check_live(live)
    releases = releases_dir(live)
    with _locked(releases):
        staging = releases / f".incoming-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            report, extract_id, files = staged(src, staging, reference_dir)
            target = releases / extract_id
            if target.exists():
                refuse_other_content(extract_id, files, _recorded(target))
                done = f"extract {extract_id} was already published with this content"
            else:
                _write_atomically(staging / RECORD, record(extract_id, files, now))
                os.rename(staging, target)
                done = f"published extract {extract_id}"
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _switch(live, target)
        history = [i for i in _history(releases) if i != extract_id] + [extract_id]
        removed = _prune(releases, history, keep)
    return published_text(done, live, removed, report)


def staged(src: Path, staging: Path, reference_dir: Path):
    """Copy `src` to `staging` and validate the copy (what is checked is what goes live):
    (report, extract_id, checksums of the copy); PublishError with the report if refused."""
    from hub.validate import validate_extract

    if not src.is_dir():
        raise PublishError(f"{src}: the extract folder does not exist")
    shutil.copytree(src, staging)
    report = validate_extract(staging, reference_dir)
    report.folder = src  # the report names what the operator gave
    if not report.ok:
        raise PublishError(report.text())
    extract_id = report.manifest["extract_id"]
    if not SAFE_ID.fullmatch(extract_id):
        raise PublishError(f"extract_id {extract_id!r} cannot name a release folder: "
                           "letters, digits, '.', '_' and '-' only")
    return report, extract_id, checksums(staging)


def refuse_other_content(extract_id: str, files: dict, recorded: dict) -> None:
    """PublishError when a release of this extract_id holds other content than `files`."""
    differ = sorted(name for name in files.keys() | recorded.keys()
                    if files.get(name) != recorded.get(name))
    if differ:
        raise PublishError(f"extract {extract_id} was already published with other content "
                           f"({', '.join(differ)} differ): give the new extract its own "
                           "extract_id")


def record(extract_id: str, files: dict, now: dt.datetime | None = None) -> dict:
    """A release's release.json: its id, when it was published and every file's checksum."""
    when = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"extract_id": extract_id, "published_at": when, "files": files}


def published_text(done: str, live, removed: list[str], report) -> str:
    kept = f"; removed old release(s) {', '.join(removed)}" if removed else ""
    return f"{done}; {live} now names it{kept}. {report.text()}"


def rollback(live: Path | str) -> str:
    """Point the live link back at the release published before the live one."""
    if is_object_url(live):
        from hub import storage

        return storage.rollback(live)
    live = _absolute(live)
    _check_live(live)
    releases = releases_dir(live)
    with _locked(releases):
        history, previous = rolled_back(_history(releases), live_release(live))
        _switch(live, releases / previous)
        _write_atomically(releases / HISTORY, {"history": history[:-1]})
    return rolled_back_text(history, previous, live)


def rolled_back(history: list[str], current: str | None) -> tuple[list[str], str]:
    """(the history up to the live release, the release before it); PublishError if none."""
    if current in history:
        history = history[:history.index(current) + 1]
    if len(history) < 2:
        raise PublishError("there is no earlier release to roll back to")
    return history, history[-2]


def rolled_back_text(history: list[str], previous: str, live) -> str:
    return f"rolled back from extract {history[-1]} to {previous}; {live} now names it."


def split_kept(history: list[str], keep: int) -> tuple[list[str], list[str]]:
    """(the last `keep` releases of the history, the live one among them; the others)."""
    return history[-max(keep, 1):], history[:-max(keep, 1)]


def _recorded(release: Path) -> dict:
    return json.loads((release / RECORD).read_text())["files"]


def _history(releases: Path) -> list[str]:
    path = releases / HISTORY
    return json.loads(path.read_text())["history"] if path.exists() else []


def _switch(live: Path, target: Path) -> None:
    """Make `live` a link to `target` in one step: readers see the old link or the new."""
    temporary = live.with_name(f".{live.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    os.symlink(os.path.relpath(target, live.parent), temporary)
    os.replace(temporary, live)
    _fsync_folder(live.parent)


def _prune(releases: Path, history: list[str], keep: int) -> list[str]:
    """Keep the last `keep` releases of the history (the live one among them); remove the
    others. A process still serving a removed release has it in memory already."""
    kept, dropped = split_kept(history, keep)
    _write_atomically(releases / HISTORY, {"history": kept})
    for extract_id in dropped:
        shutil.rmtree(releases / extract_id, ignore_errors=True)
    return dropped


def _write_atomically(path: Path, content: dict) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w") as file:
        file.write(json.dumps(content, indent=2) + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
