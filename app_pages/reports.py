"""Reports: a slide pack and the six-month update for the current view, to take into a meeting.

For everyone. The slide pack (PowerPoint) carries the view's locality and period; the six-month
update (PDF) goes to a public committee, so it is built at board protection for the financial
half-year of the view, whoever builds it. The hub lead may tick "exact figures" for files marked
OFFICIAL-SENSITIVE. A file is built on request, with its progress shown, and downloaded through
the download log (hub.reports, hub.audit): nothing leaves unlogged.
"""

from functools import partial

import streamlit as st

from hub import audit, reports
from hub.slices import locality_name
from hub.ui.components import page_header
from hub.ui.context import outside_turn, view

v = view()
page_header("Reports", "A slide pack and the six-month update for this view, to take into a "
            "meeting.")

exact = False
if not v.audience.protected:
    exact = st.checkbox("Exact figures (OFFICIAL-SENSITIVE: the hub lead's operational files)",
                        key="report_exact",
                        help="Unticked, the files carry the board's protected figures, as "
                             "files that travel further than this screen should.")
problem = audit.problem(v.settings.audit_dir)
if problem:
    st.warning(f"Downloads are switched off because {problem}. Please tell the hub lead.")

threshold = v.settings.suppression_threshold
for column, (kind, (name, extension, mime)) in zip(st.columns(len(reports.KINDS)),
                                                   reports.KINDS.items()):
    with column:
        st.subheader(name[0].upper() + name[1:])
        audience = reports.file_audience(v.audience, exact)
        try:
            filters = reports.file_filters(v.db, audience, v.filters, kind)
        except reports.ReportError as exc:
            st.info(str(exc))
            continue
        st.caption(f"{extension.upper()} for {locality_name(v.db, filters)}, "
                   f"{filters.describe_period()}. Marking: "
                   f"{reports.file_marking(audience, kind)}."
                   + (" Built at board protection for a financial half-year, whoever builds "
                      "it." if kind == "report" and audience.protected else ""))
        wanted = (v.db.info.extract_id, v.db.key_id, v.filters, v.audience.code, exact)
        built = st.session_state.get(f"_report_{kind}")
        if st.button(f"Build the {name}", key=f"report_build_{kind}", disabled=bool(problem)):
            with st.status(f"Building the {name}...", expanded=True) as status, \
                    outside_turn():  # seconds of work: other people's pages go meanwhile
                st.write("Protecting the figures for the audience...")
                pack = reports.build_pack(v.db, v.audience, v.filters, threshold, kind,
                                          exact=exact)
                data = reports.render(pack, lambda number, total, title: st.text(
                    f"Drawing chart {number} of {total}: {title}"))
                status.update(label=f"The {name} is ready to download.", state="complete",
                              expanded=False)
            built = st.session_state[f"_report_{kind}"] = (wanted, pack, data)
        if built and built[0] == wanted:
            _, pack, data = built
            st.download_button(f"Download the {name}", key=f"report_download_{kind}",
                               data=partial(reports.logged, pack, data, v.settings.audit_dir,
                                            person=v.person),
                               file_name=reports.file_name(pack), mime=mime, on_click="ignore",
                               icon=":material/download:", disabled=bool(problem))
st.caption("Each file holds the headline figures against the previous period, the key charts "
           "with their one-line summaries, event keys and tables (alt text and speaker notes), "
           "the definitions and how the figures are protected. Every download is logged.")
