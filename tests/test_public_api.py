"""The four services' public APIs on the running stack (the README's first command):

- authorization: every operation, called by every kind of identity, answers as
  tests/authz_matrix.yaml says (401 without a valid token, 403 without the right role, team or
  service identity, never a 500); the table lists exactly the operations of the four OpenAPI
  documents;
- property-based fuzzing with schemathesis (https://schemathesis.readthedocs.io): cases
  generated from each OpenAPI document, as an admin, with a fixed seed; no server error, every
  status, content type, header and body as documented, every `Allow` on a 405 exact, every
  request the document calls valid accepted and every one it calls invalid refused (the
  document states each constraint the service enforces)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import yaml

from flotilla_contracts.enums import Role
from flotilla_devstack.stack import SERVICES
from flotilla_runtime.auth import mint_token
from flotilla_runtime.settings import AuthSettings

from .stack_world import run_stack, stack_args, stop_stack

pytestmark = pytest.mark.e2e
MATRIX = yaml.safe_load((Path(__file__).parent / "authz_matrix.yaml").read_text())
AUTH = AuthSettings()
SERVICE_NAMES = [s.name for s in SERVICES]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _person(subject: str, role: Role, *teams: str, **kwargs: Any) -> dict[str, str]:
    return _bearer(mint_token(AUTH, subject=subject, roles=[role], teams=teams, **kwargs))


WRONG_AUDIENCE = _bearer(
    jwt.encode(
        {"sub": "a", "roles": ["admin"], "aud": "elsewhere", "iss": "flotilla", "exp": 2**31},
        AUTH.auth_jwt_secret.get_secret_value(),
        algorithm="HS256",
    )
)
# In the order they call: the refused first, the owner and the admin (who change things) last.
IDENTITIES: dict[str, dict[str, str]] = {
    "anonymous": {},
    "expired": _person("late", Role.ADMIN, ttl_s=-120),
    "wrong-audience": WRONG_AUDIENCE,
    "viewer": _person("victor", Role.VIEWER),
    "other-team": _person("olga", Role.DEVELOPER, "payments"),
    **{
        f"service:{name}": _bearer(mint_token(AUTH, subject=name, service=True))
        for name in SERVICE_NAMES
    },
    "team": _person("tina", Role.DEVELOPER, "commerce"),
    "admin": _person("ada", Role.ADMIN),
}
PEOPLE = {"viewer", "other-team", "team", "admin"}
FOLLOW_MAX = 30  # more than release-api's database pool (10 + 10 overflow)


def expected(rule: dict[str, Any], identity: str) -> str:
    """ "401", "403" or "pass" (anything but 401/403 and 5xx other than a dependency's)."""
    access = rule["access"]
    if access == "public":
        return "pass"
    if identity in ("anonymous", "expired", "wrong-audience"):
        return "401"
    service = identity.removeprefix("service:") if identity.startswith("service:") else None
    if access == "services":
        return "pass" if service in rule["services"] else "403"
    if access == "viewer":
        return "pass"
    if service is not None or identity == "viewer":
        return "403"
    if access == "admin":
        return "pass" if identity == "admin" else "403"
    if access == "team":
        return "403" if identity == "other-team" else "pass"
    assert access == "developer", rule
    return "pass"


def app_body(name: str, env: str, *, ready_after_s: float) -> dict[str, Any]:
    """An app of team "commerce", one replica in `env`, ready after `ready_after_s`."""
    return {
        "name": name,
        "team": "commerce",
        "type": "node",
        "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "n"},
        "replicas": {env: 1},
        "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": str(ready_after_s)},
    }


@dataclass
class Stack:
    urls: dict[str, str]
    values: dict[str, str]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("authz")
    base, args = stack_args(tmp / "state", flotilla_cache_dir)
    before = os.environ.get("RELEASE_API_FOLLOW_MAX")
    os.environ["RELEASE_API_FOLLOW_MAX"] = str(FOLLOW_MAX)  # the stack's services inherit it
    try:
        proc, _ = run_stack(args, tmp / "stack.log")
    finally:
        if before is None:
            os.environ.pop("RELEASE_API_FOLLOW_MAX")
        else:
            os.environ["RELEASE_API_FOLLOW_MAX"] = before
    try:
        urls = {s.name: f"http://127.0.0.1:{base + s.offset}" for s in SERVICES}
        admin = IDENTITIES["admin"]
        with httpx.Client(headers=admin, timeout=30) as http:
            r = http.post(
                f"{urls['release-api']}/v1/apps",
                json=app_body("shop", "prod", ready_after_s=0.2),
            )
            assert r.status_code == 201, r.text
            r = http.post(
                f"{urls['release-api']}/v1/apps/shop/releases",
                json={"image": "shop/web:1.0", "env": "prod"},
            )
            assert r.status_code == 202, r.text
            release_id = r.json()["id"]
            r = http.get(f"{urls['cluster-registry']}/v1/clusters/idc-a-1/nodes")
            assert r.status_code == 200, r.text
            nodes = r.json()
        yield Stack(
            urls,
            {
                "app": "shop",
                "env": "prod",
                "cluster": "idc-a-1",
                "node": nodes[0]["name"],
                "pod": "no-such-pod",
                "release_id": release_id,
                "alert_id": str(uuid.uuid4()),
                "subscription_id": str(uuid.uuid4()),
                "delivery_id": "1",
            },
        )
    finally:
        stop_stack(proc)


def _path(template: str, values: dict[str, str]) -> str:
    named = {"/v1/apps/": "shop", "/v1/clusters/": "idc-a-1", "/v1/environments/": "prod"}
    name = next((v for prefix, v in named.items() if template.startswith(prefix)), "x")
    return template.format(**values, name=name)


def _call(http: httpx.Client, method: str, url: str, headers: dict[str, str], body: Any) -> int:
    """The status only: a stream (SSE, log tail) is closed once its headers arrived."""
    with http.stream(method, url, headers=headers, json=body) as response:
        return response.status_code


def _order(key: str) -> tuple[int, str]:
    method = key.split(" ", 1)[0]
    return ({"GET": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}[method], key)


def test_the_table_lists_exactly_the_operations_of_each_service(stack: Stack) -> None:
    for service, url in stack.urls.items():
        document = httpx.get(f"{url}/openapi.json", timeout=10).json()
        operations = {
            f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops
        }
        listed = set(MATRIX[service])
        assert operations - listed == set(), f"{service}: routes without a row"
        assert listed - operations == set(), f"{service}: rows without a route"


def test_every_operation_answers_every_identity_as_the_table_says(stack: Stack) -> None:
    wrong: list[str] = []
    calls = 0
    with httpx.Client(timeout=30) as http:
        for service, rules in MATRIX.items():
            for key in sorted(rules, key=_order):
                rule = rules[key]
                method, template = key.split(" ", 1)
                url = stack.urls[service] + _path(template, stack.values)
                for identity, headers in IDENTITIES.items():
                    want = expected(rule, identity)
                    got = _call(http, method, url, headers, rule.get("body", {}))
                    calls += 1
                    ok = (
                        got not in (401, 403) and (got < 500 or got in (502, 503, 504))
                        if want == "pass"
                        else str(got) == want
                    )
                    if not ok:
                        wrong.append(f"{service} {key} as {identity}: {got}, wanted {want}")
    operations = sum(len(r) for r in MATRIX.values())
    assert calls == operations * len(IDENTITIES)
    assert not wrong, "\n".join(wrong)


async def test_event_streams_hold_no_database_connection_and_are_capped(stack: Stack) -> None:
    """FOLLOW_MAX streams of a running release stay open while the API still answers (a stream
    holds no pooled connection between its reads), one more gets 503 with Retry-After, and a
    stream opens again once the others closed."""
    api = stack.urls["release-api"]
    admin = IDENTITIES["admin"]
    async with httpx.AsyncClient(base_url=api, headers=admin, timeout=30) as http:
        r = await http.post(
            "/v1/apps",
            json=app_body("streamer", "test", ready_after_s=60),
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            # "test": the authorization matrix deleted "prod" (as the admin may)
            "/v1/apps/streamer/releases",
            json={"image": "streamer/web:1", "env": "test"},
        )
        assert r.status_code == 202, r.text
        location = r.headers["Location"]
        async with AsyncExitStack() as streams:
            for _ in range(FOLLOW_MAX):
                response = await streams.enter_async_context(
                    http.stream("GET", f"{location}/events")
                )
                assert response.status_code == 200
            await asyncio.sleep(0.3)  # each stream holds its place once its body started
            started = time.monotonic()
            assert (await http.get(location)).status_code == 200
            assert time.monotonic() - started < 5
            busy = await http.get(f"{location}/events")
            assert busy.status_code == 503, busy.text
            assert busy.headers["retry-after"] == "2"
        await asyncio.sleep(0.5)  # the closed streams' generators end on their next poll
        async with http.stream("GET", f"{location}/events") as again:
            assert again.status_code == 200
        assert (await http.post(f"{location}/abort")).status_code == 200


# What every response is checked for (`schemathesis run --help` lists them), with the answers
# each operation may give to well-formed requests for reasons no schema states in
# tests/schemathesis.toml.
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance,allow_header_conformance,"
    "unsupported_method,missing_required_header,positive_data_acceptance,"
    "negative_data_rejection"
)
CONFIG = Path(__file__).parent / "schemathesis.toml"
# Operations that hold the connection by design, answered by other tests: k8s-sync's wait
# (blocks up to its timeout_s, then 504 as documented; tests/test_sync_with_registry.py),
# the release's event stream and the log tail (SSE; tests/test_release_e2e.py, test_logs.py).
HOLDS_OPEN = ("waitForIngress", "followRelease", "tailLogs")
FUZZ_EXAMPLES = 20


@pytest.mark.parametrize(
    "service", ["release-api", "monitor-gateway", "k8s-sync", "cluster-registry"]
)
def test_fuzzing_finds_no_server_error_and_nothing_undocumented(
    stack: Stack, service: str, tmp_path: Path
) -> None:
    url = stack.urls[service]
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {IDENTITIES['admin']['Authorization'].split()[1]}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--seed",
        "20261203",
        "--request-timeout",
        "10",
        "--workers",
        "1",
        "--no-color",
        "--output-truncate",
        "false",
        "--generation-database",
        "none",
        *(arg for op in HOLDS_OPEN for arg in ("--exclude-operation-id", op)),
    ]
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"},
    )
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated is not None, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-12000:]
    assert int(generated.group(1)) >= 50, run.stdout[-3000:]  # it really generated cases
