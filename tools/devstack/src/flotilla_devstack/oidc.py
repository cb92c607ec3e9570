"""A small OAuth 2.0 authorization server for tests of the web console's sign-in: the
authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636 S256 only), for one public
client and one signed-in person, on loopback.

It does what a real provider checks, so a console that skips a step fails: the redirect URI
and client must be the registered ones; the token request must bring the code once, the same
redirect URI and client, and a `code_verifier` whose S256 is the `code_challenge` of the
authorization request. It answers the token endpoint with CORS for the console's origin, as
Keycloak, Okta or Auth0 do for a registered web origin.

Tokens are the local stack's (HS256 with the development secret, Flotilla's issuer and
audience), so the development-mode services accept them; a real provider signs with its own
keys and the services verify by AUTH_JWKS_URL. Not for anything but tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import mint_token
from flotilla_runtime.settings import AuthSettings


@dataclass
class Person:
    subject: str
    roles: tuple[Role, ...] = (Role.DEVELOPER,)
    teams: tuple[str, ...] = ()


@dataclass
class LocalIdentityProvider:
    client_id: str
    redirect_uri: str
    person: Person
    port: int = 0
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def browser_login(self) -> dict[str, str]:
        """RELEASE_API_BROWSER_LOGIN for this provider."""
        return {
            "client_id": self.client_id,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "scope": "openid",
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != self.client_id:
            return 400, {}, b"unknown client"
        if query.get("redirect_uri") != self.redirect_uri:  # never redirect elsewhere
            return 400, {}, b"redirect_uri is not registered"
        back = query["redirect_uri"]
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            return _redirect(back, error="invalid_request", state=query.get("state"))
        challenge = query.get("code_challenge", "")
        if not 43 <= len(challenge) <= 128:
            return _redirect(back, error="invalid_request", state=query.get("state"))
        code = secrets.token_urlsafe(24)
        self._codes[code] = {"challenge": challenge, "redirect_uri": back}
        return _redirect(back, code=code, state=query.get("state"))

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if not verifier or digest.decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        token = mint_token(
            AuthSettings(),
            subject=self.person.subject,
            roles=list(self.person.roles),
            teams=list(self.person.teams),
            ttl_s=3600,
        )
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}


def _redirect(to: str, **params: str | None) -> tuple[int, dict[str, str], bytes]:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return 302, {"Location": f"{to}?{query}"}, b""


@contextmanager
def running(provider: LocalIdentityProvider) -> Iterator[LocalIdentityProvider]:
    """Serve `provider` on 127.0.0.1 (its port, or a free one) until the block ends."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(provider.redirect_uri))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path != "/authorize":
                self._send(404, {}, b"")
                return
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self._send(*provider.authorize(query))

        def do_OPTIONS(self) -> None:  # noqa: N802
            self._send(
                204,
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "POST",
                    "Access-Control-Allow-Headers": "Content-Type",
                },
                b"",
            )

        def do_POST(self) -> None:  # noqa: N802
            if urlsplit(self.path).path != "/token":
                self._send(404, {}, b"")
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            status, body = provider.token(form)
            headers = {
                "Content-Type": "application/json",
                "Cache-Control": "no-store",
                "Access-Control-Allow-Origin": origin,
            }
            self._send(status, headers, json.dumps(body).encode())

    server = ThreadingHTTPServer(("127.0.0.1", provider.port), Handler)
    provider.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="test-idp", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
