"""How a message leaves: a signed webhook, a Slack-compatible incoming webhook, or e-mail.

**Webhook signature** (what a receiver checks; README "Notifications" has the snippet):
`Flotilla-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
receiver recomputes it over the raw body with the subscription's secret, compares in constant
time, and refuses a `t` more than `REPLAY_WINDOW_S` from its clock (a captured request cannot be
replayed later). `Flotilla-Delivery` is the delivery's id: the same on every retry of one
message, so a receiver that saw it already can drop it (delivery is at least once: a sender
that dies between the receiver's answer and its own record sends again). The scheme is
Stripe's and GitHub's, so receivers may already have the code.

Every send is bounded: a timeout per request, no redirects followed, and the destination's
address checked against the egress policy each time (flotilla_runtime.egress: no loopback,
link-local or cloud metadata unless the operator allows it).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from flotilla_runtime.egress import Egress

REPLAY_WINDOW_S = 300
SIGNATURE_HEADER = "Flotilla-Signature"


class SendFailed(Exception):
    """This attempt did not deliver (the message is retried, or dead after the budget)."""


def sign(secret: str, body: bytes, at: int) -> str:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """A receiver's check of `Flotilla-Signature` (the reference for the README's snippet)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        at = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - at) > REPLAY_WINDOW_S:
        return False
    expected = sign(secret, body, at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def slack_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Slack's incoming-webhook body (Mattermost and Rocket.Chat take the same)."""
    lines = [f"*{message['summary']}*"]
    where = ", ".join(
        f"{c} ({idc})" if idc else c for c, idc in sorted(message.get("clusters", {}).items())
    )
    if where:
        lines.append(f"clusters: {where}")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}
    ]
    if message.get("link"):
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{message['link']}|Open in Flotilla>"}],
            }
        )
    return {"text": message["summary"], "blocks": blocks}


def email_text(message: dict[str, Any]) -> str:
    lines = [message["summary"], ""]
    for key in ("app", "env", "severity"):
        if message.get(key):
            lines.append(f"{key}: {message[key]}")
    for cluster, idc in sorted(message.get("clusters", {}).items()):
        lines.append(f"cluster: {cluster}" + (f" (IDC {idc})" if idc else ""))
    if message.get("state"):
        lines += ["", "state:", json.dumps(message["state"], indent=2, sort_keys=True)]
    if message.get("link"):
        lines += ["", message["link"]]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Smtp:
    """Where e-mail goes: `smtp://user:password@host:587` (STARTTLS when the server offers
    it), `smtps://...:465` (TLS from the start), or no user for an open relay."""

    url: str
    sender: str
    timeout_s: float = 10.0

    def send(self, to: list[str], subject: str, text: str) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SendFailed(f"SMTP URL must be smtp:// or smtps://, not {parts.scheme}://")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(to)
        mail["Subject"] = subject
        mail.set_content(text)
        try:
            if parts.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    parts.hostname,
                    parts.port or 465,
                    timeout=self.timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=self.timeout_s)
            with client:
                if parts.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                if parts.username:
                    client.login(unquote(parts.username), unquote(parts.password or ""))
                client.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"SMTP: {exc}") from None


class Senders:
    """One HTTP client for every webhook (bounded per request), e-mail through `smtp`."""

    def __init__(self, egress: Egress, *, timeout_s: float, smtp: Smtp | None) -> None:
        self._egress = egress
        self._http = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)
        self._smtp = smtp

    async def close(self) -> None:
        await self._http.aclose()

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        await self._egress.check_url(url)
        host = urlsplit(url).hostname
        try:
            answer = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{host}: {type(exc).__name__}: {exc}") from None
        if not 200 <= answer.status_code < 300:
            raise SendFailed(f"{host} answered {answer.status_code}: {answer.text[:200]}")

    async def webhook(
        self, url: str, secret: str, delivery_id: int, message: dict[str, Any]
    ) -> None:
        body = json.dumps(message, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Flotilla-Notifications",
            SIGNATURE_HEADER: sign(secret, body, int(time.time())),
            "Flotilla-Delivery": str(delivery_id),
            "Flotilla-Trigger": str(message["trigger"]),
        }
        await self._post(url, body, headers)

    async def slack(self, url: str, message: dict[str, Any]) -> None:
        body = json.dumps(slack_payload(message)).encode()
        await self._post(url, body, {"Content-Type": "application/json"})

    async def email(self, to: list[str], message: dict[str, Any]) -> None:
        if self._smtp is None:
            raise SendFailed("no SMTP server configured (MONITOR_GATEWAY_SMTP_URL)")
        subject = f"[Flotilla] {message['summary']}"[:200]
        await asyncio.to_thread(self._smtp.send, to, subject, email_text(message))
