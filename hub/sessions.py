"""Sessions end: a maximum age, an idle timeout, and sign-out that holds on the server.

Streamlit's sign-in cookie lasts 30 days, does not check the token's expiry, and a copy taken
before sign-out still signs a browser in afterwards. So the dashboard keeps its own record, a
small JSON file a sign-in in HUB_SESSION_DIR (replicas that share the folder agree), keyed on
the sign-in's identity: a hash of the ID token's subject, issue time and nonce, which the
cookie carries and a new sign-in changes. The record holds when the person was last seen and
whether the session was ended (signed out, or timed out). No Streamlit here: hub/access.py
asks `check`, and hub/ui/signin.py calls `end` on sign-out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

EXPIRED = "expired"  # older than the maximum age
IDLE = "idle"  # not seen for longer than the idle timeout
ENDED = "ended"  # signed out (or timed out before): the cookie no longer counts


def session_key(claims: Mapping) -> str | None:
    """The sign-in's identity, or None when the claims lack an issue time (then refused)."""
    if not claims.get("sub") or not isinstance(claims.get("iat"), (int, float)):
        return None
    text = f"{claims['sub']}|{int(claims['iat'])}|{claims.get('nonce', '')}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SessionBook:
    """The server-side record of sign-ins, in `folder`."""

    def __init__(self, folder: Path, *, max_age: dt.timedelta, idle: dt.timedelta):
        self.folder, self.max_age, self.idle = Path(folder), max_age, idle

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _read(self, key: str) -> dict:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # unreadable: deny, as if ended
            log.error("session record %s cannot be read: %s", key[:12], exc)
            return {"ended": True}

    def _write(self, key: str, record: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self._path(key).with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        temporary.replace(self._path(key))  # whole, never half-written

    def check(self, claims: Mapping, now: dt.datetime) -> str | None:
        """None when the session may go on (and it is marked seen now), else why not:
        EXPIRED, IDLE or ENDED. A session found idle or expired is ended for good."""
        key = session_key(claims)
        if key is None:
            return EXPIRED
        record = self._read(key)
        if record.get("ended"):
            return ENDED
        issued = dt.datetime.fromtimestamp(claims["iat"], dt.timezone.utc)
        last_seen = dt.datetime.fromisoformat(record["last_seen"]) if "last_seen" in record \
            else None
        problem = (EXPIRED if now - issued > self.max_age
                   else IDLE if last_seen is not None and now - last_seen > self.idle
                   else None)
        try:
            self._write(key, {"ended": True, "why": problem} if problem else
                        {"last_seen": now.isoformat()})
        except OSError as exc:  # a session that cannot be recorded cannot be ended: deny
            log.error("session record cannot be written to %s: %s", self.folder, exc)
            return problem or ENDED
        return problem

    def end(self, claims: Mapping) -> None:
        """Sign-out: this sign-in's cookie, and every copy of it, no longer counts."""
        key = session_key(claims)
        if key is not None:
            self._write(key, {"ended": True, "why": "signed out"})
