"""Benchmark: the time to build a slide pack and a six-month update. Prints medians, asserts
nothing. `python -m benchmarks.reports [--runs N]`

In one process (as the Reports page builds them, the chart browser already running) and as a
whole command line run (`python -m hub slides|report`, a fresh process: Python, the extract and
Chromium start every time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hub import reports
from hub.audience import Audience
from hub.database import open_database
from hub.filters import Filters
from hub.settings import ROOT, Settings

AUDIENCES = ("board", "csp:E07000133", "hub_lead")


def _median(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports")
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args(argv).runs
    settings = Settings.from_env()
    db = open_database(settings.data_dir, settings.reference_dir)
    print(f"Slide packs and reports, median of {runs} runs, extract {settings.data_dir}")
    reports.chart_png(reports.build_pack(db, Audience("board"), Filters.default(
        db.info.coverage_end, protected=True, coverage_start=db.info.coverage_start), 5,
        "slides").sections[0].figure)  # starts the chart browser once, as a page's first file
    print(f"{'audience':<16}{'kind':<8}{'figures (s)':>12}{'file (s)':>10}")
    for code in AUDIENCES:
        audience = Audience.parse(code)
        filters = Filters.default(db.info.coverage_end, protected=audience.protected,
                                  coverage_start=db.info.coverage_start)
        for kind in reports.KINDS:
            def build():
                return reports.build_pack(db, audience, filters, 5, kind,
                                          exact=not audience.protected)
            pack = build()
            print(f"{code:<16}{kind:<8}{_median(build, runs):>12.2f}"
                  f"{_median(lambda: reports.render(pack), runs):>10.2f}")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "HUB_AUDIT_DIR": folder}
        for kind, ext in (("slides", "pptx"), ("report", "pdf")):
            command = [sys.executable, "-m", "hub", kind, "--audience", "csp:E07000133",
                       "--out", str(Path(folder) / f"out.{ext}")]
            seconds = _median(lambda: subprocess.run(command, check=True, cwd=ROOT, env=env,
                                                     capture_output=True), runs)
            print(f"command line: {' '.join(['python', *command[1:3], *command[3:6]])} "
                  f"--out F.{ext}: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
