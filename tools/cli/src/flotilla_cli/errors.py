"""Exit codes and the one error type commands raise.

| code | meaning |
|---|---|
| 0 | done; for `release watch/status/create --watch`: the release succeeded |
| 1 | a failed outcome: the release failed, partially failed, was aborted or rolled |
|   | back; or the service refused the request (409, 412, 422, ...)                  |
| 2 | usage: a wrong flag or argument, a file that does not parse |
| 3 | not found or denied: 404, 403, or no valid token (401) |
| 4 | timed out: `--timeout` passed, or a request took too long |
| 5 | unreachable: connection refused, TLS failure, or the service said 503 (retry) |
| 130 | interrupted (Ctrl-C) |
| 141 | the output's reader went away (`flotilla logs -f`, piped to `head`) |
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    DENIED = 3
    TIMEOUT = 4
    UNREACHABLE = 5


class CliError(Exception):
    """What the user is told (one line, then hints), and the process's exit code."""

    def __init__(self, message: str, code: Exit = Exit.FAILED, *, hints: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.hints = hints
