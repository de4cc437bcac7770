"""The download log (disclosure.md rule 6): who downloaded which slice, in what form, and when.

One JSON object per line in <audit_dir>/downloads.jsonl, appended and never rewritten, so that
concurrent downloads cannot overwrite each other's lines and the file reads as it was written.
The folder is a setting (HUB_AUDIT_DIR, default data/audit, git-ignored). Writing never raises:
a problem comes back as a message for the page, which then refuses the download. Messages for
people name the folder in words (WHERE), never by its path on the server.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import pandas as pd

from hub.audience import Audience

LOG_FILE = "downloads.jsonl"
COLUMNS = ("at", "audience", "audience_name", "slice", "format", "rows", "extract_id",
           "file_name")
WHERE = "the hub's audit folder"  # what people are told, never the server's path
log = logging.getLogger(__name__)


def audience_code(audience: Audience) -> str:
    return audience.kind + (f":{audience.locality}" if audience.locality else "")


def record(audit_dir: Path, audience: Audience, slice_desc: str, fmt: str, rows: int,
           extract_id: str, *, file_name: str = "", now: dt.datetime | None = None,
           by: str = "") -> str | None:
    """Append one download to the log. None when written, else a message saying why not.
    `by` names who made a file outside the dashboard (the command line's OS user) beside the
    audience, in `audience_name`."""
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    entry = {"at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "audience": audience_code(audience),
             "audience_name": str(audience) + (f" ({by})" if by else ""), "slice": slice_desc,
             "format": fmt, "rows": int(rows), "extract_id": extract_id, "file_name": file_name}
    try:
        folder = Path(audit_dir)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOG_FILE, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")  # one write per line
    except OSError as exc:
        log.error("download log not written to %s: %s", audit_dir, exc)
        return f"the download log in {WHERE} cannot be written ({exc.strerror or exc})"
    return None


def problem(audit_dir: Path) -> str | None:
    """Why downloads could not be logged (None if they can), without creating anything: the
    log file, or else the nearest folder on its path that exists, must be writable."""
    log_file = Path(audit_dir) / LOG_FILE
    if log_file.exists():
        ok = log_file.is_file() and os.access(log_file, os.W_OK)
    else:
        folder = Path(audit_dir)
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
        ok = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    return None if ok else f"the download log in {WHERE} cannot be written"


def read_log(audit_dir: Path) -> pd.DataFrame:
    """Every logged download, newest first; an unreadable line is skipped (and logged)."""
    file = Path(audit_dir) / LOG_FILE
    entries = []
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except ValueError:
            log.warning("%s line %d is not JSON; skipped", file, number)
    frame = pd.DataFrame(entries, columns=list(COLUMNS))
    return frame.iloc[::-1].reset_index(drop=True)  # appended in time order
