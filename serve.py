"""The server: `streamlit run serve.py` (what `make run` and the browser tests start).

`streamlit run` finds the st.App below and serves it with uvicorn, taking the same options as
for a plain script (--server.port, --server.address, --secrets.files...). The dashboard itself
is dashboard.py; in front of Streamlit's own routes runs hub/ui/guard.py: a download's address
is served only to the browser (and signed-in person) it was made for, and no client can clear
the server's caches.
"""

import streamlit as st
from starlette.middleware import Middleware

from hub.ui.guard import Guard

app = st.App("dashboard.py", middleware=[Middleware(Guard)])
