"""The one filter model: a period of whole months plus optional restrictions.

Every query function takes a `Filters`; the dashboard builds one from the sidebar (and so from
the address bar), and downloads record it. An empty tuple means "no restriction".
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace

from hub.contract import CHILD_AGE_BANDS, CODE_LISTS, LOCALITIES

PERIOD_MONTHS = 6
# Reporting periods for protected audiences (docs/disclosure.md rule 1): financial quarters,
# half-years and years, the financial year starting in April. Months in each -> its name.
FINANCIAL_YEAR_START = 4
REPORTING_PERIODS = {3: "quarter", 6: "half-year", 12: "financial year"}
# Trend grains: name -> months in a step (a quarter's, a half-year's and a year's steps start
# with the financial year, so each step of a trend is a reporting period), and their names.
GRAIN_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
GRAIN_LABELS = {"month": "Month", "quarter": "Quarter", "half": "Half-year",
                "year": "Financial year"}

# URL parameter -> allowed values, for the restrictions (the period is handled apart).
CHOICES: dict[str, tuple[str, ...]] = {
    "locality": tuple(LOCALITIES),
    "sex": CODE_LISTS["sex"],
    "age_band": CHILD_AGE_BANDS,
    "exploitation_type": CODE_LISTS["exploitation_type"],
}

# Which tables carry which restriction (so pages can say what is *not* applied to a table).
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "locality": ("referrals", "missing_episodes", "strategy_meetings", "lionheart_cohort",
                 "prevention_sessions"),
    "sex": ("referrals", "missing_episodes", "lionheart_cohort"),
    "age_band": ("referrals", "missing_episodes", "prevention_sessions"),
    "exploitation_type": ("referrals", "pursue_outcomes"),
}
PERIOD_ORDER_NOTE = "'From' is after 'To', so the default period is shown."
PERIOD_NOTE = ("Figures for the board and partnerships are given for whole financial "
               "quarters, half-years and years only, so the latest complete half-year is shown "
               "instead of {asked}.")
ONE_FILTER_NOTE = ("Protected views filter by at most one value beyond the locality, so only "
                   "{kept} is applied ({dropped} ignored).")
FILTER_LABELS = {"locality": "Locality", "sex": "Sex", "age_band": "Age band",
                 "exploitation_type": "Exploitation type"}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def parse_month(text: str) -> dt.date:
    """'2019-04' -> date(2019, 4, 1); ValueError otherwise."""
    return dt.datetime.strptime(text.strip(), "%Y-%m").date()


def months_between(first: dt.date, last: dt.date) -> int:
    """Months from first to last, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def is_reporting_period(month_from: dt.date, month_to: dt.date) -> bool:
    """True for a financial quarter, half-year or year (docs/disclosure.md rule 1)."""
    months = months_between(month_from, month_to)
    return months in REPORTING_PERIODS and (
        month_from.month - FINANCIAL_YEAR_START) % months == 0


def period_start(day: dt.date, months: int) -> dt.date:
    """The first month of the financial quarter, half-year or year (`months` long) or month
    (1) that `day` falls in."""
    offset = (day.month - FINANCIAL_YEAR_START) % months
    return add_months(month_start(day), -offset)


def first_period_from(day: dt.date, months: int) -> dt.date:
    """The first month of the first whole period of `months` starting on or after `day`."""
    start = period_start(day, months)
    return start if start == month_start(day) and day.day == 1 else add_months(start, months)


def reporting_periods(coverage_start: dt.date, coverage_end: dt.date
                      ) -> list[tuple[dt.date, dt.date]]:
    """Every complete reporting period of an extract, (first month, last month), newest and
    longest first."""
    last = last_whole_month(coverage_end)
    found = []
    for months in sorted(REPORTING_PERIODS, reverse=True):
        start = first_period_from(coverage_start, months)
        while add_months(start, months - 1) <= last:
            found.append((start, add_months(start, months - 1)))
            start = add_months(start, months)
    return sorted(found, key=lambda p: (p[1], months_between(*p)), reverse=True)


def period_name(month_from: dt.date, month_to: dt.date) -> str:
    """'2019-20', 'H1 2019-20' or 'Q2 2019-20' for a reporting period; '' otherwise."""
    if not is_reporting_period(month_from, month_to):
        return ""
    year = month_from.year - (month_from.month < FINANCIAL_YEAR_START)
    fy = f"{year}-{(year + 1) % 100:02d}"
    months = months_between(month_from, month_to)
    if months == 12:
        return fy
    index = (month_from.month - FINANCIAL_YEAR_START) % 12 // months + 1
    return f"{'H' if months == 6 else 'Q'}{index} {fy}"


def last_whole_month(coverage_end: dt.date) -> dt.date:
    """The latest month that ends on or before coverage_end."""
    if coverage_end == month_end(coverage_end):
        return month_start(coverage_end)
    return add_months(month_start(coverage_end), -1)


@dataclass(frozen=True)
class Filters:
    month_from: dt.date
    month_to: dt.date  # first day of the last month; the period ends on that month's last day
    locality: tuple[str, ...] = ()
    sex: tuple[str, ...] = ()
    age_band: tuple[str, ...] = ()
    exploitation_type: tuple[str, ...] = ()
    # The step of trends, one of grain_choices(); the address bar's `step`. For protected
    # audiences hub.outputs.for_audience makes it at least the first of their choices.
    trend_grain: str = "month"
    notes: tuple[str, ...] = field(default=(), compare=False)  # what was ignored, and why

    @classmethod
    def default(cls, coverage_end: dt.date, *, protected: bool = False,
                coverage_start: dt.date | None = None, **restrictions) -> Filters:
        """The latest six whole months; for protected audiences the latest complete financial
        half-year (kpis.md), or, in an extract too short to hold one, its latest complete
        quarter."""
        last = last_whole_month(coverage_end)
        if not protected:
            return cls(add_months(last, 1 - PERIOD_MONTHS), last, **restrictions)
        # without a start, the last two years hold the latest half-year if there is one
        periods = reporting_periods(coverage_start or add_months(last, -24), coverage_end)
        halves = [p for p in periods if months_between(*p) == PERIOD_MONTHS]
        if halves or periods:
            return cls(*(halves or periods)[0], **restrictions)
        last = add_months(period_start(add_months(last, 1), PERIOD_MONTHS), -1)
        return cls(add_months(last, 1 - PERIOD_MONTHS), last, **restrictions)

    @property
    def start(self) -> dt.date:
        return self.month_from

    @property
    def end(self) -> dt.date:
        return month_end(self.month_to)

    @property
    def months(self) -> int:
        return months_between(self.month_from, self.month_to)

    def comparison(self) -> Filters:
        """The period of the same length just before this one, same restrictions."""
        return replace(self, month_from=add_months(self.month_from, -self.months),
                       month_to=add_months(self.month_from, -1))

    def describe_period(self) -> str:
        """'Apr 2019 to Sep 2019', with the reporting period's name when it is one."""
        name = period_name(self.month_from, self.month_to)
        return f"{self.start:%b %Y} to {self.end:%b %Y}" + (f" ({name})" if name else "")

    def extra(self) -> dict[str, tuple[str, ...]]:
        """The restrictions beyond the locality (sex, age band, exploitation type)."""
        return {k: v for k, v in self.restrictions().items() if k != "locality"}

    def without_extra(self) -> Filters:
        return replace(self, **dict.fromkeys(self.extra(), ()))

    def sql_params(self) -> dict:
        """Bound parameters shared by every query (None = no restriction)."""
        return {
            "date_from": self.start,
            "date_to": self.end,
            "localities": list(self.locality) or None,
            "sexes": list(self.sex) or None,
            "age_bands": list(self.age_band) or None,
            "exploitation_types": list(self.exploitation_type) or None,
        }

    def restrictions(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in CHOICES if getattr(self, name)}

    def not_applied_to(self, table: str) -> list[str]:
        """Labels of restrictions in force that `table` cannot carry."""
        return [FILTER_LABELS[name] for name in self.restrictions()
                if table not in APPLIES_TO[name]]

    def to_query_params(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {
            "from": f"{self.month_from:%Y-%m}", "to": f"{self.month_to:%Y-%m}"}
        if self.trend_grain != "month":
            params["step"] = self.trend_grain
        params.update({name: list(values) for name, values in self.restrictions().items()})
        return params

    @classmethod
    def from_query_params(cls, params: dict, coverage_start: dt.date,
                          coverage_end: dt.date, *, protected: bool = False) -> Filters:
        """Build filters from address-bar values; anything invalid is dropped with a note.
        For protected audiences the period must be a reporting period and at most one value
        beyond the locality applies (docs/disclosure.md rules 1 and 8)."""
        default = cls.default(coverage_end, protected=protected, coverage_start=coverage_start)
        notes: list[str] = []
        first, last = month_start(coverage_start), last_whole_month(coverage_end)

        def month(key: str, fallback: dt.date) -> dt.date:
            raw = _one(params.get(key))
            if raw is None:
                return fallback
            try:
                value = parse_month(raw)
            except ValueError:
                notes.append(f"'{key}={raw}' is not a month like 2019-04, so it was ignored.")
                return fallback
            if not first <= value <= last:
                notes.append(f"'{key}={raw}' is outside the extract ({first:%Y-%m} to "
                             f"{last:%Y-%m}), so it was ignored.")
                return fallback
            return value

        month_from = month("from", default.month_from)
        month_to = month("to", default.month_to)
        if month_from > month_to:
            notes.append(PERIOD_ORDER_NOTE)
            month_from, month_to = default.month_from, default.month_to
        elif protected and (month_from, month_to) not in reporting_periods(coverage_start,
                                                                          coverage_end):
            notes.append(PERIOD_NOTE.format(
                asked=f"{month_from:%b %Y} to {month_end(month_to):%b %Y}"))
            month_from, month_to = default.month_from, default.month_to

        chosen = {}
        for name, allowed in CHOICES.items():
            values = _many(params.get(name))
            bad = [v for v in values if v not in allowed]
            if bad:
                notes.append(f"Unknown {FILTER_LABELS[name].lower()} "
                             f"{', '.join(map(repr, bad))} ignored.")
            chosen[name] = tuple(v for v in allowed if v in values)
        if protected:
            chosen, more = protected_choices(chosen)
            notes += more
        step = _one(params.get("step"))
        if step is not None and step not in GRAIN_MONTHS:
            notes.append(f"Unknown step {step!r} ignored.")
        grain = nearest_grain(step if step in GRAIN_MONTHS else "month",
                              grain_choices(protected, bool(chosen.get("locality"))))
        return cls(month_from, month_to, trend_grain=grain, notes=tuple(notes), **chosen)


def grain_choices(protected: bool, one_district: bool) -> tuple[str, ...]:
    """The steps a trend can take, finest first: any for the hub lead; for the board and
    partnerships reporting periods, from quarters for the county and from half-years for one
    district (most of a district's quarterly figures would be [c])."""
    if not protected:
        return tuple(GRAIN_MONTHS)
    return ("half", "year") if one_district else ("quarter", "half", "year")


def nearest_grain(asked: str, choices: tuple[str, ...]) -> str:
    """The finest of `choices` at least as long as `asked` (else the longest)."""
    longer = [g for g in choices if GRAIN_MONTHS[g] >= GRAIN_MONTHS[asked]]
    return longer[0] if longer else choices[-1]


def protected_choices(chosen: dict[str, tuple[str, ...]]
                      ) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """What a protected view applies of the values chosen: one locality (views of several
    could be subtracted from each other) and at most one other value (rule 8), with a note
    for each thing left out."""
    notes = []
    if len(chosen.get("locality", ())) > 1:
        chosen = {**chosen, "locality": chosen["locality"][:1]}
        notes.append(f"Protected views show one locality at a time, so only "
                     f"{LOCALITIES[chosen['locality'][0]]} is shown.")
    chosen, note = one_extra_value(chosen)
    return chosen, notes + ([note] if note else [])


def one_extra_value(chosen: dict[str, tuple[str, ...]]
                    ) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """At most one value of one of sex, age band and exploitation type (the first asked for,
    in CHOICES order), and the note saying what was ignored (docs/disclosure.md rule 8)."""
    extra = [(name, value) for name in CHOICES if name != "locality"
             for value in chosen.get(name, ())]
    if len(extra) <= 1:
        return chosen, None
    (kept_name, kept), dropped = extra[0], extra[1:]
    kept_all = {**chosen, **{name: () for name, _ in extra}, kept_name: (kept,)}
    return kept_all, ONE_FILTER_NOTE.format(
        kept=f"{FILTER_LABELS[kept_name].lower()} {kept!r}",
        dropped=", ".join(f"{FILTER_LABELS[n].lower()} {v!r}" for n, v in dropped))


def _many(raw) -> list[str]:
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _one(raw) -> str | None:
    values = _many(raw)
    return values[-1] if values else None
