"""Overview: the board's six-month update at a glance.

For board members (and everyone): every headline figure of kpis.md with the previous period
and the change, a short written summary, and the main trends with the events that explain
their jumps.
"""

import streamlit as st

from hub import queries
from hub.committee import ANSWERED_FROM, committee_answers
from hub.outputs import overview_summary
from hub.ui.components import by_section, committee_section, figure_block, figures, \
    figures_at_once, headline_cards, metric_grid, page_header, symbol_legend
from hub.ui.context import view

v = view()
page_header("Six-month update", "The hub's headline figures, as the committee reads them.")
cards = headline_cards()


def headline_figures():
    """Every headline figure against the previous period, in words and as metrics, and the
    main trends."""
    figures_at_once((queries.referrals_by_month, queries.missing_by_month))  # the trends'
    st.markdown(overview_summary(cards, v.filters, v.audience))
    metric_grid(cards)
    st.caption(f"Each figure is compared with {v.filters.comparison().describe_period()}.")
    symbol_legend()
    left, right = st.columns(2)
    with left:
        figure_block(queries.referrals_by_month, dimension="exploitation_type",
                     title="Referrals by month and exploitation type", x="month",
                     y="referrals", series="category", kind="line", trend=True,
                     key="overview_referrals")
    with right:
        figure_block(queries.missing_by_month, title="Missing episodes and children by month",
                     x="month", y="episodes", kind="line", trend=True, key="overview_missing",
                     measures={"episodes": "Episodes", "children": "Children"})


def committee():
    """The minutes' questions, answered from the figures of the view."""
    figures_at_once(ANSWERED_FROM)
    committee_section(committee_answers(cards, lambda query: figures(query)[1], v.filters,
                                        v.audience))


# The committee's answers read six more figure tables: a tab of their own (the print view,
# both)
by_section({"Headline figures": headline_figures, "What the committee asked": committee})
