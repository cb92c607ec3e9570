"""`flotilla clusters`, `nodes`, `envs` and `sync`: the fleet and its ingress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from flotilla_cli.common import (
    Session,
    app_argument,
    cluster_argument,
    cols,
    complete_clusters,
    complete_envs,
    done,
    env_option,
    output_option,
    pages,
    pass_session,
    show,
)
from flotilla_cli.errors import CliError, Exit

if TYPE_CHECKING:
    pass

CLUSTER_COLUMNS = (
    ("NAME", "name"),
    ("IDC", "idc"),
    ("PROVIDER", "provider"),
    ("STATUS", "status"),
    ("NODES", "node_count"),
    ("VERSION", "kubernetes_version"),
    ("LATENCY-MS", "latency_ms"),
    ("ENVIRONMENTS", "environments", True),
    ("API-SERVER", "api_server", True),
    ("LABELS", "labels", True),
    ("REASON", "status_reason", True),
)


@click.group(epilog="Example:\n\n\b\n  flotilla clusters list -o wide")
def clusters() -> None:
    """The registry of clusters (self-built and cloud, per IDC)."""


@clusters.command("list", epilog="Example:\n\n\b\n  flotilla clusters list --idc idc-a")
@click.option("--idc")
@click.option("--status")
@env_option(required=False)
@output_option
@pass_session
def clusters_list(
    session: Session, idc: str | None, status: str | None, env: str | None, output: str
) -> None:
    """Registered clusters."""
    items = pages(
        lambda cursor: session.ops().list_clusters(
            idc=idc, status=status, environment=env, cursor=cursor
        )
    )
    show(items, output, cols(*CLUSTER_COLUMNS), items=True)


@clusters.command("get", epilog="Example:\n\n\b\n  flotilla clusters get idc-a-1 -o yaml")
@click.argument("name")
@output_option
@pass_session
def clusters_get(session: Session, name: str, output: str) -> None:
    """One cluster."""
    show(session.ops().get_cluster(name=name), output, cols(*CLUSTER_COLUMNS), items=False)


@clusters.command(
    "register",
    epilog="Example:\n\n\b\n  flotilla clusters register idc-c-1 --idc idc-c --provider self-built "
    "--kubeconfig ~/.kube/idc-c-1",
)
@click.argument("name", shell_complete=complete_clusters)
@click.option("--idc", required=True)
@click.option("--provider", required=True, help="self-built, aliyun, aws, ... (the API's list).")
@click.option("--kubeconfig", "kubeconfig", type=click.Path(exists=True, dir_okay=False))
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False), help="A bearer token.")
@click.option("--api-server", help="With --token-file: https://host:port.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="With --token-file.")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE")
@output_option
@pass_session
def clusters_register(
    session: Session,
    name: str,
    idc: str,
    provider: str,
    kubeconfig: str | None,
    token_file: str | None,
    api_server: str | None,
    ca_file: str | None,
    labels: tuple[str, ...],
    output: str,
) -> None:
    """Register a cluster with a kubeconfig or a token (stored encrypted, never shown)."""
    body: dict[str, Any] = {
        "name": name,
        "idc": idc,
        "provider": provider,
        "credentials": credentials(kubeconfig, token_file, ca_file),
        "labels": dict(label_pairs(labels)),
    }
    if api_server:
        body["api_server"] = api_server
    show(session.ops().register_cluster(body=body), output, cols(*CLUSTER_COLUMNS), items=False)


def credentials(kubeconfig: str | None, token_file: str | None, ca_file: str | None) -> Any:
    import base64
    from pathlib import Path

    if (kubeconfig is None) == (token_file is None):
        raise CliError("give exactly one of --kubeconfig and --token-file", Exit.USAGE)
    if kubeconfig is not None:
        return {"kind": "kubeconfig", "kubeconfig": Path(kubeconfig).read_text()}
    assert token_file is not None
    out: dict[str, Any] = {"kind": "token", "token": Path(token_file).read_text().strip()}
    if ca_file:
        out["ca_data"] = base64.b64encode(Path(ca_file).read_bytes()).decode()
    return out


def label_pairs(pairs: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CliError(f"{pair!r}: expected KEY=VALUE", Exit.USAGE)
        out.append((key, value))
    return out


@clusters.command(
    "rotate",
    epilog="Example:\n\n\b\n  flotilla clusters rotate idc-a-1 --kubeconfig ~/.kube/idc-a-1-new",
)
@click.argument("name", shell_complete=complete_clusters)
@click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False))
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False))
@pass_session
def clusters_rotate(
    session: Session, name: str, kubeconfig: str | None, token_file: str | None, ca_file: str | None
) -> None:
    """Replace a cluster's credentials (checked against the cluster first)."""
    body = {"credentials": credentials(kubeconfig, token_file, ca_file)}
    session.ops().rotate_cluster_credentials(name=name, body=body)
    done(f"{name}: credentials rotated")


@clusters.command("deregister", epilog="Example:\n\n\b\n  flotilla clusters deregister idc-c-1")
@click.argument("name", shell_complete=complete_clusters)
@click.option("--force", is_flag=True, help="Even if environments still use it.")
@pass_session
def clusters_deregister(session: Session, name: str, force: bool) -> None:
    """Remove a cluster from the registry (its workloads are not touched)."""
    session.ops().deregister_cluster(name=name, force=force or None)
    done(f"{name}: deregistered")


NODE_COLUMNS = (
    ("NAME", "name"),
    ("READY", "ready"),
    ("SCHEDULABLE", "unschedulable"),
    ("ROLES", "roles"),
    ("PODS", "pods"),
    ("VERSION", "kubelet_version"),
    ("LABELS", "labels", True),
    ("TAINTS", "taints", True),
)


@click.group(epilog="Example:\n\n\b\n  flotilla nodes list idc-a-1")
def nodes() -> None:
    """A cluster's nodes: list, tag, cordon, drain."""


@nodes.command("list", epilog="Example:\n\n\b\n  flotilla nodes list idc-a-1 -o wide")
@cluster_argument
@output_option
@pass_session
def nodes_list(session: Session, cluster: str, output: str) -> None:
    """Nodes of a cluster."""
    items = session.ops().list_nodes(name=cluster)
    rows = (
        items
        if output in ("json", "yaml")
        else [{**n, "unschedulable": not n.get("unschedulable")} for n in items]
    )
    show(rows, output, cols(*NODE_COLUMNS), items=True)


@nodes.command(
    "tag",
    epilog="Example:\n\n\b\n  flotilla nodes tag idc-a-1 node-3 tier=gold legacy-",
)
@cluster_argument
@click.argument("node")
@click.argument("changes", nargs=-1, required=True)
@pass_session
def nodes_tag(session: Session, cluster: str, node: str, changes: tuple[str, ...]) -> None:
    """Set labels (KEY=VALUE) and remove them (KEY-), as `kubectl label` does."""
    body: dict[str, Any] = {"set": {}, "remove": []}
    for change in changes:
        if change.endswith("-") and "=" not in change:
            body["remove"].append(change[:-1])
        else:
            key, value = label_pairs((change,))[0]
            body["set"][key] = value
    session.ops().change_node_labels(name=cluster, node=node, body=body)
    done(f"{node}: labels changed")


@nodes.command("cordon", epilog="Example:\n\n\b\n  flotilla nodes cordon idc-a-1 node-3")
@cluster_argument
@click.argument("node")
@pass_session
def nodes_cordon(session: Session, cluster: str, node: str) -> None:
    """Mark a node unschedulable."""
    session.ops().cordon_node(name=cluster, node=node)
    done(f"{node}: cordoned")


@nodes.command("uncordon", epilog="Example:\n\n\b\n  flotilla nodes uncordon idc-a-1 node-3")
@cluster_argument
@click.argument("node")
@pass_session
def nodes_uncordon(session: Session, cluster: str, node: str) -> None:
    """Mark a node schedulable again."""
    session.ops().uncordon_node(name=cluster, node=node)
    done(f"{node}: uncordoned")


@nodes.command(
    "drain", epilog="Example:\n\n\b\n  flotilla nodes drain idc-a-1 node-3 --timeout 120"
)
@cluster_argument
@click.argument("node")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds.")
@click.option("--grace-period", type=int, help="Override the pods' grace period (s).")
@output_option
@pass_session
def nodes_drain(
    session: Session, cluster: str, node: str, timeout: float, grace_period: int | None, output: str
) -> None:
    """Cordon a node and evict its pods (PodDisruptionBudgets respected); exit 1 when some
    pods are still there at the timeout."""
    body: dict[str, Any] = {"timeout_s": timeout}
    if grace_period is not None:
        body["grace_period_s"] = grace_period
    ops = session.new_ops(timeout_s=timeout + session.timeout_s)
    report = ops.drain_node(name=cluster, node=node, body=body)
    columns = cols(
        ("NAMESPACE", "namespace"), ("POD", "pod"), ("OUTCOME", "outcome"), ("MESSAGE", "message")
    )
    if output in ("json", "yaml"):
        show(report, output, [], items=False)
    else:
        show(report["pods"], output, columns, items=True)
    if not report["completed"]:
        raise CliError(f"{node}: not drained after {report['elapsed_s']:.0f} s", Exit.FAILED)
    done(f"{node}: drained in {report['elapsed_s']:.1f} s")


ENV_COLUMNS = (
    ("NAME", "name"),
    ("CLUSTERS", "clusters"),
    ("DESCRIPTION", "description"),
    ("REVISION", "revision", True),
    ("CREATED", "created_at", True),
)


@click.group(epilog="Example:\n\n\b\n  flotilla envs list")
def envs() -> None:
    """Environments: clusters and namespaces, and their policy."""


def _env_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**e, "clusters": [f"{p['cluster']}/{p['namespace']}" for p in e.get("clusters", [])]}
        for e in items
    ]


@envs.command("list", epilog="Example:\n\n\b\n  flotilla envs list -o wide")
@output_option
@pass_session
def envs_list(session: Session, output: str) -> None:
    """Environments."""
    items = session.ops().list_environments()
    show(
        items if output in ("json", "yaml") else _env_rows(items),
        output,
        cols(*ENV_COLUMNS),
        items=True,
    )


@envs.command("get", epilog="Example:\n\n\b\n  flotilla envs get prod -o yaml")
@click.argument("name", shell_complete=complete_envs)
@output_option
@pass_session
def envs_get(session: Session, name: str, output: str) -> None:
    """One environment, with its policy (-o yaml)."""
    doc = session.ops().get_environment(name=name)
    show(
        doc if output in ("json", "yaml") else _env_rows([doc])[0],
        output,
        cols(*ENV_COLUMNS),
        items=False,
    )


@envs.command(
    "map", epilog="Example:\n\n\b\n  flotilla envs map prod idc-c-1 --namespace demo-prod"
)
@click.argument("env", shell_complete=complete_envs)
@cluster_argument
@click.option("--namespace", "-n", required=True)
@pass_session
def envs_map(session: Session, env: str, cluster: str, namespace: str) -> None:
    """Put an environment in a cluster, in a namespace."""
    session.ops().place_environment(name=env, cluster=cluster, body={"namespace": namespace})
    done(f"{env}: {cluster}/{namespace}")


@envs.command("unmap", epilog="Example:\n\n\b\n  flotilla envs unmap prod idc-c-1")
@click.argument("env", shell_complete=complete_envs)
@cluster_argument
@pass_session
def envs_unmap(session: Session, env: str, cluster: str) -> None:
    """Take an environment out of a cluster."""
    session.ops().unplace_environment(name=env, cluster=cluster)
    done(f"{env}: no longer in {cluster}")


# ---------------------------------------------------------------------------------- sync


@click.group(epilog="Example:\n\n\b\n  flotilla sync status demo --env prod")
def sync() -> None:
    """The unified ingress, as k8s-sync keeps it."""


@sync.command("status", epilog="Example:\n\n\b\n  flotilla sync status demo --env prod -o json")
@app_argument
@env_option()
@output_option
@pass_session
def sync_status(session: Session, app: str, env: str, output: str) -> None:
    """What each ingress instance serves for an app, against what it should; exit 1 when an
    instance that is up is not in sync."""
    from flotilla_cli.watch import ingress_per_cluster

    doc = session.ops().app_sync_status(app=app, env=env)
    if output in ("json", "yaml"):
        show(doc, output, [], items=False)
    else:
        click.echo(
            f"backend {doc['backend']}  hosts {','.join(doc['hosts']) or '-'}  "
            f"in sync: {'yes' if doc['in_sync'] else 'no'}"
        )
        served = ingress_per_cluster(doc)
        rows = [{"cluster": c, "served": s, "expected": e} for c, (s, e) in sorted(served.items())]
        show(
            rows,
            output,
            cols(("CLUSTER", "cluster"), ("SERVED", "served"), ("EXPECTED", "expected")),
            items=True,
        )
        instances = [
            {
                "ingress": i["ingress"],
                "up": i["up"],
                "in_sync": i["in_sync"],
                "pending": i["pending"],
            }
            for i in doc["instances"]
        ]
        click.echo()
        show(
            instances,
            output,
            cols(
                ("INGRESS", "ingress"), ("UP", "up"), ("IN-SYNC", "in_sync"), ("PENDING", "pending")
            ),
            items=True,
        )
        for error in doc.get("route_errors", []):
            click.echo(f"route error: {error}")
    if not doc["in_sync"]:
        raise SystemExit(int(Exit.FAILED))
