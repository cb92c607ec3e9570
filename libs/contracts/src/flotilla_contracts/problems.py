"""Problem types (RFC 9457 `type`) that one Flotilla service recognises in another's answers.

Every error is answered as problem+json whose `type` is BASE + a stable slug; a client branches
on the whole URI, never on a part of it, so a slug named here never changes once published.
"""

from typing import Final

BASE: Final = "https://flotilla.io/problems/"

# k8s-sync, POST /v1/sync/apps/{app}/{env}/wait: the app's backend is not in the ingress's
# configuration and will not be (its route is refused, e.g. a hostname another app holds);
# release-api fails the rollout at once instead of waiting out its timeout.
ROUTE_NOT_RENDERED: Final = "route-not-rendered"


def uri(slug: str) -> str:
    """The full `type` of a problem slug."""
    return BASE + slug
