"""Navigation and the sidebar's account of what is shown and to whom."""

from __future__ import annotations

from functools import partial

import streamlit as st

from hub.audience import Audience
from hub.formatting import markdown_literal

PAGES = (
    # file, title, url path, icon, audiences that see it (None = everyone). The first page is
    # served at the root; its url path names it only inside Streamlit (ALIASES gives /overview).
    ("app_pages/overview.py", "Overview", "six-month-update", ":material/dashboard:", None),
    ("app_pages/referrals.py", "Referral mix", "referrals", ":material/group:", None),
    ("app_pages/missing.py", "Missing episodes", "missing", ":material/person_search:", None),
    ("app_pages/lionheart.py", "Operation Lionheart", "lionheart", ":material/diversity_3:",
     None),
    ("app_pages/prevention_pursuit.py", "Prevention and pursuit", "prevention-pursuit",
     ":material/school:", None),
    ("app_pages/local_slices.py", "Local slices", "local-slices", ":material/download:", None),
    ("app_pages/reports.py", "Reports", "reports", ":material/slideshow:", None),
    ("app_pages/audit_log.py", "Download log", "download-log", ":material/history:",
     ("hub_lead",)),
    ("app_pages/about.py", "About and accessibility", "about", ":material/info:", None),
)


# Addresses people have (older links, the first page's name) -> the page they open.
ALIASES = {"overview": "six-month-update", "prevention_pursuit": "prevention-pursuit",
           "local_slices": "local-slices", "audit_log": "download-log"}


def navigation(audience: Audience):
    pages = {path: st.Page(file, title=title, url_path=path, icon=icon, default=(i == 0))
             for i, (file, title, path, icon, who) in enumerate(PAGES)
             if who is None or audience.kind in who}
    # Hidden pages that open the page an old address names, with the link's filters; a page
    # the audience may not see gets no alias, so its old address says "Page not found".
    aliases = [st.Page(partial(_open_page, pages[target]), title=pages[target].title,
                       url_path=alias, visibility="hidden")
               for alias, target in ALIASES.items() if target in pages]
    return st.navigation([*pages.values(), *aliases])


def page_address(file: str) -> str:
    """The address of a page, from the root ('/' for the first)."""
    index = next(i for i, page in enumerate(PAGES) if page[0] == file)
    return "/" if index == 0 else f"/{PAGES[index][2]}"


def _open_page(page) -> None:
    st.switch_page(page, query_params={k: st.query_params.get_all(k) for k in st.query_params})


def sidebar_footer(current) -> None:
    info = current.db.info
    st.sidebar.divider()
    st.sidebar.markdown(
        f"**Viewing as:** {current.audience}  \n"
        f"**Extract:** {markdown_literal(info.extract_id)}  \n"
        f"**Covers:** {info.coverage_start:%d %b %Y} to {info.coverage_end:%d %b %Y}  \n"
        f"**Produced:** {markdown_literal(info.produced_at)}")
    if current.audience.protected:
        st.sidebar.caption(f"Figures are adjusted by small amounts, and those of 1 to "
                           f"{current.settings.suppression_threshold} shown as [c], to protect "
                           "children's identities.")
    else:
        st.sidebar.caption("OFFICIAL-SENSITIVE: unprotected operational figures. Not for "
                           "onward sharing.")


STYLE = """<style>
/* Headline labels wrap instead of being cut short: the exact label matters (kpis.md). */
[data-testid="stMetricLabel"] .stMarkdownEllipsis p { white-space: normal; overflow: visible; }
/* Captions carry the summaries and notes: full opacity for 4.5:1 contrast (WCAG 1.4.3). */
[data-testid="stCaptionContainer"] { opacity: 1; color: #5A5F6B; }
/* Printing a page: the page alone, headed by its title, period and marking (print_header);
   no sidebar, toolbars or tab labels; a chart, a metric or a table never split across pages. */
.stElementContainer:has(.hub-print-header) { display: none; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stElementToolbar"], .modebar-container,
  [data-testid="stTabs"] [role="tablist"] { display: none !important; }
  @page { size: A4; margin: 12mm; }
  /* Charts keep the width they were drawn at on screen: the page is scaled to fit A4. */
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important;
                                         zoom: 0.65; }
  .stElementContainer:has(.hub-print-header) { display: block; }
  .hub-print-header { border-bottom: 1px solid #6F6F6F; padding-bottom: 0.3rem; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stDataFrame"],
  .stElementContainer:has([data-testid="stPlotlyChart"]) { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
</style>"""


def apply_style() -> None:
    st.html(STYLE)


def print_header(current, page) -> None:
    """What a printed page says at its top (hidden on screen): the hub, the page's title, the
    locality, the period and the marking of files (hub.exports). Text escaped, never markup."""
    from html import escape

    from hub.exports import marking
    from hub.slices import locality_name

    place = locality_name(current.db, current.filters)
    words = (f"CSE, Missing and Trafficked Hub: {page.title}. {place}, "
             f"{current.filters.describe_period()}. {marking(current.audience)}.")
    st.html(f'<div class="hub-print-header">{escape(words)}</div>')
