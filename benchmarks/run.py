"""Benchmarks: print figures, assert nothing. `make bench`, or one part at a time:

    python -m benchmarks.run pages              # server-side time of a filter change, per page
    python -m benchmarks.run burst              # 10 sessions changing filters at once
    python -m benchmarks.run validate --scale 100   # validate a national-size extract
    python -m benchmarks.run start --scale 100      # first page load after a (re)start

Figures are medians of several runs, with a baseline run in the same process to compare with.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote_plus, urlencode

from hub.contract import LOCALITIES
from hub.settings import ROOT

BENCH_DIR = ROOT / "data" / "bench"  # git-ignored: generated extracts for benchmarks
PAGES = ["overview", "referrals", "missing", "lionheart", "prevention_pursuit", "local_slices"]
FIGURE_TABS = {"Chart", "Table"}  # each figure block's own tabs, not a page's sections


def _session(page: str):
    """A new session (AppTest, server side) showing `page` (with its address bar's parameters);
    (the session, seconds its first load took)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    name, _, query = page.partition("?")
    start = time.perf_counter()
    at.run()
    if name != "overview":
        at.switch_page(str(ROOT / "app_pages" / f"{name}.py")).run()
    if query:  # the page's own address (its section: the overview has sections too)
        for key, value in parse_qsl(query):
            at.query_params[key] = value
        at.run()
    return at, time.perf_counter() - start


def _change_filters(at, n: int) -> None:
    """Set the n-th filter set (a locality and a period): a new n is a set not seen before."""
    codes = list(LOCALITIES)
    at.multiselect(key="locality").set_value([codes[n % 7]])
    if os.environ["HUB_AUDIENCE"] == "hub_lead":  # the hub lead picks a first month
        box = at.selectbox(key="from")
        box.set_value(box.options[-6 - n // 7])
    else:  # protected audiences pick reporting periods
        box = at.selectbox(key="period")
        box.set_value(box.options[1 + (n // 7) % (len(box.options) - 1)])


def _audience() -> str:
    os.environ.setdefault("HUB_DEMO", "1")  # the audience from HUB_AUDIENCE, no sign-in
    os.environ.setdefault("HUB_AUDIENCE", "board")
    return (f"extract {os.environ.get('HUB_DATA_DIR', 'data/demo')}, audience "
            f"{os.environ['HUB_AUDIENCE']}, load average {os.getloadavg()[0]:.1f}")


def pages(runs: int) -> None:
    """A filter change re-runs the page with a new filter set (nothing cached for it yet).
    Beside it, in the same run: the time spent in the page's raw DuckDB queries
    (`Database.query`, the SQL and its DataFrame), and the ratio of the two, to show where
    the rest goes (protection, charts, Streamlit). Baseline: a rerun with the same filters
    (everything cached). First load: a new session opening the page (the extract already
    open in the process). Peak RSS: the process's, having served every page."""
    print(f"Filter change, server side (AppTest), median of {runs} runs, {_audience()}")
    print(f"{'page: section':<28}{'filter change (s)':>18}{'DuckDB (s)':>12}{'ratio':>7}"
          f"{'queries':>9}{'cached rerun (s)':>18}{'first load (s)':>16}")
    with timed_queries() as spent:
        for number, page in enumerate(_every_section()):
            at, first = _session(page)
            changes, duckdb, counts, reruns = [], [], [], []
            for i in range(runs):
                # A new combination each time, on every page, so that no figure of the change
                # was built before (pages share queries: the overview's trends are on others).
                _change_filters(at, number * runs + i)
                spent.clear()
                start = time.perf_counter()
                at.run()
                changes.append(time.perf_counter() - start)
                duckdb.append(sum(spent))
                counts.append(len(spent))
                start = time.perf_counter()
                at.run()
                reruns.append(time.perf_counter() - start)
            change, rerun = statistics.median(changes), statistics.median(reruns)
            raw = statistics.median(duckdb)
            page = unquote_plus(page.replace("?section=", ": ").replace("?print=1", ": print"))
            print(f"{page[:27]:<28}{change:>18.3f}{raw:>12.3f}{change / raw if raw else 0:>7.1f}"
                  f"{statistics.median(counts):>9.0f}{rerun:>18.3f}{first:>16.3f}")
    print(f"peak RSS of the process: {_peak_rss_mb():,.0f} MB")


def _every_section() -> list[str]:
    """Every page, and for a page shown by section each of its sections (?section=, a
    filter change builds the open one only) and its print view (?print=1, every section)."""
    addresses = []
    for page in PAGES:
        at, _ = _session(page)
        sections = [t.label for t in at.tabs if t.label not in FIGURE_TABS]
        addresses += ([f"{page}?{urlencode({'section': label})}" for label in sections]
                      + [f"{page}?print=1"] if sections else [page])
    return addresses


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# One server process of a burst (benchmarks.run burst): opens its sessions on the overview,
# says "ready", waits for "go", then makes every session change its filters at once, each in
# its own thread (as the server runs each session's script run), and prints each one's wait.
BURST_PROBE = """
import sys, threading, time
from benchmarks.run import _audience, _change_filters, _session
_audience()
first, count = int(sys.argv[1]), int(sys.argv[2])
sessions = [_session("overview")[0] for _ in range(count)]
for n, at in enumerate(sessions):
    _change_filters(at, first + n)
print("ready", flush=True)
sys.stdin.readline()
waits = [None] * count
def change(n):
    start = time.perf_counter()
    sessions[n].run()
    waits[n] = time.perf_counter() - start
threads = [threading.Thread(target=change, args=(n,)) for n in range(count)]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join(f"{w:.4f}" for w in waits), flush=True)
"""


def burst(sessions: int, processes: tuple[int, ...]) -> None:
    """`sessions` sessions change their filters at the same moment (each to a new filter set,
    on the overview, the page with most queries), served by 1 or more server processes (the
    sessions shared out between them): the median and longest wait, against one session's
    filter change alone in the same run."""
    print(f"Burst of {sessions} simultaneous filter changes (overview), {_audience()}")

    def run(count: int, over: int) -> list[float]:
        shares = [count // over + (i < count % over) for i in range(over)]
        firsts = [100 + sum(shares[:i]) for i in range(over)]  # every session its own set
        procs = [subprocess.Popen([sys.executable, "-c", BURST_PROBE, str(first), str(share)],
                                  cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, env=os.environ)
                 for first, share in zip(firsts, shares)]
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        waits = [float(w) for proc in procs for w in proc.stdout.readline().split()]
        for proc in procs:
            proc.wait()
        return waits

    alone = statistics.median(run(1, 1)[0] for _ in range(3))
    print(f"{'one session alone':<34}{alone:>10.3f} s")
    for over in processes:
        waits = run(sessions, over)
        print(f"{f'{sessions} sessions, {over} process(es)':<34}"
              f"{statistics.median(waits):>10.3f} s median, {max(waits):.3f} s longest, "
              f"{statistics.median(waits) / alone:.1f} times alone")


@contextmanager
def timed_queries():
    """The seconds of each `Database.query` call (every named query's SQL, run and read into
    a DataFrame) while inside, in a list the caller may clear. Script runs are in AppTest's
    thread of this process, so one list sees them."""
    from hub.database import Database

    spent: list[float] = []
    query = Database.query

    def timed(self, name, **params):
        start = time.perf_counter()
        try:
            return query(self, name, **params)
        finally:
            spent.append(time.perf_counter() - start)

    Database.query = timed
    try:
        yield spent
    finally:
        Database.query = query


def validate(scale: int, folder: Path) -> None:
    """Generate (once per seed and scale) and validate a national-size extract; time and peak
    memory of each."""
    py = sys.executable
    from hub.demo import DEFAULT_SEED, manifest_source

    manifest = folder / "manifest.json"
    source = json.loads(manifest.read_text()).get("source") if manifest.exists() else None
    if source != manifest_source(DEFAULT_SEED, scale):
        if folder.exists() and any(folder.iterdir()) and not folder.resolve().is_relative_to(
                BENCH_DIR.resolve()):
            sys.exit(f"{folder} holds something else: give an empty folder, or one under "
                     f"{BENCH_DIR}, which the benchmark may overwrite")
        shutil.rmtree(folder, ignore_errors=True)
        generate = ("import resource, sys, time; from hub.demo import write_demo; "
                    "t = time.perf_counter(); write_demo(sys.argv[1], scale=int(sys.argv[2])); "
                    "print(time.perf_counter() - t, "
                    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
        out = subprocess.run([py, "-c", generate, str(folder), str(scale)], check=True, cwd=ROOT,
                             stdout=subprocess.PIPE, text=True).stdout.split()
        print(f"generate --scale {scale}: {float(out[0]):.1f} s, peak RSS {float(out[1]):,.0f} MB")
    # Each validation in a fresh process, so that its peak memory is its own.
    probe = ("import resource, sys, time; from hub.validate import validate_extract; "
             "t = time.perf_counter(); ok = validate_extract(sys.argv[1]).ok; "
             "print(time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, ok)")
    for label, target in [("demo extract (baseline)", ROOT / "data" / "demo"),
                          (f"--scale {scale} extract", folder)]:
        seconds, peaks = [], []
        for _ in range(3):
            out = subprocess.run([py, "-c", probe, str(target)], check=True, cwd=ROOT,
                                 capture_output=True, text=True).stdout.split()
            seconds.append(float(out[0]))
            peaks.append(float(out[1]))
            assert out[2] == "True", f"{target} did not validate"
        print(f"validate {label}: median {statistics.median(seconds):.2f} s of 3, "
              f"peak RSS {max(peaks):,.0f} MB")
    rows = subprocess.run([py, "-c", "import json,sys; m=json.load(open(sys.argv[1]));"
                           "print({k: v['rows'] for k, v in m['files'].items()})",
                           str(folder / "manifest.json")], capture_output=True, text=True)
    print(f"rows: {rows.stdout.strip()}")


# One start of the server, as a first visitor sees it: a fresh process runs the overview page
# (AppTest, server side) and prints how long that took.
START_PROBE = """
import os, sys, time
from streamlit.testing.v1 import AppTest
t = time.perf_counter()
at = AppTest.from_file(os.path.join(sys.argv[1], 'dashboard.py'), default_timeout=600).run()
print(time.perf_counter() - t, bool(at.metric), bool(at.exception or at.error))
"""


def start(scale: int, folder: Path, runs: int, root: Path) -> None:
    """Time the first page load of a fresh process on a national-size extract, with the
    validation not cached (every start validates) and cached (a restart on an unchanged
    extract only hashes and loads it). `root`: the code to run (another checkout, to compare
    with the code before the cache)."""
    if not (folder / "manifest.json").exists():
        validate(scale, folder)  # generates it (once), then validates it
    root, cache = Path(root).resolve(), BENCH_DIR / "start-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "HUB_DEMO": "1", "HUB_AUDIENCE": "board",
           "HUB_DATA_DIR": str(folder.resolve())}

    def once(cache_dir: str) -> float:
        out = subprocess.run([sys.executable, "-c", START_PROBE, str(root)], check=True,
                             cwd=root, capture_output=True, text=True,
                             env={**env, "HUB_CACHE_DIR": cache_dir}).stdout.split()
        assert out[1:] == ["True", "False"], f"the page did not show figures: {out}"
        return float(out[0])

    print(f"First page load of a fresh process (AppTest, overview, board), extract {folder}, "
          f"code {root}, median of {runs}")
    cold = [once("") for _ in range(runs)]
    print(f"{'validation not cached (every start)':<45}{statistics.median(cold):>8.2f} s")
    once(str(cache))  # the first start on this extract: validates and keeps the verdict
    warm = [once(str(cache)) for _ in range(runs)]
    print(f"{'validation cached (restart, same extract)':<45}{statistics.median(warm):>8.2f} s")
    shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["pages", "burst", "validate", "start", "all"],
                        nargs="?",
                        default="all")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--root", type=Path, default=ROOT, help="code to time (start)")
    args = parser.parse_args()
    if args.what in ("pages", "all"):
        pages(args.runs)
    if args.what in ("burst", "all"):
        burst(10, (1, 2))
    if args.what in ("validate", "all"):
        validate(args.scale, args.folder or BENCH_DIR / f"scale{args.scale}")
    if args.what in ("start", "all"):
        start(args.scale, args.folder or BENCH_DIR / f"scale{args.scale}", min(args.runs, 3),
              args.root)


if __name__ == "__main__":
    main()
