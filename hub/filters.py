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
    # Trends by 'month', or by 'quarter' where one district's months would be mostly [c]
    # (set by hub.outputs.for_audience, never from a link).
    trend_grain: str = "month"
    notes: tuple[str, ...] = field(default=(), compare=False)  # what was ignored, and why

    @classmethod
    def default(cls, coverage_end: dt.date, **restrictions) -> Filters:
        last = last_whole_month(coverage_end)
        return cls(add_months(last, 1 - PERIOD_MONTHS), last, **restrictions)

    @property
    def start(self) -> dt.date:
        return self.month_from

    @property
    def end(self) -> dt.date:
        return month_end(self.month_to)

    @property
    def months(self) -> int:
        return (self.month_to.year - self.month_from.year) * 12 \
            + self.month_to.month - self.month_from.month + 1

    def comparison(self) -> Filters:
        """The period of the same length just before this one, same restrictions."""
        return replace(self, month_from=add_months(self.month_from, -self.months),
                       month_to=add_months(self.month_from, -1))

    def describe_period(self) -> str:
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

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
        params.update({name: list(values) for name, values in self.restrictions().items()})
        return params

    @classmethod
    def from_query_params(cls, params: dict, coverage_start: dt.date,
                          coverage_end: dt.date) -> Filters:
        """Build filters from address-bar values; anything invalid is dropped with a note."""
        default = cls.default(coverage_end)
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

        chosen = {}
        for name, allowed in CHOICES.items():
            values = _many(params.get(name))
            bad = [v for v in values if v not in allowed]
            if bad:
                notes.append(f"Unknown {FILTER_LABELS[name].lower()} "
                             f"{', '.join(map(repr, bad))} ignored.")
            chosen[name] = tuple(v for v in allowed if v in values)
        return cls(month_from, month_to, notes=tuple(notes), **chosen)


def _many(raw) -> list[str]:
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _one(raw) -> str | None:
    values = _many(raw)
    return values[-1] if values else None
