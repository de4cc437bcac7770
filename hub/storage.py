"""Extracts in S3-compatible object storage: HUB_DATA_DIR=s3://bucket/prefix.

The bucket holds what a live path on disk has beside it (hub/publish.py), and a pointer:

    s3://bucket/prefix/releases/<extract_id>/...   a release's files and its release.json,
                                                    never changed once uploaded
    s3://bucket/prefix/releases/published.json     the extract ids in the order they went live
    s3://bucket/prefix/LIVE.json                    the pointer: {"extract_id", "release",
                                                    "record_sha256"} of the live release

Publishing validates a local copy of the extract (publish.staged), uploads its files, then its
release.json, then the pointer: one PUT, which S3 makes visible whole, so a reader following
the pointer finds a whole release. The pointer is replaced only if it is still the one read
when publishing began (a conditional PUT, If-Match its ETag), so two publishers (or a publish
and a rollback) at once cannot silently undo each other: the later one is refused.

The app does not read Parquet from the bucket. It looks at the pointer (one small GET) at most
every HUB_RECHECK_SECONDS; when it names another release, every file is downloaded into
HUB_CACHE_DIR/objects/<sha256> (a file already there with that checksum is not downloaded
again), checked against release.json, and linked into HUB_CACHE_DIR/releases/<id>-<content>,
which is then opened like a release on disk (hub/live.py): the same validation, cached by
checksum, the same refusals by name, the last good extract kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from hub.extract import ExtractError, sha256
from hub.live import Look, Transient, content_id, look
from hub.publish import HISTORY, RECORD, RELEASES, SAFE_ID, PublishError, published_text, \
    record, refuse_other_content, rolled_back, rolled_back_text, split_kept, staged
from hub.settings import is_object_url

POINTER = "LIVE.json"
CACHED = 3  # releases kept in HUB_CACHE_DIR/releases, by last use
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Store:
    """A prefix of a bucket, read and written with s3fs (endpoint and credentials from the
    standard AWS_* variables)."""

    def __init__(self, url: str):
        import s3fs

        self.url = url.rstrip("/")
        self.root = self.url.removeprefix("s3://")
        self.fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)

    def key(self, *parts: str) -> str:
        return "/".join((self.root, *parts))

    def read(self, *parts: str) -> bytes | None:
        """The object's bytes; None when there is none."""
        try:
            return self._call("cat_file", self.key(*parts))
        except FileNotFoundError:
            return None

    def etag(self, *parts: str) -> str | None:
        try:
            return self._call("info", self.key(*parts))["ETag"]
        except FileNotFoundError:
            return None

    def write(self, data: bytes, *parts: str, **condition) -> None:
        self._call("pipe_file", self.key(*parts), data, **condition)

    def upload(self, file: Path, *parts: str) -> None:
        self._call("put_file", str(file), self.key(*parts))

    def download(self, key: str, file: Path) -> None:
        self._call("get_file", self.key(key), str(file))

    def remove(self, *parts: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._call("rm", self.key(*parts), recursive=True)

    def _call(self, method: str, *args, **kwargs):
        """s3fs's method; any failure to reach the bucket is an OSError (s3fs raises
        botocore's own exceptions for some, such as a refused connection)."""
        try:
            return getattr(self.fs, method)(*args, **kwargs)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - botocore's, aiohttp's: out of reach
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    def pointer(self) -> dict | None:
        data = self.read(POINTER)
        return None if data is None else json.loads(data)

    def history(self) -> list[str]:
        data = self.read(RELEASES, HISTORY)
        return json.loads(data)["history"] if data is not None else []

    def write_history(self, history: list[str]) -> None:
        self.write(_json({"history": history}), RELEASES, HISTORY)

    def switch(self, extract_id: str, record_bytes: bytes, etag: str | None) -> None:
        """Point LIVE.json at the release, if it is still as it was when `etag` was read."""
        pointer = _json({"extract_id": extract_id, "release": f"{RELEASES}/{extract_id}",
                         "record_sha256": hashlib.sha256(record_bytes).hexdigest()})
        try:
            self.write(pointer, POINTER, **({"IfMatch": etag} if etag else {"mode": "create"}))
        except OSError as exc:
            if not _precondition_failed(exc):
                raise
            raise PublishError(f"{self.url}/{POINTER} was changed by another publish or "
                               "rollback meanwhile, so this one changed nothing live: publish "
                               "one at a time, then try again") from None


@contextlib.contextmanager
def _reaching(url: str):
    """A bucket out of reach (or refusing our credentials) is a refusal, not a traceback."""
    try:
        yield
    except PublishError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: a pointer or history not JSON
        why = str(exc) or type(exc).__name__
        raise PublishError(f"{url}: object storage could not be read or written ({why})") \
            from None


def _json(content: dict) -> bytes:
    return (json.dumps(content, indent=2) + "\n").encode()


def _precondition_failed(exc: OSError) -> bool:
    response = getattr(exc.__cause__, "response", None) or {}
    return isinstance(exc, FileExistsError) or \
        response.get("Error", {}).get("Code") in ("PreconditionFailed", "412")


def publish(src: Path, url: str, reference_dir: Path, keep: int = 3,
            now: dt.datetime | None = None) -> str:
    """hub.publish.publish for a live path in object storage."""
    with _reaching(url):
        return _publish(src, url, reference_dir, keep, now)


def _publish(src: Path, url: str, reference_dir: Path, keep: int,
             now: dt.datetime | None) -> str:
    store = Store(url)
    etag = store.etag(POINTER)  # what the pointer must still be when switching it
    with tempfile.TemporaryDirectory(prefix="hub-publish-") as scratch:
        staging = Path(scratch) / "extract"
        report, extract_id, files = staged(Path(src), staging, reference_dir)
        record_bytes = store.read(RELEASES, extract_id, RECORD)
        if record_bytes is not None:
            refuse_other_content(extract_id, files, json.loads(record_bytes)["files"])
            done = f"extract {extract_id} was already published with this content"
        else:  # the files, then the record: a release without its record is not published
            for name in files:
                store.upload(staging / name, RELEASES, extract_id, name)
            record_bytes = _json(record(extract_id, files, now))
            try:
                store.write(record_bytes, RELEASES, extract_id, RECORD, mode="create")
            except FileExistsError:
                raise PublishError(f"extract {extract_id} was published by another publish "
                                   "meanwhile: publish one at a time") from None
            done = f"published extract {extract_id}"
    store.switch(extract_id, record_bytes, etag)
    history = [i for i in store.history() if i != extract_id] + [extract_id]
    kept, dropped = split_kept(history, keep)
    store.write_history(kept)
    for old in dropped:
        store.remove(RELEASES, old)
    return published_text(done, url, dropped, report)


def rollback(url: str) -> str:
    """hub.publish.rollback for a live path in object storage."""
    with _reaching(url):
        return _rollback(url)


def _rollback(url: str) -> str:
    store = Store(url)
    etag = store.etag(POINTER)
    live = store.pointer()
    history, previous = rolled_back(store.history(), live and live.get("extract_id"))
    record_bytes = store.read(RELEASES, previous, RECORD)
    if record_bytes is None:
        raise PublishError(f"{url}/{RELEASES}/{previous}: the release is missing from the "
                           "bucket, so it cannot be rolled back to")
    store.switch(previous, record_bytes, etag)
    store.write_history(history[:-1])
    return rolled_back_text(history, previous, url)


@dataclass(frozen=True)
class Pointer:
    """The look at a live path in object storage: the pointer's bytes (None: no pointer), or
    why the bucket could not be read."""
    data: bytes | None
    error: str | None = None


class ObjectSource:
    """hub.live's source for s3://bucket/prefix: releases downloaded into `cache_dir` by
    checksum (a temporary folder of this process when None)."""

    def __init__(self, url: str, cache_dir: Path | None):
        self.path = url.rstrip("/")
        self.cache = Path(cache_dir) if cache_dir else Path(tempfile.mkdtemp(prefix="hub-"))
        self.downloads = 0  # files downloaded so far (a restart on an unchanged release: 0)
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.path)
        return self._store

    def look(self) -> Pointer:
        try:
            return Pointer(self.store.read(POINTER))
        except OSError as exc:  # out of reach: the last good is served, looked at again soon
            return Pointer(None, str(exc) or type(exc).__name__)

    def resolve(self, seen: Pointer) -> tuple[Path, Look]:
        if seen.error is not None:
            raise Transient(f"{self.path}: the bucket cannot be read ({seen.error}); it will be "
                            "looked at again in a few seconds")
        if seen.data is None:
            raise ExtractError(f"{self.path}/{POINTER} is missing: no release is live there "
                               "yet (python -m hub publish SRC puts one there)")
        extract_id, release, record_bytes = self._record(seen.data)
        try:
            files = json.loads(record_bytes)["files"]
            names = {name: (entry["sha256"], entry["bytes"]) for name, entry in files.items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ExtractError(f"{self.path}/{release}/{RECORD} is unreadable, so the release "
                               "cannot be checked; publish the extract again") from None
        bad = sorted(name for name, (digest, _) in names.items()
                     if not SAFE_ID.fullmatch(name) or not _SHA256.fullmatch(str(digest)))
        if bad:
            raise ExtractError(f"{self.path}/{release}/{RECORD} names files or checksums that "
                               f"cannot be: {', '.join(bad)}; publish the extract again")
        try:
            differ = [name for name, (digest, size) in sorted(names.items())
                      if not self._fetch(f"{release}/{name}", digest, size)]
            folder = None if differ else self._assemble(f"{extract_id}-{content_id(files)}",
                                                        names, record_bytes)
            if folder is not None:
                self._prune(folder)
        except OSError as exc:  # the cache cannot be written (full, say), or the bucket read
            raise Transient(f"{self.path}/{release}: the release cannot be copied into "
                            f"{self.cache} ({exc}); it will be tried again in a few "
                            "seconds") from None
        if folder is None:
            raise ExtractError(
                f"{self.path}/{release}: {', '.join(differ)} changed in object storage since "
                "the release was published (its SHA-256 or size differs from release.json), "
                "so the release is not served. Publish the extract again, under a new "
                "extract_id if its content changed.")
        return folder, look(folder)

    def _record(self, pointer: bytes) -> tuple[str, str, bytes]:
        """(extract_id, release, the bytes of its release.json), checked against the pointer."""
        try:
            named = json.loads(pointer)
            extract_id, release, digest = (named["extract_id"], named["release"],
                                           named["record_sha256"])
        except (ValueError, KeyError, TypeError):
            raise ExtractError(f"{self.path}/{POINTER} is unreadable; publish again") from None
        if not (isinstance(extract_id, str) and SAFE_ID.fullmatch(extract_id)
                and release == f"{RELEASES}/{extract_id}"):
            raise ExtractError(f"{self.path}/{POINTER} names no release ({release!r})")
        try:
            record_bytes = self.store.read(release, RECORD)
        except OSError as exc:
            raise Transient(f"{self.path}/{release}/{RECORD} cannot be read ({exc})") from None
        if record_bytes is None or hashlib.sha256(record_bytes).hexdigest() != digest:
            raise ExtractError(
                f"{self.path}/{release}/{RECORD} is missing or changed since the release was "
                "published (its SHA-256 differs from LIVE.json's), so the release is not "
                "served. Publish the extract again.")
        return extract_id, release, record_bytes

    def _object(self, digest: str) -> Path:
        """Where a file is kept in the cache, named by its SHA-256 (without hard links on the
        cache's file system, release folders hold copies and objects are not kept)."""
        return self.cache / "objects" / digest

    def _fetch(self, key: str, digest: str, size: int) -> bool:
        """The object `digest` in the cache, downloaded from `key` unless it is there already;
        False when what the bucket holds differs from the record."""
        target = self._object(digest)
        if target.is_file() and sha256(target) == digest:
            return True
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{digest}.{os.getpid()}.{threading.get_ident()}")
        try:
            self.store.download(key, temporary)
            self.downloads += 1
            if temporary.stat().st_size != size or sha256(temporary) != digest:
                return False
            os.replace(temporary, target)
            return True
        except FileNotFoundError:
            return False
        finally:
            temporary.unlink(missing_ok=True)

    def _assemble(self, name: str, files: dict[str, tuple[str, int]],
                  record_bytes: bytes) -> Path:
        """HUB_CACHE_DIR/releases/<name>: the release's files, linked to their objects."""
        folder = self.cache / RELEASES / name
        if self._complete(folder, files, record_bytes):
            os.utime(folder)  # used last: kept by _prune
            return folder
        building = folder.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        for file, (digest, _) in files.items():
            try:
                os.link(self._object(digest), building / file)
            except OSError:  # a file system without hard links
                shutil.copyfile(self._object(digest), building / file)
        (building / RECORD).write_bytes(record_bytes)
        shutil.rmtree(folder, ignore_errors=True)
        try:
            os.rename(building, folder)
        except OSError:  # another process assembled it meanwhile
            shutil.rmtree(building, ignore_errors=True)
        return folder

    def _prune(self, current: Path) -> None:
        """Keep the releases used last (CACHED of them, the current one among them) and the
        objects they hold; a database already opened has its tables in memory."""
        folders = sorted((p for p in current.parent.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in folders[CACHED:]:
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
        for unused in (self.cache / "objects").iterdir():  # linked from no release folder
            if not unused.name.startswith(".") and unused.stat().st_nlink == 1:
                unused.unlink(missing_ok=True)

    def _complete(self, folder: Path, files: dict[str, tuple[str, int]],
                  record_bytes: bytes) -> bool:
        try:
            return ({p.name for p in folder.iterdir()} == {*files, RECORD}
                    and (folder / RECORD).read_bytes() == record_bytes
                    and all(os.path.samefile(folder / file, self._object(digest))
                            for file, (digest, _) in files.items()))
        except OSError:
            return False


def source(live: Path | str, cache_dir: Path | None) -> ObjectSource | None:
    """The LiveExtract source for a live path in object storage; None for one on disk."""
    return ObjectSource(live, cache_dir) if is_object_url(live) else None


def local_folder(live: Path | str, cache_dir: Path | None) -> Path:
    """A folder holding the live release (downloaded for object storage): for commands that
    open the extract once (hub/reports.py)."""
    follow = source(live, cache_dir)
    return Path(live) if follow is None else follow.resolve(follow.look())[0]
