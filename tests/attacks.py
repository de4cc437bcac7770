"""An adversary's attack on the protected figures of the demo extract (docs/disclosure.md v2).

What it attacks: figures that the board and the partnerships cannot read exactly (cell key
perturbation adds -3..+3, and 1 to 5 after it is shown as [c]) whose true value, the hub
lead's, is 1 to 5: referrals, missing episodes, children, repeat-missing triggers, return
interviews, prevention sessions, Lionheart cohort members and pursue outcomes, for a district
or the county, a reporting period, and a category of a breakdown within at most one filter
value, or the cells of views that cross two characteristics themselves (CCE referrals by sex,
children of the out-of-area cohort, sessions by programme and funder). Such a cell can
identify a child.

How: the attacker sees only what the product gives a protected audience - the board's
`hub.outputs.protected` and `hub.outputs.headline`, a partnership's slice files
(`build_slice`, hub.slices) - and builds only views the rules allow: reporting periods, one
locality or the county, at most one value of sex, age band or exploitation type, trends at
every step the audience may choose (quarter, half-year, financial year). For every
target cell it lists each route the rules leave, a signed sum of shown figures that equals
the cell when the figures are exact:
  direct       the cell itself (a shown 0, 6, 7 or 8 and even a [c] say something);
  periods      nested reporting periods: year - other quarters, half - other quarter, ...;
  complements  the total minus the other categories of a breakdown, inside the filter value;
  filters      the unfiltered cell minus the cells of the filter's other values;
  localities   the county minus the other districts (the districts summed, for the county);
  unions       a view's union of categories minus its other members: joint CSE & CCE
               referrals of a sex as CCE referrals of that sex minus its cce referrals;
  crossings    a cell of two crossed breakdowns from the other side: a funder's sessions minus
               the other programmes' sessions with that funder (its own side: complements);
  rates        the routes over counts read back from rates per 10,000 (times the population)
               and from shares (times their denominator, where only one count fits);
  files        the routes over a partnership's files (own rows, county rows, several periods);
  participants prevention sessions from their participant sums, which are not perturbed.
It combines the estimates of a cell by the commonest, median and mean estimate, and by the
likelihood of the figures read (the cell's own [c] too) under the published ptable, with or
without a prior; the best rule is the attack's result. The guesses are scored against the hub
lead's figures of the same views; no figure is written here.

Why: subtracting two views is the classic attack on protected tables (version 1 lost several
hundred small counts to it). Cell key perturbation should leave every route noisy, so that
even all of them together gain little: disclosure.md puts the pass line at the blind-guess
rate plus 10 points. Run on the hub lead's exact figures, the same routes recover the cells,
which shows that the routes are right and that a pass is not the attack failing.

`python -m tests.attacks` prints a report; tests/test_attacks.py asserts the pass lines.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hub import outputs, queries
from hub.audience import Audience
from hub.contract import LOCALITIES, label
from hub.database import Database, open_database
from hub.extract import read_manifest, write_manifest, write_table
from hub.filters import CHOICES, GRAIN_MONTHS, Filters, add_months, grain_choices, \
    months_between, reporting_periods
from hub.ptable import default_ptable
from hub.settings import ROOT

from hub.slices import COUNTY as FILE_COUNTY
from hub.slices import build_slice

DEMO = ROOT / "data" / "demo"
THRESHOLD = 5
BOARD, LEAD = Audience("board"), Audience("hub_lead")
COUNTY = "county"
DISTRICTS = tuple(LOCALITIES)
PLACES = (*DISTRICTS, COUNTY)
TOTAL = ("total", "all")
SMALL = tuple(range(1, THRESHOLD + 1))
ROUTES = ("direct", "periods", "complements", "filters", "localities", "unions", "crossings",
          "rates", "files", "participants")
RULES = ("mode", "median", "mean", "likelihood", "posterior")

# A cell is (family, period, place, filter, dimension, category): a period is (first month,
# last month), a place a district code or COUNTY, a filter () or (name, value); a total has
# dimension and category TOTAL.


@dataclass(frozen=True)
class Family:
    """What the attacker knows of a kind of unit: the breakdowns that partition it, the
    filters, whether it adds up over periods and over districts. Not exact: distinct children
    add up only roughly (a child can be counted in two districts or two age bands)."""
    dims: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    time: bool = True
    places: bool = True
    exact: bool = True
    not_across_filters: tuple[str, ...] = ()  # breakdowns that change meaning under a filter
    # pairs of breakdowns a view crosses with each other (sessions by programme and funder):
    # such a cell is written ((first, value), second, category)
    crossings: tuple[tuple[str, str], ...] = ()


FAMILIES = {
    "referrals": Family(("exploitation_type", "sex", "referral_source", "age_band",
                         "ethnicity_group", "risk_level", "outcome", "care_status",
                         "nrm_referral"), ("sex", "age_band", "exploitation_type")),
    "episodes": Family(("missing_from", "placement_type", "episode_type", "police_risk",
                        "recording_system", "sex", "age_band", "missing_from_detail",
                        "exploitation_concern", "duration_band"), ("sex", "age_band")),
    "sessions": Family(("programme", "setting", "funder", "age_band"), ("age_band",),
                       crossings=(("programme", "funder"),)),
    "people": Family(("person_type", "relationship", "sex", "age_band", "household_size"),
                     ("sex",), time=False, not_across_filters=("household_size",)),
    "pursue": Family((), ("exploitation_type",), places=False),
    "returns": Family(),
    "children": Family(("sex", "age_band"), ("sex", "age_band"), time=False, exact=False),
    "triggers": Family(time=False, exact=False),
}
# Unions of a breakdown's categories that a view counts as one (family, name) -> (breakdown,
# its categories): CCE referrals are cce or cse_and_cce (kpis.md); such a cell is written
# (family, period, place, filter, name, "yes"), e.g. CCE referrals of boys
# ("referrals", p, place, ("sex", "male"), "cce", "yes").
UNIONS = {("referrals", "cce"): ("exploitation_type", ("cce", "cse_and_cce"))}
# (A characteristic a view fixes that no breakdown has is written the same way: children of
# the out-of-area cohort are (children, p, place, filter, "out_of_area", "yes").)
BREAKDOWNS = {  # breakdown query -> (family, count column)
    queries.referral_breakdown: ("referrals", "referrals"),
    queries.episode_breakdown: ("episodes", "episodes"),
    queries.prevention_breakdown: ("sessions", "sessions"),
}
FILE_TABLES = {  # slice table -> (family, count column)
    "referral_breakdown": ("referrals", "referrals"),
    "episode_breakdown": ("episodes", "episodes"),
    "prevention_breakdown": ("sessions", "sessions"),
    "referrals_by_month": ("referrals", "referrals"),
    "missing_by_month": ("episodes", "episodes"),
}


@dataclass(frozen=True)
class Scope:
    """Which views the attacker builds (every one allowed by the rules)."""
    periods: tuple  # reporting periods of the unfiltered breakdowns and tables
    filter_periods: tuple  # periods of the breakdowns and tables within one filter value
    cohort_periods: tuple  # periods whose end dates the Lionheart cohort
    headline_periods: tuple  # headline figures (each card also gives the period before)
    file_periods: tuple  # partnerships' files, every district
    trends: bool = True  # trends and pursue outcomes


def periods_of(db: Database):
    """(every reporting period, those of the latest financial year)."""
    periods = tuple(reporting_periods(db.info.coverage_start, db.info.coverage_end))
    year = max(p for p in periods if months_between(*p) == 12)  # the latest financial year
    return periods, tuple(p for p in periods if year[0] <= p[0] and p[1] <= year[1])


def full_scope(db: Database) -> Scope:
    """Every reporting period unfiltered; within each filter value and in files, the latest
    financial year and its halves; the cohort at the end of the last three half-years (the
    tests' budget is about a minute)."""
    periods, in_year = periods_of(db)
    longer = tuple(p for p in in_year if months_between(*p) > 3)
    halves = tuple(p for p in periods if months_between(*p) == 6)
    return Scope(periods, longer, halves[:3], halves[:1], longer)


def small_scope(db: Database) -> Scope:
    """The latest financial year, unfiltered: for comparing two extracts."""
    _, in_year = periods_of(db)
    return Scope(in_year, (), (), (), in_year[:1], trends=False)


# --- What the attacker reads ------------------------------------------------------------------

def canon(cell):
    """The cell under its one name. A filter value's total, or its own category within it, is
    that category unfiltered (the same units); another category within it is an exact 0
    (None). Two filters' values crossed (boys among CCE referrals, CCE among boys' referrals)
    are named with the first filter in alphabetical order as the filter."""
    family, period, place, filt, dim, cat = cell
    if filt:
        name, value = filt
        if dim == name:
            return (family, period, place, (), name, value) if cat == value else None
        if (dim, cat) == TOTAL and name in FAMILIES[family].dims:
            return (family, period, place, (), name, value)
        filters = FAMILIES[family].filters
        if dim in filters and name in filters and dim < name:
            return (family, period, place, (dim, cat), name, value)
    return cell


def conditions(cell) -> dict:
    """{characteristic: value} that a cell restricts its units to (a filter, a category)."""
    _, _, _, filt, dim, cat = cell
    return {**dict([filt] if filt else []), **({} if (dim, cat) == TOTAL else {dim: cat})}


def cell_with(family, period, place, conds: dict):
    """The cell of the units with these characteristics, a union or a crossing's second
    breakdown as its category (None if no view can show it: more than two)."""
    names = sorted(conds, key=lambda n: ((family, n) in UNIONS or
                                        any(n == b for _, b in FAMILIES[family].crossings), n))
    if len(names) > 2:
        return None
    if not names:
        return (family, period, place, (), *TOTAL)
    *first, last = names
    filt = (first[0], conds[first[0]]) if first else ()
    return (family, period, place, filt, last, conds[last])  # `signature` names it


def listed_by(view) -> tuple[str, ...]:
    """The breakdowns a fetched view (family, period, place, filter) lists its categories of:
    the family's, or a crossing's second (the funders within a programme)."""
    family, _, _, filt = view
    crossed = dict(FAMILIES[family].crossings)
    return (crossed[filt[0]],) if filt and filt[0] in crossed else FAMILIES[family].dims


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@dataclass
class Observations:
    """Every figure the attacker has read, by source ("screen", "rates", "files"; "all" pools
    them), and the hub lead's figure for every cell."""
    shown: dict = field(default_factory=lambda: collections.defaultdict(dict))  # NaN: [c]
    listed: set = field(default_factory=set)  # cells listed as a row of a breakdown
    fetched: dict = field(default_factory=lambda: collections.defaultdict(set))  # breakdowns
    truth: dict = field(default_factory=dict)
    participants: dict = field(default_factory=dict)  # sessions cell -> participants shown
    universe: dict = field(default_factory=lambda: collections.defaultdict(set))
    conflicts: list = field(default_factory=list)  # the same units shown two ways
    truth_conflicts: list = field(default_factory=list)  # the identities misread (a bug here)
    mislabelled: list = field(default_factory=list)  # file rows running past their file
    views: int = 0  # protected views built
    zeros_listed: set = field(default_factory=set)  # families whose breakdowns list a 0
    # every shown share of a trend: (its numerator's cell, share, numerator, denominator as
    # the same row shows them, NaN if [c]); a share must give back no more than its parts
    shares: list = field(default_factory=list)

    def add(self, source: str, cell, value) -> None:
        value = math.nan if value is None or pd.isna(value) else float(value)
        c = canon(cell)
        if c is None:
            if not (value == 0 or math.isnan(value)):
                self.conflicts.append((source, cell, value, 0.0))
            return
        if c[4] != "total":
            self.universe[c[0], c[4]].add(c[5])
        for where in (source, "all"):
            known = self.shown[where].setdefault(c, value)
            if not _same(known, value):
                self.conflicts.append((where, c, value, known))

    def add_truth(self, cell, value) -> None:
        c = canon(cell)
        if c is not None:
            known = self.truth.setdefault(c, int(value))
            if known != int(value):
                self.truth_conflicts.append((c, int(value), known))

    def lookup(self, cell, source: str):
        """(value, kind) of a cell as the attacker reads it; kind is
          "shown"    a number above 0;
          "zero"     a 0, which may be a small count perturbed to 0;
          "listed0"  a 0 listed as a row of a breakdown that drops a category only when it has
                     no unit (it lists zeros): 1 to 3 units;
          "absent"   an exact 0: a category such a breakdown does not list, or a structural 0
                     (another category within a filter value);
          "hidden"   [c];
        and (None, None) when the attacker has no view of the cell."""
        c = canon(cell)
        if c is None:
            return 0.0, "absent"
        family, period, place, filt, dim, _ = c
        value = self.shown[source].get(c)
        if value is not None:
            if math.isnan(value):
                return value, "hidden"
            if value == 0:
                return 0.0, "listed0" if c in self.listed else "zero"
            return value, "shown"
        if dim in listed_by((family, period, place, filt)) and \
                (family, period, place, filt) in self.fetched[source]:
            # Not listed: none, where the breakdown lists zeros; else a 0 like any other.
            return 0.0, "absent" if family in self.zeros_listed else "zero"
        if filt and self.lookup((family, period, place, (), *filt), source)[1] == "absent":
            return 0.0, "absent"  # no unit has the filter value at all
        return None, None


class Attacker:
    """Builds the allowed views for the board and the partnerships (and, for the truth, the
    hub lead) through the product's own functions, and reads them into Observations."""

    def __init__(self, db: Database, scope: Scope):
        self.db, self.scope = db, scope
        self.obs = Observations()
        self.start = db.info.coverage_start
        self.population = dict(zip(db.reference.localities["code"],
                                   db.reference.localities["population_0_17"]))

    def collect(self) -> Observations:
        self.breakdowns()
        self.crossed_breakdowns()
        self.locality_tables()
        if self.scope.trends:
            self.trends()
            self.pursue()
        self.lionheart()
        self.headlines()
        self.files()
        return self.obs

    # Views ----------------------------------------------------------------------------------
    def both(self, query, filters: Filters):
        """(the board's figures, the hub lead's). Where the board's query is the hub lead's
        too (not a trend, whose step the board's rules change), the hub lead's figures are
        that result through `outputs.protect`; otherwise their own `outputs.protected`."""
        self.obs.views += 1
        result, board = outputs.protected(query, self.db, filters, BOARD, THRESHOLD)
        if result.dropped:  # rule 8: these views never cross too many dimensions
            raise AssertionError(f"{query.__name__} {filters}: filter dropped")
        if result.time is None:
            return board, outputs.protect(result, LEAD, THRESHOLD)
        return board, outputs.protected(query, self.db, filters, LEAD, THRESHOLD)[1]

    @staticmethod
    def filters(period, place, filt=(), **extra) -> Filters:
        restriction = {filt[0]: (filt[1],)} if filt else {}
        return Filters(period[0], period[1], locality=() if place == COUNTY else (place,),
                       **restriction, **extra)

    def cumulative(self, period):
        """From the start of the extract to the end of the period (cohort, to date)."""
        return (self.start, period[1])

    def read(self, source, board_cells, lead_cells=(), listed=False) -> None:
        for cell, value in board_cells:
            self.obs.add(source, cell, value)
            if listed and canon(cell) is not None:
                self.obs.listed.add(canon(cell))
                if value == 0:
                    self.obs.zeros_listed.add(cell[0])
        for cell, value in lead_cells:
            self.obs.add_truth(cell, value)

    def fetched(self, view, sources=("screen", "all")) -> None:
        for source in sources:
            self.obs.fetched[source].add(view)

    def known_absent(self, family, period, place, filt) -> bool:
        """The filter value has no unit here (absent unfiltered): its view is all zeros."""
        return bool(filt) and self.obs.lookup((family, period, place, (), *filt),
                                              "screen")[1] == "absent"

    def filter_values(self, family: str):
        return [(name, value) for name in FAMILIES[family].filters for value in CHOICES[name]]

    # Readers ---------------------------------------------------------------------------------
    def breakdowns(self) -> None:
        for query, (family, measure) in BREAKDOWNS.items():
            views = [(p, place, ()) for p in self.scope.periods for place in PLACES]
            views += [(p, place, filt) for p in self.scope.filter_periods for place in PLACES
                      for filt in self.filter_values(family)]
            for period, place, filt in views:
                if self.known_absent(family, period, place, filt):
                    continue
                board, lead = self.both(query, self.filters(period, place, filt))
                self.fetched((family, period, place, filt))
                self.read("screen", breakdown_cells(family, period, place, filt, board, measure),
                          breakdown_cells(family, period, place, filt, lead, measure),
                          listed=True)
                if family == "sessions":
                    self.read_participants(breakdown_cells(family, period, place, filt, board,
                                                           "participants"))

    def read_participants(self, cells) -> None:
        """Participants shown beside sessions ([c] beside sessions [c] or 0 says nothing the
        sessions do not)."""
        for cell, value in cells:
            if not pd.isna(value):
                self.obs.participants[canon(cell)] = float(value)

    def crossed_breakdowns(self) -> None:
        """Sessions by programme and funder (the Warning Zone's funders): every reporting
        period, each district and the county, unfiltered (the view crosses two dimensions, so
        rule 8 allows no filter). A combination not listed reads as 0, as in a breakdown."""
        for period in self.scope.periods:
            for place in PLACES:
                board, lead = self.both(queries.prevention_by_programme_and_funder,
                                        self.filters(period, place))
                for programme in sorted(self.obs.universe["sessions", "programme"]):
                    self.fetched(("sessions", period, place, ("programme", programme)))
                self.read("screen", crossed_cells(period, place, board, "sessions"),
                          crossed_cells(period, place, lead, "sessions"), listed=True)
                self.read_participants(crossed_cells(period, place, board, "participants"))

    def locality_tables(self) -> None:
        """The county's table by district, with rates per 10,000 children aged 0-17."""
        views = [(p, ()) for p in self.scope.periods]
        views += [(p, filt) for p in self.scope.filter_periods
                  for filt in self.filter_values("referrals")]
        for period, filt in views:
            if self.known_absent("referrals", period, COUNTY, filt) and \
                    self.known_absent("episodes", period, COUNTY, filt):
                continue
            board, lead = self.both(queries.locality_comparison,
                                    self.filters(period, COUNTY, filt))
            self.read("screen", locality_cells(period, filt, board),
                      locality_cells(period, filt, lead))
            self.read("rates", self.rate_cells(period, filt, board))

    def rate_cells(self, period, filt, frame):
        """Counts read back from rates: rate per 10,000 * population / 10,000."""
        for row in frame.itertuples():
            pop = self.population[row.locality_code] / 10_000
            for (family, f), column in zip(locality_families(filt), RATE_COLUMNS):
                rate = getattr(row, column)
                if not pd.isna(rate):
                    yield (family, period, row.locality_code, f, *TOTAL), round(rate * pop)

    def trend_views(self, filt=()):
        """(place, filters): every step the audience may choose (hub.filters.grain_choices):
        a district by half-year and by year, the county by quarter, half-year and year, to the
        last complete period, within the filter value."""
        periods = self.scope.periods
        last = {m: max((p for p in periods if months_between(*p) == m), key=lambda p: p[1])
                for m in GRAIN_MONTHS.values() if m > 1}
        return [(place, self.filters(last[GRAIN_MONTHS[grain]], place, filt, trend_grain=grain))
                for place in PLACES for grain in grain_choices(True, place != COUNTY)]

    def trends(self) -> None:
        """Every trend at every step; those of FILTERED_TRENDS within each filter value too
        (a trend crossing one dimension may carry one filter value, rule 8)."""
        views = [(query, place, filters, ()) for query in TRENDS
                 for place, filters in self.trend_views()]
        views += [(query, place, filters, filt) for query, family in FILTERED_TRENDS.items()
                  for filt in self.filter_values(family)
                  for place, filters in self.trend_views(filt)]
        for query, place, filters, filt in views:
            columns = TRENDS[query]
            board, lead = self.both(query, filters)
            grain = filters.trend_grain
            self.read("screen", trend_cells(board, place, grain, columns, filt),
                      trend_cells(lead, place, grain, columns, filt))
            self.read("rates", self.share_cells(query, board, place, grain, filt))
            if "participants" in board:
                self.read_participants(trend_cells(board, place, grain, {
                    "participants": columns["sessions"]}, filt))

    def share_cells(self, query, frame, place, grain, filt):
        """Numerators read back from the shares in trend data and their denominators."""
        for share, den, num in TREND_SHARES.get(query, ()):
            for period, row in zip(steps(frame, grain), frame.to_dict("records")):
                s, d = row[share], row[den]
                if pd.isna(s):
                    continue
                cell = trend_cell(TRENDS[query][num], row, period, place, filt)
                self.obs.shares.append((cell, s, row[num], d))
                n = numerator_of(s, d)
                if n is not None:
                    yield cell, n


    def lionheart(self) -> None:
        """The Lionheart cohort identified by the end of each period (cumulative)."""
        for period in self.scope.cohort_periods:
            cum = self.cumulative(period)
            for place in PLACES:
                for filt in [()] + self.filter_values("people"):
                    if self.known_absent("people", cum, place, filt):
                        continue
                    board, lead = self.both(queries.lionheart_cohort_breakdown,
                                            self.filters(period, place, filt))
                    self.fetched(("people", cum, place, filt))
                    self.read("screen", breakdown_cells("people", cum, place, filt, board,
                                                        "people"),
                              breakdown_cells("people", cum, place, filt, lead, "people"),
                              listed=True)

    def pursue(self) -> None:
        """Pursue outcomes (county-wide): in each period, to date, and by quarter and half-year,
        unfiltered and for each exploitation type."""
        for filt in [()] + self.filter_values("pursue"):
            for period in self.scope.periods:
                board, lead = self.both(queries.pursue_totals, self.filters(period, COUNTY, filt))
                self.read("screen", self.pursue_cells(period, filt, board),
                          self.pursue_cells(period, filt, lead))
            for place, filters in self.trend_views():
                if place == COUNTY:
                    filters = dataclasses.replace(filters, exploitation_type=filt[1:])
                    board, lead = self.both(queries.pursue_by_quarter, filters)
                    grain = filters.trend_grain
                    self.read("screen", pursue_steps(board, grain, filt),
                              pursue_steps(lead, grain, filt))

    def pursue_cells(self, period, filt, frame):
        for row in frame.itertuples():
            yield ("pursue", period, COUNTY, filt, "measure", row.measure), row.in_period
            yield ("pursue", self.cumulative(period), COUNTY, filt, "measure",
                   row.measure), row.to_date

    def headlines(self) -> None:
        """Headline cards of every district and the county: the period and the one before."""
        for period in self.scope.headline_periods:
            for place in PLACES:
                filters = self.filters(period, place)
                self.obs.views += 2
                board = outputs.headline(self.db, filters, BOARD, THRESHOLD)
                lead = outputs.headline(self.db, filters, LEAD, THRESHOLD)
                for f, side in ((filters, "number"), (filters.comparison(), "comparison_number")):
                    if f.month_from >= self.start:
                        p = (f.month_from, f.month_to)
                        self.read("screen", self.card_cells(board, p, place, side),
                                  self.card_cells(lead, p, place, side))
                        self.read("rates", self.card_shares(board, p, place, side))

    def card_cells(self, cards, period, place, side):
        text = "value" if side == "number" else "comparison"
        cards = {c.label: c for c in cards}
        for name, cell in headline_cells(period, place, self.cumulative(period)).items():
            number = getattr(cards[name], side)
            yield cell, (math.nan if number is None and getattr(cards[name], text) == "[c]"
                         else number)

    def card_shares(self, cards, period, place, side):
        """Numerators read back from shares: share * denominator / 100."""
        numbers = {c.label: getattr(c, side) for c in cards}
        for share, (count, (family, dim, cat)) in HEADLINE_SHARES.items():
            if numbers[share] is not None and numbers[count] is not None:
                yield ((family, period, place, (), dim, cat),
                       round(numbers[share] * numbers[count] / 100))

    def files(self) -> None:
        """A partnership's slice files (its own rows and county rows), every district."""
        places = {name: code for code, name in LOCALITIES.items()} | {FILE_COUNTY: COUNTY}
        for period in self.scope.file_periods:
            for d in DISTRICTS:
                self.obs.views += 2 * len(FILE_TABLES)
                files = build_slice(self.db, self.filters(period, d), Audience("csp", d),
                                    THRESHOLD, list(FILE_TABLES))
                for table, frame in files.items():
                    self.read_file(table, frame, places, period)

    def read_file(self, table, frame, places, period) -> None:
        family, measure = FILE_TABLES[table]
        dims = {label(d): d for d in FAMILIES[family].dims} | {"Locality": "locality_code"}
        cats = {d: {label(v): v for v in self.obs.universe[family, d]} for d in dims.values()}
        cats["locality_code"] = {label(code): code for code in LOCALITIES}
        for row in frame.to_dict("records"):
            p = (row["period_start"].replace(day=1), row["period_end"].replace(day=1))
            place = places[row["locality"]]
            if p[1] > period[1]:  # a trend step said to run past the file's own period
                self.obs.mislabelled.append((table, period, place, p))
                continue
            value = math.nan if row[measure + "_status"] == "[c]" else row[measure]
            if "breakdown" not in row:
                cell = (family, p, place, (), *TOTAL)
            else:
                dim = dims[row["breakdown"]]
                cat = cats[dim].get(row["category"])
                if cat is None:  # a category no one in the extract is in: listed as 0 in a
                    continue  # file (the matrix completed), and no target of the attack
                cell = ((family, p, cat, (), *TOTAL) if dim == "locality_code"
                        else (family, p, place, (), dim, cat))
            self.obs.add("files", cell, value)
            if table == "missing_by_month":
                self.obs.add("files", ("children", p, place, (), *TOTAL),
                             math.nan if row["children_status"] == "[c]" else row["children"])
            if table.endswith("breakdown"):
                self.fetched((family, p, place, ()), ("files",))


def breakdown_cells(family, period, place, filt, frame, measure):
    for dim, cat, value in zip(frame["dimension"], frame["category"], frame[measure]):
        if dim == "locality_code":  # the county's sessions by district: each district's total
            yield (family, period, cat, filt, *TOTAL), value
        else:
            yield (family, period, place, filt, dim, cat), value


def numerator_of(share: float, denominator: float):
    """The one count that the share (to 1 decimal) of the denominator can be, or None: none
    shown, several (a denominator over 1,000), or a share of 100 % (it only says that the
    perturbed numerator is at least the denominator)."""
    if pd.isna(denominator) or share >= 100:
        return None
    guess = round(share * denominator / 100)
    fits = [n for n in range(max(guess - 2, 0), guess + 3)
            if np.round(n / denominator * 100, 1) == share]  # as hub.disclosure rounds
    return fits[0] if len(fits) == 1 else None


def crossed_cells(period, place, frame, measure):
    """Sessions (or participants) by programme and funder: ((programme, p), funder, f)."""
    for programme, funder, value in zip(frame["programme"], frame["funder"], frame[measure]):
        yield ("sessions", period, place, ("programme", programme), "funder", funder), value


RATE_COLUMNS = ("referrals_per_10k", "episodes_per_10k", "children_missing_per_10k")


def locality_families(filt):
    """(family, filter) of the three counts of the table: episodes carry no exploitation type."""
    missing = filt if filt and filt[0] in FAMILIES["episodes"].filters else ()
    return (("referrals", filt), ("episodes", missing), ("children", missing))


def locality_cells(period, filt, frame):
    for row in frame.itertuples():
        for (family, f), count in zip(locality_families(filt),
                                      (row.referrals, row.episodes, row.children_missing)):
            yield (family, period, row.locality_code, f, *TOTAL), count


def steps(frame, grain):
    months = GRAIN_MONTHS[grain]
    for value in frame[grain]:
        start = pd.Timestamp(value).date()
        yield (start, add_months(start, months - 1))


# trend query -> {count column: (family, dimension, category[, by])}; "*" reads the row's own
# dimension and category, a column name reads the category from that column; `by` names a
# column whose value restricts the cell too (CCE referrals of each sex).
TRENDS = {
    queries.referrals_by_month: {"referrals": ("referrals", "*", "*"),
                                 "step_referrals": ("referrals", *TOTAL)},
    queries.cce_referrals_by_month: {"cce_referrals": ("referrals", "cce", "yes", "sex"),
                                     "step_cce_referrals": ("referrals", "cce", "yes")},
    queries.missing_shares_by_month: {
        "children": ("children", *TOTAL),
        "children_out_of_area": ("children", "out_of_area", "yes"),
        "episodes": ("episodes", *TOTAL),
        "episodes_from_home": ("episodes", "missing_from", "home")},
    queries.male_share_by_quarter: {"referrals": ("referrals", *TOTAL),
                                    "male_referrals": ("referrals", "sex", "male")},
    queries.missing_by_month: {"episodes": ("episodes", *TOTAL),
                               "children": ("children", *TOTAL)},
    queries.episodes_by_month: {"episodes": ("episodes", "*", "*")},
    queries.missing_once_by_quarter: {"children": ("children", *TOTAL),
                                      "children_missing_once": ("children", "once", "yes")},
    queries.repeat_missing_by_month: {"triggered_children": ("triggers", *TOTAL),
                                      "met_within_14_days": ("triggers", "met_14", "yes")},
    queries.return_interviews_by_month: {
        "ended_episodes": ("returns", *TOTAL),
        "rhi_offered": ("returns", "rhi_offered", "yes"),
        "rhi_within_72h": ("returns", "rhi_within_72h", "yes")},
    queries.prevention_by_quarter: {"sessions": ("sessions", "programme", "programme")},
    queries.prevention_settings_by_quarter: {"sessions": ("sessions", "setting", "setting")},
}
# Trends read within each filter value of a family too: those whose new shares, unions and
# settings over time need their counterparts at every step (CCE by sex minus the CCE
# referrals of each sex, the out-of-area children of each sex).
FILTERED_TRENDS = {queries.referrals_by_month: "referrals",
                   queries.missing_shares_by_month: "episodes",
                   queries.prevention_settings_by_quarter: "sessions"}
TREND_SHARES = {  # trend query -> [(share column, denominator column, numerator count)]
    queries.referrals_by_month: [("referrals_pct", "step_referrals", "referrals")],
    queries.cce_referrals_by_month: [("cce_referrals_pct", "step_cce_referrals",
                                      "cce_referrals")],
    queries.missing_shares_by_month: [("out_of_area_pct", "children", "children_out_of_area"),
                                      ("from_home_pct", "episodes", "episodes_from_home")],
    queries.male_share_by_quarter: [("male_pct", "referrals", "male_referrals")],
    queries.missing_once_by_quarter: [("missing_once_pct", "children", "children_missing_once")],
    queries.repeat_missing_by_month: [("met_within_14_days_pct", "triggered_children",
                                       "met_within_14_days")],
    queries.return_interviews_by_month: [("rhi_offered_pct", "ended_episodes", "rhi_offered"),
                                         ("rhi_within_72h_pct", "ended_episodes",
                                          "rhi_within_72h")],
}


def trend_cell(spec, row, period, place, filt):
    family, dim, cat, *by = spec
    d = row["dimension"] if dim == "*" else dim
    c = row["category"] if cat == "*" else row.get(cat, cat)
    if by:  # a filter value of its own (no view of a trend with a `by` carries a filter)
        filt = (by[0], row[by[0]])
    return (family, period, place, filt, d, c)


def trend_cells(frame, place, grain, columns, filt=()):
    for period, row in zip(steps(frame, grain), frame.to_dict("records")):
        for column, spec in columns.items():
            yield trend_cell(spec, row, period, place, filt), row[column]


def pursue_steps(frame, grain, filt):
    for period, measure, number in zip(steps(frame, grain), frame["measure"], frame["number"]):
        yield ("pursue", period, COUNTY, filt, "measure", measure), number


def headline_cells(period, place, cumulative):
    """The headline cards that are counts -> their cells (convictions are county-wide)."""
    return {
        "Referrals": ("referrals", period, place, (), *TOTAL),
        "Joint CSE & CCE referrals": ("referrals", period, place, (), "exploitation_type",
                                      "cse_and_cce"),
        "Missing episodes": ("episodes", period, place, (), *TOTAL),
        "Children missing": ("children", period, place, (), *TOTAL),
        "Repeat-missing triggers": ("triggers", period, place, (), *TOTAL),
        "Lionheart cohort": ("people", cumulative, place, (), *TOTAL),
        "Convictions": ("pursue", period, COUNTY, (), "measure", "convictions"),
    }


HEADLINE_SHARES = {  # share card -> (its denominator's card, the numerator's cell)
    "Male referrals (%)": ("Referrals", ("referrals", "sex", "male")),
    "Children missing once (%)": ("Children missing", ("children", "once", "yes")),
    "Strategy meetings within 14 days (%)": ("Repeat-missing triggers",
                                             ("triggers", "met_14", "yes")),
}


# --- Routes ------------------------------------------------------------------------------------

def period_identities(periods, start):
    """{period: [(whole, parts)]}: each way a reporting period, or a period from the start of
    the extract (to date), is tiled by up to four others, listed under every period in it."""
    atoms = set(periods) | {(start, p[1]) for p in periods}
    by_start = collections.defaultdict(list)
    for a in atoms:
        by_start[a[0]].append(a)

    def tilings(first, last, whole, depth):
        if first > last:
            return [[]]
        out = []
        for a in by_start.get(first, ()):
            if a[1] <= last and a != whole and depth > 0:
                out += [[a, *rest] for rest in tilings(add_months(a[1], 1), last, whole,
                                                       depth - 1)]
        return out

    identities = collections.defaultdict(list)
    for whole in atoms:
        for parts in tilings(whole[0], whole[1], whole, 4):
            for p in (whole, *parts):
                identities[p].append((whole, parts))
    return identities


def signature(terms) -> frozenset:
    """A route's terms, canonical, coefficients summed, zeros dropped (exact zeros too)."""
    total = {}
    for cell, coef in terms:
        c = canon(cell)
        if c is not None:
            total[c] = total.get(c, 0) + coef
    return frozenset((c, k) for c, k in total.items() if k)


def routes_to(cell, obs: Observations, identities):
    """[(route kind, terms)]: every route to the cell, each term (cell, +1 or -1)."""
    family, period, place, filt, dim, cat = cell
    fam = FAMILIES[family]
    itself = frozenset([(cell, 1)])
    out = [("direct", itself)]

    def add(kind, terms):
        if any(c is None for c, _ in terms):  # a term no view can show
            return
        terms = signature(terms)
        if terms and terms != itself:
            out.append((kind, terms))

    if fam.time:  # a sum of its parts, or a whole minus its other parts
        for whole, parts in identities.get(period, ()):
            if whole == period:
                add("periods", [((family, p, place, filt, dim, cat), 1) for p in parts])
            else:
                add("periods", [((family, whole, place, filt, dim, cat), 1)] +
                    [((family, p, place, filt, dim, cat), -1) for p in parts if p != period])
    for d in fam.dims:  # a total as a breakdown's sum; a category as the total minus the rest
        if filt and (d == filt[0] or d in fam.not_across_filters):
            continue
        cats = obs.universe.get((family, d), ())
        if (dim, cat) == TOTAL:
            add("complements", [((family, period, place, filt, d, k), 1) for k in cats])
        elif dim == d:
            add("complements", [((family, period, place, filt, *TOTAL), 1)] +
                [((family, period, place, filt, d, k), -1) for k in cats if k != cat])
        elif not filt and dim in fam.filters:  # an unfiltered category is a filter's total
            add("complements", [((family, period, place, (dim, cat), d, k), 1) for k in cats])
    for name in fam.filters:  # the unfiltered cell minus the other values, or their sum
        if dim == name or dim in fam.not_across_filters:
            continue
        if filt and filt[0] == name:
            add("filters", [((family, period, place, (), dim, cat), 1)] +
                [((family, period, place, (name, v), dim, cat), -1)
                 for v in CHOICES[name] if v != filt[1]])
        elif not filt and (dim, cat) != TOTAL:
            add("filters", [((family, period, place, (name, v), dim, cat), 1)
                            for v in CHOICES[name]])
    for (f, union), (name, members) in UNIONS.items():  # a union is the sum of its members
        conds = conditions(cell)
        if f != family:
            continue
        if conds.get(union) == "yes":
            rest = {k: v for k, v in conds.items() if k != union}
            add("unions", [(cell_with(family, period, place, {**rest, name: m}), 1)
                           for m in members])
        elif conds.get(name) in members:  # a member is the union minus the other members
            rest = {k: v for k, v in conds.items() if k != name}
            add("unions", [(cell_with(family, period, place, {**rest, union: "yes"}), 1)] +
                [(cell_with(family, period, place, {**rest, name: m}), -1)
                 for m in members if m != conds[name]])
    for first, second in fam.crossings:  # a crossed cell from the other breakdown's side
        firsts, seconds = obs.universe.get((family, first), ()), obs.universe.get(
            (family, second), ())
        if filt and filt[0] == first and dim == second:  # (its side: the complements)
            add("crossings", [((family, period, place, (), second, cat), 1)] +
                [((family, period, place, (first, x), second, cat), -1)
                 for x in firsts if x != filt[1]])
        elif not filt and dim == first:
            add("crossings", [((family, period, place, (first, cat), second, y), 1)
                              for y in seconds])
        elif not filt and dim == second:
            add("crossings", [((family, period, place, (first, x), second, cat), 1)
                              for x in firsts])
    if fam.places:
        if place == COUNTY:
            add("localities", [((family, period, d, filt, dim, cat), 1) for d in DISTRICTS])
        else:
            add("localities", [((family, period, COUNTY, filt, dim, cat), 1)] +
                [((family, period, d, filt, dim, cat), -1) for d in DISTRICTS if d != place])
    return out


class Reader:
    """Route values from one source's figures, remembered (many routes share terms)."""

    def __init__(self, obs: Observations, source: str):
        self.obs, self.source, self.seen = obs, source, {}

    def term(self, cell):
        if cell not in self.seen:
            self.seen[cell] = self.obs.lookup(cell, self.source)
        return self.seen[cell]

    def route(self, terms, hidden_allowed: int = 0):
        """(estimate, parts) or None: parts are (coefficient, value, kind); None if a term is
        unseen, or hidden ([c]) beyond hidden_allowed (the estimate is then NaN)."""
        parts, hidden = [], 0
        for cell, coef in terms:
            value, kind = self.term(cell)
            if kind is None:
                return None
            if kind == "hidden":
                hidden += 1
                if hidden > hidden_allowed:
                    return None
            parts.append((coef, value, kind))
        estimate = math.nan if hidden else sum(c * v for c, v, _ in parts)
        return estimate, tuple(parts)


# --- Likelihood ----------------------------------------------------------------------------------

class Likelihood:
    """P(a route's figures | the target's true value t) for t = 1..5, from the committed ptable
    (published: every file names it). A term's error (shown - true) is taken from the ptable
    with a flat prior on its true value, terms as independent (Observations.lookup says what
    each kind of 0 means)."""

    def __init__(self):
        noise = default_ptable().noise
        self.p = np.zeros((41, 48))  # p[true, shown]
        self.p[0, 0] = 1
        for x in range(1, 41):
            for y, n in collections.Counter((x + noise[x]).tolist()).items():
                self.p[x, y] = n / noise.shape[1]
        self.cache = {}

    def term_error(self, value, kind):
        """(lowest error, probabilities) of a term's error."""
        key = (value if kind == "shown" else 0, kind)
        if key in self.cache:
            return self.cache[key]
        if kind == "absent":
            weights = {0: 1.0}
        elif kind == "listed0":
            weights = {-x: self.p[x, 0] for x in (1, 2, 3)}
        elif kind == "zero":  # a true 0, or 1 to 3 sent to 0 (as likely as not, say)
            weights = {0: 1.0, **{-x: self.p[x, 0] for x in (1, 2, 3)}}
        elif value >= 20:  # every count from 4 up has the same spread of noise
            weights = {y - 20: self.p[20, y] for y in range(17, 24)}
        else:
            y = int(value)
            weights = {y - x: self.p[x, y] for x in range(max(1, y - 3), y + 4)}
        low = min(weights)
        pmf = np.zeros(max(weights) - low + 1)
        for e, w in weights.items():
            pmf[e - low] = w
        self.cache[key] = (low, pmf / pmf.sum())
        return self.cache[key]

    def route(self, parts) -> np.ndarray:
        """P(the route's figures | t) for t in SMALL."""
        low, pmf = 0, np.ones(1)
        estimate = 0
        for coef, value, kind in parts:
            estimate += coef * int(value)
            t_low, t_pmf = self.term_error(value, kind)
            if coef < 0:
                t_low, t_pmf = -(t_low + len(t_pmf) - 1), t_pmf[::-1]
            low, pmf = low + t_low, np.convolve(pmf, t_pmf)
        errors = estimate - np.array(SMALL) - low
        inside = (errors >= 0) & (errors < len(pmf))
        return np.where(inside, pmf[np.clip(errors, 0, len(pmf) - 1)], 0.0)

    def direct(self, value, kind) -> np.ndarray:
        """P(the cell shows what it shows | t) for t in SMALL."""
        t = np.array(SMALL)
        if kind == "hidden":
            return self.p[t, 1:THRESHOLD + 1].sum(axis=1)
        return self.p[t, min(int(value), self.p.shape[1] - 1)]


def participants_per_session(obs: Observations) -> dict:
    """(filter, dimension, category) -> participants per session, from the county's shown
    sessions and participants over financial years."""
    sums = collections.defaultdict(lambda: [0.0, 0.0])
    for cell, people in obs.participants.items():
        if cell[2] == COUNTY and months_between(*cell[1]) == 12:
            sessions = obs.shown["all"].get(cell, math.nan)
            if sessions > 0:
                sums[cell[3:]][0] += people
                sums[cell[3:]][1] += sessions
    return {key: people / sessions for key, (people, sessions) in sums.items() if people}


def participants_estimate(obs: Observations, cell, per_session: dict):
    """Sessions = the cell's participants (not perturbed) / participants per session."""
    people, rate = obs.participants.get(cell), per_session.get(cell[3:])
    return people / rate if people is not None and rate else None


# --- The attack ---------------------------------------------------------------------------------

def clip(x: float) -> int:
    return int(min(max(round(x), SMALL[0]), SMALL[-1]))


def commonest(values) -> int:
    """The commonest value; ties: the smaller."""
    counts = collections.Counter(values)
    return min(v for v, n in counts.items() if n == max(counts.values()))


@dataclass
class Estimate:
    value: float  # NaN for the cell's own [c]
    likelihood: np.ndarray  # P(what the route reads | t) for t in SMALL


@dataclass
class Outcome:
    targets: list
    truth: np.ndarray
    blind_value: int  # the commonest true value among the targets
    hit: dict  # (route, rule) -> share of targets guessed right (blind guess where no route)
    covered_hit: dict  # (route, rule) -> the same among the targets the route reaches
    coverage: dict  # route -> share of targets with an estimate from it
    per_target: dict  # route -> estimates per target (mean)
    guesses: dict  # (route, rule) -> guesses in target order
    reached: dict = field(default_factory=dict)  # route -> targets with an estimate (mask)

    @property
    def blind_rate(self) -> float:
        return float(np.mean(self.truth == self.blind_value))

    @property
    def pass_line(self) -> float:
        return self.blind_rate + 0.10

    def best(self, route: str = "combined") -> tuple[str, float]:
        rule = max(RULES, key=lambda r: self.hit[route, r])
        return rule, self.hit[route, rule]

    def where_reached(self, route: str) -> tuple[int, float, float]:
        """(targets the route reaches, its best rule's hit rate there, the blind guess's)."""
        reached = self.reached[route]
        if not reached.any():
            return 0, math.nan, math.nan
        t = self.truth[reached]
        rule = max(RULES, key=lambda r: self.covered_hit[route, r])
        return (int(reached.sum()), self.covered_hit[route, rule],
                float(np.mean(t == commonest(t.tolist()))))

    def by_family(self, rule: str | None = None):
        """family -> (targets, blind rate within the family, combined hit rate)."""
        rule = rule or self.best()[0]
        out = {}
        for family in sorted({c[0] for c in self.targets}):
            mask = np.array([c[0] == family for c in self.targets])
            t = self.truth[mask]
            out[family] = (int(mask.sum()), float(np.mean(t == commonest(t.tolist()))),
                           float(np.mean(self.guesses["combined", rule][mask] == t)))
        return out


def targets_of(obs: Observations, exact_only: bool = False) -> list:
    """Cells a protected audience sees (a number, [c], or a category a breakdown it built
    does not list) whose true value is 1 to 5."""
    seen = obs.fetched["screen"]
    return sorted((c for c, t in obs.truth.items() if t in SMALL
                   and (c in obs.shown["screen"] or (c[4] != "total" and c[:4] in seen))
                   and (FAMILIES[c[0]].exact or not exact_only)), key=str)


def attack(obs: Observations, periods, start, *, targets=None, include_direct=True) -> Outcome:
    """Every route to every target cell, combined by each rule, scored against the truth.

    Each route family is scored alone: its own kind of route over the board's screens; rates
    and files: every kind of route over the figures read back from rates and shares, or over
    partnerships' files. "combined" pools every distinct route over every figure read."""
    targets = targets_of(obs) if targets is None else targets
    identities = period_identities(periods, start)
    readers = {s: Reader(obs, s) for s in ("screen", "rates", "files", "all")}
    like = Likelihood()
    per_session = participants_per_session(obs)
    likelihoods = {}

    def estimate(value, parts, kind):
        key = (parts, kind == "direct")
        if key not in likelihoods:
            likelihoods[key] = (like.direct(parts[0][1], parts[0][2]) if kind == "direct"
                                else like.route(parts))
        return Estimate(value, likelihoods[key])

    found = {r: [] for r in (*ROUTES, "combined")}
    for cell in targets:
        mine = collections.defaultdict(dict)
        for kind, terms in routes_to(cell, obs, identities):
            if kind == "direct" and not include_direct:
                continue
            # The cell's own [c] is read too ("1 to 5 after perturbation"), for the likelihood.
            pooled = readers["all"].route(terms, hidden_allowed=int(kind == "direct"))
            if pooled is None:  # a term hidden or unseen in every source
                continue
            mine["combined"][terms] = estimate(*pooled, kind)
            if math.isnan(pooled[0]):
                continue
            for route, source in ((kind, "screen"), ("rates", "rates"), ("files", "files")):
                read = readers[source].route(terms)
                if read is not None:
                    mine[route][terms] = estimate(*read, kind)
        sessions = participants_estimate(obs, cell, per_session)
        if sessions is not None:
            t = np.array(SMALL)
            sd = 0.3 * np.sqrt(t) + 0.2  # participants per session vary (about 20 %)
            e = Estimate(sessions, np.exp(-0.5 * ((sessions - t) / sd) ** 2))
            mine["participants"]["p"] = mine["combined"]["p"] = e
        for route, rows in found.items():
            rows.append(list(mine[route].values()))
    truth = np.array([obs.truth[c] for c in targets], dtype=int)
    blind = commonest(truth.tolist())
    outcome = Outcome(targets, truth, blind, {}, {}, {}, {}, {})
    for route, rows in found.items():
        covered = np.array([any(not math.isnan(e.value) for e in row) for row in rows], bool)
        outcome.coverage[route] = float(covered.mean()) if rows else 0.0
        outcome.reached[route] = covered
        outcome.per_target[route] = float(np.mean([len(row) for row in rows])) if rows else 0.0
        for rule in RULES:
            guess = np.array([guess_of(row, rule, blind) for row in rows], dtype=int)
            outcome.guesses[route, rule] = guess
            outcome.hit[route, rule] = float(np.mean(guess == truth)) if rows else 0.0
            outcome.covered_hit[route, rule] = (float(np.mean(guess[covered] == truth[covered]))
                                                if covered.any() else math.nan)
    return outcome


# The posterior's prior, as an attacker would calibrate it on a synthetic extract of their own
# (hub.demo and the demo key are public): each small count about 0.7 times as common as the
# one below it. (Ratios 0.5 to 0.7, with or without tempering the evidence, or routes through
# one [c] term, did no better on the demo.)
PRIOR = 0.7 ** np.arange(len(SMALL)) / (0.7 ** np.arange(len(SMALL))).sum()


def guess_of(estimates: list[Estimate], rule: str, blind: int) -> int:
    """The attacker's guess for a cell from its estimates (the blind guess when it has none).
    mode: the commonest estimate, rounded and clipped to 1..5 (ties: the smaller); median,
    mean: of the estimates; likelihood: the value most likely to give the figures read, the
    cell's own [c] included; posterior: the same weighted by PRIOR."""
    values = [e.value for e in estimates if not math.isnan(e.value)]
    if rule == "mode":
        return commonest([clip(v) for v in values]) if values else blind
    if rule == "median":
        return clip(float(np.median(values))) if values else blind
    if rule == "mean":
        return clip(float(np.mean(values))) if values else blind
    if not values and (rule == "likelihood" or not estimates):
        return blind  # a lone [c] gives the likelihood nothing to go on
    score = sum(np.log(np.maximum(e.likelihood, 1e-12)) for e in estimates)
    if rule == "posterior":
        score = score + np.log(PRIOR)
    return SMALL[int(np.argmax(score))]


def bad_shares(obs: Observations) -> list:
    """Shown shares not computed from their shown parts (rule 6): beside a hidden numerator
    or denominator, or another value than the shown parts give (to the precision shown). A
    share made from its shown parts gives back only the perturbed numerator, never a hidden
    or exact count."""
    return [(cell, s, n, d) for cell, s, n, d in obs.shares
            if pd.isna(n) or pd.isna(d) or d <= 0
            or np.round(min(n, d) / d * 100, 1) != s]


# --- Presence ----------------------------------------------------------------------------------

@dataclass
class Presence:
    shown_zero: int  # cells the board reads as 0 (shown 0, or a category not listed)
    shown_zero_with_units: int  # of those, truly above 0
    by_family: dict  # family -> (listed 0s, of them with units, unlisted, of them with units)
    zero_share: dict  # true value 1..3 -> share of cell keys the ptable sends to 0

    def telling(self) -> list[str]:
        """Families whose breakdowns tell a true 0 from a small count: every category they
        list as 0 has units, and none they leave out has any."""
        return [f for f, (listed, listed_units, unlisted, unlisted_units) in
                self.by_family.items()
                if listed and unlisted and listed_units == listed and unlisted_units == 0]


def presence(obs: Observations) -> Presence:
    """Does a 0 the board reads prove that no unit was counted, or does a listed 0 prove that
    one was?"""
    counts = collections.defaultdict(lambda: [0, 0, 0, 0])
    zeros = []
    for c, v in obs.shown["screen"].items():
        if v == 0:
            zeros.append(c)
            if c in obs.listed:
                counts[c[0]][0] += 1
                counts[c[0]][1] += obs.truth.get(c, 0) > 0
    for view in obs.fetched["screen"]:
        for d in listed_by(view):
            for cat in obs.universe.get((view[0], d), ()):
                c = canon((*view, d, cat))
                if c is not None and c not in obs.shown["screen"]:
                    zeros.append(c)
                    counts[view[0]][2] += 1
                    counts[view[0]][3] += obs.truth.get(c, 0) > 0
    noise = default_ptable().noise
    return Presence(len(zeros), sum(obs.truth.get(c, 0) > 0 for c in zeros),
                    {f: tuple(n) for f, n in sorted(counts.items())},
                    {v: float(np.mean(v + noise[v] == 0)) for v in (1, 2, 3)})


# --- Two extracts -------------------------------------------------------------------------------

def copy_extract(folder: Path) -> Path:
    """The demo extract copied as it is: the same units, opened with the same secret."""
    shutil.copytree(DEMO, folder)
    return folder


def with_one_more_referral(folder: Path) -> tuple[Path, dict]:
    """A copy of the demo extract with one more referral: a copy, under a new id, of the
    first referral of the latest financial year. (path, the new referral as a dict)."""
    copy_extract(folder)
    referrals = pd.read_parquet(folder / "referrals.parquet")
    manifest = read_manifest(folder)
    end = dt.date.fromisoformat(manifest["coverage_end"])
    start = dt.date(end.year - (end.month < 4) - 1, 4, 1)
    new = referrals[pd.to_datetime(referrals["referral_date"]).dt.date >= start].iloc[0].copy()
    new["referral_id"] = "attack-one-more-referral"
    write_table(folder, "referrals", pd.concat([referrals, new.to_frame().T],
                                               ignore_index=True))
    write_manifest(folder, extract_id=manifest["extract_id"],
                   coverage_start=dt.date.fromisoformat(manifest["coverage_start"]),
                   coverage_end=end, source=manifest["source"],
                   produced_at=manifest["produced_at"], synthetic=True)
    return folder, new.to_dict()


@dataclass
class Comparison:
    common: int  # cells both extracts show
    differ: list  # cells shown differently
    differ_same_units: list  # of those, cells whose truth is the same in both (should be none)
    truth_changed: list  # (cell, truth before, truth after)


def compare(before: Observations, after: Observations) -> Comparison:
    """Every cell both extracts' views show, over screens, rates and files."""
    common, differ = 0, []
    for source in ("screen", "rates", "files"):
        for cell, value in after.shown[source].items():
            known = before.shown[source].get(cell)
            if known is not None:
                common += 1
                if not _same(known, value):
                    differ.append((source, cell, known, value))
    same_units = [d for d in differ if before.truth.get(d[1]) == after.truth.get(d[1])]
    changed = [(c, before.truth[c], t) for c, t in after.truth.items()
               if c in before.truth and before.truth[c] != t]
    return Comparison(common, differ, same_units, changed)


# --- Running it ---------------------------------------------------------------------------------

def exact(obs: Observations) -> Observations:
    """The same views with the hub lead's exact figures in place of the protected ones. The
    hub lead's breakdowns list every category with a unit, so one not listed is an exact 0."""
    out = Observations(listed=obs.listed, fetched=obs.fetched, truth=obs.truth,
                       universe=obs.universe, zeros_listed=set(FAMILIES))
    for source, cells in obs.shown.items():
        views = obs.fetched[source]
        out.shown[source] = {c: float(t) for c, t in obs.truth.items()
                             if source in ("screen", "all") or c in cells or c[:4] in views}
    return out


def observe(path: Path = DEMO, scope=full_scope, **open_options):
    """(coverage start, scope, Observations) of the extract at path."""
    db = open_database(path, **open_options)
    try:
        chosen = scope(db) if callable(scope) else scope
        return db.info.coverage_start, chosen, Attacker(db, chosen).collect()
    finally:
        db.close()


def without_participants(obs: Observations) -> Observations:
    return dataclasses.replace(obs, participants={})


def report(out=print) -> None:
    began = time.perf_counter()
    start, scope, obs = observe()
    read = time.perf_counter() - began
    result = attack(obs, scope.periods, start)
    sanity = attack(exact(obs), scope.periods, start, include_direct=False,
                    targets=targets_of(obs, exact_only=True))
    out(f"{obs.views} protected views read in {read:.1f} s, attacked in "
        f"{time.perf_counter() - began - read:.1f} s")
    out(f"Consistency: {len(obs.conflicts)} cells shown two ways across views, rates and "
        f"files")
    counts = dict(sorted(collections.Counter(result.truth.tolist()).items()))
    out(f"Target cells (true value 1-5): {len(result.targets)}; true values {counts}")
    out(f"Blind guess {result.blind_value}: right {result.blind_rate:.1%}; pass line "
        f"{result.pass_line:.1%}")
    out(f"{'route':<13}{'reaches':>8}{'routes':>7}" + "".join(f"{r:>11}" for r in RULES)
        + f"{'on exact':>10}")
    for route in (*ROUTES, "combined"):
        check = sanity.covered_hit[route, "mode"]
        out(f"{route:<13}{result.coverage[route]:>8.1%}{result.per_target[route]:>7.2f}"
            + "".join(f"{result.hit[route, r]:>11.1%}" for r in RULES)
            + (f"{check:>10.1%}" if not math.isnan(check) else f"{'-':>10}"))
    out("  reaches: targets with an estimate from the route; routes: estimates per target;")
    out("  on exact: the same routes on the hub lead's exact figures, where they reach (mode)")
    out(f"  on exact figures the routes (direct left out) reach {sanity.coverage['combined']:.1%}"
        f" of the targets and get {sanity.hit['combined', 'mode']:.1%} right")
    out("Where each route reaches: targets reached, best rule right, blind guess among them")
    for route in (*ROUTES, "combined"):
        reached, hit, blind = result.where_reached(route)
        out(f"  {route:<13}{reached:>7}{hit:>8.1%}{blind:>8.1%}")
    bad = bad_shares(obs)
    out(f"Shares in trends: {len(obs.shares)} shown, {len(bad)} not made from their shown "
        f"parts (a hidden part, or another value); {len(obs.shown['rates'])} counts read "
        f"back from shares and rates, {len(obs.conflicts)} of them unlike the shown count")
    rule, best = result.best()
    out(f"Combined attack, best rule ({rule}): {best:.1%} -> "
        f"{'PASS' if best <= result.pass_line else 'FAIL'} (pass line {result.pass_line:.1%})")
    without = attack(without_participants(obs), scope.periods, start)
    out(f"  without the participants route: {without.best()[1]:.1%} ({without.best()[0]})")
    out("By family (best rule): targets, blind guess within the family, combined")
    for family, (n, blind, hit) in result.by_family().items():
        out(f"  {family:<10}{n:>7}{blind:>8.1%}{hit:>8.1%}")
    p = presence(obs)
    out(f"Presence: {p.shown_zero} cells the board reads as 0 (shown 0 or not listed), "
        f"{p.shown_zero_with_units} of them truly above 0; ptable keys sending 1, 2, 3 to 0: "
        + ", ".join(f"{s:.0%}" for s in p.zero_share.values()))
    for family, (listed, listed_units, unlisted, unlisted_units) in p.by_family.items():
        out(f"  {family:<10} rows listed as 0: {listed} ({listed_units} truly above 0); "
            f"categories not listed: {unlisted} ({unlisted_units} truly above 0)"
            + (" -> TELLS a true 0 from a small count" if family in p.telling() else ""))
    with tempfile.TemporaryDirectory() as tmp:
        same = compare(obs, observe(copy_extract(Path(tmp) / "copy"), small_scope)[2])
        more = compare(obs, observe(with_one_more_referral(Path(tmp) / "more")[0],
                                    small_scope)[2])
    out(f"Two extracts, same units: {same.common} figures compared, {len(same.differ)} differ")
    out(f"One more referral: {len(more.truth_changed)} cells count it, {len(more.differ)} "
        f"figures changed, {len(more.differ_same_units)} of them without it")


if __name__ == "__main__":
    report()
