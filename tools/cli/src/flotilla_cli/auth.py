"""`flotilla login`: read the server's discovery document, get a token, check it, keep it.

Where the token comes from, in order: `--token-file` (kept as a path with `--keep-file`, so a
rotated file is read each time), `--token-env VAR`, the identity provider's device flow when
discovery offers one (OAuth 2.0 Device Authorization Grant, RFC 8628: the user confirms a code
in a browser while the CLI polls), else the development login of a local stack
(`POST /v1/dev/token`, development mode only).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flotilla_cli.config import Config, Context
from flotilla_cli.errors import CliError, Exit


def sign_in(
    config: Config,
    url: str,
    *,
    name: str | None,
    token_file: str | None,
    token_env: str | None,
    keep_file: bool,
    user: str,
    role: str,
    teams: list[str],
    ca_file: str | None,
    insecure: bool,
    debug: bool,
) -> Context:
    from flotilla_cli.operations import Operations
    from flotilla_cli.transport import Transport

    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError(f"{url}: give the URL with its scheme (https://...)", Exit.USAGE)
    verify: bool | str = False if insecure else (ca_file or True)
    anonymous = Operations(Transport({"release-api": url}, None, verify=verify, debug=debug))
    discovery = anonymous.discover()
    auth = discovery["auth"]
    file_path: str | None = None
    if token_file:
        path = Path(token_file).expanduser()
        try:
            token = path.read_text().strip()
        except OSError as exc:
            raise CliError(f"cannot read {token_file}: {exc.strerror}", Exit.USAGE) from exc
        if keep_file:
            file_path = str(path.resolve())
    elif token_env:
        token = os.environ.get(token_env, "").strip()
        if not token:
            raise CliError(f"${token_env} is empty", Exit.USAGE)
    elif auth.get("device_flow"):
        token = device_flow(auth["device_flow"], verify=verify)
    elif auth.get("development_login"):
        body = {"subject": user, "roles": [role], "teams": teams}
        token = anonymous.development_login(body=body)["token"]
    else:
        raise CliError(
            f"{url} offers no sign-in this CLI can run",
            Exit.USAGE,
            hints=("get a token from your identity provider and pass --token-file PATH",),
        )
    services = {k: v.rstrip("/") for k, v in discovery["services"].items() if k != "release-api"}
    context = Context(
        name=name or (urlsplit(url).hostname or "flotilla"),
        url=url,
        token=None if file_path else token,
        token_file=file_path,
        subject=claims(token).get("sub"),
        ca_file=str(Path(ca_file).resolve()) if ca_file else None,
        insecure=insecure,
        services=services,
    )
    checked = Operations(Transport(context.urls(), token, verify=verify, debug=debug))
    checked.list_apps(limit=1)  # a token the server refuses fails here (exit 3), not later
    checked.transport.close()
    anonymous.transport.close()
    config.contexts[context.name] = context
    config.current = context.name
    config.save()
    return context


def claims(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (to show who and until when; the server verifies)."""
    try:
        payload = token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return decoded if isinstance(decoded, dict) else {}
    except (IndexError, ValueError):
        return {}


def token_summary(context: Context) -> str:
    """`valid 7h59m`, `expired`, `file`, `none`: never the token."""
    if context.token_file and not context.token:
        return "file"
    if not context.token:
        return "none"
    exp = claims(context.token).get("exp")
    if not isinstance(exp, int | float):
        return "set"
    left = int(exp - time.time())
    if left <= 0:
        return "expired"
    hours, rest = divmod(left, 3600)
    return f"valid {hours}h{rest // 60:02d}m"


def device_flow(flow: dict[str, Any], *, verify: bool | str, timeout_s: float = 600) -> str:
    """RFC 8628: ask for a device code, show the user where to confirm it, poll the token
    endpoint at the interval the server asks (slower on `slow_down`) until confirmed."""
    import httpx

    with httpx.Client(verify=verify, timeout=30) as http:
        answer = http.post(
            flow["device_authorization_endpoint"],
            data={"client_id": flow["client_id"], "scope": flow.get("scope", "openid")},
        )
        if not answer.is_success:
            raise CliError(f"the identity provider refused: {answer.text[:300]}", Exit.DENIED)
        grant = answer.json()
        where = grant.get("verification_uri_complete") or grant["verification_uri"]
        print(f"To sign in, open {where}", file=sys.stderr)
        print(f"and confirm the code {grant['user_code']}", file=sys.stderr)
        interval = float(grant.get("interval", 5))
        deadline = time.monotonic() + min(float(grant.get("expires_in", timeout_s)), timeout_s)
        while time.monotonic() < deadline:
            time.sleep(interval)
            polled = http.post(
                flow["token_endpoint"],
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                    "device_code": grant["device_code"],
                    "client_id": flow["client_id"],
                },
            )
            body = polled.json()
            if polled.is_success:
                token = body.get("access_token")
                if not isinstance(token, str):
                    raise CliError("the identity provider sent no access_token", Exit.DENIED)
                return token
            error = body.get("error")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5
                continue
            raise CliError(f"sign-in failed: {error or polled.status_code}", Exit.DENIED)
    raise CliError("sign-in was not confirmed in time", Exit.TIMEOUT)
