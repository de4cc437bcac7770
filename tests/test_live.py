"""The app follows the live path by content (hub/live.py), on real published releases and real
DuckDB databases: changes are noticed cheaply, checked by checksum, refused by name while the
last good extract is served, validation is cached by checksum, and old databases are freed."""

from __future__ import annotations

import functools
import shutil
import threading
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from hub import publish
from hub.database import open_database
from hub.extract import ExtractError, write_manifest
from hub.live import LiveExtract, ValidationCache, look
from hub.settings import ROOT
from tests.builders import COVERAGE_END, COVERAGE_START, build_extract, referral

REFERENCE = ROOT / "data" / "reference"


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def extract(folder: Path, extract_id: str, referrals: int) -> Path:
    return build_extract(folder, extract_id=extract_id,
                         referrals=[referral() for _ in range(referrals)])


def follower(live: Path, cache: Path, clock=None, recheck: float = 3.0,
             reference: Path = REFERENCE) -> LiveExtract:
    opener = functools.partial(_open, reference)
    return LiveExtract(live, reference, opener, cache=ValidationCache(cache),
                       recheck_seconds=recheck, **({"clock": clock} if clock else {}))


def _open(reference, folder, validate):
    return open_database(folder, reference, validate=validate)


def referrals(db) -> int:
    return int(db._con.cursor().execute("SELECT count(*) FROM referrals").fetchone()[0])


def served(live_extract: LiveExtract) -> tuple[str, int, str | None]:
    lent = live_extract.acquire()
    try:
        return lent.db.info.extract_id, referrals(lent.db), lent.refusal
    finally:
        live_extract.release(lent.db)


def test_a_file_changed_in_a_release_is_noticed_after_the_interval_and_refused(tmp_path):
    live, clock = tmp_path / "live", Clock()
    publish.publish(extract(tmp_path / "may", "2019-05", 3), live, REFERENCE)
    app = follower(live, tmp_path / "cache", clock)
    assert served(app) == ("2019-05", 3, None)
    file = tmp_path / "releases" / "2019-05" / "referrals.parquet"
    pq.write_table(pq.read_table(file).slice(0, 1), file)  # truncated under the same manifest
    clock.now = 2.9  # within the interval: not even looked at
    assert served(app) == ("2019-05", 3, None)
    clock.now = 3.0
    extract_id, count, refusal = served(app)
    assert (extract_id, count) == ("2019-05", 3)  # the last good, still whole
    assert "referrals.parquet changed on disk since the release was published" in refusal
    clock.now = 6.0  # refused once, not rehashed at every look
    assert served(app)[2] == refusal


def test_a_file_rewritten_under_the_same_manifest_outside_a_release_is_refused(tmp_path):
    folder, clock = extract(tmp_path / "plain", "plain-1", 3), Clock()
    app = follower(folder, tmp_path / "cache", clock)
    assert served(app) == ("plain-1", 3, None)
    file = folder / "referrals.parquet"
    pq.write_table(pq.read_table(file).slice(0, 2), file)
    clock.now = 3.0
    extract_id, count, refusal = served(app)
    assert (extract_id, count) == ("plain-1", 3)
    assert "referrals.parquet changed on disk (its SHA-256 differs from the manifest's)" in refusal


def test_the_same_extract_id_with_other_content_is_refused(tmp_path):
    folder, clock = extract(tmp_path / "plain", "same-id", 3), Clock()
    app = follower(folder, tmp_path / "cache", clock)
    assert served(app) == ("same-id", 3, None)
    extract(folder, "same-id", 2)  # a whole new extract, manifest and all, under the same id
    clock.now = 3.0
    extract_id, count, refusal = served(app)
    assert (extract_id, count) == ("same-id", 3)
    assert "extract same-id was already served with other content" in refusal


def test_an_unchanged_extract_is_not_validated_again_at_start(tmp_path):
    live, cache = tmp_path / "live", tmp_path / "cache"
    publish.publish(extract(tmp_path / "may", "2019-05", 2), live, REFERENCE)
    first = follower(live, cache)  # the first start: validated, the verdict kept
    assert served(first) == ("2019-05", 2, None)
    assert first.last_opening.from_cache is False
    assert len(list((cache / "validated").glob("*.json"))) == 1
    restart = follower(live, cache)  # a restart on the same extract: only loaded
    assert served(restart) == ("2019-05", 2, None)
    assert restart.last_opening.from_cache is True
    assert restart.last_opening.content_id == first.last_opening.content_id
    # other reference data is another verdict: validated again
    other = tmp_path / "reference"
    shutil.copytree(REFERENCE, other)
    with open(other / "events.csv", "a") as events:
        events.write("2019-05-01,Another event,policy,A made-up event.,true\n")
    changed = follower(live, cache, reference=other)
    served(changed)
    assert changed.last_opening.from_cache is False


def test_a_cached_verdict_does_not_pass_a_changed_file(tmp_path):
    folder, cache, clock = extract(tmp_path / "plain", "plain-1", 3), tmp_path / "cache", Clock()
    served(follower(folder, cache))  # passed, cached
    file = folder / "referrals.parquet"
    pq.write_table(pq.read_table(file).slice(0, 1), file)
    write_manifest(folder, extract_id="plain-2", coverage_start=COVERAGE_START,
                   coverage_end=COVERAGE_END, source="hand-made test extract",
                   produced_at="2020-01-02T08:00:00Z", synthetic=True)
    restart = follower(folder, cache, clock)
    assert served(restart)[:2] == ("plain-2", 1)
    assert restart.last_opening.from_cache is False


def test_a_new_release_is_picked_up_and_the_old_database_closed_once_unused(tmp_path):
    live, clock = tmp_path / "live", Clock()
    publish.publish(extract(tmp_path / "may", "2019-05", 2), live, REFERENCE)
    app = follower(live, tmp_path / "cache", clock)
    running = app.acquire()  # a page run still under way on May
    publish.publish(extract(tmp_path / "june", "2019-06", 5), live, REFERENCE)
    clock.now = 3.0
    assert served(app) == ("2019-06", 5, None)
    assert app.open_databases() == 2  # May is kept while the run uses it
    assert referrals(running.db) == 2  # and its queries still work
    app.release(running.db)
    assert app.open_databases() == 1
    with pytest.raises(duckdb.ConnectionException):
        referrals(running.db)  # closed: nobody serves or uses it any more
    publish.rollback(live)
    clock.now = 6.0
    assert served(app) == ("2019-05", 2, None)
    assert app.open_databases() == 1  # June was not in use: closed at once


def test_a_refused_extract_with_nothing_before_it_raises_the_report(tmp_path):
    folder = build_extract(tmp_path / "bad", extract_id="bad", referrals=[referral(sex="x")])
    with pytest.raises(ExtractError, match="column sex"):
        follower(folder, tmp_path / "cache").acquire()
    assert not (tmp_path / "cache" / "validated").exists()  # a refusal is never cached


def test_a_reader_never_sees_half_an_extract(tmp_path):
    live = tmp_path / "live"
    may, june = extract(tmp_path / "may", "2019-05", 2), extract(tmp_path / "june", "2019-06", 5)
    publish.publish(may, live, REFERENCE)
    publish.publish(june, live, REFERENCE)
    app = follower(live, tmp_path / "cache", recheck=0)  # looks at every run
    seen, errors, done = set(), [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                lent = app.acquire()
                try:
                    seen.add((lent.db.info.extract_id, referrals(lent.db), lent.refusal))
                finally:
                    app.release(lent.db)
            except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(repr(exc))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(15):
            publish.rollback(live)
            publish.publish(june, live, REFERENCE)
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert not errors, errors[:3]
    assert seen <= {("2019-05", 2, None), ("2019-06", 5, None)}
    assert {extract_id for extract_id, _, _ in seen} == {"2019-05", "2019-06"}
    assert app.open_databases() == 1


def test_the_look_is_the_folder_and_its_files_sizes_and_times(tmp_path):
    folder = extract(tmp_path / "x", "x", 1)
    before = look(folder)
    assert before == look(folder) and before.folder == str(folder.resolve())
    (folder / "referrals.parquet").write_bytes(b"")
    assert look(folder) != before
    assert look(tmp_path / "nothing").files is None


def test_the_same_extract_id_with_other_content_is_refused_after_a_restart_too(tmp_path):
    folder, cache = extract(tmp_path / "plain", "same-id", 3), tmp_path / "cache"
    assert served(follower(folder, cache)) == ("same-id", 3, None)
    shutil.copytree(folder, tmp_path / "as-served")
    shutil.rmtree(folder)
    extract(folder, "same-id", 2)  # changed while the server was down, the id kept
    with pytest.raises(ExtractError, match="extract same-id was already served with other "
                                           "content"):
        follower(folder, cache).acquire()
    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "as-served", folder)  # the content the id named: served again
    assert served(follower(folder, cache)) == ("same-id", 3, None)
