"""Publishing an extract (hub/publish.py): validated, copied, switched in one step, kept for
rollback; refused extracts change nothing; readers always see a whole extract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hub import publish
from hub.database import open_database
from hub.settings import ROOT
from tests.builders import build_extract, referral

REFERENCE = ROOT / "data" / "reference"


def extract(folder: Path, extract_id: str, referrals: int) -> Path:
    return build_extract(folder, extract_id=extract_id,
                         referrals=[referral() for _ in range(referrals)])


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hub", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def served(live: Path) -> tuple[str, int]:
    """What a reader opening the live path gets (validated, so any mix of two extracts would
    be refused): its extract id and the referrals loaded."""
    db = open_database(live, REFERENCE)
    try:
        return db.info.extract_id, int(db._con.execute("SELECT count(*) FROM referrals")
                                       .fetchone()[0])
    finally:
        db.close()


def test_a_good_extract_goes_live_with_a_record_of_every_file(tmp_path):
    live = tmp_path / "live"
    run = cli("publish", str(extract(tmp_path / "may", "2019-05", 2)), "--live", str(live))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "published extract 2019-05" in run.stdout
    assert live.is_symlink() and os.readlink(live) == "releases/2019-05"
    record = json.loads((tmp_path / "releases" / "2019-05" / publish.RECORD).read_text())
    assert set(record["files"]) == {"manifest.json", *(p.name for p in
                                                       (tmp_path / "may").glob("*.parquet"))}
    assert publish.changed_files(tmp_path / "releases" / "2019-05") == []
    assert served(live) == ("2019-05", 2)


def test_a_bad_extract_is_refused_with_the_report_and_the_live_one_is_untouched(tmp_path):
    live = tmp_path / "live"
    publish.publish(extract(tmp_path / "may", "2019-05", 2), live, REFERENCE)
    bad = build_extract(tmp_path / "june", extract_id="2019-06", referrals=[referral(sex="x")])
    before = sorted(p.name for p in (tmp_path / "releases").iterdir())
    run = cli("publish", str(bad), "--live", str(live))
    assert run.returncode == 1
    assert "REFUSED" in run.stdout and "[code list] referrals.parquet, column sex" in run.stdout
    assert str(bad) in run.stdout  # the report names the folder given, not the staging copy
    assert os.readlink(live) == "releases/2019-05"
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == before


def test_a_second_goes_live_the_first_is_kept_and_rollback_returns_to_it(tmp_path):
    live = tmp_path / "live"
    publish.publish(extract(tmp_path / "may", "2019-05", 2), live, REFERENCE)
    publish.publish(extract(tmp_path / "june", "2019-06", 3), live, REFERENCE)
    assert served(live) == ("2019-06", 3)
    assert (tmp_path / "releases" / "2019-05").is_dir()
    run = cli("rollback", "--live", str(live))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "rolled back from extract 2019-06 to 2019-05" in run.stdout
    assert served(live) == ("2019-05", 2)
    assert cli("rollback", "--live", str(live)).returncode == 1  # nothing before May


def test_only_the_last_few_releases_are_kept(tmp_path):
    live = tmp_path / "live"
    for month in (5, 6, 7):
        publish.publish(extract(tmp_path / f"m{month}", f"2019-0{month}", month), live,
                        REFERENCE, keep=2)
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()
                  if not p.name.startswith(".")) == ["2019-06", "2019-07", publish.HISTORY]
    publish.rollback(live)
    assert served(live) == ("2019-06", 6)


def test_an_extract_id_published_with_other_content_is_refused(tmp_path):
    """60 referrals removed but the extract_id kept: the id would no longer name the data."""
    live = tmp_path / "live"
    publish.publish(extract(tmp_path / "may", "2019-05", 3), live, REFERENCE)
    again = extract(tmp_path / "may-again", "2019-05", 2)
    with pytest.raises(publish.PublishError, match=r"already published with other content "
                                                   r"\(manifest.json, referrals.parquet differ"):
        publish.publish(again, live, REFERENCE)
    assert served(live) == ("2019-05", 3)
    # The same content again is no change: published once, and the link names it.
    assert "already published with this content" in publish.publish(tmp_path / "may", live,
                                                                     REFERENCE)


def test_a_file_changed_on_disk_in_a_release_is_noticed(tmp_path):
    live = tmp_path / "live"
    publish.publish(extract(tmp_path / "may", "2019-05", 3), live, REFERENCE)
    file = tmp_path / "releases" / "2019-05" / "referrals.parquet"
    data = pq.read_table(file)
    pq.write_table(data.slice(0, 1), file)  # truncated under the same manifest
    assert publish.changed_files(tmp_path / "releases" / "2019-05") == ["referrals.parquet"]


def test_a_live_path_that_is_a_real_folder_is_not_replaced(tmp_path):
    live = extract(tmp_path / "live", "copied-by-hand", 1)
    with pytest.raises(publish.PublishError, match="not a link managed by publish"):
        publish.publish(extract(tmp_path / "may", "2019-05", 2), live, REFERENCE)
    assert (live / "manifest.json").is_file() and not live.is_symlink()


def test_a_reader_during_publishing_always_sees_a_whole_extract(tmp_path):
    live = tmp_path / "live"
    may, june = extract(tmp_path / "may", "2019-05", 2), extract(tmp_path / "june", "2019-06", 5)
    publish.publish(may, live, REFERENCE)
    seen, errors, done = [], [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                seen.append(served(live))  # validated, then loaded: any mix would fail
            except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        switches = 0
        while len(seen) < 15 and not errors and switches < 2000:
            publish.publish(june, live, REFERENCE)
            publish.rollback(live)
            switches += 2
    finally:
        done.set()
        thread.join()
    assert not errors, errors[:3]
    assert set(seen) <= {("2019-05", 2), ("2019-06", 5)} and len(seen) >= 15
