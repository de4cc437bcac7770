"""Local slices: the figures for one locality and period, to take away.

For partnership representatives (who get their own locality, with county totals in extra rows
below it), and for the board (any single locality, or the county) and the hub lead. The period
and the other filters come from the sidebar; the locality follows the sidebar's unless another is
picked here, and a line by the download buttons says which locality and period the files cover,
so nobody takes the county's file away for their district's. The tables are chosen here. Each
table is previewed exactly as it will be downloaded, already protected for the audience; a file
(CSV, Excel or Parquet) is built only when its button is clicked, without rerunning the page,
and every download is written to the download log first. The previews are shown one table at
a time (the print view shows them all), so a filter change protects only the table on screen;
a file's tables are protected when it is made, by the same function (hub.slices.build_slice).
"""

from functools import partial

import streamlit as st

from hub import audit, exports, slices
from hub.formatting import markdown_literal
from hub.ui.components import by_section, legend, local_slice, page_header
from hub.ui.context import view

v = view()
page_header("Local slices", "Figures for one locality and period, to download.")

COUNTY_CHOICE = "county"
if v.audience.kind == "csp":
    code = v.audience.locality  # a partnership's slice is always its own
    st.markdown(f"**Locality:** {markdown_literal(v.db.reference.locality_name(code))} (your "
                f"partnership), "
                f"with {slices.COUNTY} totals for comparison in extra rows below its own.")
else:
    options = [COUNTY_CHOICE, *v.audience.visible_localities]
    # The sidebar's locality when it names exactly one. The select starts from it and follows
    # each change made there (a keyed select would otherwise keep its old value).
    in_sidebar = v.filters.locality[0] if len(v.filters.locality) == 1 else COUNTY_CHOICE
    state = st.session_state
    if state.get("_slice_follows") != in_sidebar or "slice_locality" not in state:
        state["_slice_follows"] = state["slice_locality"] = in_sidebar
    choice = st.selectbox("Locality", options, key="slice_locality",
                          format_func=lambda c: slices.COUNTY if c == COUNTY_CHOICE
                          else v.db.reference.locality_name(c),
                          help="Starts from the sidebar's locality; pick another to download "
                               "its slice instead.")
    code = None if choice == COUNTY_CHOICE else choice

tables = st.multiselect("Tables", [t.name for t in slices.TABLES],
                        default=[t.name for t in slices.TABLES], key="slice_tables",
                        format_func=lambda name: slices.TABLES_BY_NAME[name].title)
filters = slices.slice_filters(v.filters, v.audience, code)
name = slices.locality_name(v.db, filters)
threshold = v.settings.suppression_threshold
st.caption(f"Period: {filters.describe_period()}. Other filters from the sidebar apply. "
           f"Marking: {exports.marking(v.audience)}.")

if not tables:
    st.info("Choose at least one table.")
    st.stop()



def _file(fmt: str):
    """The button's data: a callable run on click only, in its own thread (so it uses only
    what it is given here). It protects the slice's tables, logs the download, then returns
    the file; if the log cannot be written, it raises and the person sees the download fail
    (disclosure.md rule 6)."""
    tables_now = partial(slices.build_slice, v.db, filters, v.audience, threshold, tables)
    return partial(exports.download, v.db, filters, v.audience, threshold, tables_now, fmt,
                   v.settings.audit_dir, person=v.person)


st.subheader("Download")
county_rows = f", with {slices.COUNTY} totals in extra rows" if v.audience.kind == "csp" else ""
st.markdown(f"**These files cover {markdown_literal(name)}, {filters.describe_period()}"
            f"{county_rows}.**")
problem = audit.problem(v.settings.audit_dir)
if problem:
    st.warning(f"Downloads are switched off because {problem}. Please tell the hub lead.")
for column, (fmt, (label, mime)) in zip(st.columns(len(exports.FORMATS)),
                                        exports.FORMATS.items()):
    column.download_button(f"Download {label}", data=_file(fmt), file_name=exports.file_name(
        name, filters, fmt), mime=mime, on_click="ignore", key=f"slice_download_{fmt}",
        icon=":material/download:", disabled=bool(problem), width="stretch")
st.caption("CSV and Parquet hold every table in one tidy table (a `table` column says which); "
           "Excel has a 'Read me' sheet and a sheet per table. Each file repeats the rules it "
           "was protected by, the filters, the extract, when it was made and the symbols (in the "
           "CSV, on lines starting with #: pandas reads it with comment='#'). "
           "Every download is logged.")



def preview(table: str) -> None:
    """One table of the slice exactly as the files hold it."""
    spec, frame = slices.TABLES_BY_NAME[table], local_slice(filters, [table])[table]
    st.subheader(spec.title, anchor=f"slice_{table}")
    st.dataframe(exports.as_text(frame), hide_index=True, key=f"slice_preview_{table}")
    legend(frame)
    missing = filters.not_applied_to(spec.source) if spec.source else []
    if missing:
        st.caption(f"Not applied to these figures (the data does not carry them): "
                   f"{', '.join(missing)}.")


st.subheader("Preview")
by_section({slices.TABLES_BY_NAME[table].title: partial(preview, table) for table in tables})
