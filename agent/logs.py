"""Logging that keeps customers' data out of the log, at every level, DEBUG included.

What a support conversation carries (names, emails, street addresses, what the
customer wrote, tokens) must not reach a log file that operators ship around.
Three layers, each enough on its own for what it covers:

1. Our own code logs ids, counts, names of tools and actions: never arguments, message
   text or model output (see the call sites).
2. Libraries speak at WARNING and above only, whatever the configured level: their
   DEBUG and INFO lines are where request bodies, SQL parameters and prompts appear
   (slack_sdk logs each Web API body, aiosqlite each statement with its values).
   Uvicorn's access log (method, path, status) is the one library INFO kept.
3. A redaction filter on the handler masks what still slips through in a warning or a
   traceback: email addresses, bearer and customer tokens, Slack tokens.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from agent.settings import Settings

OURS = ("agent", "tools", "knowledge", "concierge")  # the first part of our loggers' names (and plugins')
KEPT_INFO = ("uvicorn.access", "uvicorn.error")  # start-up and request lines: no bodies, no headers
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SECRETS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+"), "Bearer <token>"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]+"), "<jwt>"),  # a JWT: base64url of '{"' starts every part 1
    (re.compile(r"\bx(?:ox[abprs]|app)-[\w-]+"), "<slack-token>"),
]


def redact(text: str) -> str:
    """``text`` with email addresses and credentials masked."""
    for pattern, mask in _SECRETS:
        text = pattern.sub(mask, text)
    return text


class PrivacyFilter(logging.Filter):
    """Let through our own records at any level and libraries' from WARNING up; mask what they carry."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the record is written (after redaction)."""
        ours = record.name.split(".", 1)[0] in OURS
        if not ours and record.levelno < logging.WARNING and not record.name.startswith(KEPT_INFO):
            return False
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record through one handler with the privacy filter, at ``settings.log_level``.

    Returns the handler (tests remove it again). Uvicorn must run with ``log_config=None`` so that
    its loggers reach this handler too instead of their own.
    """
    level = logging.getLevelName(settings.log_level.upper())
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    for old in list(root.handlers):  # one handler: a second one without the filter would undo it
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return handler
