"""release-api's problem types (stable `type` slugs clients branch on)."""

from collections.abc import Mapping

from flotilla_runtime.errors import FlotillaError, Forbidden, Unavailable


class InvalidSpec(FlotillaError):
    status = 422
    type_ = "invalid-app-spec"
    title = "The application spec is not valid"


class ActiveRelease(FlotillaError):
    status = 409
    type_ = "release-in-progress"
    title = "Another release of this app to this environment is still running"


class IdempotencyMismatch(FlotillaError):
    status = 422
    type_ = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"


class UnknownEnvironment(FlotillaError):
    status = 422
    type_ = "unknown-environment"
    title = "cluster-registry knows no such environment, or it has no clusters"


class PolicyForbids(Forbidden):
    type_ = "forbidden-by-policy"
    title = "The environment's policy does not allow this"


class PodSecurityUnfit(FlotillaError):
    """The app's pods would not pass the Pod Security level the environment enforces."""

    status = 422
    type_ = "pod-security-unfit"
    title = "The app's pods do not meet the environment's Pod Security level"


class InvalidState(FlotillaError):
    status = 409
    type_ = "invalid-state"
    title = "The release is not in a state that allows this"


class StreamsBusy(Unavailable):
    type_ = "streams-busy"
    title = "Too many event streams on this replica"

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": "2"}


class PlanUnfit(FlotillaError):
    """The release's plan (or its environment's default plan) does not fit the environment."""

    status = 422
    type_ = "plan-unfit"
    title = "The plan does not fit the environment's clusters"


class EnvironmentFrozen(FlotillaError):
    """A freeze window of the environment is in force (an admin may override with a reason)."""

    status = 409
    type_ = "environment-frozen"
    title = "The environment is frozen"
