"""Prevention and pursuit: awareness work with children, and action against perpetrators.

For the board and partnerships: Warning Zone visits, "Breck's Last Game" screenings, CCE
workshops and outreach (including Gypsy and traveller communities, over time), by programme,
setting, locality and funder (the Warning Zone's funders apart); arrests, charges,
convictions, abduction warning notices and criminal injuries compensation awards by quarter.
"""

import streamlit as st

from hub import queries
from hub.contract import label
from hub.formatting import figure_text
from hub.ui.components import by_section, figure_block, figures, legend, not_applied_note, \
    page_header

page_header("Prevention and pursuit", "Prevention sessions delivered, and action taken "
            "against perpetrators.")


def prevention():
    """Participants and sessions by quarter, programme, locality, setting and funder."""
    st.header("Prevention")
    st.caption("Participants are attendances at sessions, not distinct children. For the "
               "board and partnerships they are adjusted in step with their sessions, and "
               "hidden beside a number of sessions that is hidden, which they would otherwise "
               "give away.")
    figure_block(queries.prevention_by_quarter, title="Participants by quarter and programme",
                 x="quarter", y="participants", series="programme", kind="stack", trend=True,
                 key="prevention_trend")
    left, right = st.columns(2)
    with left:
        figure_block(queries.prevention_breakdown, dimension="programme",
                     title="Participants by programme", x="category", y="participants",
                     horizontal=True, key="prevention_programme")
        figure_block(queries.prevention_breakdown, dimension="locality_code",
                     title="Participants by locality", x="category", y="participants",
                     horizontal=True, select_locality=True, key="prevention_locality")
    with right:
        figure_block(queries.prevention_breakdown, dimension="setting",
                     title="Sessions by setting", x="category", y="sessions", horizontal=True,
                     key="prevention_setting")
        figure_block(queries.prevention_breakdown, dimension="funder", title="Sessions by funder",
                     x="category", y="sessions", horizontal=True, key="prevention_funder")


def outreach():
    """Sessions and participants in Gypsy and traveller settings, over time."""
    st.header("Gypsy and traveller outreach")
    left, right = st.columns(2)
    with left:
        figure_block(queries.prevention_settings_by_quarter, setting="gypsy_traveller_outreach",
                     title="Sessions in Gypsy and traveller settings, over time", x="quarter",
                     y="sessions", kind="bar", trend=True,
                     key="prevention_gypsy_traveller_sessions")
    with right:
        figure_block(queries.prevention_settings_by_quarter, setting="gypsy_traveller_outreach",
                     title="Participants in Gypsy and traveller settings, over time", x="quarter",
                     y="participants", kind="bar", trend=True,
                     key="prevention_gypsy_traveller_participants")


def warning_zone():
    """Who funds the Warning Zone: its sessions and participants by funder."""
    st.header("Warning Zone funding")
    left, right = st.columns(2)
    with left:
        figure_block(queries.prevention_by_programme_and_funder, programme="warning_zone",
                     title="Warning Zone sessions by funder", x="funder", y="sessions",
                     horizontal=True, key="prevention_warning_zone_sessions")
    with right:
        figure_block(queries.prevention_by_programme_and_funder, programme="warning_zone",
                     title="Warning Zone participants by funder", x="funder", y="participants",
                     horizontal=True, key="prevention_warning_zone_participants")


def pursuit():
    """Action against perpetrators: totals and by quarter."""
    st.header("Pursuit")
    _, totals = figures(queries.pursue_totals)
    columns = st.columns(max(len(totals), 1))
    for col, row in zip(columns, totals.itertuples()):
        col.metric(label(row.measure), figure_text(row.in_period, row.in_period_status),
                   help="In the period", border=True)
        col.caption(f"Since the extract began: {figure_text(row.to_date, row.to_date_status)}")
    legend(totals)
    not_applied_note("pursue_outcomes")
    figure_block(queries.pursue_by_quarter, title="Action against perpetrators by quarter",
                 x="quarter", y="number", series="measure", kind="group", trend=True,
                 key="pursue_trend")


# 11 figure blocks: one section at a time (the print view, every section)
by_section({"Prevention": prevention, "Gypsy and traveller outreach": outreach,
            "Warning Zone funding": warning_zone, "Pursuit": pursuit})
