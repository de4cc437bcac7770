"""Who may look, and as whom (hub/access.py): demo mode, sign-in, roles from claims."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import replace

import pytest

from hub import access
from hub.access import DEMO_PERSON, Person, RoleMapError, load_role_map, resolve_audience
from hub.audience import Audience
from hub.settings import Settings

ROLES = """
[roles]
"hub-board" = "board"
"hub-lead" = "hub_lead"
"csp-melton" = "csp:E07000133"
"csp-blaby" = "csp:E07000129"
"""


@pytest.fixture
def config(tmp_path) -> Settings:
    role_map = tmp_path / "roles.toml"
    role_map.write_text(ROLES)
    return replace(Settings.from_env({}, tmp_path / "no-secrets.toml"), role_map=role_map,
                   session_dir=tmp_path / "sessions")


def signed_in(sub="sub-1", **claims) -> dict:
    """Claims as st.user holds them, of an ID token issued just now."""
    return {"is_logged_in": True, "sub": sub, "email": f"{sub}@council.example",
            "iat": int(time.time()), "nonce": "n-1", **claims}


def test_without_demo_or_provider_nobody_gets_in(config):
    for user in (None, signed_in(groups=["hub-lead"])):
        decided = resolve_audience(config, user, provider_configured=False)
        assert decided.audience is None and decided.refusal == access.NOT_CONFIGURED


def test_demo_mode_takes_the_audience_from_the_setting_and_nobody_signs_in(config):
    demo = replace(config, demo=True, audience="csp:E07000133")
    decided = resolve_audience(demo, None, provider_configured=False)
    assert decided.audience == Audience("csp", "E07000133")
    assert decided.person == DEMO_PERSON and decided.demo and not decided.signed_in
    # a provider and a signed-in person change nothing in demo mode
    assert resolve_audience(demo, signed_in(groups=["hub-lead"]),
                            provider_configured=True).audience == Audience("csp", "E07000133")
    unknown = resolve_audience(replace(config, demo=True, audience="admin"), None,
                               provider_configured=False)
    assert unknown.audience == Audience("board") and "unknown audience 'admin'" in unknown.note


def test_the_demo_switch_is_exactly_1(tmp_path):
    for value, demo in (("1", True), ("", False), ("0", False), ("yes", False)):
        assert Settings.from_env({"HUB_DEMO": value}, tmp_path / "none.toml").demo is demo


def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in(config):
    for user in (None, {}, {"is_logged_in": False}, {"is_logged_in": True},  # no subject
                 {"is_logged_in": "true", "sub": "x"}):
        decided = resolve_audience(config, user, provider_configured=True)
        assert decided.audience is None and decided.refusal == access.SIGN_IN, user


@pytest.mark.parametrize("groups, audience", [
    (["hub-board"], Audience("board")),
    (["hub-lead"], Audience("hub_lead")),
    (["csp-melton"], Audience("csp", "E07000133")),
    ("hub-lead", Audience("hub_lead")),  # a single value, not a list
    (["other", "hub-board"], Audience("board")),
])
def test_a_signed_in_person_gets_the_audience_their_claim_maps_to(config, groups, audience):
    decided = resolve_audience(config, signed_in(groups=groups, name="Ann Example"),
                               provider_configured=True)
    assert decided.audience == audience and decided.refusal is None
    assert decided.person == Person("sub-1", "sub-1@council.example", "Ann Example")
    assert decided.signed_in and not decided.demo


@pytest.mark.parametrize("claims", [{"groups": ["someone-else"]}, {"groups": []}, {},
                                    {"groups": {"hub-lead": True}}, {"roles": ["hub-lead"]}])
def test_a_person_whose_claims_map_to_nothing_is_refused(config, claims):
    decided = resolve_audience(config, signed_in(**claims), provider_configured=True)
    assert decided.audience is None and decided.refusal == access.NO_ROLE
    assert decided.person.subject == "sub-1"  # so that they can sign out


def test_the_claim_is_a_setting(config):
    roles = replace(config, role_claim="roles")
    decided = resolve_audience(roles, signed_in(roles=["hub-lead"], groups=["hub-board"]),
                               provider_configured=True)
    assert decided.audience == Audience("hub_lead")


def test_several_roles_give_the_most_protected_unless_the_person_chooses(config):
    everything = signed_in(groups=["hub-lead", "hub-board", "csp-melton", "csp-blaby"])
    decided = resolve_audience(config, everything, provider_configured=True)
    # partnerships first (one district, in code order), then the board, then the hub lead
    assert decided.roles == (Audience("csp", "E07000129"), Audience("csp", "E07000133"),
                             Audience("board"), Audience("hub_lead"))
    assert decided.audience == Audience("csp", "E07000129")
    assert resolve_audience(config, everything, provider_configured=True,
                            chosen="hub_lead").audience == Audience("hub_lead")
    # a choice that is not one of their roles is ignored
    lead_and_board = signed_in(groups=["hub-lead", "hub-board"])
    assert resolve_audience(config, lead_and_board, provider_configured=True,
                            chosen="csp:E07000133").audience == Audience("board")


def test_no_role_map_means_no_role(config):
    decided = resolve_audience(replace(config, role_map=None), signed_in(groups=["hub-lead"]),
                               provider_configured=True)
    assert decided.refusal == access.NO_ROLE


@pytest.mark.parametrize("name, text", [
    ("missing.toml", None),
    ("bad.toml", "[roles\n"),
    ("no-table.toml", 'board = "board"\n'),
    ("unknown.toml", '[roles]\n"x" = "admin"\n'),
    ("district.toml", '[roles]\n"x" = "csp:E99999999"\n'),
])
def test_a_broken_role_map_lets_nobody_in_and_says_so(config, tmp_path, name, text):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(RoleMapError):
        load_role_map(path)
    decided = resolve_audience(replace(config, role_map=path), signed_in(groups=["x"]),
                               provider_configured=True)
    assert decided.audience is None and decided.refusal == access.ROLE_MAP_BROKEN
    assert str(tmp_path) not in decided.refusal  # the page names no server path


def test_the_role_map_may_be_json(tmp_path):
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"roles": {"lead": "hub_lead", "melton": "csp:E07000133"}}))
    assert load_role_map(path) == {"lead": Audience("hub_lead"),
                                   "melton": Audience("csp", "E07000133")}


def test_the_committed_example_role_map_is_valid():
    from hub.settings import ROOT

    mapped = load_role_map(ROOT / ".streamlit" / "roles.example.toml")
    assert set(mapped.values()) >= {Audience("board"), Audience("hub_lead"),
                                    Audience("csp", "E07000133")}


def test_people_are_named_in_words():
    assert str(Person("s1", "ann@council.example", "Ann Example")) == \
        "Ann Example <ann@council.example>"
    assert str(Person("s1", "")) == "s1"
    assert "demo" in str(DEMO_PERSON).lower() and DEMO_PERSON.is_demo


# --- Sessions end (hub/sessions.py) --------------------------------------------------------------

def test_a_session_ends_at_its_maximum_age_or_after_idling_and_stays_ended(config):
    from hub.sessions import ENDED, EXPIRED, IDLE, SessionBook

    book = SessionBook(config.session_dir, max_age=dt.timedelta(hours=8),
                       idle=dt.timedelta(minutes=30))
    issued = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    claims = signed_in(iat=int(issued.timestamp()))
    assert book.check(claims, issued + dt.timedelta(minutes=1)) is None
    assert book.check(claims, issued + dt.timedelta(minutes=30)) is None  # seen 29 min ago
    assert book.check(claims, issued + dt.timedelta(minutes=61)) == IDLE  # 31 min unused
    assert book.check(claims, issued + dt.timedelta(minutes=62)) == ENDED  # for good
    # another sign-in (a new issue time) is a new session; it lasts 8 hours at most
    later = signed_in(iat=int(issued.timestamp()) + 60)
    for minutes in range(2, 8 * 60, 25):
        assert book.check(later, issued + dt.timedelta(minutes=minutes)) is None
    assert book.check(later, issued + dt.timedelta(hours=8, minutes=2)) == EXPIRED
    assert book.check(signed_in(iat=None), issued) == EXPIRED  # no issue time: refused


def test_signing_out_ends_every_copy_of_the_cookie(config):
    from hub.sessions import ENDED

    claims = signed_in(groups=["hub-lead"])
    assert resolve_audience(config, claims, provider_configured=True).audience
    access.sessions(config).end(dict(claims))  # what the cookie holds, copied or not
    decided = resolve_audience(config, claims, provider_configured=True)
    assert decided.audience is None and decided.refusal == access.SESSION_ENDED
    assert access.sessions(config).check(claims, dt.datetime.now(dt.timezone.utc)) == ENDED
    # a new sign-in by the same person (a new token) is let in
    again = signed_in(groups=["hub-lead"], iat=claims["iat"] + 1)
    assert resolve_audience(config, again, provider_configured=True).audience


def test_the_session_limits_are_settings(config):
    old = signed_in(groups=["hub-board"], iat=int(time.time()) - 3 * 3600)
    assert resolve_audience(config, old, provider_configured=True).audience  # 8 h default
    short = replace(config, session_max_minutes=120)
    assert resolve_audience(short, signed_in(groups=["hub-board"], iat=old["iat"], nonce="n2"),
                            provider_configured=True).refusal == access.SESSION_ENDED
