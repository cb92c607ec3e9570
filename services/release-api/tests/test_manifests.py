"""Manifest rendering against golden files (pure functions: no real components needed).

Regenerate after an intended change: FLOTILLA_UPDATE_GOLDEN=1 uv run pytest <this file>, then
review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from flotilla_contracts.enums import AppType
from release_api.apps.schemas import AppCreate, AppSpec, build_spec, parse_app_yaml
from release_api.manifests.render import Target, image_tag, render

GOLDEN = Path(__file__).parent / "golden"


def spec_of(app_type: AppType, **fields: Any) -> AppSpec:
    data = AppCreate.model_validate(
        {
            "name": "shop",
            "team": "commerce",
            "type": app_type.value,
            "app_yaml": {
                "stack": "youzanyun-centos6",
                "runtime": {"java": "java-17", "python": "python-2.7"}[app_type.value],
                "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application"
                if app_type == AppType.PYTHON
                else "java -jar /app/shop.jar",
            },
            **fields,
        }
    )
    return build_spec(app_type, data)


def target(app_type: AppType, **kw: Any) -> Target:
    return Target(
        app="shop",
        app_type=app_type,
        env="prod",
        cluster="idc-a-1",
        idc="idc-a",
        namespace="shop-prod",
        image="registry.example.com/shop/api:1.4.2",
        replicas=4,
        release_id="6f1c0e7a-0000-4000-8000-000000000001",
        **kw,
    )


CASES = {
    "python-default": lambda: (spec_of(AppType.PYTHON), target(AppType.PYTHON)),
    "java-sidecars": lambda: (
        spec_of(
            AppType.JAVA,
            resources={"requests": {"cpu": "500m"}, "limits": {"cpu": "2500m", "memory": "1Gi"}},
            sidecars=[
                {"name": "log-agent", "image": "agent:2", "order": 2},
                {"name": "mesh-proxy", "image": "proxy:1", "order": 1, "ports": [15001]},
            ],
            env=[{"name": "JAVA_TOOL_OPTIONS", "value": "-Xss512k"}],
            config_refs=[{"kind": "configmap", "name": "shop-config"}],
        ),
        target(AppType.JAVA),
    ),
    "python-debug": lambda: (spec_of(AppType.PYTHON), target(AppType.PYTHON, debug=True)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_manifests_match_golden_files(case: str) -> None:
    spec, where = CASES[case]()
    rendered = json.dumps(render(spec, where), indent=2, sort_keys=True) + "\n"
    path = GOLDEN / f"{case}.json"
    if os.environ.get("FLOTILLA_UPDATE_GOLDEN"):
        path.write_text(rendered)
    assert path.read_text() == rendered, f"{case} differs from {path}"


def test_rendering_rules_that_matter() -> None:
    spec, where = CASES["java-sidecars"]()
    deployment = render(spec, where)["deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["mesh-proxy", "log-agent"]
    assert all(c["restartPolicy"] == "Always" for c in pod["initContainers"])
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert env["JAVA_TOOL_OPTIONS"] == "-Xss512k -XX:ActiveProcessorCount=3"  # ceil(2.5)
    assert deployment["spec"]["selector"]["matchLabels"]["flotilla.io/isolated"] == "false"
    # no program the app did not name: the native sleep drains, nothing runs at start
    assert pod["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": 3}}}
    debug = render(*CASES["python-debug"]())["deployment"]
    container = debug["spec"]["template"]["spec"]["containers"][0]
    assert not {"readinessProbe", "livenessProbe", "lifecycle"} & set(container)
    assert debug["metadata"]["labels"]["flotilla.io/debug"] == "true"


def test_app_yaml_and_spec_errors_are_clear() -> None:
    parsed = parse_app_yaml(
        "stack: youzanyun-centos6\nruntime: python-2.7\n"
        "entrypoint: gunicorn -c gunicorn_config.py wsgi:application\n"
    )
    assert parsed.runtime == "python-2.7"
    with pytest.raises(ValueError, match="not valid YAML"):
        parse_app_yaml("stack: [")
    with pytest.raises(ValueError, match="mapping"):
        parse_app_yaml("- a\n- b\n")
    with pytest.raises(ValueError, match="does not fit a java app"):
        build_spec(
            AppType.JAVA,
            AppCreate.model_validate(
                {
                    "name": "x",
                    "team": "t",
                    "type": "java",
                    "app_yaml": {"stack": "s", "runtime": "python-3.11", "entrypoint": "run"},
                }
            ),
        )
    with pytest.raises(ValueError, match="exceeds its limit"):
        spec_of(AppType.PYTHON, resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        spec_of(AppType.PYTHON, replicas={"prod": -1})
    assert image_tag("registry:5000/shop/api:1.4.2") == "1.4.2"
    assert image_tag("shop/api") == "latest"


def test_hooks_run_only_programs_the_app_declares() -> None:
    """The old defaults called /opt/flotilla/bin/* and wget, which no image had: on a real
    kubelet the failed postStart killed every container. Hooks are now the app's own."""
    spec = spec_of(
        AppType.PYTHON,
        lifecycle={
            "image_commands": ["/app/bin/warm", "/app/bin/leave"],
            "post_start": ["/app/bin/warm", "--quick"],
            "pre_stop": ["/app/bin/leave"],
        },
    )
    container = render(spec, target(AppType.PYTHON))["deployment"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["lifecycle"] == {
        "postStart": {"exec": {"command": ["/app/bin/warm", "--quick"]}},
        "preStop": {"exec": {"command": ["/app/bin/leave"]}},
    }
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["FLOTILLA_DRAIN_SECONDS"] == "3"  # the app's own preStop waits this long
    with pytest.raises(ValueError, match="post_start runs '/app/bin/warm', which image_commands"):
        spec_of(AppType.PYTHON, lifecycle={"post_start": ["/app/bin/warm"]})
    # an API server older than 1.30 has no sleep action: no preStop at all, never a program
    old = render(spec_of(AppType.PYTHON), target(AppType.PYTHON, sleep_hook=False))
    assert "lifecycle" not in old["deployment"]["spec"]["template"]["spec"]["containers"][0]


def test_specs_of_the_shell_snippet_kind_are_still_read() -> None:
    stored = {"preload": "/opt/flotilla/bin/preload", "online": "/opt/flotilla/bin/online"}
    stored |= {"offline": "curl -X POST localhost/offline", "stop": "/opt/flotilla/bin/stop"}
    spec = spec_of(AppType.PYTHON, lifecycle=stored)
    assert spec.lifecycle.post_start is None  # only defaults: nothing to run
    assert spec.lifecycle.pre_stop == [
        "/bin/sh",
        "-c",
        'curl -X POST localhost/offline; sleep "$FLOTILLA_DRAIN_SECONDS"',
    ]
    assert spec.lifecycle.image_commands == ["/bin/sh"]
    assert spec_of(AppType.PYTHON, lifecycle=dict.fromkeys(stored)).lifecycle.pre_stop is None


def test_pods_meet_pod_security_restricted_unless_the_app_runs_as_root() -> None:
    pod = render(*CASES["java-sidecars"]())["deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for container in pod["containers"] + pod["initContainers"]:
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
        }
    with pytest.raises(ValueError, match="run_as_root needs a reason"):
        spec_of(AppType.PYTHON, security={"run_as_root": True})
    root = spec_of(AppType.PYTHON, security={"run_as_root": True, "reason": "binds port 80"})
    assert root.security.level == "baseline"
    pod = render(root, target(AppType.PYTHON))["deployment"]["spec"]["template"]["spec"]
    assert "runAsNonRoot" not in pod["securityContext"]
    assert "runAsNonRoot" not in pod["containers"][0]["securityContext"]
