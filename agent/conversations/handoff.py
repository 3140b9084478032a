"""Human handoff as a state of the conversation: bot -> waiting_for_human -> human -> bot | closed.

A ticket records who, why, a summary and the timestamps; while a human has the
conversation the bot stays silent. Every transition is a durable event of the
conversation, added in the transaction that makes it, so the widget (and the
Slack channel, which watches the events) sees exactly what was stored.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.conversations.events import EventLog
from agent.conversations.records import Conversation, Ticket, record_message
from tools.clock import Clock

WAITING, HUMAN, BOT, CLOSED = "waiting_for_human", "human", "bot", "closed"
HIGH_PRIORITY = {"approval", "model_error", "repeated_failure"}


class HandoffError(RuntimeError):
    """A transition that the conversation's current state does not allow; the message says why."""


class HandoffService:
    """Opens, takes, releases and closes tickets, and relays human agents' messages."""

    def __init__(self, engine: Engine, events: EventLog, clock: Clock) -> None:
        self.engine, self.events, self.clock = engine, events, clock

    def _open_ticket(self, session: Session, conversation_id: str) -> Ticket | None:
        return session.exec(select(Ticket).where(Ticket.conversation_id == conversation_id,
                                                 col(Ticket.status).in_(["open", "taken"]))).first()

    def _conversation(self, session: Session, conversation_id: str) -> Conversation:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise HandoffError(f"No conversation with id {conversation_id!r}.")
        return conversation

    def tickets(self, status: str | None = None) -> list[Ticket]:
        """Tickets, newest first, optionally of one status."""
        with Session(self.engine) as session:
            query = select(Ticket).order_by(col(Ticket.id).desc())
            if status:
                query = query.where(Ticket.status == status)
            return list(session.exec(query).all())

    def ticket_for(self, conversation_id: str) -> Ticket | None:
        """The conversation's open (or taken) ticket."""
        with Session(self.engine) as session:
            return self._open_ticket(session, conversation_id)

    def open_in(self, session: Session, conversation_id: str, reason: str, summary: str,
                pending_action: dict[str, Any] | None = None) -> Ticket:
        """Hand the conversation to the support team in ``session``'s transaction (one ticket while open)."""
        conversation = self._conversation(session, conversation_id)
        ticket = self._open_ticket(session, conversation_id)
        if ticket is None:
            ticket = Ticket(conversation_id=conversation_id, customer_id=conversation.customer_id, reason=reason,
                            summary=summary[:2000], priority="high" if reason in HIGH_PRIORITY else "normal",
                            pending_action=pending_action, created_at=self.clock.now())
            session.add(ticket)
            conversation.mode = WAITING
            session.add(conversation)
            session.flush()
            self.events.add(session, conversation_id, "handoff",
                            {"state": WAITING, "ticket": ticket.id, "reason": reason, "new": True})
        return ticket

    def _sync_open(self, conversation_id: str, reason: str, summary: str) -> Ticket:
        with Session(self.engine) as session:
            ticket = self.open_in(session, conversation_id, reason, summary)
            session.commit()
            session.refresh(ticket)
            return ticket

    async def open(self, conversation_id: str, reason: str, summary: str) -> Ticket:
        """Hand the conversation to the support team (staff escalating by hand)."""
        return await asyncio.to_thread(self._sync_open, conversation_id, reason, summary)

    def _take(self, conversation_id: str, agent: str) -> Ticket:
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            ticket = self._open_ticket(session, conversation_id)
            if ticket is None:
                raise HandoffError("This conversation has no open ticket to take.")
            if ticket.agent is None:
                ticket.agent, ticket.taken_at = agent, self.clock.now()
            ticket.status, conversation.mode = "taken", HUMAN
            session.add_all([ticket, conversation])
            session.flush()
            self.events.add(session, conversation_id, "handoff", {"state": HUMAN, "ticket": ticket.id, "agent": agent})
            session.commit()
            session.refresh(ticket)
            return ticket

    async def take(self, conversation_id: str, agent: str) -> Ticket:
        """An agent takes the conversation; the first to take it is recorded."""
        return await asyncio.to_thread(self._take, conversation_id, agent)

    def _agent_message(self, conversation_id: str, agent: str, text: str, via: str) -> None:
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            if conversation.mode != HUMAN:
                raise HandoffError(f"The conversation is {conversation.mode}; take it before replying.")
            record_message(session, conversation_id, "agent", text, self.clock.now())
            self.events.add(session, conversation_id, "message", {"role": "agent", "agent": agent, "text": text,
                                                                  "citations": [], "via": via})
            session.commit()

    async def agent_message(self, conversation_id: str, agent: str, text: str, via: str = "api") -> None:
        """A human agent's reply, relayed to the customer (``via``: the staff tool it came from)."""
        await asyncio.to_thread(self._agent_message, conversation_id, agent, text, via)

    def clear_action(self, ticket_id: int) -> None:
        """The waiting action was decided; forget it."""
        with Session(self.engine) as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None:
                ticket.pending_action = None
                session.add(ticket)
                session.commit()

    def _finish(self, conversation_id: str, agent: str, mode: str) -> Ticket:
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            ticket = self._open_ticket(session, conversation_id)
            if ticket is None:
                raise HandoffError("This conversation has no open ticket.")
            ticket.status, ticket.closed_at = "closed", self.clock.now()
            ticket.agent = ticket.agent or agent
            conversation.mode = mode
            session.add_all([ticket, conversation])
            session.flush()
            self.events.add(session, conversation_id, "handoff", {"state": mode, "ticket": ticket.id, "agent": agent})
            session.commit()
            session.refresh(ticket)
            return ticket

    async def release(self, conversation_id: str, agent: str) -> Ticket:
        """Hand the conversation back to the bot."""
        return await asyncio.to_thread(self._finish, conversation_id, agent, BOT)

    async def close(self, conversation_id: str, agent: str) -> Ticket:
        """End the conversation."""
        return await asyncio.to_thread(self._finish, conversation_id, agent, CLOSED)
