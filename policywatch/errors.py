"""Failures of the app layer; the CLI prints each as one line, never a traceback."""


class PolicywatchError(Exception):
    """Base class for app-level failures."""
