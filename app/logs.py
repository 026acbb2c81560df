"""Logging set-up: secrets are scrubbed from every record, and the run's debug log is kept for the bundle."""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "***"


class RedactingFilter(logging.Filter):
    """Replace any known secret in a record's final message with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = {s for s in secrets if s}

    def add(self, *secrets: str | None) -> None:
        """Remember more secrets to scrub."""
        self.secrets.update(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
            if record.exc_text:
                for secret in self.secrets:
                    record.exc_text = record.exc_text.replace(secret, REDACTED)
        return True


class MemoryLog(logging.Handler):
    """Keeps the formatted debug log of a run (for log.txt in the report bundle)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def text(self) -> str:
        """The whole log so far."""
        return "\n".join(self.lines) + ("\n" if self.lines else "")


_REDACTOR = RedactingFilter()


def redactor() -> RedactingFilter:
    """The process-wide redacting filter (attached to every handler set up here)."""
    return _REDACTOR


def setup_logging(verbose: bool = False, log_file: str | None = None) -> MemoryLog:
    """Configure the 'callready' logger: memory at debug, stderr at warning (debug with -v), optional file."""
    root = logging.getLogger("callready")
    root.setLevel(logging.DEBUG)
    for h in list(root.handlers):
        root.removeHandler(h)
    memory = MemoryLog()
    handlers: list[logging.Handler] = [memory]
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers.append(console)
    if log_file:
        fh = logging.FileHandler(log_file, encoding="utf-8")
        fh.setFormatter(memory.formatter)
        handlers.append(fh)
    for h in handlers:
        h.addFilter(_REDACTOR)
        root.addHandler(h)
    root.propagate = False
    return memory
