"""cluster-registry's domain errors (stable problem types)."""

from __future__ import annotations

from flotilla_runtime.errors import (
    Conflict,
    DependencyFailed,
    NotFound,
    PreconditionFailed,
    Unprocessable,
)


class ClusterNotFound(NotFound):
    type_ = "cluster-not-found"
    title = "Cluster not found"


class ClusterExists(Conflict):
    type_ = "cluster-exists"
    title = "A cluster with that name is registered already"


class ClusterInUse(Conflict):
    type_ = "cluster-in-use"
    title = "Environments still map to this cluster"


class CredentialsRejected(Unprocessable):
    type_ = "cluster-credentials-rejected"
    title = "The cluster rejected the credentials"


class InvalidCredentials(Unprocessable):
    type_ = "invalid-credentials"
    title = "The credentials cannot be used"


class ApiServerRefused(Unprocessable):
    type_ = "api-server-refused"
    title = "cluster-registry does not connect to that address"


class ClusterUnreachable(DependencyFailed):
    type_ = "cluster-unreachable"
    title = "The cluster's API server cannot be reached"


class ClusterApiError(DependencyFailed):
    type_ = "cluster-api-error"
    title = "The cluster's API server refused the operation"


class StaleRevision(PreconditionFailed):
    type_ = "stale-revision"
    title = "The resource changed since you read it"


class EnvironmentNotFound(NotFound):
    type_ = "environment-not-found"
    title = "Environment not found"


class EnvironmentExists(Conflict):
    type_ = "environment-exists"
    title = "An environment with that name exists already"


class NodeNotFound(NotFound):
    type_ = "node-not-found"
    title = "Node not found"


class PolicyUnfit(Unprocessable):
    """A policy that cannot apply to its environment: a freeze window that cannot be evaluated,
    a default plan that does not fit the environment's clusters. The detail names the field."""

    type_ = "policy-unfit"
    title = "The policy does not fit the environment"
