"""Conversations and their transcripts, as the HTTP API and support staff see them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select


class Conversation(SQLModel, table=True):
    """One customer conversation; its id is also the LangGraph ``thread_id``."""

    __tablename__ = "conversations"

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True)
    customer_id: str | None = Field(default=None, index=True)
    created_at: datetime
    mode: str = Field(default="bot", description="bot | waiting_for_human | human | closed")


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
