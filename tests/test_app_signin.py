"""Sign-in on the real pages (AppTest): nothing without the demo switch or a provider, only the
sign-in page before signing in, the audience from the role map after, the person named.

AppTest seeds `st.user` (`at.user`) and `st.secrets` (`at.secrets`) for a run; the browser
tests in tests/e2e/test_login.py go through a real provider."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hub import access
from hub.settings import ROOT
from tests.builders import build_extract, referral
from tests.test_app import DASHBOARD, PAGES, text_of

DEMO = ROOT / "data" / "demo"
# The [auth] section as st.login reads it; AppTest never calls the provider.
AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:1/oauth2callback",
                 "cookie_secret": "a cookie secret for the tests only",
                 "client_id": "cse-hub", "client_secret": "not a secret",
                 "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}}
ROLES = """[roles]
"hub-board" = "board"
"hub-lead" = "hub_lead"
"csp-melton" = "csp:E07000133"
"""
PERSON = {"is_logged_in": True, "sub": "sub-ann", "email": "ann@council.example",
          "name": "Ann Example", "nonce": "n-ann"}  # "iat": now, added by app()


def app(monkeypatch, tmp_path, extract: Path = DEMO, *, user: dict | None = None,
        provider: bool = True, page: str = "overview", query: dict | None = None,
        **env) -> AppTest:
    """The dashboard without demo mode: signed in as `user` (None: nobody), with the provider
    configured or not, the role map above; `query`, the address bar's parameters."""
    monkeypatch.delenv("HUB_DEMO", raising=False)
    monkeypatch.delenv("HUB_AUDIENCE", raising=False)
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES)
    for name, value in {"HUB_DATA_DIR": str(extract), "HUB_ROLE_MAP": str(roles),
                        "HUB_AUDIT_DIR": str(tmp_path / "audit"),
                        "HUB_SESSION_DIR": str(tmp_path / "sessions"), **env}.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    if provider:
        at.secrets = dict(AUTH)
    at.user = {"iat": int(time.time()), **user} if user else {"is_logged_in": False}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview" and not at.exception:
        at.switch_page(str(ROOT / "app_pages" / f"{page}.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shows_nothing(at: AppTest) -> None:
    """No figure, table, chart, download, filter or extract detail: the page says why only."""
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.get("download_button") and not at.sidebar.selectbox
    assert not at.sidebar.multiselect
    text = text_of(at)
    assert "demo-" not in text and "Extract" not in text and "Covers" not in text
    assert str(DEMO) not in text


def test_without_demo_mode_or_a_provider_nothing_is_shown(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path, provider=False)
    assert [e.value for e in at.error] == [access.NOT_CONFIGURED]
    shows_nothing(at)
    # not even to someone the role map knows, or on a deep link
    for page in PAGES:
        at = app(monkeypatch, tmp_path, provider=False, page=page,
                 user={**PERSON, "groups": ["hub-lead"]})
        assert [e.value for e in at.error] == [access.NOT_CONFIGURED]
        shows_nothing(at)


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_page(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path)
    assert [i.value for i in at.info] == [access.SIGN_IN]
    assert [b.label for b in at.button] == ["Sign in"]
    shows_nothing(at)


@pytest.mark.parametrize("groups, viewing_as", [
    (["hub-board"], "Board member"),
    (["hub-lead"], "Hub lead"),
    (["csp-melton"], "Partnership representative for Melton"),
])
def test_a_signed_in_person_gets_their_audience_and_sees_who_they_are(
        monkeypatch, tmp_path, groups, viewing_as):
    at = app(monkeypatch, tmp_path, user={**PERSON, "groups": groups})
    assert at.metric  # the figures
    assert any(f"**Viewing as:** {viewing_as}" in m.value for m in at.sidebar.markdown)
    assert "Signed in as Ann Example <ann@council.example>" in [t.value for t in at.sidebar.text]
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert access.DEMO_BANNER not in [i.value for i in at.info]


def test_a_person_with_no_mapped_role_is_refused_and_can_sign_out(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path, user={**PERSON, "groups": ["finance"]})
    assert [e.value for e in at.error] == [access.NO_ROLE]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    shows_nothing(at)


def test_several_roles_give_the_most_protected_and_a_choice(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path, user={**PERSON, "groups": ["hub-lead", "hub-board"]})
    role = at.sidebar.selectbox(key="role")
    assert role.options == ["Board member", "Hub lead"] and role.value == "board"
    assert not at.sidebar.toggle  # the board has no preview switch
    role.set_value("hub_lead").run()
    assert not at.exception
    assert at.sidebar.toggle(key="as_board")  # now the hub lead's view


def test_demo_mode_shows_its_banner_and_refuses_an_extract_not_marked_synthetic(
        monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_DEMO", "1")
    monkeypatch.setenv("HUB_AUDIENCE", "hub_lead")
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert access.DEMO_BANNER in [i.value for i in at.info] and at.metric
    real = build_extract(tmp_path / "real", synthetic=False, referrals=[referral()])
    monkeypatch.setenv("HUB_DATA_DIR", str(real))
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert [e.value for e in at.error] == [access.DEMO_REAL_EXTRACT]
    assert not at.metric and not at.dataframe


def test_opening_a_list_names_the_signed_in_person_in_the_log(monkeypatch, tmp_path):
    from hub import audit

    app(monkeypatch, tmp_path, user={**PERSON, "groups": ["hub-lead"]}, page="missing",
        query={"print": "1"})  # every section, so every list
    entries = audit.read_log(tmp_path / "audit").to_dict("records")
    assert entries  # each list opened on the page
    for entry in entries:
        assert entry["format"] == "screen" and entry["audience"] == "hub_lead"
        assert (entry["subject"], entry["email"]) == ("sub-ann", "ann@council.example")


def test_an_old_or_signed_out_session_gets_the_sign_in_page_only(monkeypatch, tmp_path):
    old = {**PERSON, "groups": ["hub-lead"], "iat": int(time.time()) - 9 * 3600}  # > 8 hours
    at = app(monkeypatch, tmp_path, user=old)
    assert [i.value for i in at.info] == [access.SESSION_ENDED]
    assert [b.label for b in at.button] == ["Sign in"]
    shows_nothing(at)
    cookie = {**PERSON, "groups": ["hub-lead"], "iat": int(time.time())}
    at = app(monkeypatch, tmp_path, user=cookie)
    assert at.metric and app(monkeypatch, tmp_path, user=cookie).metric  # the cookie works
    at.sidebar.button(key="sign_out").click().run()  # ends the session on the server
    copied = app(monkeypatch, tmp_path, user=cookie)  # the same cookie, copied before
    assert [i.value for i in copied.info] == [access.SESSION_ENDED]
    shows_nothing(copied)
