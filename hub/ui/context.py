"""What every page needs, resolved once per script run: the database, who is looking, filters.

This (with the rest of hub/ui) is the only code that imports Streamlit. The entry point builds
a `View` and pages read it with `view()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import threading
from dataclasses import dataclass, field

import streamlit as st

from hub import storage
from hub.access import DEMO_REAL_EXTRACT, Person
from hub.audience import Audience
from hub.contract import LOCALITIES, label
from hub.database import Database, open_database
from hub.extract import ExtractError
from hub.filters import CHOICES, FILTER_LABELS, GRAIN_LABELS, PERIOD_ORDER_NOTE, Filters, \
    add_months, grain_choices, last_whole_month, month_start, nearest_grain, protected_choices, \
    reporting_periods
from hub.formatting import markdown_literal
from hub.live import LiveExtract, ValidationCache
from hub.settings import Settings
from hub.ui import signin

log = logging.getLogger(__name__)
_VIEW = "_hub_view"


@dataclass(frozen=True)
class View:
    db: Database
    audience: Audience
    filters: Filters
    settings: Settings
    person: Person  # who is signed in (hub.access.DEMO_PERSON in demo mode)
    # the numbers of the events whose key a chart has shown in this run of the page
    events_named: set[int] = field(default_factory=set, compare=False)


def view() -> View:
    """The view the entry point resolved for this run (pages call this)."""
    return st.session_state[_VIEW]


def settings() -> Settings:
    return Settings.from_env()


NO_PERIOD_NOTE = ("This extract holds no whole financial quarter, so nothing can be shown to the "
                  "board or partnerships yet.")
PREVIEW_NOTE = ("Previewing the board's view: protected figures for whole reporting periods. "
                "Turn it off for the exact figures.")
REAL_EXTRACT_NOTE = ("This extract is not marked synthetic, and no perturbation secret is set "
                     "(HUB_PERTURBATION_SECRET), so its figures cannot be protected for the "
                     "board or partnerships. The hub lead can set the secret; until then only "
                     "the hub lead's view works.")


def preview_as_board(audience: Audience) -> Audience:
    """The hub lead may see any page as the board sees it (docs/disclosure.md rule 1)."""
    if audience.kind != "hub_lead":
        return audience
    if st.sidebar.toggle("As the board sees it", key="as_board",
                         help="Protected figures and reporting periods, as a board member "
                              "sees them."):
        st.sidebar.info(PREVIEW_NOTE, icon=":material/visibility:")
        return Audience("board")
    return audience


# The live extracts are followed for the process here (hub/live.py), not in st.cache_resource:
# nothing that clears Streamlit's caches (hub/ui/guard.py drops a client's clear_cache; this is
# the second wall) makes the server reopen and revalidate one. One follower per data path and
# settings; it keeps the last good extract for every session when a newer one is refused.
_FOLLOWING: dict[tuple, LiveExtract] = {}
_FOLLOWING_LOCK = threading.Lock()
_KEEP_FOLLOWING = 4
_LEASE = "_hub_lease"  # (follower, database) lent to this session's current run


def _follower(config: Settings) -> LiveExtract:
    key = (str(config.data_dir), str(config.reference_dir), config.repeat_threshold,
           config.repeat_window_days, config.record_key_secret, str(config.cache_dir),
           config.recheck_seconds)
    with _FOLLOWING_LOCK:
        if key not in _FOLLOWING:
            opener = functools.partial(_open, config)
            _FOLLOWING[key] = LiveExtract(config.data_dir, config.reference_dir, opener,
                                          cache=ValidationCache(config.cache_dir),
                                          recheck_seconds=config.recheck_seconds,
                                          source=storage.source(config.data_dir,
                                                                config.cache_dir))
            while len(_FOLLOWING) > _KEEP_FOLLOWING:  # the oldest first; closed when unused
                _FOLLOWING.pop(next(iter(_FOLLOWING))).close()
        return _FOLLOWING[key]


def _open(config: Settings, folder, validate: bool) -> Database:
    return open_database(folder, config.reference_dir, validate=validate,
                         repeat_threshold=config.repeat_threshold,
                         repeat_window_days=config.repeat_window_days,
                         secret=config.record_key_secret, cache_dir=config.cache_dir)


_TURNS: dict[int, threading.Semaphore] = {}  # runs at once -> the process's turns
_TURNS_LOCK = threading.Lock()
_holding = threading.local()  # the turn this thread's run holds


@contextlib.contextmanager
def run_turn(at_once: int):
    """A page run waits its turn: at most `at_once` runs of this process work at once, the
    others in the order they came. Python works on one thread at a time, so runs taken
    together share it and all finish late; taken in turn, most finish sooner."""
    with _TURNS_LOCK:
        turn = _TURNS.setdefault(at_once, threading.Semaphore(at_once))
    with turn:
        _holding.turn = turn
        try:
            yield
        finally:
            _holding.turn = None


@contextlib.contextmanager
def outside_turn():
    """Long work within a run (building a report: seconds) lets other runs go meanwhile."""
    turn = getattr(_holding, "turn", None)
    if turn is None:
        yield
        return
    _holding.turn = None
    turn.release()
    try:
        yield
    finally:
        turn.acquire()
        _holding.turn = turn


def end_run() -> None:
    """Give back the database this run used (the entry point calls it however the run ends),
    so that one no longer served can be closed."""
    lease = st.session_state.pop(_LEASE, None)
    if lease is not None:
        follower, db = lease
        follower.release(db)


def database(config: Settings) -> Database:
    """The validated live extract, lent to this run until end_run(). A refused extract is
    reported without a traceback and the last good extract keeps being served, if there is
    one, to every session."""
    end_run()  # a run that ended without end_run (it should not happen) gives its lease back
    follower = _follower(config)
    try:
        if follower.open_databases():
            served = follower.acquire()
        else:
            with st.spinner("Opening the extract..."):
                served = follower.acquire()
    except ExtractError as exc:  # refused, and nothing passed before
        _refused(config, str(exc))
        st.stop()
    st.session_state[_LEASE] = (follower, served.db)
    if served.refusal is not None:
        _refused(config, served.refusal)
        st.warning(f"Showing the last extract that passed validation, "
                   f"{markdown_literal(served.db.info.extract_id)}, to everyone until a new one "
                   "passes.")
    return served.db


def _refused(config: Settings, reason: str) -> None:
    st.error(f"The extract in {markdown_literal(config.data_dir)} was refused, so it is not "
             "shown. The hub lead can check it with `python -m hub validate`.")
    with st.expander("Why it was refused"):
        st.code(reason, language=None)


def _month_options(db: Database) -> list[str]:
    first, last = month_start(db.info.coverage_start), last_whole_month(db.info.coverage_end)
    options, month = [], first
    while month <= last:
        options.append(f"{month:%Y-%m}")
        month = add_months(month, 1)
    return options


_MOVED = "_hub_period_moved"


def _month_text(option: str) -> str:
    return f"{dt.datetime.strptime(option, '%Y-%m'):%b %Y}"


def _keep_in_order(changed: str) -> None:
    """A From month after the To month (or the reverse) moves the other box with it, so the
    boxes always show the period the figures are for."""
    state = st.session_state
    if state["from"] > state["to"]:  # "YYYY-MM" text sorts as the months do
        other = "to" if changed == "from" else "from"
        state[other] = state[changed]
        state[_MOVED] = (f"'{'To' if other == 'to' else 'From'}' moved to "
                         f"{_month_text(state[changed])} so that the period runs forwards.")


def _period_text(option: str) -> str:
    first, last = (dt.datetime.strptime(part, "%Y-%m").date() for part in option.split("/"))
    return Filters(first, last).describe_period()


def _period(db: Database, from_link: Filters, audience: Audience, sidebar) -> tuple:
    """(first month, last month) of the period: any months for the hub lead, a reporting
    period for protected audiences. Either way the address bar holds from and to, kept in step
    here (not bound by Streamlit, so that the hub lead's "As the board sees it" can swap the
    widgets within one session)."""
    state = st.session_state
    if not audience.protected:
        months = _month_options(db)
        for key, month in (("from", from_link.month_from), ("to", from_link.month_to)):
            if state.get(key) not in months:  # a new session (or view): the link decides
                state[key] = f"{month:%Y-%m}"
        picked = tuple(sidebar.selectbox(f"{name} (month)", months, key=key,
                                         on_change=_keep_in_order, args=(key,),
                                         format_func=_month_text)
                       for key, name in (("from", "From"), ("to", "To")))
        moved = state.pop(_MOVED, None)
        if moved:
            sidebar.info(moved, icon=":material/info:")
    else:
        options = [f"{a:%Y-%m}/{b:%Y-%m}"
                   for a, b in reporting_periods(db.info.coverage_start, db.info.coverage_end)]
        if not options:
            st.error(NO_PERIOD_NOTE)
            st.stop()
        asked = f"{from_link.month_from:%Y-%m}/{from_link.month_to:%Y-%m}"
        if state.get("period") not in options:  # a new session (or view): the link decides
            state["period"] = asked if asked in options else options[0]
        picked = tuple(sidebar.selectbox("Reporting period", options, key="period",
                                         format_func=_period_text,
                                         help="Whole financial quarters, half-years and "
                                              "years.").split("/"))
    st.query_params["from"], st.query_params["to"] = picked
    return tuple(dt.datetime.strptime(month, "%Y-%m").date() for month in picked)


def _trend_step(slot, asked: str, audience: Audience, chosen: dict) -> str:
    """The step of every trend chart (month, quarter, half-year or financial year), among
    those the audience may see for this locality; kept in the address bar as `step`."""
    choices = grain_choices(audience.protected, bool(chosen.get("locality")))
    state = st.session_state
    if state.get("step") not in choices:  # a new session, or a locality that allows fewer
        state["step"] = nearest_grain(state.get("step", asked), choices)
    grain = slot.radio("Trend step", choices, key="step", format_func=GRAIN_LABELS.get,
                       horizontal=True, help="How long each step of the trend charts is.")
    if grain == choices[0]:
        st.query_params.pop("step", None)
    else:
        st.query_params["step"] = grain
    return grain


def sidebar_filters(db: Database, audience: Audience) -> Filters:
    """The shared filters, bound to the address bar so any filtered view is a shareable link.

    Invalid values in a link are ignored by the widgets; they are named here first so that
    the person sees why the view differs from the link. Protected audiences get reporting
    periods and at most one value beyond the locality (docs/disclosure.md rules 1 and 8).
    """
    raw = {key: st.query_params.get_all(key) for key in ("from", "to", "step", *CHOICES)}
    from_link = Filters.from_query_params(raw, db.info.coverage_start, db.info.coverage_end,
                                          protected=audience.protected)
    sidebar = st.sidebar
    sidebar.header("Filters")
    notes_slot = sidebar.container()  # notes go above the filters, where they are seen
    month_from, month_to = _period(db, from_link, audience, sidebar)
    step_slot = sidebar.container()  # beside the period, filled once the locality is known
    chosen: dict[str, tuple[str, ...]] = {}
    notes = list(from_link.notes)
    state = st.session_state
    if audience.kind == "csp":
        chosen["locality"] = (audience.locality,)
        sidebar.markdown(f"**Locality:** {LOCALITIES[audience.locality]} (your partnership)")
        if raw["locality"] and raw["locality"] != [audience.locality]:
            notes.append("Only your own locality can be shown, so the locality in the link "
                         "was ignored.")
    boxes = [name for name in CHOICES if name not in chosen]
    for name in boxes:
        if name not in state:  # a new session: the link decides
            state[name] = list(getattr(from_link, name))
    if audience.protected:  # the boxes hold only what is applied (after a preview switch too)
        kept, _ = protected_choices({name: tuple(state[name]) for name in boxes})
        for name in boxes:
            state[name] = list(kept.get(name, ()))
    for name in boxes:
        # The same widget for every audience, so that switching the preview keeps the picks.
        # Not bound to the address bar by Streamlit, which would write the labels ("Melton")
        # there: the address bar holds codes (locality=E07000133), kept in step below.
        picked = sidebar.multiselect(FILTER_LABELS[name], CHOICES[name], key=name,
                                     format_func=label, placeholder="All")
        chosen[name] = tuple(v for v in CHOICES[name] if v in picked)
    if audience.protected:
        chosen, more = protected_choices(chosen)
        notes += more
        sidebar.caption("The board and partnerships see one locality, and at most one other "
                        "value, at a time.")
    for name in CHOICES:
        if name == "locality" and audience.kind == "csp":
            continue
        if chosen.get(name):
            st.query_params[name] = list(chosen[name])
        elif name in st.query_params:
            del st.query_params[name]
    grain = _trend_step(step_slot, from_link.trend_grain, audience, chosen)
    filters = Filters(month_from, month_to, trend_grain=grain, **chosen)
    if filters.month_from > filters.month_to:
        notes.append(PERIOD_ORDER_NOTE)
        default = Filters.default(db.info.coverage_end)
        filters = Filters(default.month_from, default.month_to, **chosen)
    for note in dict.fromkeys(notes):
        notes_slot.warning(markdown_literal(note), icon=":material/info:")
    return filters


def resolve_view() -> View:
    """Called by the entry point on every run, before the page runs."""
    config = settings()
    access = signin.current_access(config)  # hub.access.resolve_audience decides
    if access.audience is None:
        signin.refuse(access)  # stops: nobody may look
    signin.account(access)
    if access.note:
        st.sidebar.error(access.note)
    audience = preview_as_board(signin.choose_role(access))
    db = database(config)
    if access.demo and not db.info.synthetic:
        st.error(DEMO_REAL_EXTRACT)
        st.stop()
    if audience.protected and not db.info.synthetic and not config.perturbation_secret:
        st.error(REAL_EXTRACT_NOTE)
        st.stop()
    filters = sidebar_filters(db, audience)
    current = View(db, audience, filters, config, access.person)
    st.session_state[_VIEW] = current
    return current
