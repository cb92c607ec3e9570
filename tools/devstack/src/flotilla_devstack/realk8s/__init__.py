"""Real Kubernetes control planes on loopback, for the conformance lane (`pytest -m realk8s`).

Each cluster is etcd, kube-apiserver, kube-controller-manager and kube-scheduler, built from
their Go modules by `tools/devstack/realk8s/build.sh` (cached), plus kwok, which plays the
kubelets of N simulated nodes: it binds nothing and runs no container, but gives pods their
status and an IP from the cluster's part of 198.18.0.0/15. A companion process
(`flotilla_devstack.realk8s.podnet`) watches the pods and serves HTTP on those IPs as the
applications would, so HAProxy routes real traffic to them.

The API server is the real one: it validates fields, refuses changes to immutable ones, runs
RBAC and Pod Security admission, and etcd compacts (a watch resumed from before a compaction
gets 410). Clients authenticate with a static admin token (group system:masters) or, for what
Flotilla itself does, a ServiceAccount token issued by the TokenRequest API (see rbac.py).

Pod IPs are not loopback addresses, as kubesim's are: a real API server refuses loopback,
link-local and multicast addresses in EndpointSlices, so kube-controller-manager could not
publish a pod at 127.x.y.z. 198.18.0.0/15 (RFC 2544, for benchmarking: never routed on a real
network) is routed to the loopback device instead (`ip route add local 198.18.0.0/15 dev lo`,
which needs root or CAP_NET_ADMIN), so any address in it can be bound and reached on this
machine only, like 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes_asyncio import client

from flotilla_devstack.kubesim import SimulatedCluster
from flotilla_devstack.procs import ManagedProcess, StartError, free_port, port_open
from flotilla_devstack.realk8s import certs
from flotilla_devstack.realk8s.faults import ANNOTATION as FAULT_ANNOTATION
from flotilla_runtime.kube import api_client
from kubesim import kubeconfig
from kubesim.controllers.podspec import PREFIX

# How long a pod takes to get ready, as kubesim's kubelet reckons it
# (kubesim.controllers.podspec.ready_after): the pod's `kubesim.flotilla.io/ready-after-seconds`,
# else its containers' longest readinessProbe.initialDelaySeconds (a kubelet runs no readiness
# probe before it). kwok's Stage delay takes a jq expression whose string result it parses with
# Go's time.ParseDuration (sigs.k8s.io/kwok v0.8.0, pkg/utils/lifecycle/value_duration_from.go),
# hence the "s".
READY_AFTER = (
    f'(.metadata.annotations["{PREFIX}ready-after-seconds"]'
    " // ([.spec.containers[].readinessProbe.initialDelaySeconds // 0] | max | tostring))"
    ' + "s"'
)
# How long a deleted pod stays Terminating before kwok removes it, as kubesim's kubelet times
# it (kubesim.controllers.podspec.hook_seconds): the `kubesim.flotilla.io/pre-stop-seconds`
# annotation, else the longest preStop `sleep`, within the pod's grace period. Without it kwok
# removes a deleted pod at once: the EndpointSlice never shows it terminating (the ingress's
# drain is never exercised) and kwok hands its address to a new pod while the old one still
# serves.
STOPPED_AFTER = (
    f'[(.metadata.annotations["{PREFIX}pre-stop-seconds"]'
    " // ([.spec.containers[].lifecycle.preStop.sleep.seconds // 0] | max) | tonumber),"
    " (.spec.terminationGracePeriodSeconds // 30)] | min | tostring"
    ' + "s"'
)

BUILD_SCRIPT = Path(__file__).resolve().parents[3] / "realk8s" / "build.sh"
RBAC = Path(__file__).resolve().parents[5] / "deploy" / "target-cluster" / "rbac.yaml"
POD_NETWORK = "198.18.0.0/15"


def pod_range(index: int) -> str:
    """Cluster `index`'s pod addresses: a /20 (4,094 pods) of POD_NETWORK."""
    return f"198.{18 + index // 16}.{(index % 16) * 16}.0/20"


def route_pod_network() -> bool:
    """Route POD_NETWORK to the loopback device (True if this call added the route). The route
    stays when the clusters stop: another run on the machine may be using it, and it only makes
    a range no network uses local (`ip route del local 198.18.0.0/15 dev lo` removes it)."""
    shown = subprocess.run(
        ["ip", "route", "show", "table", "local", POD_NETWORK],
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode == 0 and POD_NETWORK.split("/")[0] in shown.stdout:
        return False
    added = subprocess.run(
        ["ip", "route", "add", "local", POD_NETWORK, "dev", "lo"],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode != 0:
        raise StartError(
            f"real clusters' pods need {POD_NETWORK} routed to the loopback device, and "
            f"`ip route add local {POD_NETWORK} dev lo` failed ({added.stderr.strip()}): run "
            "as root, or add the route once with sudo"
        )
    return True


def build(timeout: float = 3600.0) -> Path:
    """The directory of the built binaries (building them the first time; minutes cold)."""
    done = subprocess.run(
        ["bash", str(BUILD_SCRIPT)],
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise StartError(f"{BUILD_SCRIPT} failed with {done.returncode}")
    return Path(done.stdout.strip().splitlines()[-1])


def _kubeconfig(
    directory: Path, user: str, cluster: str, url: str, ca_pem: bytes, token: str
) -> Path:
    """`<directory>/<user>.kubeconfig` for the cluster (kubesim's kubeconfig layout)."""
    ca_data = base64.b64encode(ca_pem).decode()
    return kubeconfig.write(
        directory, user, kubeconfig.kubeconfig(cluster, url=url, ca_data=ca_data, token=token)
    )


@dataclass
class ControlPlane:
    """One real cluster's processes."""

    name: str
    index: int
    directory: Path
    bin: Path
    nodes: int
    processes: list[ManagedProcess]
    cluster: SimulatedCluster | None = None
    etcd_url: str = ""

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == f"{self.name}/{name}")

    @property
    def stages(self) -> Path:
        """kwok's Stage files, beside the binaries (build.sh copies them from kwok's module)."""
        return self.bin.parent / "stages"

    def _stages(self) -> list[Path]:
        """kwok's stages, timed as kubesim's kubelet times a pod: pod-ready leaves out pods with
        a fault (faults.py plays their kubelet) and waits READY_AFTER; pod-delete, which ends a
        deleted pod, waits STOPPED_AFTER, so the pod stays Terminating (and its EndpointSlice
        entry terminating and serving, which the ingress drains) while its preStop runs."""
        out = []
        for path in sorted(self.stages.glob("*.yaml")):
            stage = yaml.safe_load(path.read_text())
            if stage["metadata"]["name"] == "pod-ready":
                stage["spec"]["selector"]["matchExpressions"].append(
                    {
                        "key": f'.metadata.annotations["{FAULT_ANNOTATION}"]',
                        "operator": "DoesNotExist",
                    }
                )
                stage["spec"]["delay"] = {"durationFrom": {"jq": {"expression": READY_AFTER}}}
            elif stage["metadata"]["name"] == "pod-delete":
                stage["spec"]["delay"] = {"durationFrom": {"jq": {"expression": STOPPED_AFTER}}}
            else:
                out.append(path)
                continue
            path = self.directory / path.name
            path.write_text(yaml.safe_dump(stage))
            out.append(path)
        return out

    def _proc(self, name: str, argv: Sequence[str]) -> ManagedProcess:
        proc = ManagedProcess(f"{self.name}/{name}", argv, log_path=self.directory / f"{name}.log")
        proc.start()
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 90.0) -> SimulatedCluster:
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        pki = certs.write(d / "pki")
        admin_token = secrets.token_urlsafe(32)
        (d / "tokens.csv").write_text(f'{admin_token},flotilla-admin,1,"system:masters"\n')
        etcd_client, etcd_peer, api_port = free_port(), free_port(), free_port()
        etcd = self._proc(
            "etcd",
            [
                str(self.bin / "etcd"),
                f"--name={self.name}",
                f"--data-dir={d / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_client}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_client}",
                f"--listen-peer-urls=http://127.0.0.1:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer}",
                f"--initial-cluster={self.name}=http://127.0.0.1:{etcd_peer}",
                "--unsafe-no-fsync",  # a test cluster: speed over durability
                "--log-level=warn",
            ],
        )
        etcd.wait_port("127.0.0.1", etcd_client, timeout)
        self.etcd_url = f"http://127.0.0.1:{etcd_client}"
        api = self._proc(
            "kube-apiserver",
            [
                str(self.bin / "kube-apiserver"),
                f"--etcd-servers=http://127.0.0.1:{etcd_client}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={api_port}",
                f"--tls-cert-file={pki.server_cert}",
                f"--tls-private-key-file={pki.server_key}",
                f"--client-ca-file={pki.ca_cert}",
                f"--token-auth-file={d / 'tokens.csv'}",
                "--authorization-mode=Node,RBAC",
                "--service-account-issuer=https://kubernetes.default.svc",
                f"--service-account-key-file={pki.sa_public}",
                f"--service-account-signing-key-file={pki.sa_private}",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--etcd-compaction-interval=30s",
                # ConfigMaps straight from etcd (no watch cache): a watch from a compacted
                # version gets etcd's own 410, which the informer test makes happen
                "--watch-cache-sizes=configmaps#0",
                "--profiling=false",
                "--v=0",
            ],
        )
        url = f"https://127.0.0.1:{api_port}"
        api.wait_until(lambda: port_open("127.0.0.1", api_port), timeout, "kube-apiserver")
        admin_path = _kubeconfig(d, "admin", self.name, url, pki.ca_pem, admin_token)
        api.wait_until(lambda: _healthy(url, pki.ca_cert, admin_token), timeout, "/readyz")
        self._proc(
            "kube-controller-manager",
            [
                str(self.bin / "kube-controller-manager"),
                f"--kubeconfig={admin_path}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                f"--service-account-private-key-file={pki.sa_private}",
                f"--root-ca-file={pki.ca_cert}",
                "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller",
                "--concurrent-deployment-syncs=10",
                "--v=0",
            ],
        )
        self._proc(
            "kube-scheduler",
            [
                str(self.bin / "kube-scheduler"),
                f"--kubeconfig={admin_path}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                "--v=0",
            ],
        )
        self._proc(
            "kwok",
            [
                str(self.bin / "kwok"),
                f"--kubeconfig={admin_path}",
                "--manage-all-nodes=true",
                f"--cidr={pod_range(self.index)}",
                "--node-ip=127.0.0.1",
                *(f"--config={stage}" for stage in self._stages()),
            ],
        )
        self.cluster = SimulatedCluster(self.name, url, admin_path, pki.ca_cert)
        return self.cluster

    def flotilla_account(self) -> SimulatedCluster:
        """deploy/target-cluster/rbac.yaml applied, and the cluster as its `flotilla`
        ServiceAccount reaches it (a token from the TokenRequest API): what Flotilla is
        registered with, so a permission missing from the shipped RBAC fails a test."""
        assert self.cluster is not None
        admin = ["kubectl", f"--kubeconfig={self.cluster.kubeconfig}"]
        subprocess.run([*admin, "apply", "-f", str(RBAC)], capture_output=True, check=True)
        token = subprocess.run(
            [*admin, "-n", "flotilla-system", "create", "token", "flotilla", "--duration=24h"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        ca = self.cluster.ca_file.read_bytes()
        path = _kubeconfig(self.directory, "flotilla", self.name, self.cluster.url, ca, token)
        return SimulatedCluster(self.name, self.cluster.url, path, self.cluster.ca_file)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()


def compact(etcd_url: str) -> int:
    """Compact etcd to its current revision (through its JSON gateway); returns it. A key
    outside Kubernetes' prefix is written first, so the revision is newer than any a client
    holds even when nothing else wrote since (without it the test's own version survived)."""
    import json
    import urllib.request

    def post(path: str, body: dict[str, object]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{etcd_url}{path}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            loaded: dict[str, Any] = json.load(answer)
            return loaded

    bump: dict[str, object] = {"key": base64.b64encode(b"/flotilla-test/bump").decode()}
    bump["value"] = "MQ=="
    revision = int(post("/v3/kv/put", bump)["header"]["revision"])
    post("/v3/kv/compaction", {"revision": revision, "physical": True})
    return revision


def _healthy(url: str, ca_file: Path, token: str) -> bool:
    import ssl
    import urllib.request

    request = urllib.request.Request(f"{url}/readyz", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(
            request, context=ssl.create_default_context(cafile=str(ca_file)), timeout=2
        ) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _first_address(cluster: SimulatedCluster) -> None:
    """One pod made ready alone, then deleted, before any other: kwok (v0.8.0,
    pkg/kwok/controllers/pod_controller.go `ipPool`) creates its pool of pod addresses on first
    use by a load and a store that are not one atomic step, so two pods made ready at the same
    moment each create a pool and both get its first address. The lane saw it: two pods of one
    Deployment on 198.18.32.1, of which the ingress can hold one. Afterwards the pool exists and
    hands out addresses under its lock."""
    kubectl = ["kubectl", f"--kubeconfig={cluster.kubeconfig}", "-n", "default"]
    pod = "flotilla-first-address"
    run = [*kubectl, "run", pod, "--image=registry.k8s.io/pause:3.10", "--restart=Never"]
    subprocess.run(run, capture_output=True, check=True)
    ready = [*kubectl, "wait", "--for=condition=Ready", f"pod/{pod}", "--timeout=60s"]
    subprocess.run(ready, capture_output=True, check=True)
    delete = [*kubectl, "delete", "pod", pod, "--wait=false"]
    subprocess.run(delete, capture_output=True, check=True)


class RealClusters:
    """N real clusters with simulated nodes, and the pods' HTTP companion (podnet)."""

    def __init__(self, directory: Path, *, clusters: tuple[str, ...], nodes: int = 3) -> None:
        self.directory = directory
        self.names = clusters
        self.nodes = nodes
        self.planes: list[ControlPlane] = []
        self.admin: dict[str, SimulatedCluster] = {}  # system:masters
        self.clusters: dict[str, SimulatedCluster] = {}  # the `flotilla` ServiceAccount
        self._podnet: ManagedProcess | None = None

    def start(self) -> None:
        bin_dir = build()
        route_pod_network()
        try:
            for index, name in enumerate(self.names):
                plane = ControlPlane(name, index, self.directory / name, bin_dir, self.nodes, [])
                self.planes.append(plane)
                self.admin[name] = plane.start()
                self.clusters[name] = plane.flotilla_account()
            argv = [sys.executable, "-m", "flotilla_devstack.realk8s.podnet"]
            for name, cluster in self.admin.items():
                argv += ["--cluster", f"{name}={cluster.kubeconfig}"]
            argv += ["--nodes", str(self.nodes)]
            self._podnet = ManagedProcess(
                "podnet", argv, log_path=self.directory / "podnet.log", env=dict(os.environ)
            )
            self._podnet.start()
            self._podnet.wait_until(self._podnet_ready, 120, "nodes Ready and podnet watching")
            for cluster in self.admin.values():
                _first_address(cluster)
        except BaseException:
            self.stop()
            raise

    QUOTA = "flotilla-test-stall"

    def _plane(self, cluster: str) -> ControlPlane:
        return next(p for p in self.planes if p.name == cluster)

    async def stall_rollouts(self, cluster: str, image: str, namespace: str) -> None:
        """A ResourceQuota admitting no more pods than the namespace has: a new ReplicaSet gets
        none, so the rollout never progresses (as in a cluster out of quota). Every image, not
        only `image`: the pods are counted, not looked at."""
        async with await api_client(self.admin[cluster].connection()) as api:
            core = client.CoreV1Api(api)
            pods = (await core.list_namespaced_pod(namespace)).items
            live = [p for p in pods if not p.metadata.deletion_timestamp]
            quota: Any = {
                "metadata": {"name": self.QUOTA},
                "spec": {"hard": {"pods": str(len(live))}},
            }
            await core.create_namespaced_resource_quota(namespace, quota)

    async def unstall_rollouts(self, cluster: str, namespace: str) -> None:
        async with await api_client(self.admin[cluster].connection()) as api:
            await client.CoreV1Api(api).delete_namespaced_resource_quota(self.QUOTA, namespace)

    def restart_api_server(self, cluster: str, *, compact_between: bool = False) -> None:
        """Stop kube-apiserver (every watch ends), optionally compact etcd to its current
        revision meanwhile (every version a client holds is then gone), start it again."""
        plane = self._plane(cluster)
        api = plane.process("kube-apiserver")
        api.stop()
        if compact_between:
            compact(plane.etcd_url)
        api.start()
        admin = plane.cluster
        assert admin is not None
        token = admin.token
        api.wait_until(lambda: _healthy(admin.url, admin.ca_file, token), 90, "/readyz")

    async def api_outage(self, cluster: str, seconds: float) -> None:
        """kube-apiserver stopped (SIGSTOP) for `seconds`: connections hang, as a server that
        is overloaded or partitioned away; SIGCONT after."""
        plane = self._plane(cluster)
        pid = plane.process("kube-apiserver").pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        asyncio.get_running_loop().call_later(seconds, os.kill, pid, signal.SIGCONT)

    def _podnet_ready(self) -> bool:
        try:
            text = (self.directory / "podnet.log").read_text()
        except OSError:
            return False
        return all(f"podnet {name} ready" in text for name in self.names)

    def stop(self) -> None:
        if self._podnet is not None:
            self._podnet.stop()
            self._podnet = None
        for plane in reversed(self.planes):
            plane.stop()
        self.planes.clear()
