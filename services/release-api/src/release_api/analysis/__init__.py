"""Automated analysis of a release's waves (flotilla_contracts.analysis)."""
