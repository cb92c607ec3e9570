"""Flotilla cluster registry."""

__version__ = "0.1.0"
