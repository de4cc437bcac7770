"""Command line: `python -m hub validate DIR` and `python -m hub demo DIR [--seed N] [--scale K]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("validate", help="check an extract against contract v1")
    check.add_argument("folder", type=Path)
    check.add_argument("--reference", type=Path, default=None,
                       help="reference data folder (default: HUB_REFERENCE_DIR)")

    demo = commands.add_parser("demo", help="write the synthetic demo extract")
    demo.add_argument("folder", type=Path)
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the demo's)")
    demo.add_argument("--scale", type=int, default=1,
                      help="1 (default): the county, the dashboard's demo; K > 1: a stress "
                           "size of 4K county-sized areas (100: national size, about 2.2 million "
                           "missing episodes)")

    args = parser.parse_args(argv)
    if args.command == "validate":
        from hub.validate import validate_extract

        from hub.settings import Settings

        report = validate_extract(args.folder,
                                  args.reference or Settings.from_env().reference_dir)
        print(report.text())
        return 0 if report.ok else 1
    from hub.demo import DEFAULT_SEED, write_demo

    summary = write_demo(args.folder, seed=DEFAULT_SEED if args.seed is None else args.seed,
                         scale=args.scale)
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
