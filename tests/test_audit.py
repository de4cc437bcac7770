"""The download log (hub/audit.py): nothing lost by concurrent writers or a failed write, and
every edit, deletion, reordering or cut found by `python -m hub audit verify`.

Writers run in real separate processes; the failed write is a real short write by the kernel
(RLIMIT_FSIZE lets a file grow only so far, as a full disk does).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub import audit
from hub.access import Person
from hub.audience import Audience
from hub.settings import DEMO_AUDIT_SECRET, ROOT

SECRET = "held by the hub, not in the code"
LEAD = Audience("hub_lead")
PERSON = Person("sub-lead", "lead@hub.example")

# A writer process: argv = audit_dir, chain ("" for its own), how many, secret, [file size cap]
WRITER = """
import resource, signal, sys
from hub import audit
from hub.access import Person
from hub.audience import Audience
folder, chain, count, secret = sys.argv[1], sys.argv[2] or None, int(sys.argv[3]), sys.argv[4]
if len(sys.argv) > 5:  # the disk is full beyond this size: writes past it are cut short
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[5]), resource.RLIM_INFINITY))
for i in range(count):
    problem = audit.record(folder, Audience("hub_lead"), f"slice {i}", "csv", i, "x1",
                           person=Person("sub", "who@example"), secret=secret, chain=chain)
    print(problem or "logged", flush=True)
"""


def writers(folder: Path, chain: str, count: int, processes: int = 2,
            cap: int | None = None) -> list[str]:
    """Run `processes` writer processes at once; their printed lines."""
    started = [subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder), chain, str(count), SECRET,
         *([str(cap)] if cap else [])], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)]
    outputs = [p.communicate(timeout=120)[0] for p in started]
    assert all(p.returncode == 0 for p in started)
    return [line for out in outputs for line in out.splitlines()]


def log_some(folder: Path, count: int, secret: str = SECRET, chain: str = "a") -> Path:
    for i in range(count):
        assert audit.record(folder, LEAD, f"slice {i}", "csv", i, "x1", person=PERSON,
                            secret=secret, chain=chain) is None
    return audit.chain_file(folder, chain)


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def only_problem(folder: Path, secret: str = SECRET) -> str:
    result = audit.verify(folder, secret)
    assert len(result.problems) == 1, result.text()
    return result.problems[0]


# --- losing nothing ------------------------------------------------------------------------------

def test_two_processes_writing_one_chain_at_once_lose_nothing(tmp_path):
    printed = writers(tmp_path, "shared", 150)
    assert printed == ["logged"] * 300
    entries = [json.loads(line) for line in lines_of(audit.chain_file(tmp_path, "shared"))]
    assert [e["seq"] for e in entries] == list(range(1, 301))  # one whole line each, in turn
    assert sorted(e["rows"] for e in entries) == sorted(list(range(150)) * 2)
    assert audit.verify(tmp_path, SECRET).ok


def test_each_process_has_its_own_chain_and_the_log_merges_them(tmp_path):
    writers(tmp_path, "", 40)
    chains = sorted(tmp_path.glob(audit.CHAIN_GLOB))
    assert len(chains) == 2  # named by host and process
    log = audit.read_log(tmp_path)
    assert len(log) == 80 and sorted(log["rows"]) == sorted(list(range(40)) * 2)
    result = audit.verify(tmp_path, SECRET)
    assert result.ok and result.entries == 80, result.text()


def test_a_write_cut_short_by_a_full_disk_leaves_no_line_that_swallows_the_next(tmp_path):
    file = log_some(tmp_path, 1, chain="full")
    size = file.stat().st_size
    [refused] = writers(tmp_path, "full", 1, processes=1, cap=size + 40)
    assert "cannot be written" in refused  # the person is refused the download
    assert not file.read_bytes().endswith(b"\n")  # 40 bytes of a line, left on disk
    assert audit.record(tmp_path, LEAD, "after the disk was cleared", "csv", 7, "x1",
                        person=PERSON, secret=SECRET, chain="full") is None
    lines = lines_of(file)
    assert len(lines) == 3 and len(lines[1]) == 40  # the partial line stands alone
    assert json.loads(lines[2])["slice"] == "after the disk was cleared"
    assert audit.read_log(tmp_path)["slice"].tolist() == ["after the disk was cleared",
                                                          "slice 0"]
    result = audit.verify(tmp_path, SECRET)
    assert result.ok, result.text()  # the next entry follows the last whole one
    assert "line(s) 2 hold a partial write" in result.text()


# --- tampering is found --------------------------------------------------------------------------

def test_an_intact_log_verifies_and_the_command_exits_0(tmp_path):
    log_some(tmp_path, 3)
    run = subprocess.run([sys.executable, "-m", "hub", "audit", "verify", "--dir",
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         env={"HUB_AUDIT_SECRET": SECRET, "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("OK:") and "3 entries" in run.stdout
    assert "demo key" not in run.stdout


def test_an_edited_entry_is_named_and_the_command_exits_1(tmp_path):
    file = log_some(tmp_path, 4)
    lines = lines_of(file)
    entry = json.loads(lines[1])
    entry["rows"] = 0  # hide how many rows left
    lines[1] = json.dumps(entry)
    write_lines(file, lines)
    assert only_problem(tmp_path) == ("downloads-a.jsonl: entry 2 (line 2) was edited: its "
                                      "keyed hash does not match")
    run = subprocess.run([sys.executable, "-m", "hub", "audit", "verify", "--dir",
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         env={"HUB_AUDIT_SECRET": SECRET, "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1 and "entry 2 (line 2) was edited" in run.stdout


def test_a_deleted_entry_is_named(tmp_path):
    file = log_some(tmp_path, 4)
    lines = lines_of(file)
    write_lines(file, lines[:1] + lines[2:])
    assert only_problem(tmp_path) == ("downloads-a.jsonl: entry 2 was deleted: entry 3 "
                                      "(line 2) follows entry 1")


def test_reordered_entries_are_named(tmp_path):
    file = log_some(tmp_path, 4)
    lines = lines_of(file)
    write_lines(file, [lines[0], lines[2], lines[1], lines[3]])
    assert only_problem(tmp_path) == ("downloads-a.jsonl: entries were reordered: entry 3 "
                                      "(line 2) comes before entry 2")


def test_a_cut_at_the_end_is_found_from_the_head_record(tmp_path):
    file = log_some(tmp_path, 4)
    write_lines(file, lines_of(file)[:2])
    assert only_problem(tmp_path) == ("downloads-a.jsonl: the log was cut at the end: entries "
                                      "3 to 4 are missing (the head record names them)")


def test_a_cut_with_the_head_rewritten_without_the_key_is_found(tmp_path):
    file = log_some(tmp_path, 4)
    write_lines(file, lines_of(file)[:2])
    head = file.with_name("downloads-a.head.json")
    forged = json.loads(head.read_text())
    forged.update(seq=2, hash=json.loads(lines_of(file)[1])["hmac"])
    head.write_text(json.dumps(forged))
    assert only_problem(tmp_path) == "downloads-a.jsonl: its head record downloads-a.head.json " \
                                     "was edited"


def test_a_deleted_log_file_is_found_from_its_head(tmp_path):
    log_some(tmp_path, 2).unlink()
    assert only_problem(tmp_path) == ("downloads-a.head.json: its log file is missing (every "
                                      "entry deleted)")


@pytest.mark.parametrize("key", [DEMO_AUDIT_SECRET, "a guess"])
def test_entries_rewritten_with_the_chain_recomputed_without_the_key_are_found(tmp_path, key):
    """Someone with the files but not the key edits entry 2 and recomputes every hash after
    it, and the head, with a key of their own (the published demo key, or a guess)."""
    file = log_some(tmp_path, 4)
    entries = [json.loads(line) for line in lines_of(file)]
    entries[1]["email"] = "someone-else@example"
    for previous, entry in zip(entries[:-1], entries[1:]):
        entry["prev"] = previous["hmac"]
        entry["key"] = audit.key_id(key)
        entry["hmac"] = audit._mac(key, entry)
    write_lines(file, [json.dumps(e) for e in entries])
    audit._write_head(file.with_name("downloads-a.head.json"), "a", 4, entries[-1]["hmac"], key)
    assert only_problem(tmp_path).startswith("downloads-a.jsonl: entry 2 (line 2) was edited: "
                                             "its keyed hash does not match, and it names key")


def test_without_a_secret_the_demo_key_is_used_and_said_to_be_for_demo_data(tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("HUB_AUDIT_SECRET", raising=False)
    assert audit.record(tmp_path, LEAD, "slice", "csv", 1, "x1", person=PERSON,
                        chain="a") is None
    [entry] = [json.loads(line) for line in lines_of(audit.chain_file(tmp_path, "a"))]
    assert entry["key"] == "demo"
    result = audit.verify(tmp_path, DEMO_AUDIT_SECRET)
    assert result.ok and result.demo_key
    assert "Demo and synthetic data only" in result.text()
