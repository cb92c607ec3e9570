"""release-api's wait on the ingress across several k8s-sync pods (logic only: the HTTP peers
are httpx.MockTransport; the real thing runs in tests/test_release_e2e.py)."""

from __future__ import annotations

import time

import httpx
import pytest

from flotilla_contracts import problems
from release_api.clients import IngressNotConfigured, IngressSync

PODS = ["web-1", "web-2"]


def client(answers: dict[str, int | str]) -> IngressSync:
    """k8s-sync pods at 10.0.0.N answering a status code, or "down" (connection refused)."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = answers[request.url.host]
        if answer == "down":
            raise httpx.ConnectError("refused", request=request)
        if answer == 409:
            return httpx.Response(
                409, json={"type": problems.uri(problems.ROUTE_NOT_RENDERED), "detail": "x"}
            )
        return httpx.Response(int(answer), json={"detail": f"{request.url.host} says {answer}"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="http://k8s-sync:8082")
    ingress = IngressSync(http, token=None)
    ingress._targets = [f"http://{host}:8082" for host in answers]
    ingress._resolved_at = time.monotonic()
    return ingress


async def wait(ingress: IngressSync) -> tuple[bool, str]:
    try:
        return await ingress.wait("web", "prod", "idc-a", PODS, 1)
    finally:
        await ingress.http.aclose()


async def test_every_pod_must_confirm() -> None:
    assert await wait(client({"10.0.0.1": 200, "10.0.0.2": 200})) == (True, "")
    ok, why = await wait(client({"10.0.0.1": 200, "10.0.0.2": 504}))
    assert not ok
    assert "10.0.0.2 says 504" in why


async def test_a_pod_that_is_down_is_skipped_but_one_must_answer() -> None:
    assert await wait(client({"10.0.0.1": "down", "10.0.0.2": 200})) == (True, "")
    assert await wait(client({"10.0.0.1": "down", "10.0.0.2": "down"})) == (
        False,
        "k8s-sync unreachable",
    )


async def test_a_route_that_cannot_be_rendered_stops_the_wait() -> None:
    with pytest.raises(IngressNotConfigured):
        await wait(client({"10.0.0.1": 200, "10.0.0.2": 409}))


async def test_a_name_is_resolved_to_its_addresses_and_an_address_is_one_target() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:8082") as http:
        assert await IngressSync(http, None).targets() == [""]
    async with httpx.AsyncClient(base_url="http://localhost:8082") as http:
        targets = await IngressSync(http, None).targets()
    assert targets == [""] or "http://127.0.0.1:8082" in targets
    async with httpx.AsyncClient(base_url="http://no-such-host.invalid:8082") as http:
        assert await IngressSync(http, None).targets() == [""]  # the client's own error later


def following_client(answers: dict[str, object], asked: list[str]) -> IngressSync:
    """k8s-sync pods answering the following endpoint with a body, or "down"."""

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        answer = answers[request.url.host]
        if answer == "down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"clusters": answer})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="http://k8s-sync:8082")
    ingress = IngressSync(http, token=None)
    ingress._targets = [f"http://{host}:8082" for host in answers]
    ingress._resolved_at = time.monotonic()
    return ingress


async def test_the_ingress_follows_a_cluster_only_when_every_pod_says_so() -> None:
    asked: list[str] = []
    ingress = following_client(
        {
            "10.0.0.1": {"idc-a": [], "idc-b": ["cluster idc-b is not watched live (listing)"]},
            "10.0.0.2": {"idc-a": [], "idc-b": []},
        },
        asked,
    )
    try:
        assert await ingress.not_following("web", "prod", "idc-a") is None
        assert "not watched live" in (await ingress.not_following("web", "prod", "idc-b") or "")
        assert "does not watch cluster idc-c" in (
            await ingress.not_following("web", "prod", "idc-c") or ""
        )
        assert len(asked) == 2  # one question per pod for the app, shared by its clusters
    finally:
        await ingress.http.aclose()
    down = following_client({"10.0.0.1": {"idc-a": []}, "10.0.0.2": "down"}, [])
    try:
        assert "k8s-sync unreachable" in (await down.not_following("web", "prod", "idc-a") or "")
    finally:
        await down.http.aclose()
