"""About and accessibility: what the dashboard shows, how figures are protected, and the
accessibility statement. For everyone."""

import streamlit as st

from hub.disclosure import SYMBOLS
from hub.settings import ROOT
from hub.ui.context import view

KPIS = ROOT / "docs" / "kpis.md"  # the headline figures' definitions, inside the project

v = view()
st.title("About this dashboard")
st.markdown(
    "This dashboard shows the work of Leicestershire's Child Sexual Exploitation, Missing and "
    "Trafficked Hub: referrals, missing episodes, the follow-up of Operation Lionheart, "
    "prevention and pursuit. It reads only anonymised extracts from the hub's case-management "
    "systems; children are never named, and places are never finer than a district.")
if "SYNTHETIC" in v.db.info.source.upper():
    st.warning("The extract shown is synthetic demonstration data. Dates of events that the "
               "committee minutes do not give are illustrative.")

st.header("How small numbers are protected")
st.markdown(
    f"For the board and the Community Safety Partnerships, any count of children, episodes, "
    f"referrals, people or sessions from 1 to {v.settings.suppression_threshold} is shown as "
    "**[c]**, and so is the next smallest figure in the same row, column or series, so that "
    "no hidden figure can be worked out from a total. A percentage or rate is [c] when what it "
    "is made from is small. A hidden point in a chart is a gap, never a zero. Participants at "
    "prevention sessions are attendances, not children, so they are not hidden.")
st.table({"Symbol": list(SYMBOLS), "Meaning": list(SYMBOLS.values())})

st.header("Headline figures")
st.markdown("Every headline figure on the Overview page is defined exactly as below.")
with st.expander("Definitions of the headline figures"):
    # docs/kpis.md is the one source of truth; its title is this section's, and the rules it
    # points to are set out above on this page.
    st.markdown(KPIS.read_text(encoding="utf-8").split("\n", 1)[1].replace(
        "(docs/disclosure.md)", "(see How small numbers are protected, above)"))

st.header("Accessibility statement")
st.markdown(
    "We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. Every "
    "chart has a table view and a one-line summary in words; colours are chosen to be told "
    "apart with colour-blindness and have at least 3:1 contrast, and series also differ by "
    "marker shape, line style or pattern; the dashboard works with a keyboard and browser zoom. "
    "The dashboard is tested automatically with axe-core on every page. Known issues caused by "
    "the Streamlit framework are listed in the project's README. To report a problem or ask "
    "for figures in another format, contact the hub lead.")
