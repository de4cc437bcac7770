"""Command line: `python -m hub validate DIR`, `python -m hub demo DIR [--seed N] [--scale K]`,
`python -m hub slides|report --audience A [--locality CODE] [--period P] [--exact] --out F`,
`python -m hub audit verify`, `python -m hub publish SRC` and `python -m hub rollback`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub.settings import location


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

    release = commands.add_parser("publish", help="validate an extract and make it the live "
                                  "one (HUB_DATA_DIR, a link managed by publish, or "
                                  "s3://bucket/prefix)")
    release.add_argument("folder", type=Path)
    back = commands.add_parser("rollback", help="make the release before the live one live")
    for command in (release, back):
        command.add_argument("--live", type=location, default=None,
                             help="the live path, a folder or s3://bucket/prefix (default: "
                                  "HUB_DATA_DIR)")

    audit = commands.add_parser("audit", help="the download log")
    audit.add_argument("action", choices=["verify"],
                       help="verify: check every chain (exit 0 intact, 1 naming the first "
                            "entry edited, deleted, reordered or cut)")
    audit.add_argument("--dir", type=Path, default=None,
                       help="the audit folder (default: HUB_AUDIT_DIR)")

    for kind, what in (("slides", "a locality slide pack (PowerPoint)"),
                       ("report", "the six-month update (PDF, board protection unless --exact)")):
        from hub.reports import add_arguments

        add_arguments(commands.add_parser(kind, help=f"write {what}, logged as a download"))

    args = parser.parse_args(argv)
    if args.command in ("slides", "report"):
        from hub.reports import command

        return command(args)
    if args.command in ("publish", "rollback"):
        from hub import publish
        from hub.settings import Settings

        config = Settings.from_env()
        live = args.live or config.data_dir
        try:
            if args.command == "publish":
                print(publish.publish(args.folder, live, config.reference_dir,
                                      keep=config.releases_kept))
            else:
                print(publish.rollback(live))
        except publish.PublishError as exc:
            print(f"REFUSED: {exc}" if args.command == "rollback" else str(exc))
            return 1
        return 0
    if args.command == "audit":
        from hub import audit as download_log
        from hub.settings import Settings

        config = Settings.from_env()
        result = download_log.verify(args.dir or config.audit_dir, config.audit_key)
        print(result.text())
        return 0 if result.ok else 1
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
