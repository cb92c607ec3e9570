"""Pods of a released app: isolation for a post-mortem, and deleting them afterwards."""
