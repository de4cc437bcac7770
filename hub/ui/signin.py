"""Sign-in on the screen: the sign-in and refusal pages, the role choice, who is signed in.

What is decided lives in hub/access.py (`resolve_audience`, pure and unit-tested); this module
only gathers what Streamlit knows (st.user, st.secrets, the person's pick) and draws the result.
Text from the identity provider (names, emails) is shown with st.text, never as Markdown.
"""

from __future__ import annotations

import logging

import streamlit as st

from hub import access as decide
from hub.access import Access
from hub.audience import Audience
from hub.settings import Settings

log = logging.getLogger(__name__)
TITLE = "CSE, Missing and Trafficked Hub"
ROLE_KEY = "role"  # the person's pick among their roles (an audience code)


def provider_configured() -> bool:
    """An [auth] section in Streamlit's secrets (.streamlit/secrets.toml or secrets.files).
    A secrets file that cannot be read counts as no provider: the app then refuses."""
    try:
        return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))
    except Exception:  # a malformed secrets.toml: deny, and say why in the server's log
        log.exception("the secrets file cannot be read")
        return False


def current_access(config: Settings) -> Access:
    """This run's decision (hub.access.resolve_audience) from what Streamlit knows."""
    configured = False if config.demo else provider_configured()
    user = st.user.to_dict() if configured else None
    return decide.resolve_audience(config, user, provider_configured=configured,
                                   chosen=st.session_state.get(ROLE_KEY))


def refuse(access: Access) -> None:
    """The whole page when nobody may look: no figures, no extract details. Stops the run."""
    st.title(TITLE)
    if access.refusal in (decide.SIGN_IN, decide.SESSION_ENDED):
        st.info(access.refusal, icon=":material/lock:")
        st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
    else:
        st.error(access.refusal, icon=":material/block:")
    if access.person is not None:
        account(access)
    st.stop()


def choose_role(access: Access) -> Audience:
    """Several roles: the sidebar offers them, the most protected first (and by default)."""
    if len(access.roles) < 2:
        return access.audience
    codes = [role.code for role in access.roles]
    by_code = {role.code: role for role in access.roles}
    st.sidebar.selectbox("Your role", codes, key=ROLE_KEY, index=codes.index(access.audience.code),
                         format_func=lambda code: str(by_code[code]),
                         help="You have several roles: the most protected view is shown "
                              "unless you choose another.")
    return access.audience


def account(access: Access) -> None:
    """Who is signed in, and the sign-out button; in demo mode, the banner."""
    if access.demo:
        st.info(decide.DEMO_BANNER, icon=":material/science:")
        return
    st.sidebar.text(f"Signed in as {access.person}")
    st.sidebar.button("Sign out", on_click=sign_out, key="sign_out", icon=":material/logout:")


def sign_out() -> None:
    """End the session on the server first (so that a copy of the cookie no longer counts),
    then clear the browser's cookie."""
    decide.sessions(Settings.from_env()).end(st.user.to_dict())
    st.logout()
