"""Hostnames an application may be reached by through the unified ingress.

One rule, used where a hostname enters (release-api's app spec) and again where it leaves
(k8s-sync's renderer, which also reads hostnames from Service annotations anyone with access to
a cluster could write): a lowercase DNS name in the sense of RFC 1123 — labels of letters,
digits and inner hyphens, each at most 63 characters, at most 253 in all — with no wildcard,
port, trailing dot or whitespace. Such a name is also safe as a key of an HAProxy map file and
as a word on HAProxy's runtime API (no spaces, `;`, `#` or quotes), which is what lets the
renderer write it without escaping.
"""

from __future__ import annotations

import re
from typing import Final

MAX_LENGTH: Final = 253
_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
PATTERN: Final = rf"^(?=.{{1,{MAX_LENGTH}}}$){_LABEL}(?:\.{_LABEL})*$"
# The same without the length look-ahead (JSON Schema: with maxLength beside it).
DNS_NAME: Final = rf"^{_LABEL}(?:\.{_LABEL})*$"
_HOSTNAME = re.compile(PATTERN)


def hostname_problem(value: str) -> str | None:
    """Why `value` is not an acceptable hostname, or None when it is."""
    if not value:
        return "is empty"
    if len(value) > MAX_LENGTH:
        return f"is {len(value)} characters long (at most {MAX_LENGTH})"
    if value != value.lower():
        return "must be lowercase"
    if value.startswith("*"):
        return "wildcards are not supported"
    if _HOSTNAME.match(value) is None:
        return (
            "is not a DNS name (labels of a-z, 0-9 and inner '-', at most 63 characters each, "
            "separated by '.')"
        )
    return None


def is_hostname(value: str) -> bool:
    return hostname_problem(value) is None
