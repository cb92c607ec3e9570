"""Which addresses a service may call on someone's say-so (against server-side request forgery).

A service that connects to an address an operator or a user wrote down — cluster-registry to
an `api_server`, monitor-gateway to an analysis webhook — could be pointed at the machine
itself (loopback), at link-local addresses (169.254.0.0/16, where every cloud serves instance
metadata and its credentials at 169.254.169.254, and fe80::/10) or at the clouds' other
metadata and host endpoints: a way to read what the service's own machine knows. So every
address the name resolves to is checked before each connection. Private networks (10/8,
172.16/12, 192.168/16) are where clusters and a platform's own services live and are allowed.

An operator lists exceptions (networks) per service; in development mode loopback is allowed
when nothing is listed (the local stack). The check resolves the name itself and the client
then connects by name, which leaves a short window for a DNS answer that changes in between
(DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Metadata and host endpoints outside the link-local ranges.
METADATA = (
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud instance metadata
    ipaddress.ip_network("168.63.129.16/32"),  # Azure host (WireServer)
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS instance metadata over IPv6
)
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # "this host" to Linux's connect()
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def refused_reason(address: IPAddress) -> str | None:
    """Why `address` is not a cluster's, or None when it may be one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refused_reason(address.ipv4_mapped)
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local (cloud metadata)"
    if any(address in network for network in METADATA):
        return "a cloud metadata endpoint"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "not a host address"
    if isinstance(address, ipaddress.IPv4Address) and address in THIS_NETWORK:
        return "not a host address"
    return None


# getaddrinfo's "no such name" answers (EAI_NODATA is glibc's "no address for this name").
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


class EgressRefused(Exception):
    """The name does not exist, or resolves to an address that is refused."""


class EgressUnresolved(Exception):
    """The name cannot be resolved right now (a resolver that does not answer)."""


@dataclass(frozen=True)
class Egress:
    """Refused ranges, minus the networks an operator allowed."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, networks: Iterable[str], *, dev_mode: bool) -> Egress:
        allowed = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        return cls(allowed or (LOOPBACK if dev_mode else ()))

    async def check_url(self, url: str) -> None:
        """`check` of an http(s) URL's host and port (80 or 443 when it names none); a URL
        that names no host, or not a valid port, is refused."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise EgressRefused(f"{url!r} is not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EgressRefused(f"{url!r} is not an http(s) URL with a host")
        await self.check(parts.hostname, port)

    async def check(self, host: str, port: int) -> None:
        """Raise EgressRefused or EgressUnresolved unless every address of `host` may be
        called."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (ValueError, UnicodeError) as exc:
            raise EgressRefused(f"host {host!r} is not a valid name: {exc}") from None
        except socket.gaierror as exc:
            if exc.errno in _NO_SUCH_NAME:  # the resolver's answer: no such name, not an outage
                raise EgressRefused(f"host {host!r} does not exist: {exc}") from None
            raise EgressUnresolved(f"{host!r} does not resolve now: {exc}") from None
        except OSError as exc:
            raise EgressUnresolved(f"{host!r} does not resolve now: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            reason = refused_reason(address)
            if reason and not any(address in network for network in self.allowed):
                raise EgressRefused(f"{host} resolves to {address}, {reason}")
