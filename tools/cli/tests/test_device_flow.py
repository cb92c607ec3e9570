"""The OAuth 2.0 device flow (RFC 8628) the CLI signs in with, against a loopback stand-in for
an identity provider (the flow's logic: polling, pending, denial)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from flotilla_cli.auth import device_flow
from flotilla_cli.errors import CliError, Exit


class Provider:
    """Answers `pending` this many times, then a token (or `access_denied`)."""

    def __init__(self, pending: int, outcome: str) -> None:
        self.pending = pending
        self.outcome = outcome
        self.polls: list[dict[str, list[str]]] = []


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    state = Provider(pending=2, outcome="token")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
            if self.path == "/device":
                assert form["client_id"] == ["flotilla-cli"]
                self._send(
                    200,
                    {
                        "device_code": "dev-123",
                        "user_code": "WDJB-MJHT",
                        "verification_uri": "https://sso.example.com/device",
                        "expires_in": 60,
                        "interval": 0.01,
                    },
                )
                return
            state.polls.append(form)
            if len(state.polls) <= state.pending:
                self._send(400, {"error": "authorization_pending"})
            elif state.outcome == "token":
                self._send(200, {"access_token": "eyJ.token.x", "token_type": "Bearer"})
            else:
                self._send(400, {"error": "access_denied"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _flow(base: str) -> dict[str, str]:
    return {
        "client_id": "flotilla-cli",
        "device_authorization_endpoint": f"{base}/device",
        "token_endpoint": f"{base}/token",
        "scope": "openid",
    }


def test_the_cli_polls_until_the_user_confirms(
    provider: tuple[Provider, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, base = provider
    assert device_flow(_flow(base), verify=True) == "eyJ.token.x"
    assert len(state.polls) == 3
    assert state.polls[0]["grant_type"] == ["urn:ietf:params:oauth:grant-type:device_code"]
    assert state.polls[0]["device_code"] == ["dev-123"]
    shown = capsys.readouterr().err
    assert "https://sso.example.com/device" in shown
    assert "WDJB-MJHT" in shown


def test_a_denied_sign_in_is_exit_3(provider: tuple[Provider, str]) -> None:
    state, base = provider
    state.outcome = "denied"
    with pytest.raises(CliError) as raised:
        device_flow(_flow(base), verify=True)
    assert raised.value.code == Exit.DENIED
    assert "access_denied" in raised.value.message
