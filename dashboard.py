"""Entry point: `streamlit run dashboard.py` (or `make run`).

Every page, deep links included, runs through here first: page config, who is looking, the
extract, the shared filters bound to the address bar, then the navigation.
"""

import streamlit as st

from hub.ui.context import end_run, resolve_view, run_turn, settings
from hub.ui.layout import apply_style, navigation, print_header, sidebar_footer

# An emoji icon is drawn locally; a :material/ icon would make every browser fetch a font.
st.set_page_config(page_title="CSE, Missing and Trafficked Hub", page_icon="🛡️",
                   layout="wide", initial_sidebar_state="expanded")

apply_style()
with run_turn(settings().runs_at_once):  # runs of this process in turn (HUB_RUNS_AT_ONCE)
    try:
        current = resolve_view()
        page = navigation(current.audience)
        sidebar_footer(current)
        print_header(current, page)
        page.run()
    finally:  # however the run ends (st.stop, a rerun, an error): the database is given back
        end_run()
