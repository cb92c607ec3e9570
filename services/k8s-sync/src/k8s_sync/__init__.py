"""Flotilla k8s-sync."""

__version__ = "0.1.0"
