"""Which Slack thread carries which handed-off conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, select


class SlackThread(SQLModel, table=True):
    """A ticket's message in the support channel; the conversation continues in its thread."""

    __tablename__ = "slack_threads"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True)
    ticket_id: int
    channel: str
    ts: str = Field(index=True, description="the root message's timestamp: the thread's id")


class SlackDelivery(SQLModel, table=True):
    """A Slack event already handled: Slack delivers an event again when it is not acknowledged in time."""

    __tablename__ = "slack_deliveries"

    event_id: str = Field(primary_key=True)
    received_at: datetime


def save_thread(engine: Engine, conversation_id: str, ticket_id: int, channel: str, ts: str) -> None:
    """Remember the thread of a ticket."""
    with Session(engine) as session:
        session.add(SlackThread(conversation_id=conversation_id, ticket_id=ticket_id, channel=channel, ts=ts))
        session.commit()


def conversation_of(engine: Engine, channel: str, ts: str) -> SlackThread | None:
    """The thread whose root message is ``ts`` in ``channel``."""
    with Session(engine) as session:
        return session.exec(select(SlackThread).where(SlackThread.channel == channel, SlackThread.ts == ts)).first()
