"""Addresses a simulated cluster hands out: pod IPs in its own loopback range, cluster IPs.

Each cluster of a kubesim process has an index; its pods get 127.(10 + index).x.y, so pods of
different clusters never share an address (k8s-sync tells endpoints apart by address) and every
one can be listened on without privileges (all of 127.0.0.0/8 is loopback on Linux).
"""

from __future__ import annotations

import ipaddress


class AddressPool:
    """Pod IPs by pod uid (reused only once released), and Service cluster IPs."""

    def __init__(self, index: int) -> None:
        self._base = int(ipaddress.IPv4Address(f"127.{10 + index}.0.0"))
        self._next = 2
        self._by_pod: dict[str, str] = {}
        self._used: set[str] = set()
        self._cluster_ip_next = 10

    def pod_ip(self, uid: str) -> str:
        if uid not in self._by_pod:
            while True:
                n = self._next
                self._next = 2 if self._next >= 65533 else self._next + 1
                if n % 256 in (0, 255):
                    continue  # network and broadcast-looking addresses confuse people
                ip = str(ipaddress.IPv4Address(self._base + n))
                if ip not in self._used:
                    break
            self._by_pod[uid] = ip
            self._used.add(ip)
        return self._by_pod[uid]

    def release(self, uid: str) -> None:
        self._used.discard(self._by_pod.pop(uid, ""))

    def cluster_ip(self) -> str:
        n = self._cluster_ip_next
        self._cluster_ip_next += 1
        return f"10.96.{n // 256}.{n % 256}"
