"""Every operation of every service, called by every kind of identity on the running stack,
answers as tests/authz_matrix.yaml says: 401 without a valid token, 403 without the right role,
team or service identity, and never a 500. The table must list exactly the operations the
four OpenAPI documents have."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
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


@dataclass
class Stack:
    urls: dict[str, str]
    values: dict[str, str]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("authz")
    base, args = stack_args(tmp / "state", flotilla_cache_dir)
    proc, _ = run_stack(args, tmp / "stack.log")
    try:
        urls = {s.name: f"http://127.0.0.1:{base + s.offset}" for s in SERVICES}
        admin = IDENTITIES["admin"]
        with httpx.Client(headers=admin, timeout=30) as http:
            r = http.post(
                f"{urls['release-api']}/v1/apps",
                json={
                    "name": "shop",
                    "team": "commerce",
                    "type": "node",
                    "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "n"},
                    "replicas": {"prod": 1},
                    "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "0.2"},
                },
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
                "action": "pause",
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
