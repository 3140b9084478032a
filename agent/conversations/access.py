"""Who may use a conversation: the holder of its access token, while it is alive.

``POST /v1/conversations`` returns a random access token (256 bits) once; every
later request on that conversation carries it as ``Authorization: Bearer …``.
Only its SHA-256 is stored, so a copy of the database grants nothing, and it is
compared in constant time. Knowing a conversation's id (it appears in URLs and
access logs) grants nothing. A signed-in customer's conversation ends after
``CONCIERGE_WEB__CONVERSATION_TTL_S`` without activity: a stolen token stops
working, and the widget starts a new conversation with a fresh customer token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from agent.conversations.records import Conversation

_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,200}")  # ours are 43 base64url characters; allow longer future ones


def new_access_token() -> tuple[str, str]:
    """A fresh access token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of an access token."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Whether ``token`` could be an access token at all (a malformed one is refused before any look-up)."""
    return bool(_SHAPE.fullmatch(token))


def holds(conversation: Conversation, token: str) -> bool:
    """Whether ``token`` is this conversation's access token (constant time)."""
    return hmac.compare_digest(conversation.access_token_hash, token_hash(token))


def expired(conversation: Conversation, now: datetime, ttl_s: int) -> bool:
    """A signed-in customer's conversation ends ``ttl_s`` after its last activity (anonymous ones do not)."""
    if conversation.customer_id is None:
        return False
    last = conversation.last_active_at
    last = last if last.tzinfo else last.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return now - last > timedelta(seconds=ttl_s)
