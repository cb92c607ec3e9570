"""Names every Flotilla service accepts for apps, environments, clusters, IDCs and teams.

One DNS label (RFC 1123, as Kubernetes names namespaces and Services): lower-case letters,
digits and '-', starting and ending with a letter or digit, at most 63 characters. Names reach
HAProxy's runtime API, Kubernetes label selectors and PostgreSQL, so each edge checks them with
this one pattern instead of trusting that another service did.
"""

from __future__ import annotations

import re
from typing import Final

NAME_PATTERN: Final = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
NAME_MAX: Final = 63
# Kubernetes label syntax, as clusters carry labels in cluster-registry (an optional
# DNS-subdomain prefix and '/', a name of at most 63 characters; a value of at most 63,
# possibly empty):
# https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
LABEL_KEY_PATTERN: Final = (
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
LABEL_VALUE_PATTERN: Final = r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$"
_NAME = re.compile(NAME_PATTERN)


def is_name(value: str) -> bool:
    return len(value) <= NAME_MAX and _NAME.match(value) is not None
