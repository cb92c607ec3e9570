"""The controllers kubesim runs inside each cluster, each a reconcile loop over a work queue."""
