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
st.caption(f"Every download from the Local slices page, newest first: {len(entries)} so far. "
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
    # At 1366 px wide, when, who, slice, format, rows and file show without scrolling (the
    # long slice text in a medium-width column); the extract and audience code come last.
    st.dataframe(entries, hide_index=True, key="download_log", column_order=[
        "at", "email", "audience_name", "slice", "format", "rows", "file_name", "extract_id",
        "audience", "subject",
    ], column_config={
        "at": st.column_config.TextColumn("When (UTC)"),
        "audience": st.column_config.TextColumn("Audience"),
        "email": st.column_config.TextColumn("Who"),
        "subject": st.column_config.TextColumn("Subject (sign-in id)"),
        "audience_name": st.column_config.TextColumn("As"),
        "slice": st.column_config.TextColumn("Slice", width="medium"),
        "format": st.column_config.TextColumn("Format"),
        "rows": st.column_config.NumberColumn("Rows"),
        "extract_id": st.column_config.TextColumn("Extract"),
        "file_name": st.column_config.TextColumn("File", width="medium"),
    })
