"""The kubeconfigs Flotilla accepts, reduced to the one form it keeps.

A kubeconfig is more than an address and a credential. In the kubeconfig format
(https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/) `users[].user.exec` and
`auth-provider` run programs on the machine that loads it, `tokenFile`, `client-certificate`,
`client-key` and a cluster's `certificate-authority` read files there, `proxy-url` sends the
traffic to another host, and `username`/`password` is basic auth. A client library honours them
all (kubernetes_asyncio's `load_kube_config_from_dict` does), so whoever may register a cluster
could run programs, or read files, inside every Flotilla service that builds a client.

Flotilla therefore keeps only what it needs, inline:

- the cluster: `server` (https, a host, no user name or password in it),
  `certificate-authority-data`, `tls-server-name`;
- the user: `token`, or `client-certificate-data` with `client-key-data`.

`extensions` and `disable-compression` are dropped; anything else in the current context's
cluster or user is refused, naming the field
(`users[0].user.exec`); the kubeconfig is reduced to that one context. A document that is not
YAML is refused with the line and column only, never the text: the text carries the token.
The same check runs when cluster-registry registers a cluster and again when a service loads
the connection, so a kubeconfig stored before this rule existed is refused too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

CLUSTER_FIELDS = frozenset({"server", "certificate-authority-data", "tls-server-name"})
USER_FIELDS = frozenset({"token", "client-certificate-data", "client-key-data"})
DROPPED = frozenset({"extensions", "disable-compression"})  # harmless, not kept


class KubeconfigError(ValueError):
    """The kubeconfig cannot be used; `field` names the part at fault when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_server(url: str, field: str = "server") -> str:
    """`url` if it is an https URL of a host, without credentials, query or fragment."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise KubeconfigError(f"{field} is not a URL", field) from None
    if parts.scheme != "https":
        raise KubeconfigError(f"{field} must be an https:// URL", field)
    if parts.username is not None or parts.password is not None:
        raise KubeconfigError(f"{field} must not carry a user name or password", field)
    if not parts.hostname or parts.query or parts.fragment:
        raise KubeconfigError(f"{field} must be https://host[:port][/path]", field)
    return url


def parse_kubeconfig(text: str) -> dict[str, Any]:
    """The kubeconfig's current context as a one-context kubeconfig with inline credentials
    only (raises KubeconfigError)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise KubeconfigError(f"not valid YAML{where}") from None
    except yaml.YAMLError:
        raise KubeconfigError("not valid YAML") from None
    if not isinstance(doc, dict) or not doc.get("clusters") or not doc.get("users"):
        raise KubeconfigError("a kubeconfig needs `clusters` and `users`")
    context = _current_context(doc)
    c_index, cluster = _named(doc, "clusters", context.get("cluster"))
    u_index, user = _named(doc, "users", context.get("user"))
    kept_cluster = _only(cluster, CLUSTER_FIELDS, f"clusters[{c_index}].cluster")
    kept_user = _only(user, USER_FIELDS, f"users[{u_index}].user")
    check_server(str(kept_cluster.get("server", "")), f"clusters[{c_index}].cluster.server")
    has_cert = "client-certificate-data" in kept_user or "client-key-data" in kept_user
    if has_cert and not {"client-certificate-data", "client-key-data"} <= kept_user.keys():
        where = f"users[{u_index}].user"
        raise KubeconfigError(
            f"{where}: client-certificate-data and client-key-data go together", where
        )
    if not kept_user.get("token") and not has_cert:
        where = f"users[{u_index}].user"
        raise KubeconfigError(
            f"{where} needs an inline token, or client certificate and key", where
        )
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "flotilla",
        "clusters": [{"name": "flotilla", "cluster": kept_cluster}],
        "users": [{"name": "flotilla", "user": kept_user}],
        "contexts": [{"name": "flotilla", "context": {"cluster": "flotilla", "user": "flotilla"}}],
    }


def with_server(kubeconfig: dict[str, Any], server: str) -> dict[str, Any]:
    """The (parsed) kubeconfig pointed at `server`, the address the registry holds."""
    (entry,) = kubeconfig["clusters"]
    cluster = {**entry["cluster"], "server": check_server(server, "api_server")}
    return {**kubeconfig, "clusters": [{"name": entry["name"], "cluster": cluster}]}


def server_of(kubeconfig: dict[str, Any]) -> str:
    return str(kubeconfig["clusters"][0]["cluster"]["server"])


def _current_context(doc: dict[str, Any]) -> dict[str, Any]:
    contexts = doc.get("contexts") or []
    current = doc.get("current-context")
    if not isinstance(contexts, list):
        raise KubeconfigError("contexts must be a list", "contexts")
    for ctx in contexts:
        if isinstance(ctx, dict) and (ctx.get("name") == current or current is None):
            context = ctx.get("context") or {}
            if not isinstance(context, dict):
                raise KubeconfigError("a context must be a mapping", "contexts")
            return dict(context)
    if contexts:
        raise KubeconfigError("current-context is not among the contexts", "current-context")
    return {"cluster": None, "user": None}


def _named(doc: dict[str, Any], section: str, name: object) -> tuple[int, dict[str, Any]]:
    entries = doc.get(section)
    if not isinstance(entries, list):
        raise KubeconfigError(f"{section} must be a list", section)
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and (name is None or entry.get("name") == name):
            return index, entry
    raise KubeconfigError(f"the current context's {section[:-1]} is not among the {section}")


def _only(entry: dict[str, Any], allowed: frozenset[str], where: str) -> dict[str, Any]:
    body = entry.get(where.rsplit(".", 1)[1])
    if not isinstance(body, dict):
        raise KubeconfigError(f"{where} must be a mapping", where)
    body = {k: v for k, v in body.items() if k not in DROPPED}
    for key in body:
        if key not in allowed:
            raise KubeconfigError(
                f"{where}.{key} is not accepted: Flotilla takes inline credentials only "
                f"({', '.join(sorted(allowed))})",
                f"{where}.{key}",
            )
        if not isinstance(body[key], str) or not body[key]:
            raise KubeconfigError(f"{where}.{key} must be a non-empty string", f"{where}.{key}")
    return dict(body)
