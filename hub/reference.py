"""Reference data shipped with the project and editable by the hub (data/reference/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hub.settings import ROOT

DEFAULT_DIR = ROOT / "data" / "reference"
# The event (events.csv label) from which strategy meetings were held for repeat missing: the
# hub lead's list of children awaiting a meeting starts there (HUB_MEETINGS_FROM overrides it).
MEETINGS_BEGAN = "Strategy meetings for repeat missing"
# The columns of each reference file and the kinds of event (contract.md "Reference data");
# hub/validate.py checks the files against them before anything reads them.
LOCALITY_COLUMNS = ("code", "name", "partnership", "population_0_17")
EVENT_COLUMNS = ("date", "label", "kind", "description", "illustrative")
EVENT_KINDS = ("recording_change", "campaign", "operation", "policy")
TRUE_FALSE = ("true", "false")  # illustrative, in any case (a spreadsheet writes TRUE)


@dataclass(frozen=True)
class Reference:
    localities: pd.DataFrame  # code, name, partnership, population_0_17
    # date, label, kind, description, illustrative; number: 1, 2, ... in date order, the
    # number every chart marks the event with
    events: pd.DataFrame

    def locality_name(self, code: str) -> str:
        names = dict(zip(self.localities["code"], self.localities["name"]))
        return names.get(code, code)

    def meetings_began(self) -> dt.date | None:
        """When strategy meetings for repeat missing began (MEETINGS_BEGAN), if recorded."""
        dates = self.events.loc[self.events["label"] == MEETINGS_BEGAN, "date"]
        return dates.min().date() if len(dates) else None


def load_reference(folder: Path | None = None) -> Reference:
    folder = Path(folder or DEFAULT_DIR)
    localities = pd.read_csv(folder / "localities.csv", dtype={"population_0_17": "int64"})
    events = pd.read_csv(folder / "events.csv", parse_dates=["date"],
                         dtype={"illustrative": str})
    # Read as text: "no" or "0" must not become True (hub/validate.py refuses them first).
    events["illustrative"] = events["illustrative"].astype(str).str.lower().eq("true")
    events = events.sort_values("date", ignore_index=True)
    events["number"] = range(1, len(events) + 1)
    return Reference(localities, events)
