"""Kubernetes clients from a ClusterConnection: the one code path to real clusters and kubesim."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from kubernetes_asyncio import client, config

from flotilla_contracts import ClusterConnection
from flotilla_runtime.kubeconfig import (
    KubeconfigError,
    check_server,
    parse_kubeconfig,
    server_of,
    with_server,
)

__all__ = ["KubeconfigError", "api_client", "kubeconfig_of", "parse_kubeconfig", "server_of"]


def kubeconfig_of(connection: ClusterConnection) -> dict[str, Any]:
    """The kubeconfig a client is built from: a stored kubeconfig checked again and pointed at
    the registry's `api_server`, or one made from a token (see flotilla_runtime.kubeconfig)."""
    if connection.kubeconfig:
        return with_server(parse_kubeconfig(connection.kubeconfig), connection.api_server)
    cluster: dict[str, Any] = {"server": check_server(connection.api_server, "api_server")}
    if connection.ca_data:
        cluster["certificate-authority-data"] = connection.ca_data
    if connection.insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "flotilla",
        "clusters": [{"name": connection.cluster, "cluster": cluster}],
        "users": [{"name": "flotilla", "user": {"token": connection.token or ""}}],
        "contexts": [
            {"name": "flotilla", "context": {"cluster": connection.cluster, "user": "flotilla"}}
        ],
    }


async def api_client(connection: ClusterConnection) -> client.ApiClient:
    """An ApiClient for the cluster; close it (`async with`) when done."""
    configuration = client.Configuration()
    await config.load_kube_config_from_dict(
        kubeconfig_of(connection), client_configuration=configuration
    )
    return client.ApiClient(configuration)


# Kubernetes' quantity grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go):
#   <quantity> ::= <signedNumber><suffix>
#   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei | n | u | m | "" | k | M | G | T | P | E
#                | e<signedNumber> | E<signedNumber>
# "1E" is one exa; "1e3" and "1E3" are a thousand.
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE](?P<exponent>[+-]?[0-9]+))?$"
)
_SUFFIX = {
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


def quantity(value: Any) -> float:
    """CPU cores or bytes from a Kubernetes quantity (`250m`, `1.5`, `512Mi`, `2G`, `1e3`, `1E`).
    None is 0; anything outside the grammar raises ValueError."""
    if value is None:
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _QUANTITY.match(str(value).strip()) if isinstance(value, str) else None
    if match is None or len(str(value)) > 64:
        raise ValueError(f"{str(value)[:64]!r} is not a Kubernetes quantity")
    number = Decimal(match["number"])
    if match["suffix"]:
        number *= _SUFFIX[match["suffix"]]
    elif match["exponent"]:
        exponent = int(match["exponent"])
        if abs(exponent) > 30:
            raise ValueError(f"{value!r} is out of range")
        number = number.scaleb(exponent)
    return float(number)
