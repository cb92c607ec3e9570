"""flotilla: the command line for Flotilla."""

__version__ = "0.1.0"
