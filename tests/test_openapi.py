"""The four OpenAPI documents are what a frontend team needs (issue 19 measured their friction):
every operation and parameter described, every success answer with an example that the
route's own response model accepts, and the headers and statuses the routes send declared.
Built from each service's app, as `flotilla-<service> openapi` prints it; no server runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from cluster_registry.main import create_app as registry_app
from flotilla_runtime.examples import has_example, route_example
from k8s_sync.main import create_app as sync_app
from monitor_gateway.main import create_app as monitor_app
from release_api.main import create_app as release_app

APPS: dict[str, Callable[[], FastAPI]] = {
    "release-api": release_app,
    "cluster-registry": registry_app,
    "k8s-sync": sync_app,
    "monitor-gateway": monitor_app,
}

# Successes documented by their schema only, each for a reason.
NO_EXAMPLE = {
    "livez": "a probe: {status: ok}",
    "readyz": "a probe: each check's state",
    "promqlQuery": "Prometheus' own answer, passed through",
    "previewManifests": "Kubernetes objects, as rendered for the app",
    "getClusterConnection": "services only; it carries the cluster's credentials",
    "measureAnalysisCheck": "services only (release-api's analysis)",
    "ingressFollowing": "services only (release-api's rollout gate)",
    "syncReplica": "k8s-sync's replicas among themselves",
    "ingressInstances": "operators' view of HAProxy instances",
    "ingressRoutes": "operators' view of the rendered routes",
}


@pytest.fixture(scope="module", params=sorted(APPS))
def service(request: pytest.FixtureRequest) -> tuple[str, FastAPI, dict[str, Any]]:
    app = APPS[request.param]()
    return request.param, app, app.openapi()


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The app's operations, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_and_parameter_is_described(
    service: tuple[str, FastAPI, dict[str, Any]],
) -> None:
    _, _, document = service
    bare = [
        f"{op['operationId']}.{p['name']}"
        for _, _, op in operations(document)
        for p in op.get("parameters", [])
        if not p.get("description")
    ]
    assert bare == []
    assert [op["operationId"] for _, _, op in operations(document) if not op.get("summary")] == []
    assert "bearerAuth" in document["components"]["securitySchemes"]


def test_every_success_has_an_example_its_model_accepts(
    service: tuple[str, FastAPI, dict[str, Any]],
) -> None:
    _, app, document = service
    by_id = {r.operation_id: r for r in api_routes(app.router.routes) if r.operation_id}
    missing = []
    for _, _, op in operations(document):
        for status, response in op["responses"].items():
            media = response.get("content", {}).get("application/json")
            if not status.startswith("2") or media is None:
                continue
            if "example" not in media:
                if op["operationId"] not in NO_EXAMPLE:
                    missing.append(f"{op['operationId']} {status}")
                continue
            route = by_id[op["operationId"]]
            example = route_example(route)
            assert has_example(example)
            assert media["example"] == example
            TypeAdapter(route.response_model).validate_python(example)  # raises when wrong
    assert missing == []


def test_headers_and_statuses_the_routes_send_are_declared(
    service: tuple[str, FastAPI, dict[str, Any]],
) -> None:
    _, _, document = service
    for _, _, op in operations(document):
        responses = op["responses"]
        if "201" in responses:
            assert "Location" in responses["201"].get("headers", {}), op["operationId"]
        if "202" in responses and op["operationId"] != "measureAnalysisCheck":
            assert "Location" in responses["202"].get("headers", {}), op["operationId"]
        headers = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
        if "if-match" in headers:
            assert "412" in responses, op["operationId"]
        if "503" in responses and "content" in responses["503"]:
            assert "Retry-After" in responses["503"].get("headers", {}), op["operationId"]
        if "401" in responses:
            assert "WWW-Authenticate" in responses["401"].get("headers", {}), op["operationId"]


def test_a_created_app_answers_what_its_example_says() -> None:
    """The app example is what creating AppCreate's own example gives (no drift)."""
    from release_api.apps.schemas import AppCreate, AppOut, build_spec

    def first_example(model: type[BaseModel]) -> Any:
        extra = model.model_config.get("json_schema_extra")
        assert isinstance(extra, dict)
        examples = extra["examples"]
        assert isinstance(examples, list)
        return examples[0]

    given = AppCreate.model_validate(first_example(AppCreate))
    expected = build_spec(given.type, given).model_dump(mode="json")
    assert first_example(AppOut)["spec"] == expected
