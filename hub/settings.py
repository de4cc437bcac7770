"""Settings, each from an environment variable with a documented default (see README)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (environment variable, default, meaning); the README documents every one (tested).
SETTINGS = {
    "data_dir": ("HUB_DATA_DIR", str(ROOT / "data" / "demo"), "extract folder to open"),
    "reference_dir": ("HUB_REFERENCE_DIR", str(ROOT / "data" / "reference"),
                      "localities.csv and events.csv"),
    "audience": ("HUB_AUDIENCE", "board", "who is looking: board, hub_lead or csp:<code>"),
    "audit_dir": ("HUB_AUDIT_DIR", str(ROOT / "data" / "audit"), "where downloads are logged"),
    "suppression_threshold": ("HUB_SUPPRESSION_THRESHOLD", "5",
                              "counts from 1 to this are shown as [c]"),
    "repeat_threshold": ("HUB_REPEAT_THRESHOLD", "3",
                         "episodes in the window that make a repeat-missing trigger"),
    "repeat_window_days": ("HUB_REPEAT_WINDOW_DAYS", "90", "days in the repeat-missing window"),
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    reference_dir: Path
    audience: str
    audit_dir: Path
    suppression_threshold: int
    repeat_threshold: int
    repeat_window_days: int

    @classmethod
    def from_env(cls, env=None) -> Settings:
        env = os.environ if env is None else env
        raw = {name: env.get(var, default) for name, (var, default, _) in SETTINGS.items()}
        return cls(Path(raw["data_dir"]), Path(raw["reference_dir"]), raw["audience"],
                   Path(raw["audit_dir"]), int(raw["suppression_threshold"]),
                   int(raw["repeat_threshold"]), int(raw["repeat_window_days"]))
