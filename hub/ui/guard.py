"""Two guards in front of Streamlit's own routes (issue 10, item 6); serve.py puts them there.

Streamlit 1.67 has no setting for either, so they are ASGI middleware of ours, which st.App
runs before its own routes (`/media/...` and the websocket `/_stcore/stream` included).

1. A download's address (`/media/<id>.<ext>`) is served only to the browser the server sent
   it to, over a connection that is still open. Every browser gets a random cookie of ours
   (BROWSER_COOKIE, HttpOnly) with the first page; the websocket handshake carries it. Every
   media address the server sends down that websocket (a download's address is sent when its
   button is pressed, after the download is logged) is noted against that connection, and
   forgotten when it closes. A fetch of `/media/<id>` is served only when it carries the
   cookie of an open connection that was sent `<id>`; signed in, it must also carry the same
   person's sign-in cookie, which hub/sessions.py must still consider alive (not signed out,
   idle or too old). Anything else gets 403 and an empty body, and the refusal is logged.
   In demo mode (nobody signs in) the browser cookie is the whole binding: the address works
   only in the browser that pressed the button, while its tab is open.
2. No client can clear the server's caches: a BackMsg asking for `clear_cache` (which
   AppSession would obey by clearing st.cache_data and st.cache_resource for every user, and
   the asker's session state) is dropped on the websocket, before Streamlit reads it, and
   logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from starlette.requests import HTTPConnection
from streamlit import config
from streamlit.logger import get_logger
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

from hub import access
from hub.sessions import session_key
from hub.settings import Settings

# Streamlit's own logger tree, so that refusals reach the server's log like its own messages.
log = get_logger("streamlit.hub.guard")

BROWSER_COOKIE = "hub_browser"
STREAM_PATH = "/_stcore/stream"
# A media address as the server writes it: /media/ and a 32-hex file id (Streamlit's 16-byte
# content hash), then an extension. Only the id is taken: in a protobuf a string is followed
# by the next field's tag byte, which may look like more of the name.
_MEDIA_ADDRESS = re.compile(rb"/media/([0-9a-f]{32})")
_MEDIA_ID = re.compile(r"([0-9a-f]{32})(\.[0-9A-Za-z]+)?")
_REFUSED = 403


def signed_in_claims(connection: HTTPConnection) -> dict | None:
    """The ID token's claims in Streamlit's sign-in cookie, when its signature holds."""
    try:
        raw = _get_signed_cookie_with_chunks(dict(connection.cookies), USER_COOKIE_NAME)
        claims = json.loads(raw) if raw else None
    except Exception:  # a cookie that cannot be read signs nobody in
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    return claims


@dataclass
class _Connection:
    browser: str | None  # our cookie at the handshake (None: a bare client, owns nothing)
    person: str | None  # hub.sessions.session_key of the signed-in person, if any
    media: set[str] = field(default_factory=set)


class Guard:
    """ASGI middleware: the two guards above. One instance a process (all state is in
    memory, like Streamlit's media files: replicas need sticky sessions anyway)."""

    def __init__(self, app, settings=Settings.from_env):
        self.app, self._settings = app, settings
        self._open: dict[int, _Connection] = {}  # open websockets, by id of their scope

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "websocket" and path.endswith(STREAM_PATH):
            await self._stream(scope, receive, send)
        elif scope["type"] == "http" and path.startswith(media_route()):
            await self._media(scope, receive, send)
        elif scope["type"] == "http":
            await self.app(scope, receive, self._with_browser_cookie(scope, send))
        else:
            await self.app(scope, receive, send)

    # The browser cookie

    @staticmethod
    def _with_browser_cookie(scope, send):
        """`send`, adding our browser cookie to the response when the request had none."""
        if BROWSER_COOKIE in HTTPConnection(scope).cookies:
            return send
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (f"{BROWSER_COOKIE}={secrets.token_urlsafe(32)}; Path=/; HttpOnly; "
                  f"SameSite=Lax{secure}").encode("latin-1")

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie)]}
            await send(message)
        return send_with_cookie

    # The websocket: note media addresses sent, drop clear_cache

    async def _stream(self, scope, receive, send):
        connection = HTTPConnection(scope)
        claims = signed_in_claims(connection)
        state = _Connection(browser=connection.cookies.get(BROWSER_COOKIE),
                            person=session_key(claims) if claims else None)
        self._open[id(scope)] = state

        async def receive_allowed():
            while True:
                message = await receive()
                if message["type"] == "websocket.receive" and \
                        asks_to_clear_cache(message.get("bytes")):
                    log.warning("a client asked to clear the server's caches (from %s); "
                                "ignored", _client(scope))
                    continue
                return message

        async def send_noting_media(message):
            data = message.get("bytes") if message["type"] == "websocket.send" else None
            if data and b"/media/" in data:
                state.media.update(m.decode("ascii") for m in _MEDIA_ADDRESS.findall(data))
            await send(message)

        try:
            await self.app(scope, receive_allowed, send_noting_media)
        finally:
            del self._open[id(scope)]

    # Media: only for the browser (and person) it was sent to

    async def _media(self, scope, receive, send):
        problem = self._why_not(scope)
        if problem:
            log.warning("media %s refused (from %s): %s", scope["path"], _client(scope), problem)
            await send({"type": "http.response.start", "status": _REFUSED,
                        "headers": [(b"content-length", b"0"), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_not_stored(message):  # never kept in a shared PC's browser cache
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)
        log.info("media %s served (to %s)", scope["path"], _client(scope))
        await self.app(scope, receive, send_not_stored)

    def _why_not(self, scope) -> str | None:
        """None when this request may have the media file it names, else why not."""
        name = scope["path"].removeprefix(media_route())
        named = _MEDIA_ID.fullmatch(name)
        if not named:
            return "not a media address"
        connection = HTTPConnection(scope)
        browser = connection.cookies.get(BROWSER_COOKIE)
        if not browser:
            return "no browser cookie"
        person = None
        if not self._settings().demo:
            claims = signed_in_claims(connection)
            if claims is None:
                return "not signed in"
            ended = access.sessions(self._settings()).check(
                claims, dt.datetime.now(dt.timezone.utc))
            if ended:
                return f"session {ended}"
            person = session_key(claims)
        file_id = named.group(1)
        if any(c.browser == browser and c.person == person and file_id in c.media
               for c in self._open.values()):
            return None
        return "not sent to this browser over an open connection"


def media_route() -> str:
    """Where Streamlit serves media files: /media/, under server.baseUrlPath if one is set.
    (Not /static/media/, where its own frontend keeps fonts.)"""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/media/" if base else "/media/"


def asks_to_clear_cache(data: bytes | None) -> bool:
    """Whether a websocket frame is a BackMsg asking to clear the caches. A frame that is not
    a BackMsg is left to Streamlit (which closes the connection)."""
    if not data:
        return False
    message = BackMsg()
    try:
        message.ParseFromString(data)
    except DecodeError:
        return False
    return message.WhichOneof("type") == "clear_cache"


def _client(scope) -> str:
    host, port = scope.get("client") or ("?", 0)
    return f"{host}:{port}"
