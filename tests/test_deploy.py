"""deploy/ renders with the real kubectl; docker-compose.yml has every service on its port."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PORTS = {"release-api": 8080, "cluster-registry": 8081, "k8s-sync": 8082, "monitor-gateway": 8083}


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is required for this test"
    out = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.mark.parametrize(("overlay", "tag", "replicas"), [("dev", "dev", 1), ("prod", "0.1.0", 3)])
def test_overlay_renders_every_service(overlay: str, tag: str, replicas: int) -> None:
    docs = render(overlay)
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    for name, port in PORTS.items():
        deployment = by_kind["Deployment"][name]
        spec = deployment["spec"]
        assert spec["replicas"] == replicas
        pod = spec["template"]["spec"]
        container = next(c for c in pod["containers"] if c["name"] == name)
        assert container["image"] == f"flotilla/{name}:{tag}"
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["resources"]["limits"]["memory"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["serviceAccountName"] == name
        assert pod["initContainers"][0]["args"] == ["migrate"]
        env = {e["name"] for e in container["env"]}
        prefix = name.upper().replace("-", "_") + "_"
        assert {f"{prefix}PORT", f"{prefix}DATABASE_URL"} <= env
        service = by_kind["Service"][name]
        assert service["spec"]["ports"][0]["port"] == port
        assert pod["containers"][0] is container  # the overlays patch containers/0
        assert by_kind["PodDisruptionBudget"][name]["spec"]["minAvailable"] == 1
        assert name in by_kind["ServiceAccount"]
    _ingress_pod_is_k8s_sync_beside_haproxy(by_kind)
    api = by_kind["Deployment"]["monitor-gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "MONITOR_GATEWAY_LOGS_INGEST", "value": "false"} in api["env"]
    ingest = by_kind["Deployment"]["monitor-gateway-ingest"]["spec"]
    assert ingest["replicas"] == replicas
    (consumer,) = ingest["template"]["spec"]["containers"]
    assert consumer["args"] == ["ingest"]
    assert consumer["image"] == f"flotilla/monitor-gateway:{tag}"
    assert consumer["readinessProbe"]["httpGet"]["path"] == "/readyz"
    namespaces = set(by_kind["Namespace"])
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == namespaces


def _ingress_pod_is_k8s_sync_beside_haproxy(by_kind: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Each ingress pod: HAProxy in master-worker mode and the k8s-sync that drives it, sharing
    the configuration and the unix sockets (never a TCP admin port), its own leader lock."""
    pod = by_kind["Deployment"]["k8s-sync"]["spec"]["template"]["spec"]
    sync, haproxy = pod["containers"]
    assert haproxy["name"] == "haproxy"
    command = haproxy["command"]
    assert command[:2] == ["haproxy", "-W"]
    assert command[command.index("-S") + 1].startswith("/run/haproxy/master.sock")
    assert command[command.index("-f") + 1] == "/etc/haproxy/flotilla/haproxy.cfg"
    assert [p["containerPort"] for p in haproxy["ports"]] == [8080]
    mounts = {m["mountPath"] for m in haproxy["volumeMounts"]}
    assert (
        mounts
        == {m["mountPath"] for m in sync["volumeMounts"]}
        == {
            "/etc/haproxy/flotilla",
            "/run/haproxy",
        }
    )
    env = {e["name"]: e.get("value") for e in sync["env"]}
    (ingress,) = json.loads(str(env["K8S_SYNC_INGRESSES"]))
    assert ingress["runtime_socket"].startswith("/run/haproxy/")
    assert not ingress.get("allow_tcp_runtime")
    assert env["K8S_SYNC_LEADER_LOCK"] == "k8s-sync/$(POD_NAME)"
    assert [c["name"] for c in pod["initContainers"]] == ["migrate", "ingress-config"]
    assert by_kind["Service"]["k8s-sync"]["spec"]["clusterIP"] == "None"  # release-api asks all
    assert by_kind["Service"]["flotilla-ingress"]["spec"]["ports"][0]["targetPort"] == "ingress"


def test_prod_has_no_inline_secrets_and_uses_jwks() -> None:
    docs = render("prod")
    assert not [d for d in docs if d["kind"] == "Secret"]
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert config["data"]["AUTH_JWKS_URL"].startswith("https://")


def test_compose_has_every_component_and_service_port() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "kafka", "prometheus", "haproxy-a", "haproxy-b"} <= set(services)
    ingresses = json.loads(services["k8s-sync"]["environment"]["K8S_SYNC_INGRESSES"])
    assert [i["name"] for i in ingresses] == ["ingress-a", "ingress-b"]
    for ingress, name in zip(ingresses, ("haproxy-a", "haproxy-b"), strict=True):
        assert ingress["runtime_socket"].startswith("/run/haproxy/")  # no TCP admin socket
        assert "-W" in services[name]["command"]
        assert [p.split(":")[-1] for p in services[name]["ports"]] == ["8080"]
    for name, port in PORTS.items():
        svc = services[name]
        assert svc["build"]["dockerfile"] == f"services/{name}/Dockerfile"
        assert f"{port}:{port}" in svc["ports"]
        prefix = name.upper().replace("-", "_") + "_"
        assert svc["environment"][f"{prefix}PORT"] == str(port)
        assert "healthcheck" in svc
        assert (ROOT / svc["build"]["dockerfile"]).is_file()
    assert "KAFKA_PROCESS_ROLES" in services["kafka"]["environment"]  # KRaft, no ZooKeeper


def test_dockerfiles_are_multi_stage_and_non_root() -> None:
    for name, port in PORTS.items():
        text = (ROOT / "services" / name / "Dockerfile").read_text()
        # build, (release-api: the console,) then the runtime image
        assert text.count("FROM ") == (3 if name == "release-api" else 2)
        final = [line for line in text.splitlines() if line.startswith("FROM ")][-1]
        assert final.startswith("FROM python:3.11-slim")  # the image that runs is the slim one
        assert "USER 10001" in text
        assert f"EXPOSE {port}" in text
        assert f'ENTRYPOINT ["flotilla-{name}"]' in text


def test_the_console_is_served_by_release_api_and_allowed_by_the_others() -> None:
    """release-api's image carries the built console (same origin as its API); the other
    services allow that origin (CORS), in the prod overlay and in docker-compose; discovery
    tells the browser where they are, and how to sign in, with settings that parse."""
    from release_api.settings import BrowserLogin, DeviceFlow

    dockerfile = (ROOT / "services/release-api/Dockerfile").read_text()
    assert "npm ci" in dockerfile
    assert "COPY --from=console /console/dist /app/console" in dockerfile
    assert "RELEASE_API_CONSOLE_DIR=/app/console" in dockerfile

    config = next(d for d in render("prod") if d["kind"] == "ConfigMap")["data"]
    public = json.loads(config["PUBLIC_URLS"])
    assert set(public) == set(PORTS)
    assert json.loads(config["CORS_ORIGINS"]) == [public["release-api"]]
    BrowserLogin.model_validate_json(config["BROWSER_LOGIN"])
    DeviceFlow.model_validate_json(config["DEVICE_FLOW"])

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    urls = json.loads(services["release-api"]["environment"]["RELEASE_API_PUBLIC_URLS"])
    assert {name: int(url.rsplit(":", 1)[1]) for name, url in urls.items()} == PORTS
    for name in ("cluster-registry", "k8s-sync", "monitor-gateway"):
        prefix = name.upper().replace("-", "_")
        origins = json.loads(services[name]["environment"][f"{prefix}_CORS_ORIGINS"])
        assert origins == [urls["release-api"]]
