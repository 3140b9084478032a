"""Human handoff as a state of the conversation: bot -> waiting_for_human -> human -> bot | closed.

A ticket records who, why, a summary and the timestamps; while a human has the
conversation the bot stays silent. Every transition is published on the
conversation's event stream, so the widget shows it as it happens. The Slack
channel drives these transitions through the internal agent API.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.conversations import Conversation, Ticket, record_message
from agent.events import EventHub
from tools.clock import Clock

log = logging.getLogger(__name__)
WAITING, HUMAN, BOT, CLOSED = "waiting_for_human", "human", "bot", "closed"
HIGH_PRIORITY = {"approval", "model_error", "repeated_failure"}


class HandoffError(RuntimeError):
    """A transition that the conversation's current state does not allow; the message says why."""


class HandoffService:
    """Opens, takes, releases and closes tickets, and relays human agents' messages."""

    def __init__(self, engine: Engine, hub: EventHub, clock: Clock) -> None:
        self.engine = engine
        self.hub = hub
        self.clock = clock
        # Called with each newly opened ticket (the Slack channel posts it to the support channel).
        self.on_open: list[Callable[[Ticket], Awaitable[None]]] = []

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

    async def open(self, conversation_id: str, reason: str, summary: str,
                   pending_action: dict[str, Any] | None = None) -> Ticket:
        """Hand the conversation to the support team (idempotent while a ticket is open)."""
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            ticket = self._open_ticket(session, conversation_id)
            fresh = ticket is None
            if ticket is None:
                ticket = Ticket(conversation_id=conversation_id, customer_id=conversation.customer_id, reason=reason,
                                summary=summary[:2000], priority="high" if reason in HIGH_PRIORITY else "normal",
                                pending_action=pending_action, created_at=self.clock.now())
                session.add(ticket)
                conversation.mode = WAITING
                session.add(conversation)
                session.commit()
                session.refresh(ticket)
        await self.hub.publish(conversation_id, "handoff", {"state": WAITING, "ticket": ticket.id, "reason": reason})
        if fresh:
            for listener in self.on_open:
                try:
                    await listener(ticket)
                except Exception:  # a staff tool being down must not break the customer's turn
                    log.exception("a handoff listener failed for ticket %s", ticket.id)
        return ticket

    async def take(self, conversation_id: str, agent: str) -> Ticket:
        """An agent takes the conversation; the first to take it is recorded."""
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            ticket = self._open_ticket(session, conversation_id)
            if ticket is None:
                raise HandoffError("This conversation has no open ticket to take.")
            if ticket.agent is None:
                ticket.agent, ticket.taken_at = agent, self.clock.now()
            ticket.status, conversation.mode = "taken", HUMAN
            session.add_all([ticket, conversation])
            session.commit()
            session.refresh(ticket)
        await self.hub.publish(conversation_id, "handoff", {"state": HUMAN, "ticket": ticket.id, "agent": agent})
        return ticket

    async def agent_message(self, conversation_id: str, agent: str, text: str, via: str = "api") -> None:
        """A human agent's reply, relayed to the customer (``via``: the staff tool it came from)."""
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            if conversation.mode != HUMAN:
                raise HandoffError(f"The conversation is {conversation.mode}; take it before replying.")
            record_message(session, conversation_id, "agent", text, self.clock.now())
            session.commit()
        await self.hub.publish(conversation_id, "message", {"role": "agent", "agent": agent, "text": text,
                                                            "citations": [], "via": via})

    def clear_action(self, ticket_id: int) -> None:
        """The waiting action was decided; forget it."""
        with Session(self.engine) as session:
            ticket = session.get(Ticket, ticket_id)
            ticket.pending_action = None
            session.add(ticket)
            session.commit()

    async def _finish(self, conversation_id: str, agent: str, mode: str) -> Ticket:
        with Session(self.engine) as session:
            conversation = self._conversation(session, conversation_id)
            ticket = self._open_ticket(session, conversation_id)
            if ticket is None:
                raise HandoffError("This conversation has no open ticket.")
            ticket.status, ticket.closed_at = "closed", self.clock.now()
            ticket.agent = ticket.agent or agent
            conversation.mode = mode
            session.add_all([ticket, conversation])
            session.commit()
            session.refresh(ticket)
        await self.hub.publish(conversation_id, "handoff", {"state": mode, "ticket": ticket.id, "agent": agent})
        return ticket

    async def release(self, conversation_id: str, agent: str) -> Ticket:
        """Hand the conversation back to the bot."""
        return await self._finish(conversation_id, agent, BOT)

    async def close(self, conversation_id: str, agent: str) -> Ticket:
        """End the conversation."""
        return await self._finish(conversation_id, agent, CLOSED)
