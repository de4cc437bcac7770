"""Settings, each from an environment variable with a documented default (see README)."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Record keys (docs/disclosure.md rule 2) of synthetic extracts: published, so not a secret. A
# real extract is refused for protected audiences until HUB_PERTURBATION_SECRET is set.
DEMO_SECRET = "cse-hub-demo-key-published-not-secret"
# The download log's key (hub/audit.py) when HUB_AUDIT_SECRET is unset: published, so the log
# then shows accidents but not deliberate edits (demo and synthetic data only).
DEMO_AUDIT_SECRET = "cse-hub-audit-demo-key-published-not-secret"

# name -> (environment variable, default, meaning); the README documents every one (tested).
SETTINGS = {
    "data_dir": ("HUB_DATA_DIR", str(ROOT / "data" / "demo"), "extract folder to open, a link "
                 "managed by `python -m hub publish`, or s3://bucket/prefix: releases in "
                 "S3-compatible object storage (docs/deployment.md)"),
    "reference_dir": ("HUB_REFERENCE_DIR", str(ROOT / "data" / "reference"),
                      "localities.csv and events.csv"),
    "demo": ("HUB_DEMO", "", "1: demo mode, nobody signs in and only an extract marked "
             "synthetic is shown (`make run` sets it); unset, people sign in with the provider "
             "of .streamlit/secrets.toml, and with no provider nothing is shown"),
    "audience": ("HUB_AUDIENCE", "board", "in demo mode only, who is looking: board, hub_lead "
                 "or csp:<code>"),
    "role_map": ("HUB_ROLE_MAP", "", "TOML or JSON file mapping values of the role claim to "
                 "audiences (see .streamlit/roles.example.toml); unset, nobody has a role"),
    "role_claim": ("HUB_ROLE_CLAIM", "groups", "the ID token's claim that holds a person's "
                   "groups or roles"),
    "session_max_minutes": ("HUB_SESSION_MAX_MINUTES", "480", "a sign-in lasts at most this "
                            "long, however active"),
    "idle_minutes": ("HUB_IDLE_MINUTES", "30", "a sign-in not used for this long has ended"),
    "session_dir": ("HUB_SESSION_DIR", str(ROOT / "data" / "sessions"),
                    "server-side record of sign-ins (last seen, signed out); shared by replicas"),
    "audit_dir": ("HUB_AUDIT_DIR", str(ROOT / "data" / "audit"), "where downloads are logged"),
    "audit_secret": ("HUB_AUDIT_SECRET", "", "key of the download log's keyed hashes (also "
                     "read from .streamlit/secrets.toml); unset, a published demo key: the log "
                     "then shows accidents, not tampering (demo and synthetic data only)"),
    "releases_kept": ("HUB_RELEASES_KEPT", "3", "releases `python -m hub publish` keeps beside "
                      "the live path (HUB_DATA_DIR), for rollback"),
    "recheck_seconds": ("HUB_RECHECK_SECONDS", "3", "the app looks at most this often whether "
                        "the live extract changed (the link, file sizes and times; checksums "
                        "only when they changed)"),
    "cache_dir": ("HUB_CACHE_DIR", str(ROOT / "data" / "cache"), "verdicts of extracts that "
                  "passed validation, by checksum, so an unchanged extract is not validated "
                  "again at start, and the files of releases read from object storage; "
                  "writable by the service account only; empty: no cache"),
    "runs_at_once": ("HUB_RUNS_AT_ONCE", "1", "page runs one server process works on at once; "
                     "more wait their turn, first come first served (docs/deployment.md "
                     "section 5)"),
    "suppression_threshold": ("HUB_SUPPRESSION_THRESHOLD", "5",
                              "counts from 1 to this are shown as [c]"),
    "repeat_threshold": ("HUB_REPEAT_THRESHOLD", "3",
                         "episodes in the window that make a repeat-missing trigger"),
    "repeat_window_days": ("HUB_REPEAT_WINDOW_DAYS", "90", "days in the repeat-missing window"),
    "rhi_lookback_days": ("HUB_RHI_LOOKBACK_DAYS", "90",
                          "days back from the extract's end in which returns still owed a "
                          "return home interview are listed for the hub lead"),
    "meetings_from": ("HUB_MEETINGS_FROM", "",
                      "date (YYYY-MM-DD) from which repeat-missing triggers await a strategy "
                      "meeting; unset, the 'Strategy meetings for repeat missing' event"),
    "perturbation_secret": ("HUB_PERTURBATION_SECRET", "",
                            "secret key of the record keys (docs/disclosure.md rule 2), also "
                            "read from .streamlit/secrets.toml; unset, the published demo key, "
                            "which protected audiences only get for synthetic extracts"),
}
# Object storage (HUB_DATA_DIR=s3://...) is reached with the standard variables that botocore
# reads: AWS_ENDPOINT_URL (an S3-compatible server), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_DEFAULT_REGION (docs/deployment.md).
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"  # never committed


def is_object_url(location) -> bool:
    """True for a live path in object storage, s3://bucket/prefix."""
    return isinstance(location, str) and location.startswith("s3://")


def location(text: str) -> Path | str:
    """A live path as given: a folder, or an s3:// URL kept as text (Path would make
    s3://b/p s3:/b/p)."""
    text = str(text)
    return text.rstrip("/") if is_object_url(text) else Path(text)


@dataclass(frozen=True)
class Settings:
    data_dir: Path | str  # str: s3://bucket/prefix
    reference_dir: Path
    audience: str
    audit_dir: Path
    suppression_threshold: int
    repeat_threshold: int
    repeat_window_days: int
    perturbation_secret: str = ""  # "" = not set: the demo key, for synthetic extracts only
    meetings_from: dt.date | None = None  # None: from the reference events
    rhi_lookback_days: int = 90
    demo: bool = False  # HUB_DEMO=1
    role_map: Path | None = None  # None: no role map, nobody has a role
    role_claim: str = "groups"
    session_max_minutes: int = 480
    idle_minutes: int = 30
    session_dir: Path = ROOT / "data" / "sessions"
    audit_secret: str = ""  # "" = not set: the published demo key (hub/audit.py)
    releases_kept: int = 3
    recheck_seconds: float = 3.0
    cache_dir: Path | None = ROOT / "data" / "cache"  # None: validation is not cached
    runs_at_once: int = 1

    @classmethod
    def from_env(cls, env=None, secrets_file: Path = SECRETS_FILE) -> Settings:
        """From the environment; a setting missing there is taken from secrets_file (TOML, the
        same variable names) if it exists, so the dashboard and the command line agree."""
        env = os.environ if env is None else env
        stored = {}
        if secrets_file.is_file():
            with secrets_file.open("rb") as file:
                stored = tomllib.load(file)
        raw = {name: env.get(var, str(stored.get(var, default)))
               for name, (var, default, _) in SETTINGS.items()}
        return cls(location(raw["data_dir"]), Path(raw["reference_dir"]), raw["audience"],
                   Path(raw["audit_dir"]), int(raw["suppression_threshold"]),
                   int(raw["repeat_threshold"]), int(raw["repeat_window_days"]),
                   raw["perturbation_secret"],
                   dt.date.fromisoformat(raw["meetings_from"]) if raw["meetings_from"] else None,
                   int(raw["rhi_lookback_days"]), raw["demo"].strip() == "1",
                   Path(raw["role_map"]) if raw["role_map"] else None, raw["role_claim"],
                   int(raw["session_max_minutes"]), int(raw["idle_minutes"]),
                   Path(raw["session_dir"]), audit_secret=raw["audit_secret"],
                   releases_kept=int(raw["releases_kept"]),
                   recheck_seconds=float(raw["recheck_seconds"]),
                   cache_dir=Path(raw["cache_dir"]) if raw["cache_dir"].strip() else None,
                   runs_at_once=max(int(raw["runs_at_once"]), 1))

    @property
    def record_key_secret(self) -> str:
        return self.perturbation_secret or DEMO_SECRET

    @property
    def audit_key(self) -> str:
        return self.audit_secret or DEMO_AUDIT_SECRET
