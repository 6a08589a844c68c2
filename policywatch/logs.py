"""Where diagnostics go: a log file, never the user's terminal.

Library warnings (pypdf on a malformed PDF, Hugging Face on a missing model, tracebacks of
one failed document) belong in a file a user can send with a bug report; the terminal gets
one line per problem from the command itself, with the log's path when there is more to
read. The file is ``$POLICYWATCH_LOG`` or ``$XDG_STATE_HOME/policywatch/policywatch.log``
(``~/.local/state/...``); it is opened only when something is written to it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

LOG_ENV = "POLICYWATCH_LOG"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    """The log file's path (not created until something is logged).

    >>> os.environ[LOG_ENV] = "/tmp/pw-test.log"; str(log_path())
    '/tmp/pw-test.log'
    >>> del os.environ[LOG_ENV]
    """
    named = os.environ.get(LOG_ENV)
    if named:
        return Path(named)
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "policywatch" / "policywatch.log"


class _QuietFileHandler(logging.FileHandler):
    """A file handler that makes its folder on first use and never prints its own errors."""

    def _open(self):  # noqa: ANN202 - logging's signature
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass  # a read-only home must not turn every warning into a traceback on stderr


def configure_logging() -> Path:
    """Send warnings and errors of every library (and Python warnings) to the log file.

    Called by the CLI for every command; idempotent, and follows a changed
    ``$POLICYWATCH_LOG``. Returns the log's path.
    """
    path = log_path()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _QuietFileHandler)]:
        if Path(handler.baseFilename) != path.absolute():  # $POLICYWATCH_LOG moved
            root.removeHandler(handler)
            handler.close()
    if not any(isinstance(h, _QuietFileHandler) for h in root.handlers):
        handler = _QuietFileHandler(path, delay=True, encoding="utf-8")
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
        logging.getLogger("policywatch").setLevel(logging.INFO)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    return path
