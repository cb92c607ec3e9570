"""Which namespaces are served: the registry's environment placements (unit, no cluster)."""

from __future__ import annotations

from flotilla_runtime.registry import EnvironmentPlacement, RegisteredEnvironment
from k8s_sync.sync.desired import Endpoint
from k8s_sync.sync.routes import ServiceRoute
from k8s_sync.workers.ingress_sync import ClusterView, IngressSync


def env(name: str, **clusters: str) -> RegisteredEnvironment:
    return RegisteredEnvironment(
        name=name,
        clusters=[EnvironmentPlacement(cluster=c, namespace=n) for c, n in clusters.items()],
    )


def endpoint(namespace: str, pod: str) -> Endpoint:
    return Endpoint(
        cluster="a",
        namespace=namespace,
        pod=pod,
        address="10.0.0.1",
        port=80,
        app="shop",
        env="prod",
        stage="stable",
        ready=True,
        serving=True,
        terminating=False,
        weight=100,
    )


def view_with(*slices: tuple[str, str, str]) -> ClusterView:
    """(namespace, pod, owning Service or "") per slice; Services "shop" exist everywhere."""
    view = ClusterView("a")
    for namespace, pod, owner in slices:
        view.services[f"{namespace}/shop"] = ServiceRoute("shop", "prod", "stable")
        view.put_slice(f"{namespace}/{pod}", [endpoint(namespace, pod)], "1", owner)
    return view


async def test_only_the_mapped_namespace_and_own_services_are_served() -> None:
    engine = IngressSync(placements={})
    engine.views["a"] = view_with(
        ("shop-prod", "good", "shop-prod/shop"),
        ("elsewhere", "copycat", "elsewhere/shop"),
        ("shop-prod", "orphan", ""),  # a slice no Service owns
        ("shop-prod", "foreign", "shop-prod/other"),  # owned by a Service we do not know
    )
    assert engine.desired("shop.prod") == []  # nothing before the registry answered
    await engine.set_placements([env("prod", a="shop-prod")])
    assert [e.pod for e in engine.desired("shop.prod")] == ["good"]
    assert IngressSync().desired("shop.prod") == []  # no views at all


async def test_an_environment_list_that_suddenly_maps_nothing_needs_confirming() -> None:
    engine = IngressSync(placements={})
    engine.views["a"] = view_with(("shop-prod", "good", "shop-prod/shop"))
    await engine.set_placements([env("prod", a="shop-prod")])
    await engine.set_placements([])  # a wrong database, a bad deploy: not yet
    assert [e.pod for e in engine.desired("shop.prod")] == ["good"]
    await engine.set_placements([])  # a second read agrees
    assert engine.desired("shop.prod") == []
