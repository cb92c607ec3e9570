"""Measurements for automated analysis (flotilla_contracts.analysis), asked for by release-api."""
