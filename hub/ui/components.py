"""Page building blocks: a figure block (chart + table + one-line summary), headline metrics.

Every block reads its figures through `figures()`, which runs the query (cached per extract
and filter set) and protects the result for the audience: pages cannot get around it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Callable, Sequence
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from hub import committee, exports, outputs, queries, sections, slices
from hub.audience import Audience
from hub.charts import chart, events_caption, image_options
from hub.contract import label
from hub.disclosure import ADJUSTED_NOTE, symbols, symbols_present
from hub.filters import Filters
from hub.formatting import markdown_literal
from hub.sections import GRAIN_NOTES, HIDDEN_NOTE
from hub.ui.context import view
from hub.ui.layout import page_address

QueryFunction = Callable[..., queries.Result]
# Cache keys: a Filters (a frozen dataclass of plain values) and a block's options (a tuple of
# literals) are named exactly by their repr, which costs a tenth of Streamlit's own hashing.
_KEYS = {Filters: repr, tuple: repr}


@st.cache_data(max_entries=1000, ttl=6 * 3600, show_spinner=False, hash_funcs=_KEYS)
def _protected(name: str, extract: str, filters: Filters, audience: str, threshold: int,
               _db) -> tuple[queries.Result, pd.DataFrame]:
    # Keyed on the query, the extract, the filters and the audience; _db is not hashed.
    return outputs.protected(getattr(queries, name), _db, filters, Audience.parse(audience),
                             threshold)


def figures(query: QueryFunction, filters: Filters | None = None,
            **where) -> tuple[queries.Result, pd.DataFrame]:
    """(raw Result for its metadata, protected frame) for the current view, rows narrowed by
    `where` (e.g. dimension='sex'). Only the protected frame is ever shown."""
    v = view()
    result, frame = _protected(query.__name__, _extract_key(v), filters or v.filters,
                               v.audience.code, v.settings.suppression_threshold, v.db)
    for column, value in where.items():
        frame = frame[frame[column] == value].drop(columns=column)
    return result, frame.reset_index(drop=True)


def figures_at_once(query_functions: Sequence[QueryFunction]) -> None:
    """Protect the view's figures of several queries at once, so that their DuckDB work
    overlaps (DuckDB plans and runs a query without holding Python's lock: two cores do two
    at a time); figures() then finds each cached."""
    run = get_script_run_ctx()  # the worker threads act for this script run

    def protect(query: QueryFunction) -> None:
        add_script_run_ctx(threading.current_thread(), run)
        figures(query)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(protect, query_functions))  # an error in one is raised here


def legend(frame: pd.DataFrame) -> None:
    used = symbols_present(frame, view().settings.suppression_threshold)
    if used:  # plain text: nothing here is rendered as Markdown
        st.caption("  \n".join(f"{s} {meaning}" for s, meaning in used.items()))


def not_applied_note(table: str) -> None:
    names = view().filters.not_applied_to(table)
    if names:
        st.caption(f"Not applied to these figures (the data does not carry them): "
                   f"{', '.join(names)}.")


@dataclass(frozen=True)
class Drawn:
    """What a figure block shows, built once per query, view and block (cached: a rerun with
    the same filters only sends it again). Never changed after it is built."""

    result: queries.Result
    frame: pd.DataFrame  # the protected figures, as drawn
    x: str
    y: str
    summary: str
    figure: object | None  # the Plotly figure; None when there is nothing to draw
    table: pd.DataFrame  # the table view
    events: pd.DataFrame | None  # the events the trend marks


@st.cache_resource(max_entries=2000, ttl=6 * 3600, show_spinner=False, hash_funcs=_KEYS)
def _drawn(name: str, extract: str, filters: Filters, audience: str, threshold: int,
           block: tuple, _v) -> Drawn:
    # Keyed like _protected, plus the block's own arguments; _v (the view) is not hashed.
    options = dict(block)
    select_locality = options.pop("select_locality")
    options.update(headers=dict(options["headers"]), where=dict(options["where"]),
                   measures=dict(options["measures"]) or None)
    spec = sections.ChartSpec(page="", query=getattr(queries, name), **options)
    v = _v
    result, protected = figures(spec.query, filters)
    ready = sections.prepare(result, protected, spec, v.db, filters)
    frame, x, y = ready.frame, ready.x, ready.y
    figure = None
    if not frame.empty and not frame[y].isna().all():
        stamp = (f"{filters.describe_period()}, "
                 f"{slices.locality_name(v.db, filters)}. {exports.marking(v.audience)}")
        figure = chart(frame, x=x, y=y, kind=spec.kind, series=ready.series,
                       percent=spec.percent, decimals=ready.decimals, title=spec.title,
                       subtitle=stamp, events=ready.events, period=ready.period,
                       horizontal=spec.horizontal, y_title=ready.headers.get(y, label(y)),
                       customdata=x if select_locality else None)
    return Drawn(result, frame, x, y, ready.summary, figure, ready.table(), ready.events)


def figure_block(query: QueryFunction, *, title: str, x: str, y: str, kind: str = "bar",
                 series: str | None = None, percent: bool = False, trend: bool = False,
                 horizontal: bool = False, headers: dict[str, str] | None = None,
                 key: str, select_locality: bool = False, measures: dict[str, str] | None = None,
                 decimals: int | None = None, **where) -> pd.DataFrame:
    """Title, one-line summary, chart and table views of one protected figure table.

    `measures` ({column: name}) draws several columns of the frame as series of one chart.
    """
    v = view()
    select_locality = select_locality and v.audience.kind != "csp"
    block = (("key", key), ("title", title), ("x", x), ("y", y), ("kind", kind),
             ("series", series),
             ("percent", percent), ("trend", trend), ("horizontal", horizontal),
             ("headers", tuple((headers or {}).items())), ("select_locality", select_locality),
             ("measures", tuple((measures or {}).items())), ("decimals", decimals),
             ("where", tuple(where.items())))
    drawn = _drawn(query.__name__, _extract_key(v), v.filters, v.audience.code,
                   v.settings.suppression_threshold, block, v)
    frame, y = drawn.frame, drawn.y
    grain_note = GRAIN_NOTES.get(drawn.result.time) if trend and v.audience.protected else None
    st.subheader(title, anchor=key)
    st.caption(drawn.summary)
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        if frame.empty:
            st.info("No figures for these filters.")
        elif drawn.figure is None:
            st.info("Every figure in this chart is hidden [c]: the numbers are too small to "
                    "show without risk of identifying a child. Try a longer period or the county.")
        else:
            st.plotly_chart(drawn.figure, key=key,
                            config={"displaylogo": False, "toImageButtonOptions": image_options(
                                title, v.filters.describe_period())},
                            on_select=partial(_select_locality, key) if select_locality
                            else "ignore",
                            selection_mode="points")
            if grain_note:
                st.caption(grain_note)
            if frame[y].isna().any():
                st.caption(HIDDEN_NOTE)
            if drawn.events is not None and len(drawn.events):
                st.caption(markdown_literal(_event_key(drawn.events)))  # labels from a file
            if select_locality:
                st.caption("Select a district's bar to filter every page by it.")
    with table_tab:
        st.dataframe(drawn.table, hide_index=True)
        legend(frame)
    not_applied_note(drawn.result.table)
    if drawn.result.dropped:
        st.caption(outputs.dropped_note(drawn.result.dropped))
    return frame.copy()


PRINT_VIEW = "print"  # ?print=1: the page with every section, for printing (hub/ui/layout.py)
SECTION = "section"  # ?section=<label>: the section a long page opens at (a shareable link)


def print_view() -> bool:
    return st.query_params.get(PRINT_VIEW) == "1"


def by_section(sections: dict[str, Callable[[], None]]) -> None:
    """A long page one section at a time: a tab for each (label: draw), and only the open
    tab's section runs, so a filter change builds only what is on screen. The open tab is kept
    in the address bar (?section=<label>), so it survives reruns and reloads and a link can
    name it. The print view (?print=1) draws every section one after another, for printing."""
    v = view()
    if print_view():
        st.caption("Print view: every section of the page, one after another.")
        for draw in sections.values():
            draw()
        return
    params = urlencode({**v.filters.to_query_params(), PRINT_VIEW: "1"}, doseq=True)
    st.caption(f"One section at a time. To print the whole page, open the "
               f"[print view](?{params}).")
    if st.session_state.get(SECTION) not in (None, *sections):
        # another page's open section (every page's tabs share the key, as the address bar
        # does): this page opens at the section its address names, or its first
        del st.session_state[SECTION]
    tabs = st.tabs(list(sections), key=SECTION, on_change="rerun", bind="query-params")
    for tab, draw in zip(tabs, sections.values()):
        if tab.open:  # a closed tab's section is not built (its tab shows it when opened)
            with tab:
                draw()


def committee_section(answers: list[committee.Answer]) -> None:
    """The questions of the minutes, each with its answer and a link to the chart (the
    link keeps the view's filters)."""
    v = view()
    st.header("What the committee asked", anchor="committee")
    st.caption("The questions raised at the committee's six-month update, answered from the "
               "figures on this dashboard for the view chosen. "
               + ("A change small enough to come from the adjustment of the figures is "
                  "called about the same." if v.audience.protected else ""))
    params = urlencode(v.filters.to_query_params(), doseq=True)
    for answer in answers:
        section = f"&{urlencode({SECTION: answer.section})}" if answer.section else ""
        link = f"{page_address(answer.page)}?{params}{section}#{answer.anchor}"
        st.markdown(f"**{answer.question}**  \n{markdown_literal(answer.answer)} "
                    f"[See the chart]({link})")


def _event_key(events: pd.DataFrame) -> str:
    """The events a trend marks, named in words under the first chart of the page that marks
    them; later charts refer back to it instead of repeating the key."""
    named = view().events_named
    numbers = list(events["number"])
    if named.issuperset(numbers):
        return (f"Marked: events {', '.join(map(str, numbers))}, named under the first trend "
                "chart above.")
    named.update(numbers)
    return events_caption(events)


def _select_locality(chart_key: str) -> None:
    """Clicking a district's bar filters every page by it (the locality filter is kept in the
    address bar, so the filtered view is a shareable link too). Protected audiences see one
    locality at a time."""
    points = st.session_state[chart_key]["selection"]["points"]
    codes = sorted({p["customdata"][0] if isinstance(p["customdata"], list) else p["customdata"]
                    for p in points if p.get("customdata")})
    if codes:
        st.session_state["locality"] = codes[:1] if view().audience.protected else codes


def hub_lead_list(frame: pd.DataFrame, *, title: str, key: str) -> None:
    """A pseudonymised list for the hub lead: shown only once its opening is logged (once a
    session for each list and filter set), sortable by its headers, with a CSV download
    (OFFICIAL-SENSITIVE) that is logged before it is given."""
    v = view()
    if v.audience.protected:  # never for anyone else, whatever a page asks
        return
    # the lists are "now": the period does not change them, so it does not log them again
    f = v.filters
    opened = f"_list_logged_{key}|{_extract_key(v)}|{f.locality}|{f.sex}|{f.age_band}"
    if opened not in st.session_state:
        problem = exports.list_viewed(title, v.db, v.filters, v.audience, len(frame),
                                      v.settings.audit_dir, person=v.person)
        if problem:
            st.warning(f"The list is not shown because {problem}. Please tell the hub lead.")
            return
        st.session_state[opened] = True
    # Every row without an inner scroll: 35 px a row and the header, for up to 20 rows.
    st.dataframe(frame, hide_index=True, key=key, height=(min(len(frame), 20) + 1) * 35 + 3)
    st.download_button(f"Download the list (CSV, {exports.MARKING_SENSITIVE})",
                       data=partial(exports.list_download, frame, title, v.db, v.filters,
                                    v.audience, v.settings.audit_dir, person=v.person),
                       file_name=exports.list_file_name(title, v.db), mime="text/csv",
                       on_click="ignore",
                       key=f"{key}_download", icon=":material/download:")


def metric_grid(cards: list[outputs.Card], columns: int = 4) -> None:
    """Headline figures as metrics: value, change and the comparison value in words."""
    for start in range(0, len(cards), columns):
        row = st.columns(columns)
        for col, card in zip(row, cards[start:start + columns]):
            help_text = f"Previous period: {card.comparison}."
            if card.not_applied:
                help_text += f" Not applied: {', '.join(card.not_applied)}."
            col.metric(card.label, card.value, delta=card.change, delta_color="off",
                       help=help_text, border=True)
            caption = f"Previous: {card.comparison}"
            if card.not_applied:  # visible, not only on hover: e.g. county-wide convictions
                caption += (" · **" + ("County-wide: " if "Locality" in card.not_applied else "")
                            + f"not filtered by {', '.join(card.not_applied).lower()}**")
            col.caption(caption)


def symbol_legend() -> None:
    entries = symbols(view().settings.suppression_threshold)
    st.caption("  \n".join(f"{s} {meaning}" for s, meaning in entries.items()))


@st.cache_data(max_entries=200, ttl=6 * 3600, show_spinner=False, hash_funcs=_KEYS)
def _headline(extract: str, filters: Filters, audience: str, threshold: int,
              _db) -> list[outputs.Card]:
    return outputs.headline(_db, filters, Audience.parse(audience), threshold)


def headline_cards() -> list[outputs.Card]:
    """The headline figures of the current view, protected for its audience."""
    v = view()
    return _headline(_extract_key(v), v.filters, v.audience.code,
                     v.settings.suppression_threshold, v.db)


def _extract_key(v) -> str:
    # the secret too: figures perturbed with an old key must never be served beside new ones
    return f"{v.db.info.path}|{v.db.info.extract_id}|{v.db.key_id}"


def page_header(title: str, intro: str) -> None:
    v = view()
    st.title(title)
    st.caption(f"{intro} Period: {v.filters.describe_period()}. Trend charts run from the "
               "start of the extract to the end of the period, which is shaded.")
    if v.audience.protected:
        st.caption(ADJUSTED_NOTE)


@st.cache_data(max_entries=100, ttl=6 * 3600, show_spinner="Building the slice...",
               hash_funcs=_KEYS)
def _local_slice(extract: str, filters: Filters, audience: str, threshold: int,
                 tables: tuple[str, ...], _db) -> dict[str, pd.DataFrame]:
    # Keyed like _protected: the extract, the slice's filters, the audience and the tables.
    return slices.build_slice(_db, filters, Audience.parse(audience), threshold, list(tables))


def local_slice(filters: Filters, tables: list[str]) -> dict[str, pd.DataFrame]:
    """The protected tidy tables of a local slice (hub.slices) for the current audience."""
    v = view()
    return _local_slice(_extract_key(v), filters, v.audience.code,
                        v.settings.suppression_threshold, tuple(tables), v.db)
