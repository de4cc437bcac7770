"""Who may look, and as whom: demo mode, sign-in, and roles from the ID token's claims.

`resolve_audience` is the one place that decides. It is pure (no Streamlit): hub/ui/context.py
hands it the settings, the signed-in person's claims (`st.user`), whether a provider is
configured, and the role the person picked; it returns an `Access`, which either names the
audience and the person or says why nobody is let in. Deny when in doubt: without the demo
switch and without a configured provider nothing is shown; a person whose claims map to no
audience is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hub.audience import Audience
from hub.sessions import SessionBook
from hub.settings import Settings

log = logging.getLogger(__name__)

DEMO_BANNER = "Demo mode: no sign-in, synthetic data only"
NOT_CONFIGURED = ("The dashboard is not set up: no sign-in provider is configured and demo mode "
                  "is off, so nothing can be shown. The hub's administrator can configure the "
                  "council's identity provider (the [auth] section of .streamlit/secrets.toml), "
                  "or run the demo with HUB_DEMO=1.")
SIGN_IN = ("This dashboard holds information about children at risk of exploitation. Sign in "
           "with your council account to see the figures your role allows.")
NO_ROLE = ("You are signed in, but your account has no role in this dashboard, so nothing can "
           "be shown. Ask the hub's administrator to add your group to the dashboard's role "
           "map.")
ROLE_MAP_BROKEN = ("You are signed in, but the dashboard's role map cannot be read, so nobody "
                   "can be given a role. The hub's administrator can check the file named by "
                   "HUB_ROLE_MAP (the server's log says why).")
SESSION_ENDED = ("Your session has ended (signed out, timed out after a while unused, or "
                 "signed in too long ago), so nothing is shown. Sign in again to go on.")
DEMO_REAL_EXTRACT = ("Demo mode shows synthetic data only, and this extract is not marked "
                     "synthetic, so it is not shown. Sign-in is needed for a real extract.")


@dataclass(frozen=True)
class Person:
    """Who is signed in, as the download log records them."""

    subject: str  # the provider's stable id (`sub`)
    email: str
    name: str = ""

    @property
    def is_demo(self) -> bool:
        return self == DEMO_PERSON

    def __str__(self) -> str:
        if self.is_demo:
            return "Nobody (demo mode, no sign-in)"
        return " ".join(part for part in (self.name, f"<{self.email}>" if self.email else "")
                        if part) or self.subject


# In demo mode nobody is signed in; the log says so in words.
DEMO_PERSON = Person(subject="demo", email="demo mode: nobody signed in")


@dataclass(frozen=True)
class Access:
    """The decision: an audience and a person, or a refusal (one of the messages above)."""

    audience: Audience | None
    person: Person | None
    refusal: str | None = None
    roles: tuple[Audience, ...] = ()  # every audience the person may choose (signed in)
    demo: bool = False
    note: str | None = None  # shown beside the view, e.g. an unknown HUB_AUDIENCE in demo mode

    @property
    def signed_in(self) -> bool:
        return self.person is not None and not self.demo


# Most protected first: a partnership sees its own district, the board every district, both
# under disclosure control; the hub lead sees exact figures and lists.
_PROTECTION_ORDER = {"csp": 0, "board": 1, "hub_lead": 2}


def most_protected(roles: tuple[Audience, ...]) -> Audience:
    return min(roles, key=lambda a: (_PROTECTION_ORDER[a.kind], a.locality or ""))


class RoleMapError(ValueError):
    """The role map cannot be read or names an unknown audience."""


def load_role_map(path: Path | None) -> dict[str, Audience]:
    """claim value -> audience, from a TOML (`[roles]` table) or JSON (`{"roles": {...}}`)
    file. No file configured: an empty map (nobody gets a role)."""
    if path is None or str(path) == "":
        return {}
    try:
        text = Path(path).read_bytes()
        data = json.loads(text) if Path(path).suffix == ".json" else tomllib.loads(
            text.decode("utf-8"))
    except (OSError, ValueError) as exc:  # tomllib and json errors are ValueErrors
        raise RoleMapError(f"role map {path} cannot be read: {exc}") from exc
    roles = data.get("roles") if isinstance(data, dict) else None
    if not isinstance(roles, dict):
        raise RoleMapError(f"role map {path} has no roles table")
    try:
        return {str(claim): Audience.parse(str(audience)) for claim, audience in roles.items()}
    except ValueError as exc:
        raise RoleMapError(f"role map {path}: {exc}") from exc


def claim_values(claims: Mapping, claim: str) -> tuple[str, ...]:
    """The values of a claim: a list of groups, or a single string."""
    value = claims.get(claim)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


def roles_of(claims: Mapping, claim: str, role_map: Mapping[str, Audience]
             ) -> tuple[Audience, ...]:
    """Every audience the claims map to, each once, most protected first."""
    found = {role_map[value] for value in claim_values(claims, claim) if value in role_map}
    return tuple(sorted(found, key=lambda a: (_PROTECTION_ORDER[a.kind], a.locality or "")))


def person_of(claims: Mapping) -> Person:
    return Person(subject=str(claims.get("sub") or ""), email=str(claims.get("email") or ""),
                  name=str(claims.get("name") or ""))


def sessions(config: Settings) -> SessionBook:
    return SessionBook(config.session_dir, max_age=dt.timedelta(minutes=config.session_max_minutes),
                       idle=dt.timedelta(minutes=config.idle_minutes))


def resolve_audience(config: Settings, user: Mapping | None, *, provider_configured: bool,
                     chosen: str | None = None, now: dt.datetime | None = None) -> Access:
    """Who is looking, and as whom. The one place that decides.

    - Demo mode (HUB_DEMO=1): nobody signs in; the audience comes from HUB_AUDIENCE (an
      unknown value falls back to the board, the most protected view that shows every
      district). The caller refuses any extract not marked synthetic.
    - Otherwise a provider must be configured, and the person signed in (`user` holds the
      ID token's claims, as `st.user` does); their claim `config.role_claim` is mapped to
      audiences by the role map. Several roles: `chosen` (an audience code) when it is one of
      them, else the most protected. The sign-in must be younger than the maximum age, used
      within the idle timeout and not signed out (hub/sessions.py, the server's own record).
    """
    if config.demo:
        try:
            return Access(Audience.parse(config.audience), DEMO_PERSON, demo=True)
        except ValueError as exc:
            return Access(Audience("board"), DEMO_PERSON, demo=True,
                          note=f"{exc}. Showing the board view.")
    if not provider_configured:
        return Access(None, None, NOT_CONFIGURED)
    if not user or user.get("is_logged_in") is not True or not user.get("sub"):
        return Access(None, None, SIGN_IN)
    person = person_of(user)
    ended = sessions(config).check(user, now or dt.datetime.now(dt.timezone.utc))
    if ended:
        log.info("session of subject %r refused: %s", person.subject, ended)
        return Access(None, None, SESSION_ENDED)
    try:
        role_map = load_role_map(config.role_map)
    except RoleMapError as exc:
        log.error("%s", exc)
        return Access(None, person, ROLE_MAP_BROKEN)
    roles = roles_of(user, config.role_claim, role_map)
    if not roles:
        log.warning("signed in with no mapped role: subject %r", person.subject)
        return Access(None, person, NO_ROLE)
    picked = next((role for role in roles if role.code == chosen), most_protected(roles))
    return Access(picked, person, roles=roles)
