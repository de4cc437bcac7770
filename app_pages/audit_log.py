"""Download log: every file downloaded from the Local slices page, newest first.

For the hub lead only (the navigation lists this page for no one else): who downloaded (the
signed-in person and their audience), which slice, in what format and how many rows, when
(UTC) and from which extract, as disclosure.md rule 6 asks. The log itself lives in the audit
folder (HUB_AUDIT_DIR), a chain a replica; the page merges them and says if any is broken.
"""

import streamlit as st

from hub import audit
from hub.ui.context import view

v = view()
st.title("Download log")
if v.audience.kind != "hub_lead":  # belt and braces: the page is not in others' navigation
    st.error("The download log is for the hub lead only.")
    st.stop()

try:
    entries = audit.read_log(v.settings.audit_dir)
except OSError as exc:
    st.error(f"The download log in {audit.WHERE} cannot be read ({exc.strerror or exc}).")
    st.stop()
st.caption(f"Every download, and every opening of a list, newest first: {len(entries)} so far. "
           f"The log is kept in {audit.WHERE}.")
# The chains are checked on every view (a few thousand lines a second), so an edit, a deletion
# or a cut is seen here first. The problems name files and entry numbers, shown as typed.
checked = audit.verify(v.settings.audit_dir, v.settings.audit_key)
if not checked.ok:
    st.error("The download log has been altered or damaged since it was written. "
             "`python -m hub audit verify` names each break:")
    st.code("\n".join(checked.problems), language=None)
if checked.demo_key:
    st.warning(audit.DEMO_KEY_NOTE.capitalize() + " Set HUB_AUDIT_SECRET for real data.")
if entries.empty:
    st.info("No downloads yet.")
else:
    # At 1366 px wide the log reads without a sideways scroll: when, who, as what, which
    # slice, format and rows; the file, extract and sign-in ids are below, for checking.
    labels = {"at": "When (UTC)", "email": "Who", "audience_name": "As", "slice": "Slice",
              "format": "Format", "rows": "Rows", "file_name": "File", "extract_id": "Extract",
              "audience": "Audience", "subject": "Subject (sign-in id)"}
    widths = {"at": 150, "email": 210, "audience_name": 170, "slice": 220, "format": 70,
              "rows": 60}  # px: 880 of the 904 the main area has beside the sidebar
    config = {c: (st.column_config.NumberColumn if c == "rows" else st.column_config.TextColumn)(
        name, width=widths.get(c)) for c, name in labels.items()}
    st.dataframe(entries, hide_index=True, key="download_log", column_config=config,
                 column_order=["at", "email", "audience_name", "slice", "format", "rows"])
    with st.expander("File, extract and sign-in id of each entry"):
        st.dataframe(entries, hide_index=True, key="download_log_ids", column_config=config,
                     column_order=["at", "file_name", "extract_id", "audience", "subject"])
