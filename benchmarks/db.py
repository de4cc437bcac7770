"""DuckDB side of a filter change at national scale: print figures, assert nothing.

    python -m benchmarks.db [--data data/bench/scale100] [--runs 5] [--cache DIR]
    python -m benchmarks.db --compare /work/main   # the same, before (that checkout) and after

For each page, the raw time of its query functions (hub.queries, the DuckDB part of a page)
for new filter sets (board county view, one district, hub lead), median of `runs` (each run
a filter set not seen before: another district or period); then the time to open the extract
(cold: no cache; warm: a restart on the unchanged extract) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


def measure(data: Path, runs: int, cache: Path | None) -> dict:
    import inspect

    from hub import queries
    from hub.database import open_database

    kwargs = {}
    if cache is not None and "cache_dir" in inspect.signature(open_database).parameters:
        kwargs["cache_dir"] = cache
    out = {"open": {}, "pages": {}}
    for label in ("cold", "warm"):
        start = time.perf_counter()
        db = open_database(data, validate=False, **kwargs)
        out["open"][label] = time.perf_counter() - start
        if label == "cold":
            db.close()
    for view in ("board county", "one district", "hub lead"):
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/work/main/data/bench/scale100"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None,
                        help="a checkout of the code before, run in a subprocess with its cwd")
    parser.add_argument("--json", action="store_true", help="print one JSON line (for --compare)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    try:
        cache = args.cache or tmp
        if args.json:
            print(json.dumps(measure(args.data, args.runs, cache)))
            return
        columns = {}
        if args.compare:
            before = subprocess.run(
                [sys.executable, "-c", _SUBPROCESS, str(args.data), str(args.runs), str(tmp / "b")],
                cwd=args.compare, capture_output=True, text=True, check=True)
            columns["before"] = json.loads(before.stdout.strip().splitlines()[-1])
        after = subprocess.run(
            [sys.executable, "-m", "benchmarks.db", "--json", "--data", str(args.data),
             "--runs", str(args.runs), "--cache", str(tmp / "a")],
            cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=True)
        columns["after"] = json.loads(after.stdout.strip().splitlines()[-1])
        names = list(columns)
        print(f"extract {args.data}, median of {args.runs} new filter sets; raw DuckDB time of "
              "each page's query functions (s)")
        print(f"{'view | page':<40}" + "".join(f"{n:>10}" for n in names))
        for key in columns[names[-1]]["pages"]:
            print(f"{key.replace('|', ' | '):<40}"
                  + "".join(f"{columns[n]['pages'].get(key, float('nan')):>10.3f}" for n in names))
        for label in ("cold", "warm"):
            print(f"{'open ' + label + ' (s)':<40}"
                  + "".join(f"{columns[n]['open'][label]:>10.2f}" for n in names))
        print(f"{'peak RSS (MB)':<40}" + "".join(f"{columns[n]['rss_mb']:>10.0f}" for n in names))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# run in the checkout before, which may not have this file
_SUBPROCESS = (
    "import sys, json, pathlib; sys.path.insert(0, '.');"
    "exec(open(%r).read().split('def main')[0]);"
    "print(json.dumps(measure(pathlib.Path(sys.argv[1]), int(sys.argv[2]), None)))"
    % str(Path(__file__).resolve()))

if __name__ == "__main__":
    main()
