"""The route table and the rendered configuration: pure logic, plus `haproxy -c` on a render."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from k8s_sync.ingress import generations
from k8s_sync.ingress.config import (
    InstancePaths,
    Layout,
    backend_problem,
    parse_description,
    render,
    slots_for,
)
from k8s_sync.ingress.generations import ConfigInvalid
from k8s_sync.settings import IngressInstanceSettings
from k8s_sync.sync.routes import (
    DomainTemplates,
    RouteTable,
    ServiceRoute,
    build_routes,
    route_of_service,
    template_problem,
)

TEMPLATES = DomainTemplates({"*": "{app}.{env}.apps.example.com", "prod": "{app}.example.com"})


def svc(
    app: str, env: str = "prod", stage: str = "stable", hosts: str | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": app,
        "namespace": "ns",
        "labels": {"flotilla.io/app": app, "flotilla.io/env": env, "flotilla.io/stage": stage},
    }
    if hosts is not None:
        meta["annotations"] = {"flotilla.io/hosts": hosts}
    return {"metadata": meta}


def routes_of(*services: dict[str, Any], owners: dict[str, str] | None = None) -> RouteTable:
    found = [r for s in services if (r := route_of_service(s)) is not None]
    return build_routes(found, TEMPLATES, owners=owners)


def test_every_app_env_gets_its_template_host_and_declared_ones() -> None:
    table = routes_of(
        svc("shop", hosts="shop.example.org, www.shop.example.org"),
        svc("shop", "test"),
        svc("cart"),
    )
    assert table.routes["shop.prod"].hosts == (
        "shop.example.com",
        "shop.example.org",
        "www.shop.example.org",
    )
    assert table.routes["shop.test"].hosts == ("shop.test.apps.example.com",)
    assert table.hosts["cart.example.com"] == "cart.prod"
    assert table.header_values() == {n: n for n in ("cart.prod", "shop.prod", "shop.test")}
    assert table.errors == {}


def test_a_gray_service_anywhere_gives_the_backend_its_twin() -> None:
    table = routes_of(svc("shop"), svc("shop", stage="gray"), svc("cart"))
    assert table.routes["shop.prod"].gray
    assert not table.routes["cart.prod"].gray
    assert table.backends() == {"shop.prod", "shop.prod:gray", "cart.prod"}


def test_a_hostname_stays_with_the_app_that_has_it() -> None:
    # cart claims shop's template host, and a host shop had first.
    table = routes_of(
        svc("shop", hosts="shared.example.org"),
        svc("cart", hosts="shop.example.com,shared.example.org"),
        owners={"shared.example.org": "shop.prod"},
    )
    assert table.hosts["shop.example.com"] == "shop.prod"
    assert table.hosts["shared.example.org"] == "shop.prod"
    assert table.routes["cart.prod"].hosts == ("cart.example.com",)
    assert table.errors["cart.prod"] == [
        "hostname 'shared.example.org' is routed to shop.prod already",
        "hostname 'shop.example.com' is routed to shop.prod already",
    ]
    # Without history the first in name order keeps it: deterministic, never both.
    fresh = routes_of(svc("zed", hosts="x.example.org"), svc("abc", hosts="x.example.org"))
    assert fresh.hosts["x.example.org"] == "abc.prod"


@pytest.mark.parametrize(
    ("hosts", "why"),
    [
        ("Shop.Example.com", "must be lowercase"),
        ("*.example.com", "wildcards are not supported"),
        ("shop example.com", "is not a DNS name"),
        ("shop.example.com;use_backend", "is not a DNS name"),
        ("a" * 64 + ".example.com", "is not a DNS name"),
        ("x." * 130 + "com", "characters long"),
    ],
)
def test_bad_hostnames_are_skipped_and_reported(hosts: str, why: str) -> None:
    table = routes_of(svc("shop", hosts=f"{hosts},ok.example.org"))
    assert table.routes["shop.prod"].hosts == ("ok.example.org", "shop.example.com")
    (error,) = table.errors["shop.prod"]
    assert why in error


def test_bad_app_or_env_labels_get_no_route_and_do_not_touch_others() -> None:
    table = routes_of(svc("Bad_App"), svc("shop"), svc("x" * 70))
    assert set(table.routes) == {"shop.prod"}
    assert set(table.errors) == {"Bad_App.prod", "x" * 70 + ".prod"}


def test_domain_templates_are_checked() -> None:
    assert template_problem("{app}.{env}.apps.example.com") is None
    assert template_problem("apps.example.com") == "must contain {app}"
    assert "only {app} and {env}" in str(template_problem("{app}.{cluster}.example.com"))
    assert "is not a DNS name" in str(template_problem("{app} .example.com"))
    with pytest.raises(ValueError, match="for 'prod'"):
        DomainTemplates({"prod": "example.com"})


def test_slots_have_headroom_in_multiples_of_eight() -> None:
    assert slots_for(1, minimum=8, headroom=2) == 8
    assert slots_for(5, minimum=8, headroom=2) == 16
    assert slots_for(9, minimum=8, headroom=2) == 24
    assert slots_for(3, minimum=4, headroom=1) == 8


def test_backend_names_are_refused_before_rendering() -> None:
    assert backend_problem("shop.prod") is None
    assert backend_problem("shop.prod:gray") is None
    for bad in ("shop", "shop.prod prod", "Shop.prod", "shop.prod;x", "a.b.c"):
        assert backend_problem(bad), bad
    with pytest.raises(ValueError, match="backend"):
        render(
            Layout.of({"bad name.prod": 8}),
            instance="a",
            paths=_paths(Path("/x")),
            generation=1,
            hosts={},
            apps={},
        )


def _paths(directory: Path) -> InstancePaths:
    return InstancePaths(
        config_dir=directory,
        runtime_socket=str(directory / "admin.sock"),
        traffic_socket="/run/flotilla-test/traffic.sock",  # haproxy -c checks its lines
        bind="127.0.0.1:1",
        maxconn=1000,
        hard_stop_after_s=10,
    )


@pytest.mark.integration
def test_a_render_passes_haproxy_check_and_names_its_generation(tmp_path: Path) -> None:
    table = routes_of(svc("shop", hosts="shop.example.org"), svc("shop", stage="gray"), svc("cart"))
    layout = Layout.of({b: 8 for b in table.backends()})
    paths = _paths(tmp_path)
    rendered = render(
        layout,
        instance="a",
        paths=paths,
        generation=7,
        hosts=table.hosts,
        apps=table.header_values(),
    )
    assert "use_backend shop.prod:gray if" in rendered.text
    assert rendered.hosts_map.splitlines() == [
        "cart.example.com cart.prod",
        "shop.example.com shop.prod",
        "shop.example.org shop.prod",
    ]
    generation = generations.write(paths, 7, rendered, layout)
    asyncio.run(generations.validate(generation))
    description = next(ln for ln in rendered.text.splitlines() if "description" in ln)
    assert parse_description(description.split('"')[1]) == (7, layout.digest())
    generations.switch(paths, generation)
    assert generations.current(paths) == generation

    broken = generations.write(paths, 8, rendered, layout)
    (broken.directory / "haproxy.cfg").write_text(
        rendered.text.replace("balance roundrobin", "balance nonsense")
    )
    with pytest.raises(ConfigInvalid, match="balance only supports"):
        asyncio.run(generations.validate(broken))
    assert generations.current(paths) == generation  # the symlink never moved


def test_service_routes_ignore_objects_without_labels() -> None:
    assert route_of_service({"metadata": {"name": "kubernetes"}}) is None
    assert route_of_service(svc("shop", hosts=" a.example.com ,, b.example.com ")) == ServiceRoute(
        "shop", "prod", "stable", ("a.example.com", "b.example.com")
    )


def test_the_runtime_api_is_dialled_where_told_and_rendered_where_haproxy_binds() -> None:
    base = {
        "name": "edge",
        "config_dir": "/etc/haproxy/flotilla",
        "runtime_socket": "/run/haproxy/admin.sock",
        "master_socket": "/run/haproxy/master.sock",
    }
    plain = IngressInstanceSettings.model_validate(base)
    assert plain.runtime_address == plain.paths().runtime_socket == "/run/haproxy/admin.sock"
    relayed = IngressInstanceSettings.model_validate(
        {**base, "runtime_connect": "/var/run/k8s-sync/admin.sock"}
    )
    assert relayed.runtime_address == "/var/run/k8s-sync/admin.sock"
    assert relayed.paths().runtime_socket == "/run/haproxy/admin.sock"  # what HAProxy binds
    with pytest.raises(ValueError, match="runtime_connect must be an absolute unix socket path"):
        IngressInstanceSettings.model_validate({**base, "runtime_connect": "10.0.0.1:9999"})


def test_the_traffic_socket_defaults_beside_the_runtime_api_and_fits_haproxy() -> None:
    base = {"name": "a", "config_dir": "/etc/haproxy", "master_socket": "/run/haproxy/m.sock"}
    plain = IngressInstanceSettings.model_validate(
        {**base, "runtime_socket": "/run/haproxy/admin.sock"}
    )
    assert plain.paths().traffic_socket == "/run/haproxy/traffic.sock"
    with pytest.raises(ValueError, match="longer than 97 bytes"):
        IngressInstanceSettings.model_validate(
            {**base, "runtime_socket": "/run/" + "x" * 90 + "/admin.sock"}
        )
    rendered = render(
        Layout.of({"shop.prod": 2}),
        instance="a",
        paths=plain.paths(),
        generation=1,
        hosts={},
        apps={},
    )
    assert "log /run/haproxy/traffic.sock len 512 format raw" in rendered.text
