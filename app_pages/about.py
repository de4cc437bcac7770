"""About and accessibility: what the dashboard shows, how figures are protected, and the
accessibility statement. For everyone."""

import streamlit as st

from hub.disclosure import ADJUSTED_NOTE, SHARE_EXTREMES_BELOW, symbols
from hub.ptable import PARAMETERS, default_ptable
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
threshold = v.settings.suppression_threshold
ptable = default_ptable()
st.markdown(
    "For the board and the Community Safety Partnerships, every count of children, episodes, "
    "referrals, people, households, sessions or meetings is **adjusted by a small amount**, "
    f"from -{PARAMETERS.max_noise} to +{PARAMETERS.max_noise}, before it is shown. The "
    "adjustment is not random each time: it is worked out from the children (or episodes, "
    "or referrals) in the figure, so the same group always shows the same figure, on every "
    "page, chart and file. This is cell key perturbation, the method the Office for National "
    "Statistics used for Census 2021 and the Australian Bureau of Statistics uses for its "
    "own table builder. Taking one figure from another then gives only a noisy guess, never a "
    "child's exact count.")
st.markdown(
    f"After adjustment, a count from 1 to {threshold} is shown as **[c]**. A zero stays zero, "
    "but a shown 0 can also be a small number adjusted down, so it never proves that no child "
    "was counted. Percentages are worked out from adjusted counts, and are [c] when what they "
    f"are made from is small, or when they are 0% or 100% of fewer than "
    f"{SHARE_EXTREMES_BELOW}. A rate per 10,000 children is [c] when its count is. "
    "Participants at prevention sessions are attendances, not children: they are adjusted in "
    "step with their sessions, and hidden beside a number of sessions that is hidden. A category "
    "whose figures all come out as 0 is left out, as one with nobody in it is.")
st.markdown(
    "Figures cover whole financial quarters, half-years or years. Trends step by quarter for "
    "the county and by half-year for one district. A view filters by its locality and at most "
    "one other value (one sex, one age band or one type of exploitation), and no figure "
    "crosses more than two characteristics besides the period and the locality. A hidden "
    "point in a chart is a gap, never a zero.")
st.caption(ADJUSTED_NOTE)
st.markdown(
    f"The adjustments come from a published table ({ptable.name}, checksum "
    f"{ptable.sha256[:16]}...) in the same format as the ONS package: for a count of "
    f"{PARAMETERS.max_noise + 1} or more, each adjustment from -{PARAMETERS.max_noise} to "
    f"+{PARAMETERS.max_noise} is about equally likely and they average zero; counts of 1 to "
    f"{PARAMETERS.max_noise} are sent to 0 at least "
    f"{PARAMETERS.min_zero_share_small:.0%} of the time and are never made negative. The "
    "secret key that turns the units into adjustments is held by the hub.")
st.table({"Symbol": list(symbols(threshold)), "Meaning": list(symbols(threshold).values())})

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
    "The dashboard is tested automatically with axe-core on every page. To report a problem or "
    "ask for figures in another format, contact the hub lead.")
