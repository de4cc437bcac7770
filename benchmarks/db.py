"""DuckDB side of a filter change at national scale: print figures, assert nothing.

    python -m benchmarks.db [--data /work/main/data/bench/scale100] [--runs 5]
    python -m benchmarks.db --compare ../main   # the same for another checkout (before), too

For each page, the raw time of its query functions (hub.queries, the DuckDB part of a page)
for new filter sets (board county view, one district, hub lead), median of `runs` (each run
a filter set not seen before: another district or period); then the time to open the extract
(a first start with an empty cache folder; a restart on the unchanged extract) and each
process's peak RSS. The code before may not have open_database(cache_dir=...): it loads the
extract into memory at each start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGES = {
    "overview": ["headline_figures", "referrals_by_month", "missing_by_month"],
    "referrals": ["referral_breakdown", "male_share_by_quarter", "referrals_by_source_and_type",
                  "referrals_by_month", "cce_referrals_by_month", "locality_comparison"],
    "missing": ["headline_figures", "missing_by_month", "episodes_by_month", "episode_breakdown",
                "missing_once_by_quarter", "missing_shares_by_month", "repeat_missing_by_month",
                "return_interviews_by_month", "locality_comparison"],
    "missing (hub lead)": ["children_awaiting_meeting", "return_interviews_owed"],
    "lionheart": ["lionheart_cohort_breakdown", "lionheart_households", "lionheart_reviews"],
    "prevention_pursuit": ["prevention_breakdown", "prevention_by_programme_and_funder",
                           "prevention_by_quarter", "prevention_settings_by_quarter",
                           "pursue_by_quarter", "pursue_totals"],
}


def filter_sets(view: str, runs: int):
    from hub.contract import LOCALITIES
    from hub.filters import Filters

    codes = list(LOCALITIES)
    for i in range(runs):
        # a new financial half-year (board, district) or month (hub lead) each run
        if view == "hub lead":
            month = dt.date(2019, 9 - i, 1)
            yield Filters(month, month, locality=(codes[i % len(codes)],), sex=("female",))
        else:
            year, half = divmod(2 * 2019 + 1 - i, 2)
            start = dt.date(year, 4 if half == 0 else 10, 1)
            end = dt.date(year if half == 0 else year + 1, 9 if half == 0 else 3,
                          30 if half == 0 else 31)
            locality = () if view == "board county" else (codes[i % len(codes)],)
            yield Filters(start, end.replace(day=1), locality=locality)


def measure(data: Path, runs: int, cache: Path | None, pages: bool = True) -> dict:
    """Open the extract (with `cache` if this code has open_database(cache_dir=...)) and, if
    pages, time each page's query functions; with the open time and this process's peak RSS."""
    import inspect

    from hub import queries
    from hub.database import open_database

    kwargs = {}
    if cache is not None and "cache_dir" in inspect.signature(open_database).parameters:
        kwargs["cache_dir"] = cache
    start = time.perf_counter()
    db = open_database(data, validate=False, **kwargs)
    out = {"open": time.perf_counter() - start, "pages": {}}
    for view in ("board county", "one district", "hub lead") if pages else ():
        for page, names in PAGES.items():
            if page == "missing (hub lead)" and view != "hub lead":
                continue
            spent = []
            for filters in filter_sets(view, runs):
                start = time.perf_counter()
                for name in names:
                    getattr(queries, name)(db, filters)
                spent.append(time.perf_counter() - start)
            out["pages"][f"{view}|{page}"] = statistics.median(spent)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db.close()
    return out


def _run(code: Path, *args: str) -> dict:
    """measure(*args) in a new process with `code` (a checkout) as its working directory."""
    done = subprocess.run([sys.executable, "-c", _SUBPROCESS, *args], cwd=code,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/work/main/data/bench/scale100"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", type=Path, default=None,
                        help="a checkout of the code before, run the same way")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    try:
        data, runs = str(args.data), str(args.runs)
        columns = {}
        # Each in a process of its own (peak RSS is the process's): a first start with an
        # empty cache folder (cold), then a restart that times the pages (warm).
        for name, code in (("before", args.compare), ("after", here)):
            if code is None:
                continue
            cache = str(tmp / name)
            cold = _run(code, data, runs, cache, "")
            warm = _run(code, data, runs, cache, "pages")
            columns[name] = {**warm, "cold": cold["open"], "cold_rss": cold["rss_mb"]}
        names = list(columns)
        print(f"extract {args.data}, load average {os.getloadavg()[0]:.1f}; raw DuckDB time "
              f"of each page's query functions (s), median of {args.runs} new filter sets")
        print(f"{'view | page':<40}" + "".join(f"{n:>10}" for n in names))
        for key in columns[names[-1]]["pages"]:
            print(f"{key.replace('|', ' | '):<40}"
                  + "".join(f"{columns[n]['pages'].get(key, float('nan')):>10.3f}" for n in names))
        for label, field, digits in (("open, first start (s)", "cold", 2),
                                     ("open, restart on the same extract (s)", "open", 2),
                                     ("peak RSS, first start (MB)", "cold_rss", 0),
                                     ("peak RSS, restart and pages (MB)", "rss_mb", 0)):
            print(f"{label:<40}" + "".join(f"{columns[n][field]:>10.{digits}f}" for n in names))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# run in the checkout before, which may not have this file
_SUBPROCESS = (
    "import sys, json, pathlib; sys.path.insert(0, '.');"
    "exec(open(%r).read().split('def _run')[0]);"
    "print(json.dumps(measure(pathlib.Path(sys.argv[1]), int(sys.argv[2]),"
    " pathlib.Path(sys.argv[3]), bool(sys.argv[4]))))" % str(Path(__file__).resolve()))

if __name__ == "__main__":
    main()
