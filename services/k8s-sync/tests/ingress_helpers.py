"""Helpers for k8s-sync's tests: an ingress instance driving a real HAProxy."""

from __future__ import annotations

from dataclasses import dataclass, field

from flotilla_devstack.haproxy import HAProxyProcess
from k8s_sync.ingress.haproxy import HAProxyRuntime
from k8s_sync.ingress.instance import IngressInstance, InstanceTuning
from k8s_sync.ingress.master import MasterCLI
from k8s_sync.settings import IngressInstanceSettings
from k8s_sync.sync.desired import Endpoint
from k8s_sync.sync.routes import DomainTemplates, RouteTable, ServiceRoute, build_routes


@dataclass
class StaticDesired:
    """A DesiredState that a test sets by hand (no clusters): routes and endpoints."""

    routes: RouteTable = field(default_factory=RouteTable)
    endpoints: dict[str, list[Endpoint]] = field(default_factory=dict)

    def set_apps(self, *backends: str, gray: tuple[str, ...] = ()) -> None:
        services = [_service(b, "stable") for b in backends]
        services += [_service(b, "gray") for b in gray]
        self.routes = build_routes(services, DomainTemplates({"*": "{app}.{env}.test"}))

    def desired(self, backend: str) -> list[Endpoint]:
        return self.endpoints.get(backend, [])

    def stale_clusters(self) -> frozenset[str]:
        return frozenset()

    def unlisted_clusters(self) -> frozenset[str]:
        return frozenset()

    @property
    def routes_complete(self) -> bool:
        return True

    def record_lag(self, cluster: str, lag_s: float) -> None:
        pass


def _service(backend: str, stage: str) -> ServiceRoute:
    app, _, env = backend.partition(".")
    return ServiceRoute(app, env, stage)


def instance_for(haproxy: HAProxyProcess, **tuning: float) -> IngressInstance:
    settings = IngressInstanceSettings.model_validate(haproxy.ingress_settings())
    return IngressInstance(
        haproxy.name,
        settings.paths(),
        runtime=HAProxyRuntime(str(haproxy.socket)),
        master=MasterCLI(str(haproxy.master_socket)),
        tuning=InstanceTuning(**tuning),  # type: ignore[arg-type]
    )
