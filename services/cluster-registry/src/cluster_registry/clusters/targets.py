"""Which API server addresses cluster-registry will connect to (against server-side request
forgery).

cluster-registry connects to whatever `api_server` an admin registers and sends it the stored
token. Pointed at the machine itself (loopback), at link-local addresses (169.254.0.0/16, where
every cloud serves instance metadata and its credentials at 169.254.169.254, and fe80::/10) or
at the clouds' other metadata and host endpoints, that is a way to read what the service's own
machine knows. So every address the name resolves to is checked before each connection made to
register a cluster, change its address or credentials, and on every probe (a name may resolve
elsewhere later). Private networks (10/8, 172.16/12, 192.168/16) are where clusters live and
are allowed.

An operator who runs clusters on a refused range lists it in `CLUSTER_REGISTRY_ALLOWED_API_
NETWORKS`; in development mode loopback is allowed when nothing is listed (kubesim). The check
resolves the name itself, so a name that resolves to a refused address is refused; the client
then connects by name, which leaves a short window for a DNS answer that changes in between
(DNS rebinding) — the next probe sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cluster_registry.errors import ApiServerRefused, ClusterUnreachable
from flotilla_runtime.egress import Egress, EgressRefused, EgressUnresolved


@dataclass(frozen=True)
class TargetPolicy:
    """flotilla_runtime.egress's policy, answering in cluster-registry's problems."""

    egress: Egress = Egress()

    @classmethod
    def of(cls, networks: Iterable[str], *, dev_mode: bool) -> TargetPolicy:
        return cls(Egress.of(networks, dev_mode=dev_mode))

    async def check(self, api_server: str) -> None:
        """Raise ApiServerRefused (422) when any address of `api_server`'s host is refused or
        the resolver says the name does not exist, ClusterUnreachable (502) when the name
        cannot be resolved right now (a resolver that does not answer)."""
        parts = urlsplit(api_server)
        try:
            port = parts.port or 443
        except ValueError as exc:
            raise ApiServerRefused(f"api_server {api_server!r}: {exc}") from None
        try:
            await self.egress.check(parts.hostname or "", port)
        except EgressRefused as exc:
            raise ApiServerRefused(
                f"api_server {exc}: not allowed as a cluster's address "
                "(CLUSTER_REGISTRY_ALLOWED_API_NETWORKS lists exceptions)"
            ) from None
        except EgressUnresolved as exc:
            raise ClusterUnreachable(str(exc)) from None
