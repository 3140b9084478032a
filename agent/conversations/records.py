"""Conversations and their transcripts, as the HTTP API and support staff see them."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

_ID = re.compile(r"[0-9a-f]{32}")


def new_conversation_id() -> str:
    """A conversation id: 128 random bits as hex. It appears in URLs and logs, so it grants nothing by itself."""
    return uuid.uuid4().hex


def is_conversation_id(value: str) -> bool:
    """Whether ``value`` has the shape of a conversation id (anything else is not looked up at all)."""
    return bool(_ID.fullmatch(value))


class Conversation(SQLModel, table=True):
    """One customer conversation; its id is also the LangGraph ``thread_id``."""

    __tablename__ = "conversations"

    id: str = Field(default_factory=new_conversation_id, primary_key=True)
    customer_id: str | None = Field(default=None, index=True)
    site_key: str | None = Field(default=None, description="the widget site it was opened from")
    # The conversation's bearer credential, stored only as its SHA-256 (agent/conversations/access.py).
    access_token_hash: str
    created_at: datetime
    last_active_at: datetime = Field(description="the last message in either direction: expiry counts from here")
    mode: str = Field(default="bot", description="bot | waiting_for_human | human | closed")
    last_event_id: int = Field(default=0, description="the id of its latest event (events.py numbers them)")


class Ticket(SQLModel, table=True):
    """A conversation handed to the human support team."""

    __tablename__ = "tickets"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True)
    customer_id: str | None = None
    reason: str = Field(description="customer_asked | model_decided | approval | repeated_failure | model_error "
                                    "| staff")
    summary: str
    priority: str = "normal"
    status: str = Field(default="open", description="open | taken | closed")
    agent: str | None = Field(default=None, description="the first agent who took it")
    # An action waiting for a human's approval: {"tool", "args", "args_hash", "customer_id"}.
    pending_action: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime
    taken_at: datetime | None = None
    closed_at: datetime | None = None


class TranscriptMessage(SQLModel, table=True):
    """One message of a transcript: from the customer, the assistant, or a human agent."""

    __tablename__ = "transcript_messages"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True)
    role: str = Field(description="customer | assistant | agent")
    text: str
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime


def transcript(session: Session, conversation_id: str) -> list[TranscriptMessage]:
    """A conversation's messages, oldest first."""
    return list(session.exec(select(TranscriptMessage)
                             .where(TranscriptMessage.conversation_id == conversation_id)
                             .order_by(col(TranscriptMessage.id))).all())


def record_message(session: Session, conversation_id: str, role: str, text: str, at: datetime,
                   citations: list[dict[str, Any]] | None = None) -> None:
    """Add a message to the transcript; the conversation counts as active at ``at`` (the caller commits)."""
    session.add(TranscriptMessage(conversation_id=conversation_id, role=role, text=text, citations=citations or [],
                                  created_at=at))
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None:
        conversation.last_active_at = at
        session.add(conversation)
