"""HTTP to the four services: one client per service, problem+json turned into errors a person
can act on, Server-Sent Events that resume after a drop, and `--debug` traces.

httpx is imported here only, and this module only when a command talks to a service, so that
`flotilla --help` stays fast (bench/cli_startup.py).
"""

from __future__ import annotations

import json
import ssl
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from flotilla_cli.errors import CliError, Exit

REDACTED = "Bearer ***"
RESUME_ATTEMPTS = 30  # a stream that drops is resumed this many times in a row at most


def quote_segment(value: str) -> str:
    """A path parameter as one URL path segment."""
    return quote(value, safe="")


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event: `id:` (the stream's cursor), `event:` and `data:` (JSON)."""

    id: str | None
    event: str
    data: Any


class Transport:
    """Calls `service`'s base URL with the context's token; errors become `CliError`s."""

    def __init__(
        self,
        urls: Mapping[str, str],
        token: str | None,
        *,
        verify: bool | str = True,
        timeout_s: float = 30.0,
        debug: bool = False,
    ) -> None:
        self.urls = dict(urls)
        self._token = token
        self._verify = verify
        self._timeout = timeout_s
        self._debug = debug
        self._clients: dict[str, httpx.Client] = {}

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _client(self, service: str) -> httpx.Client:
        client = self._clients.get(service)
        if client is None:
            base = self.urls.get(service)
            if not base:
                raise CliError(
                    f"no URL for {service} in this context",
                    Exit.USAGE,
                    hints=("run `flotilla login URL` again to read the services' URLs",),
                )
            headers = {"User-Agent": "flotilla-cli", "Accept": "application/json"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            hooks: dict[str, list[Any]] = {}
            if self._debug:
                hooks = {"request": [_trace_request], "response": [_trace_response]}
            client = httpx.Client(
                base_url=base,
                headers=headers,
                timeout=self._timeout,
                verify=self._verify,
                event_hooks=hooks,
            )
            self._clients[service] = client
        return client

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Any:
        """The JSON answer of a 2xx (None for 204); anything else raises `CliError`."""
        client = self._client(service)
        try:
            response = client.request(
                method,
                path,
                params=_params(query),
                json=body,
                headers={k: v for k, v in (headers or {}).items() if v is not None},
            )
        except httpx.HTTPError as exc:
            raise _transport_error(service, client, exc) from exc
        if response.is_success:
            if response.status_code == 204 or not response.content:
                return None
            return response.json()
        raise problem_error(service, response)

    def stream(
        self,
        service: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Iterator[Event]:
        """The stream's events until the server ends it. A dropped connection (or a replica
        that says `reconnect`) is resumed with `Last-Event-ID`, so no event is missed or
        repeated; `RESUME_ATTEMPTS` failures in a row end it with an error."""
        client = self._client(service)
        last_id = (headers or {}).get("last-event-id")
        failures = 0
        while True:
            sent = {"Accept": "text/event-stream"}
            if last_id:
                sent["Last-Event-ID"] = last_id
            ended = False
            try:
                with client.stream(
                    method,
                    path,
                    params=_params(query),
                    headers=sent,
                    timeout=httpx.Timeout(self._timeout, read=60.0),
                ) as response:
                    if not response.is_success:
                        response.read()
                        error = problem_error(service, response)
                        if response.status_code != 503 or failures >= RESUME_ATTEMPTS:
                            raise error
                        failures += 1
                        time.sleep(_retry_after(response))
                        continue
                    failures = 0
                    for event in parse_sse(response.iter_lines()):
                        if event.event == "reconnect":
                            break
                        if event.id is not None:
                            last_id = event.id
                        yield event
                    else:
                        ended = True
            except httpx.HTTPError as exc:
                failures += 1
                if failures > RESUME_ATTEMPTS:
                    raise _transport_error(service, client, exc) from exc
                time.sleep(min(0.2 * failures, 2.0))
                continue
            if ended:
                return
            time.sleep(0.5)  # a replica going away: the next one answers the same cursor


def parse_sse(lines: Iterator[str]) -> Iterator[Event]:
    """Server-Sent Events (the WHATWG `text/event-stream` format) from the body's lines;
    comments (keep-alives) are skipped, `data:` lines of one event joined by newlines."""
    event_id: str | None = None
    kind = "message"
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    payload: Any = json.loads(text)
                except ValueError:
                    payload = text
                yield Event(event_id, kind, payload)
            kind, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "id":
            event_id = value
        elif field == "event":
            kind = value
        elif field == "data":
            data.append(value)
        elif field == "retry":
            continue
    if data:
        yield Event(event_id, kind, json.loads("\n".join(data)))


def _params(query: Mapping[str, Any] | None) -> httpx.QueryParams:
    out: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in (query or {}).items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            out.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return httpx.QueryParams(out)


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("retry-after", "1")), 10.0)
    except ValueError:
        return 1.0


def problem_error(service: str, response: httpx.Response) -> CliError:
    """An error answer as one line of title and detail, field errors as hints, and the exit
    code of its class (401/403/404 → 3, 503 → 5, others → 1)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if isinstance(body, dict) and "title" in body:
        title = str(body.get("title"))
        detail = body.get("detail")
        line = f"{title}: {detail}" if detail and detail != title else title
        hints = tuple(
            f"{e.get('loc', '?')}: {e.get('msg', '')}"
            for e in body.get("errors", [])
            if isinstance(e, dict)
        )
    else:
        line = f"{service} answered {status} {response.reason_phrase}"
        hints = ()
    if status == 401:
        return CliError(
            f"not signed in to {service} ({line})",
            Exit.DENIED,
            hints=(
                "your token is missing, expired or not for this server: "
                "run `flotilla login URL` (or set FLOTILLA_TOKEN)",
            ),
        )
    if status in (403, 404):
        return CliError(line, Exit.DENIED, hints=hints)
    if status == 503:
        wait = response.headers.get("retry-after")
        return CliError(
            f"{service} is unavailable ({line})",
            Exit.UNREACHABLE,
            hints=(f"nothing was changed; retry{f' in {wait} s' if wait else ''}",),
        )
    return CliError(line, Exit.FAILED, hints=hints)


def _transport_error(service: str, client: httpx.Client, exc: httpx.HTTPError) -> CliError:
    url = str(client.base_url).rstrip("/")
    if isinstance(exc, httpx.TimeoutException):
        return CliError(
            f"{service} at {url} did not answer in time ({type(exc).__name__})",
            Exit.TIMEOUT,
            hints=("try again, or raise --request-timeout",),
        )
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return CliError(
                f"TLS with {service} at {url} failed: {cause}",
                Exit.UNREACHABLE,
                hints=(
                    "if the server's certificate is from your own CA, pass --ca-file PATH "
                    "(or `flotilla login URL --ca-file PATH`)",
                ),
            )
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return CliError(
            f"cannot reach {service} at {url}: {exc}",
            Exit.UNREACHABLE,
            hints=(
                "is Flotilla running there? `flotilla context list` shows the URLs in use; "
                "`./flotilla up` runs a local stack",
            ),
        )
    return CliError(f"{service} at {url}: {exc}", Exit.UNREACHABLE)


def _trace_request(request: httpx.Request) -> None:
    headers = {
        k: (REDACTED if k.lower() == "authorization" else v) for k, v in request.headers.items()
    }
    print(f"> {request.method} {request.url}", file=sys.stderr)
    for key, value in headers.items():
        print(f"> {key}: {value}", file=sys.stderr)
    if request.content:
        print(f"> {request.content.decode(errors='replace')[:4000]}", file=sys.stderr)


def _trace_response(response: httpx.Response) -> None:
    print(f"< {response.status_code} {response.reason_phrase}", file=sys.stderr)
    for key, value in response.headers.items():
        print(f"< {key}: {value}", file=sys.stderr)
    if "text/event-stream" not in response.headers.get("content-type", ""):
        response.read()
        print(f"< {response.text[:4000]}", file=sys.stderr)
