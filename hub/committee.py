"""What the committee asked: each question of the minutes of the six-month update
(seed: the committee's minutes, items i to viii), with a one-line answer and the chart that
shows it.

Answers are written only from the figures the audience is shown: the protected headline cards
and protected figure tables (hub.outputs), never the exact figures behind them. A change that
perturbation alone could make (CHANGE_NOISE either way) is not called a rise or a fall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from hub import queries
from hub.audience import Audience
from hub.contract import label
from hub.disclosure import STATUS_SUFFIX
from hub.filters import GRAIN_LABELS, Filters
from hub.formatting import figure_text
from hub.outputs import Card
from hub.queries import TIME
from hub.summaries import CHANGE_NOISE, direction, when

# figures(query) -> the protected frame of that query for the view (hub.outputs.protected)
Figures = Callable[[Callable[..., queries.Result]], pd.DataFrame]


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    page: str  # the app page file that shows it (app_pages/...)
    anchor: str  # the key of the figure block on that page
    section: str = ""  # the tab of that page the block is in, on a page shown by section


def _compared(what: str, now: float | None, now_text: str, when_now: str,
              before: float | None, before_text: str, when_before: str, noise: float) -> str:
    """'<what>: X in <when>, against Y in <when before>: a rise.'"""
    if now is None:
        return f"{what}: not shown ({now_text}) for {when_now}."
    sentence = f"{what}: {now_text} in {when_now}, against {before_text} in {when_before}"
    if before is None:
        return sentence + "."
    return sentence + f": {direction(now, before, noise)}."


def _cell(frame: pd.DataFrame, column: str, row) -> tuple[float | None, str]:
    """(value, or None when hidden; the text shown) of one cell."""
    value = frame.at[row, column]
    status = frame.at[row, column + STATUS_SUFFIX] if column + STATUS_SUFFIX in frame else ""
    return (None if pd.isna(value) else float(value)), figure_text(
        value, status, percent=column.endswith("_pct"))


def _trend_answer(frame: pd.DataFrame, column: str, what: str, noise: float,
                  **where) -> str:
    """The latest step of a trend against the step a year before it."""
    for name, value in where.items():
        frame = frame[frame[name] == value]
    if frame.empty:
        return f"{what}: no figures for this view."
    time = next(c for c in frame.columns if c in TIME)
    steps = pd.to_datetime(frame[time])
    latest = steps.max()
    year_before = latest - pd.DateOffset(months=12)
    now, now_text = _cell(frame, column, frame.index[steps == latest][0])
    if not (steps == year_before).any():
        return f"{what}: {now_text} in {when(latest, time)}."
    before, before_text = _cell(frame, column, frame.index[steps == year_before][0])
    return _compared(what, now, now_text, when(latest, time), before, before_text,
                     when(year_before, time), noise)


def _card_answer(card: Card, what: str, noise: float, comparison: str) -> str:
    """A headline figure of the period against the previous period."""
    return _compared(what, card.number, card.value, "the period", card.comparison_number,
                     card.comparison, comparison, noise)


# The figure tables the answers read besides the headline figures, in the order they read them.
ANSWERED_FROM = (queries.referrals_by_month, queries.cce_referrals_by_month,
                 queries.missing_shares_by_month, queries.prevention_by_programme_and_funder,
                 queries.prevention_settings_by_quarter, queries.pursue_totals)


def committee_answers(cards: list[Card], figures: Figures, filters: Filters,
                      audience: Audience) -> list[Answer]:
    """Every question of the minutes that figures can answer, answered for this view."""
    noise = CHANGE_NOISE if audience.protected else 0
    card = {c.label: c for c in cards}
    before = filters.comparison().describe_period()  # e.g. "Oct 2018 to Mar 2019 (H2 ...)"

    def from_card(label_: str, what: str) -> str:
        return _card_answer(card[label_], what, noise, before)

    types, cce_sex, shares, funders, settings, pursue = (figures(q) for q in ANSWERED_FROM)
    types = types[types["dimension"] == "exploitation_type"]
    pursue = pursue.set_index("measure")

    def pursue_text(measure: str, column: str) -> str:
        if measure not in pursue.index:
            return "0"
        return figure_text(pursue.at[measure, column],
                           pursue.at[measure, column + STATUS_SUFFIX])

    male = card["Male referrals (%)"]
    majority = ("" if male.number is None else
                " Most referrals were for girls." if male.number < 50 else
                " Most referrals were for boys.")
    return [
        Answer("With the wider brief, is sexual exploitation work getting lost?",
               _trend_answer(types, "referrals_pct", "CSE's share of referrals", noise,
                             category="cse")
               + " " + from_card("Joint CSE & CCE referrals", "Joint CSE & CCE referrals"),
               "app_pages/referrals.py", "referrals_type_share_trend", "Exploitation types"),
        Answer("Have more boys been referred since \u201cBreck's Last Game\u201d?",
               from_card("Male referrals (%)", "Boys' share of referrals") + majority,
               "app_pages/referrals.py", "referrals_male_share", "Boys and girls"),
        Answer("Are criminal exploitation referrals mostly of boys, from youth justice?",
               _trend_answer(cce_sex, "cce_referrals", "CCE referrals of boys", noise,
                             sex="male")
               + " " + from_card("CCE referrals from youth justice (%)",
                                 "The share of CCE referrals from youth justice"),
               "app_pages/referrals.py", "referrals_cce_sex_trend", "Exploitation types"),
        Answer("How are the families affected by Operation Lionheart followed up?",
               from_card("Lionheart cohort", "The follow-up cohort")
               + " " + from_card("Lionheart engaged at latest review (%)",
                                 "The share engaged at their latest review"),
               "app_pages/lionheart.py", "lionheart_relationship", "The cohort"),
        Answer("Who funds the Warning Zone?",
               _funders(funders), "app_pages/prevention_pursuit.py",
               "prevention_warning_zone_sessions", "Warning Zone funding"),
        Answer("How successful is the pursuit of perpetrators?",
               f"Convictions in the period: {pursue_text('convictions', 'in_period')}; "
               f"since the extract began: {pursue_text('convictions', 'to_date')} "
               f"convictions and {pursue_text('compensation_awards', 'to_date')} criminal "
               "injuries compensation awards to victims (county-wide).",
               "app_pages/prevention_pursuit.py", "pursue_trend", "Pursuit"),
        Answer("Are missing episodes still rising after the recording change of 2017/18?",
               from_card("Missing episodes", "Missing episodes"),
               "app_pages/missing.py", "missing_trend", "Episodes and children"),
        Answer("Is a strategy meeting held after three episodes in 90 days?",
               from_card("Strategy meetings within 14 days (%)",
                         "The share of triggers met within 14 days"),
               "app_pages/missing.py", "repeat_meeting_trend", "Repeat missing"),
        Answer("Are out-of-area children still the biggest cohort of those missing?",
               _trend_answer(shares, "out_of_area_pct",
                             "The share of children missing who were placed by other "
                             "councils", noise),
               "app_pages/missing.py", "missing_out_of_area_share", "Shares"),
        Answer("Is the share of children missing only once falling?",
               from_card("Children missing once (%)", "The share missing only once"),
               "app_pages/missing.py", "missing_once_trend", "Shares"),
        Answer("Are most children missing from home rather than care?",
               _trend_answer(shares, "from_home_pct", "The share of episodes from home",
                             noise),
               "app_pages/missing.py", "missing_from_home_share", "Shares"),
        Answer("Is prevention work reaching Gypsy and traveller communities?",
               _outreach(settings, filters),
               "app_pages/prevention_pursuit.py", "prevention_gypsy_traveller_sessions",
               "Gypsy and traveller outreach"),
    ]


def _funders(frame: pd.DataFrame) -> str:
    zone = frame[frame["programme"] == "warning_zone"].dropna(subset=["sessions"])
    if zone.empty:
        return "No Warning Zone sessions can be shown for this view."
    zone = zone.sort_values("sessions", ascending=False, kind="stable")
    parts = [f"{label(row.funder)} {figure_text(row.sessions)}" for row in zone.itertuples()]
    hidden = len(frame[(frame["programme"] == "warning_zone")]) - len(zone)
    return ("Warning Zone sessions in the period by funder, most first: " + "; ".join(parts)
            + (f"; {hidden} more funder{'s' if hidden > 1 else ''} [c]" if hidden else "")
            + ".")


def _outreach(frame: pd.DataFrame, filters: Filters) -> str:
    """Sessions in Gypsy and traveller settings in the steps within the period."""
    outreach = frame[frame["setting"] == "gypsy_traveller_outreach"]
    if outreach.empty:
        return "No sessions in Gypsy and traveller settings are recorded for this view."
    time = next(c for c in outreach.columns if c in TIME)
    start = pd.to_datetime(outreach[time])
    inside = outreach[(start >= pd.Timestamp(filters.start))
                      & (start <= pd.Timestamp(filters.end))]
    inside = inside if len(inside) else outreach[start == start.max()]
    steps = "; ".join(f"{when(pd.Timestamp(row[time]), time)} "
                      f"{figure_text(row['sessions'], row['sessions' + STATUS_SUFFIX])}"
                      for _, row in inside.iterrows())
    few = " Numbers this small are hidden to protect children's identities." \
        if inside["sessions"].isna().all() else ""
    return (f"Sessions in Gypsy and traveller settings, by {GRAIN_LABELS[time].lower()}: "
            f"{steps}.{few}")
