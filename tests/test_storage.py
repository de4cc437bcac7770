"""Extracts in S3-compatible object storage (hub/storage.py), against a real S3 server that the
tests start (moto in server mode, on 127.0.0.1): publish, check, roll back, follow the pointer
from the app with a local cache by checksum, and a page served from it."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import s3fs
from moto.server import ThreadedMotoServer

from hub import publish, storage
from hub.database import open_database
from hub.extract import ExtractError
from hub.live import LiveExtract, ValidationCache
from hub.settings import ROOT, Settings
from tests.builders import build_extract, referral, shown
from tests.test_app import metrics, run
from tests.test_live import _open
from tests.test_publish import cli, extract

REFERENCE = ROOT / "data" / "reference"
_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 server on a free port of 127.0.0.1, and the standard variables that point
    s3fs (and the commands the tests run) at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as env:
        for name, value in {"AWS_ENDPOINT_URL": f"http://{host}:{port}",
                            "AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test",
                            "AWS_DEFAULT_REGION": "us-east-1"}.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
            env.delenv(name, raising=False)
        yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server) -> str:
    """A new bucket for the test; the live path is a prefix in it."""
    name = f"hub-test-{next(_buckets)}"
    s3().mkdir(name)
    return f"s3://{name}/cse-hub"


def s3() -> s3fs.S3FileSystem:
    return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)


def read(url: str) -> bytes:
    return s3().cat_file(url.removeprefix("s3://"))


def listing(url: str) -> list[str]:
    root = url.removeprefix("s3://")
    return sorted(p.removeprefix(root + "/") for p in s3().find(root))


def follower(url: str, cache: Path, recheck: float = 3.0) -> LiveExtract:
    opener = functools.partial(_open, REFERENCE)
    return LiveExtract(url, REFERENCE, opener, cache=ValidationCache(cache),
                       recheck_seconds=recheck, source=storage.source(url, cache))


def served(app: LiveExtract) -> tuple[str, int, str | None]:
    """What a page run gets: the extract id, its referrals counted in DuckDB, the refusal."""
    lent = app.acquire()
    try:
        count = lent.db._con.cursor().execute("SELECT count(*) FROM referrals").fetchone()[0]
        return lent.db.info.extract_id, int(count), lent.refusal
    finally:
        app.release(lent.db)


def test_a_published_extract_is_named_by_the_pointer_and_served_from_the_cache(bucket,
                                                                              tmp_path):
    may = extract(tmp_path / "may", "2019-05", 3)
    done = cli("publish", str(may), "--live", bucket)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"published extract 2019-05; {bucket} now names it" in done.stdout
    record = read(f"{bucket}/releases/2019-05/release.json")
    assert json.loads(read(f"{bucket}/LIVE.json")) == {
        "extract_id": "2019-05", "release": "releases/2019-05",
        "record_sha256": hashlib.sha256(record).hexdigest()}
    files = json.loads(record)["files"]
    assert set(files) == {p.name for p in may.iterdir()}
    assert all(read(f"{bucket}/releases/2019-05/{name}") == (may / name).read_bytes()
               for name in files)
    assert json.loads(read(f"{bucket}/releases/published.json")) == {"history": ["2019-05"]}
    app = follower(bucket, tmp_path / "cache")
    assert served(app) == ("2019-05", 3, None)  # 3 referrals made by hand
    assert app.source.downloads == len(files)
    assert {p.name for p in (tmp_path / "cache" / "objects").iterdir()} == {
        entry["sha256"] for entry in files.values()}


def test_a_bad_extract_is_refused_by_the_command_and_the_pointer_is_untouched(bucket,
                                                                             tmp_path):
    publish.publish(extract(tmp_path / "may", "2019-05", 2), bucket, REFERENCE)
    pointer, before = read(f"{bucket}/LIVE.json"), listing(bucket)
    bad = build_extract(tmp_path / "june", extract_id="2019-06", referrals=[referral(sex="x")])
    refused = cli("publish", str(bad), "--live", bucket)
    assert refused.returncode == 1
    assert "REFUSED" in refused.stdout
    assert "[code list] referrals.parquet, column sex" in refused.stdout
    assert str(bad) in refused.stdout
    assert read(f"{bucket}/LIVE.json") == pointer
    assert listing(bucket) == before


def test_a_second_goes_live_the_first_is_kept_and_rollback_points_back(bucket, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("HUB_DATA_DIR", bucket)  # the commands' default live path
    assert cli("publish", str(extract(tmp_path / "may", "2019-05", 2))).returncode == 0
    assert cli("publish", str(extract(tmp_path / "june", "2019-06", 5))).returncode == 0
    app = follower(bucket, tmp_path / "cache", recheck=0)
    assert served(app) == ("2019-06", 5, None)
    assert "releases/2019-05/release.json" in listing(bucket)
    back = cli("rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert f"rolled back from extract 2019-06 to 2019-05; {bucket} now names it" in back.stdout
    assert json.loads(read(f"{bucket}/LIVE.json"))["release"] == "releases/2019-05"
    assert served(app) == ("2019-05", 2, None)
    again = cli("rollback")
    assert again.returncode == 1 and "no earlier release" in again.stdout


def test_only_the_last_few_releases_are_kept_in_the_bucket(bucket, tmp_path):
    for month in (5, 6, 7):
        publish.publish(extract(tmp_path / f"m{month}", f"2019-0{month}", month), bucket,
                        REFERENCE, keep=2)
    assert sorted({p.split("/")[1] for p in listing(bucket) if p.startswith("releases/")}) \
        == ["2019-06", "2019-07", "published.json"]
    publish.rollback(bucket)
    assert served(follower(bucket, tmp_path / "cache")) == ("2019-06", 6, None)


def test_an_extract_id_published_with_other_content_is_refused(bucket, tmp_path):
    publish.publish(extract(tmp_path / "may", "2019-05", 3), bucket, REFERENCE)
    pointer = read(f"{bucket}/LIVE.json")
    with pytest.raises(publish.PublishError, match=r"already published with other content "
                                                   r"\(manifest.json, referrals.parquet differ"):
        publish.publish(extract(tmp_path / "may-again", "2019-05", 2), bucket, REFERENCE)
    assert read(f"{bucket}/LIVE.json") == pointer
    assert served(follower(bucket, tmp_path / "cache")) == ("2019-05", 3, None)
    assert "already published with this content" in publish.publish(tmp_path / "may", bucket,
                                                                     REFERENCE)


def test_a_pointer_changed_by_another_publisher_meanwhile_is_not_overwritten(bucket, tmp_path):
    publish.publish(extract(tmp_path / "may", "2019-05", 2), bucket, REFERENCE)
    store = storage.Store(bucket)
    read_before = store.etag(storage.POINTER)  # a publisher read the pointer here...
    publish.publish(extract(tmp_path / "june", "2019-06", 4), bucket, REFERENCE)  # another
    record = store.read("releases", "2019-05", "release.json")
    with pytest.raises(publish.PublishError, match="changed by another publish or rollback"):
        store.switch("2019-05", record, read_before)  # ...and switches it only now
    assert json.loads(read(f"{bucket}/LIVE.json"))["extract_id"] == "2019-06"


def truncate(url: str) -> None:
    """Rewrite a Parquet object in the bucket with its first row only."""
    table = pq.read_table(io.BytesIO(read(url)))
    out = io.BytesIO()
    pq.write_table(table.slice(0, 1), out)
    s3().pipe_file(url.removeprefix("s3://"), out.getvalue())


def test_a_file_changed_in_the_bucket_is_refused_by_name_and_the_last_good_kept(bucket,
                                                                               tmp_path):
    publish.publish(extract(tmp_path / "may", "2019-05", 3), bucket, REFERENCE)
    app = follower(bucket, tmp_path / "cache", recheck=0)
    assert served(app) == ("2019-05", 3, None)
    publish.publish(extract(tmp_path / "june", "2019-06", 4), bucket, REFERENCE)
    truncate(f"{bucket}/releases/2019-06/referrals.parquet")  # under the published record
    extract_id, count, refusal = served(app)
    assert (extract_id, count) == ("2019-05", 3)
    assert (f"{bucket}/releases/2019-06: referrals.parquet changed in object storage since "
            "the release was published") in refusal
    with pytest.raises(ExtractError, match="referrals.parquet changed in object storage"):
        follower(bucket, tmp_path / "fresh-cache").acquire()  # nothing good before: refused
    # a record rewritten to match the changed file is caught by the pointer's checksum
    record = json.loads(read(f"{bucket}/releases/2019-06/release.json"))
    record["files"]["referrals.parquet"] = {"sha256": "0" * 64, "bytes": 1}
    s3().pipe_file(f"{bucket}/releases/2019-06/release.json".removeprefix("s3://"),
                   json.dumps(record).encode())
    with pytest.raises(ExtractError, match="release.json is missing or changed since the "
                                           "release was published"):
        follower(bucket, tmp_path / "third-cache").acquire()
    assert served(app)[:2] == ("2019-05", 3)  # the running app keeps its last good


def test_a_restart_on_an_unchanged_release_downloads_nothing(bucket, tmp_path):
    publish.publish(extract(tmp_path / "may", "2019-05", 2), bucket, REFERENCE)
    cache = tmp_path / "cache"
    first = follower(bucket, cache)
    assert served(first) == ("2019-05", 2, None)
    files = json.loads(read(f"{bucket}/releases/2019-05/release.json"))["files"]
    assert first.source.downloads == len(files) and first.last_opening.from_cache is False
    objects = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
               for p in (cache / "objects").iterdir()}
    restart = follower(bucket, cache)
    assert served(restart) == ("2019-05", 2, None)
    assert restart.source.downloads == 0
    assert restart.last_opening.from_cache is True  # and not validated again
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (cache / "objects").iterdir()} == objects
    # a damaged object in the cache is downloaded again, not served
    damaged = cache / "objects" / next(iter(objects))
    damaged.chmod(0o644)
    damaged.write_bytes(b"damaged")
    third = follower(bucket, cache)
    assert served(third) == ("2019-05", 2, None) and third.source.downloads == 1


def test_a_reader_following_the_pointer_during_publishing_gets_one_whole_release(bucket,
                                                                                 tmp_path):
    """New releases are uploaded while a reader follows the pointer at every run: each one it
    opens has one extract's figures (validated on the first opening, so any mix would fail)."""
    referrals = {f"2019-{month:02d}": month for month in range(1, 7)}
    folders = {i: extract(tmp_path / i, i, n) for i, n in referrals.items()}
    publish.publish(folders["2019-01"], bucket, REFERENCE, keep=10)
    app = follower(bucket, tmp_path / "cache", recheck=0)
    seen, errors, done = set(), [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                seen.add(served(app))
            except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for extract_id in list(referrals)[1:]:
            publish.publish(folders[extract_id], bucket, REFERENCE, keep=10)
            publish.rollback(bucket)
            publish.publish(folders[extract_id], bucket, REFERENCE, keep=10)
    finally:
        done.set()
        thread.join()
    assert not errors, errors[:3]
    assert seen <= {(i, n, None) for i, n in referrals.items()}
    assert len(seen) >= 3  # it did follow the publishing


def test_a_page_is_served_from_object_storage(bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_RECHECK_SECONDS", "0")
    monkeypatch.setenv("HUB_CACHE_DIR", str(tmp_path / "cache"))
    april = [f"q1-{n}" for n in range(12)]
    publish.publish(build_extract(tmp_path / "may", extract_id="2019-05", referrals=[
        referral(referral_id=i, referral_date=dt.date(2019, 4, 2)) for i in april]), bucket,
        REFERENCE)
    at = run(monkeypatch, bucket, "board", **{"from": "2019-04", "to": "2019-06"})
    assert not at.error
    assert metrics(at)["Referrals"] == str(shown(april))  # protected, worked out by hand
    assert any(path.is_dir() for path in (tmp_path / "cache" / "releases").iterdir())


def test_the_live_path_stays_a_url_and_commands_get_a_local_copy(bucket, tmp_path):
    assert Settings.from_env({"HUB_DATA_DIR": f"{bucket}/"}, tmp_path / "none").data_dir \
        == bucket  # not Path's s3:/...
    publish.publish(extract(tmp_path / "may", "2019-05", 2), bucket, REFERENCE)
    folder = storage.local_folder(bucket, tmp_path / "cache")  # what hub/reports.py opens
    db = open_database(folder, REFERENCE)
    try:
        assert (db.info.extract_id, folder.parent) == ("2019-05", tmp_path / "cache" / "releases")
    finally:
        db.close()
    assert storage.local_folder(tmp_path / "may", None) == tmp_path / "may"


def test_a_bucket_out_of_reach_keeps_the_last_good_and_is_looked_at_again(bucket, tmp_path,
                                                                         monkeypatch):
    """A second server on the same (in-process) data: the app reads through it, then it stops
    and starts again on its port."""
    other = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    other.start()
    host, port = other.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    publish.publish(extract(tmp_path / "may", "2019-05", 2), bucket, REFERENCE)
    app = follower(bucket, tmp_path / "cache", recheck=0)
    assert served(app) == ("2019-05", 2, None)
    other.stop()
    extract_id, count, refusal = served(app)
    assert (extract_id, count) == ("2019-05", 2)
    assert f"{bucket}: the bucket cannot be read" in refusal
    again = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    again.start()
    try:
        assert served(app) == ("2019-05", 2, None)
    finally:
        again.stop()


def test_the_cache_keeps_the_releases_used_last_and_their_files_only(bucket, tmp_path):
    cache = tmp_path / "cache"
    app = follower(bucket, cache, recheck=0)
    for month in range(1, 6):
        publish.publish(extract(tmp_path / f"m{month}", f"2019-0{month}", month), bucket,
                        REFERENCE, keep=10)
        assert served(app) == (f"2019-0{month}", month, None)
    kept = sorted(p.name[:len("2019-05")] for p in (cache / "releases").iterdir())
    assert kept == ["2019-03", "2019-04", "2019-05"]  # the last storage.CACHED used
    used = {entry["sha256"] for month in (3, 4, 5) for entry in json.loads(
        read(f"{bucket}/releases/2019-0{month}/release.json"))["files"].values()}
    assert {p.name for p in (cache / "objects").iterdir()} == used
