"""Typed query functions: Filters in, figures out. Each names the queries/*.sql file it runs.

Every function returns a `Result`: the raw DataFrame plus what disclosure control needs to
protect it (which columns are counts, which are dimensions, which derived rates to compute).
Nothing here is protected yet and nothing here knows about Streamlit: pages pass a Result
through `hub.outputs.protect` before anything is shown.

Trend functions (`*_by_month`, `*_by_quarter`) cover the whole extract up to the end of the
period, so that a period is read against its history; the others cover the period. A trend's
step is the filters' grain (`Filters.trend_grain`): its time column is named after it (month,
quarter or half) and holds each step's first day; a step is never shorter than the query's own
(a quarter for `*_by_quarter`), and the steps are whole: from the first whole one in the
extract to the last that ends in the period (a district's half-years, in a quarter's view, end
before it).

Every count column X of a frame comes with X_key, the sum of its units' record keys
(queries/*.sql), from which disclosure control perturbs it; keys are never shown.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pandas as pd

from hub.database import Database
from hub.disclosure import Rate
from hub.filters import GRAIN_MONTHS, Filters, add_months, first_period_from, month_end, \
    period_start


TIME = tuple(GRAIN_MONTHS)  # the time columns of trends: month, quarter, half
# Columns that are not dimensions a cell crosses (docs/disclosure.md rule 8): time is the
# period, a locality is the locality, and `dimension`/`measure` name which breakdown a row is.
NOT_CROSSED = (*TIME, "locality_code", "dimension", "measure")


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    dims: tuple[str, ...]  # columns whose cells add up to totals (month, category, ...)
    counts: tuple[str, ...]  # counts of children, episodes, referrals, people or sessions
    table: str  # the extract table the figures come from (for "filters not applied")
    query: str  # the queries/*.sql file, so anyone can find where a figure comes from
    sums: tuple[str, ...] = ()  # totals that are not counts (not perturbed; hub.disclosure)
    rates: tuple[Rate, ...] = ()  # derived figures, computed under disclosure control
    by: tuple[str, ...] = ()  # columns splitting the frame into separate tables (dimension)
    dropped: tuple[str, ...] = ()  # filters not applied to protect it (hub.outputs, rule 8)
    # Characteristics the query itself restricts every cell to (CCE referrals: exploitation
    # type), or a rate's numerator to (children placed by other councils): crossed too.
    fixed: tuple[str, ...] = ()

    @property
    def time(self) -> str | None:
        """The time column of a trend ('month', 'quarter' or 'half'), None for a breakdown."""
        return next((d for d in self.dims if d in TIME), None)

    @property
    def crossed(self) -> int:
        """How many dimensions besides period and locality each cell crosses (rule 8)."""
        return len([c for c in (*self.dims, *self.by) if c not in NOT_CROSSED]) + len(self.fixed)

    def where(self, **equals) -> Result:
        """The rows whose columns equal the given values (e.g. dimension='sex')."""
        mask = pd.Series(True, index=self.frame.index)
        for column, value in equals.items():
            mask &= self.frame[column] == value
        keep = [c for c in self.frame.columns if c not in equals]
        return replace(self, frame=self.frame.loc[mask, keep].reset_index(drop=True),
                       dims=tuple(d for d in self.dims if d not in equals),
                       by=tuple(b for b in self.by if b not in equals))


def _params(db: Database, filters: Filters, *, trend: bool = False, triggers: bool = False,
            grain: str = "month"):
    params = filters.sql_params()
    if trend:  # whole steps only: from the first in the extract to the last in the period
        months = GRAIN_MONTHS[grain]
        params["date_from"] = first_period_from(db.info.coverage_start, months)
        params["date_to"] = month_end(add_months(period_start(
            add_months(filters.month_to, 1), months), -1))
    if triggers:
        params["threshold"] = db.repeat_threshold
        params["window_days"] = db.repeat_window_days
    return params


def _run(db, name, filters, *, trend=False, triggers=False, grain="month",
         **extra) -> pd.DataFrame:
    return db.query(name, **_params(db, filters, trend=trend, triggers=triggers, grain=grain),
                    grain=grain, **extra)


def _by_period(db, name, filters, shortest: str = "month", **options
               ) -> tuple[pd.DataFrame, str]:
    """A trend at the filters' grain, or `shortest` if longer: (frame, its time column)."""
    grain = max(filters.trend_grain, shortest, key=GRAIN_MONTHS.get)
    frame = _run(db, name, filters, trend=True, grain=grain, **options)
    return frame.rename(columns={"month": grain}), grain


# --- Headline figures (kpis.md) -------------------------------------------------------------

@dataclass(frozen=True)
class Headline:
    label: str  # exactly as people see it
    numerator: str  # a column of queries/headline_figures.sql
    table: str
    denominator: str | None = None  # set for a percentage
    is_count: bool = True  # False for sums that are not counts of people (participants)
    crossed: int = 0  # dimensions its numerator crosses besides period and locality (rule 8)
    scale: str | None = None  # for a sum: the count it is scaled with under protection


HEADLINES: tuple[Headline, ...] = (
    Headline("Referrals", "referrals", "referrals"),
    Headline("Male referrals (%)", "male_referrals", "referrals", "referrals", crossed=1),
    Headline("Joint CSE & CCE referrals", "joint_referrals", "referrals", crossed=1),
    Headline("CCE referrals from youth justice (%)", "cce_from_youth_justice", "referrals",
             "cce_referrals", crossed=2),
    Headline("Missing episodes", "episodes", "missing_episodes"),
    Headline("Children missing", "children", "missing_episodes"),
    Headline("Children missing once (%)", "children_missing_once", "missing_episodes",
             "children", crossed=1),
    Headline("Episodes from care, placed by other councils (%)", "care_episodes_other_la",
             "missing_episodes", "care_episodes", crossed=2),
    Headline("Repeat-missing triggers", "triggered_children", "missing_episodes", crossed=1),
    Headline("Strategy meetings within 14 days (%)", "met_within_14_days", "missing_episodes",
             "triggered_children", crossed=2),
    Headline("Return interviews offered (%)", "rhi_offered", "missing_episodes",
             "ended_episodes", crossed=1),
    Headline("Return interviews within 72 hours (%)", "rhi_within_72h", "missing_episodes",
             "ended_episodes", crossed=1),
    Headline("Lionheart cohort", "lionheart_cohort", "lionheart_cohort"),
    Headline("Lionheart engaged at latest review (%)", "lionheart_engaged", "lionheart_cohort",
             "lionheart_reviewed", crossed=2),
    Headline("Prevention participants", "prevention_participants", "prevention_sessions",
             is_count=False, scale="prevention_sessions"),
    Headline("Convictions", "convictions", "pursue_outcomes", crossed=1),
)


def headline_figures(db: Database, filters: Filters) -> pd.DataFrame:
    """Every headline figure for the period and the comparison period (headline_figures.sql).

    One row per figure: label, table, is_count, crossed, numerator, denominator (NA for
    counts), scale (for a sum: the count it is scaled with, NA otherwise) and the same three
    for the comparison period, each with its `_key` (the sum of its units' record keys; NA
    for a sum). Percentages are computed under disclosure control (hub.outputs), never here.
    """
    # The two periods at once: DuckDB plans and runs each without holding Python's lock, so
    # on two cores the pair takes little more than one.
    with ThreadPoolExecutor(2) as pool:
        current, previous = (frame.iloc[0] for frame in pool.map(
            lambda period: _run(db, "headline_figures", period, triggers=True),
            (filters, filters.comparison())))

    def value(row, column):
        return pd.NA if column is None or column not in row else int(row[column])

    rows = []
    for h in HEADLINES:
        row = {"label": h.label, "table": h.table, "is_count": h.is_count,
               "crossed": h.crossed}
        for prefix, figures in (("", current), ("comparison_", previous)):
            for side, column in (("numerator", h.numerator), ("denominator", h.denominator),
                                 ("scale", h.scale)):
                row[prefix + side] = value(figures, column)
                row[prefix + side + "_key"] = value(figures, column and f"{column}_key")
        rows.append(row)
    return pd.DataFrame(rows)


# --- Referrals --------------------------------------------------------------------------------

def referral_breakdown(db: Database, filters: Filters) -> Result:
    """Referrals in the period by each breakdown (referral_breakdown.sql)."""
    return Result(_run(db, "referral_breakdown", filters), ("category",),
                  ("referrals",), "referrals", "referral_breakdown", by=("dimension",))


def male_share_by_quarter(db: Database, filters: Filters) -> Result:
    """Referrals and male referrals by quarter (or half-year), whole extract to the period
    end."""
    frame, time = _by_period(db, "male_share_by_quarter", filters, "quarter")
    return Result(frame, (time,),
                  ("referrals", "male_referrals"), "referrals", "male_share_by_quarter",
                  rates=(Rate("male_referrals", "referrals", "male_pct"),))


def referrals_by_source_and_type(db: Database, filters: Filters) -> Result:
    """Referrals in the period by source and exploitation type."""
    return Result(_run(db, "referrals_by_source_and_type", filters),
                  ("referral_source", "exploitation_type"), ("referrals",), "referrals",
                  "referrals_by_source_and_type")


def referrals_by_month(db: Database, filters: Filters) -> Result:
    """Referrals by month (or quarter: Filters.trend_grain) by exploitation type and by sex,
    and each category's share of the step's referrals (`referrals_pct`), whole extract to the
    period end."""
    frame, time = _by_period(db, "referrals_by_month", filters)
    return Result(frame, (time, "category"), ("referrals",), "referrals", "referrals_by_month",
                  rates=(Rate("referrals", "step_referrals", "referrals_pct"),),
                  by=("dimension",))


def cce_referrals_by_month(db: Database, filters: Filters) -> Result:
    """CCE referrals (cce or cse_and_cce, kpis.md) by month (or the filters' grain) and sex,
    and each sex's share of the step's CCE referrals (`cce_referrals_pct`), whole extract to
    the period end. Each cell crosses exploitation type and sex."""
    frame, time = _by_period(db, "cce_referrals_by_month", filters)
    return Result(frame, (time, "sex"), ("cce_referrals",), "referrals",
                  "cce_referrals_by_month",
                  rates=(Rate("cce_referrals", "step_cce_referrals", "cce_referrals_pct"),),
                  fixed=("exploitation_type",))


PER_10K = dict(per=10_000, complement=False, denominator_is_count=False)


def locality_comparison(db: Database, filters: Filters) -> Result:
    """Referrals, episodes and children missing by district, with rates per 10,000 aged 0-17."""
    return Result(
        _run(db, "locality_comparison", filters), ("locality_code",),
        ("referrals", "episodes", "children_missing"), "referrals", "locality_comparison",
        rates=(Rate("referrals", "population_0_17", "referrals_per_10k", **PER_10K),
               Rate("episodes", "population_0_17", "episodes_per_10k", **PER_10K),
               Rate("children_missing", "population_0_17", "children_missing_per_10k",
                    **PER_10K)))


# --- Missing episodes -------------------------------------------------------------------------

def missing_by_month(db: Database, filters: Filters) -> Result:
    """Episodes and distinct children missing by month (or quarter), whole extract to the
    period end."""
    frame, time = _by_period(db, "missing_by_month", filters)
    return Result(frame, (time,), ("episodes", "children"), "missing_episodes",
                  "missing_by_month")


def episodes_by_month(db: Database, filters: Filters) -> Result:
    """Episodes by month (or quarter) by where from (home / care / placed by other councils)
    and by system."""
    frame, time = _by_period(db, "episodes_by_month", filters)
    return Result(frame, (time, "category"), ("episodes",), "missing_episodes",
                  "episodes_by_month", by=("dimension",))


def episode_breakdown(db: Database, filters: Filters) -> Result:
    """Episodes starting in the period by each breakdown (episode_breakdown.sql)."""
    return Result(_run(db, "episode_breakdown", filters), ("category",), ("episodes",),
                  "missing_episodes", "episode_breakdown", by=("dimension",))


def missing_once_by_quarter(db: Database, filters: Filters) -> Result:
    """Share of children missing only once in each quarter (or half-year), whole extract to
    the period end."""
    frame, time = _by_period(db, "missing_once_by_quarter", filters, "quarter")
    return Result(frame, (time,),
                  ("children", "children_missing_once"), "missing_episodes",
                  "missing_once_by_quarter",
                  rates=(Rate("children_missing_once", "children", "missing_once_pct"),))


def missing_shares_by_month(db: Database, filters: Filters) -> Result:
    """By month (or the filters' grain), the out-of-area cohort's share of children missing
    (`out_of_area_pct`) and the share of episodes from home (`from_home_pct`), kpis.md "Shares
    over time"; whole extract to the period end."""
    frame, time = _by_period(db, "missing_shares_by_month", filters)
    return Result(frame, (time,), ("children", "episodes"), "missing_episodes",
                  "missing_shares_by_month",
                  rates=(Rate("children_out_of_area", "children", "out_of_area_pct"),
                         Rate("episodes_from_home", "episodes", "from_home_pct")),
                  fixed=("missing_from_detail",))


def repeat_missing_by_month(db: Database, filters: Filters) -> Result:
    """Repeat-missing triggers and strategy meetings within 14 days, by month (or quarter)."""
    frame, time = _by_period(db, "repeat_missing_by_month", filters, triggers=True)
    return Result(frame, (time,), ("triggered_children", "met_within_14_days"),
                  "missing_episodes", "repeat_missing_by_month",
                  rates=(Rate("met_within_14_days", "triggered_children", "met_within_14_days_pct"),))


def return_interviews_by_month(db: Database, filters: Filters) -> Result:
    """Return home interviews offered and done within 72 hours, by month (or quarter) of
    return."""
    frame, time = _by_period(db, "return_interviews_by_month", filters)
    return Result(frame, (time,), ("ended_episodes", "rhi_offered", "rhi_within_72h"),
                  "missing_episodes", "return_interviews_by_month",
                  rates=(Rate("rhi_offered", "ended_episodes", "rhi_offered_pct"),
                         Rate("rhi_within_72h", "ended_episodes", "rhi_within_72h_pct")))


def children_awaiting_meeting(db: Database, filters: Filters,
                              meetings_from: dt.date | None = None) -> pd.DataFrame:
    """Pseudonymised children with a repeat-missing trigger no strategy meeting has answered,
    as of the extract's coverage end (children_awaiting_meeting.sql). The period does not
    apply (the list is "now"); locality, sex and age band do. Triggers before
    `meetings_from` (default: when meetings for repeat missing began, from the reference
    events) are not listed.

    Operational list for the hub lead only: never passed to a protected audience.
    """
    began = meetings_from or db.reference.meetings_began() or db.info.coverage_start
    return _run(db, "children_awaiting_meeting", filters, triggers=True, meetings_from=began,
                as_of=db.info.coverage_end)


def return_interviews_owed(db: Database, filters: Filters, lookback_days: int = 90
                           ) -> pd.DataFrame:
    """Missing episodes whose return home interview is still owed as of the extract's coverage
    end, and those offered and declined (`declined`), returns in the last `lookback_days`
    (return_interviews_owed.sql). The period does not apply; locality, sex and age band do.

    Operational list for the hub lead only: never passed to a protected audience.
    """
    return _run(db, "return_interviews_owed", filters, as_of=db.info.coverage_end,
                lookback_days=lookback_days)


# --- Operation Lionheart ----------------------------------------------------------------------

def lionheart_cohort_breakdown(db: Database, filters: Filters) -> Result:
    """The cohort identified by the period end, by type, relationship, sex, age, household."""
    return Result(_run(db, "lionheart_cohort_breakdown", filters), ("category",), ("people",),
                  "lionheart_cohort", "lionheart_cohort_breakdown", by=("dimension",))


def lionheart_households(db: Database, filters: Filters) -> Result:
    """People and households in the cohort by person type."""
    return Result(_run(db, "lionheart_households", filters), ("person_type",),
                  ("people", "households"), "lionheart_cohort", "lionheart_households")


def lionheart_reviews(db: Database, filters: Filters) -> Result:
    """Outcomes at the 3, 6 and 12-month reviews held by the period end."""
    return Result(_run(db, "lionheart_reviews", filters), ("review", "category"),
                  ("people",), "lionheart_cohort", "lionheart_reviews", by=("measure",),
                  rates=(Rate("people", "reviewed", "people_pct"),))


# --- Prevention and pursuit -------------------------------------------------------------------

def prevention_breakdown(db: Database, filters: Filters) -> Result:
    """Sessions and participants in the period by programme, setting, district, funder, age."""
    return Result(_run(db, "prevention_breakdown", filters), ("category",), ("sessions",),
                  "prevention_sessions", "prevention_breakdown", sums=("participants",),
                  by=("dimension",))


def _prevention_trend(db: Database, filters: Filters, breakdown: str) -> Result:
    frame, time = _by_period(db, "prevention_by_quarter", filters, "quarter",
                             breakdown=breakdown)
    return Result(frame.rename(columns={"category": breakdown}), (time, breakdown),
                  ("sessions",), "prevention_sessions", "prevention_by_quarter",
                  sums=("participants",))


def prevention_by_quarter(db: Database, filters: Filters) -> Result:
    """Sessions and participants by quarter (or a longer step) and programme, whole extract
    to the period end."""
    return _prevention_trend(db, filters, "programme")


def prevention_settings_by_quarter(db: Database, filters: Filters) -> Result:
    """Sessions and participants by quarter (or a longer step) and setting, whole extract to
    the period end (the Gypsy and traveller outreach over time)."""
    return _prevention_trend(db, filters, "setting")


def prevention_by_programme_and_funder(db: Database, filters: Filters) -> Result:
    """Sessions and participants in the period by programme and funder (the Warning Zone's
    funding)."""
    return Result(_run(db, "prevention_by_programme_and_funder", filters),
                  ("programme", "funder"), ("sessions",), "prevention_sessions",
                  "prevention_by_programme_and_funder", sums=("participants",))


def pursue_totals(db: Database, filters: Filters) -> Result:
    """Each pursue measure in the period and since the extract began (county-wide)."""
    return Result(_run(db, "pursue_totals", filters, trend=True, period_from=filters.start),
                  (), ("in_period", "to_date"),
                  "pursue_outcomes", "pursue_totals", by=("measure",))


def pursue_by_quarter(db: Database, filters: Filters) -> Result:
    """Arrests, charges, convictions, notices and compensation awards by quarter (county-wide)."""
    frame, time = _by_period(db, "pursue_by_quarter", filters, "quarter")
    return Result(frame, (time,),
                  ("number",), "pursue_outcomes", "pursue_by_quarter", by=("measure",))
