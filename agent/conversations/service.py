"""ChatService: conversations, accepted messages, and their turns, as every channel sees them.

A channel *accepts* a customer's message: the message and the job that will answer it are stored in
one transaction, or neither is (:class:`Unavailable`), so an accepted message is never lost. Workers
run the job (agent/conversations/turns.py) in whichever process claims it; in-process callers (the terminal chat,
the evaluations, tests) run it right away with :meth:`handle_message`. Either way the reply arrives
on the conversation's event stream and in its transcript.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from agent.conversations.access import new_access_token
from agent.conversations.bus import LocalBus
from agent.conversations.events import EventLog
from agent.conversations.handoff import BOT, HUMAN, WAITING, HandoffService
from agent.conversations.jobs import Job, JobQueue
from agent.conversations.records import Conversation, TranscriptMessage, record_message, transcript
from agent.conversations.turns import TurnResult, TurnRunner
from agent.engine.graph import Graph
from tools.clock import Clock

log = logging.getLogger(__name__)
TURN = "turn"  # the job kind of a customer's turn


class NothingToConfirm(RuntimeError):
    """A confirmation arrived, but no action is waiting for one."""


class Unavailable(RuntimeError):
    """The database did not take the message (down, or its disk is full); nothing was stored."""


class ChatService:
    """Runs conversations: creation, accepted messages, turns, transcripts."""

    def __init__(self, engine: Engine, graph: Graph, *, clock: Clock, events: EventLog,
                 jobs: JobQueue) -> None:
        self.engine, self.graph, self.clock, self.events, self.jobs = engine, graph, clock, events, jobs
        self.handoff = HandoffService(engine, events, clock)
        self.turns = TurnRunner(graph, events, jobs, self.handoff)

    @classmethod
    def local(cls, engine: Engine, graph: Graph, clock: Clock) -> ChatService:
        """A service for one process (the evaluations, tests): events and jobs told through a LocalBus."""
        bus = LocalBus()
        return cls(engine, graph, clock=clock, events=EventLog(engine, clock, bus), jobs=JobQueue(engine, clock, bus))

    def create_conversation(self, customer_id: str | None, site_key: str | None = None) -> tuple[Conversation, str]:
        """Start a conversation, optionally for a verified customer; it and its access token (shown only now)."""
        token, digest = new_access_token()
        now = self.clock.now()
        with Session(self.engine) as session:
            conversation = Conversation(customer_id=customer_id, site_key=site_key, access_token_hash=digest,
                                        created_at=now, last_active_at=now)
            session.add(conversation)
            session.commit()
            session.refresh(conversation)
            return conversation, token

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation, or None if there is no such id."""
        with Session(self.engine) as session:
            return session.get(Conversation, conversation_id)

    def transcript(self, conversation_id: str) -> list[TranscriptMessage]:
        """The conversation's messages, oldest first."""
        with Session(self.engine) as session:
            return transcript(session, conversation_id)

    def mode(self, conversation_id: str) -> str:
        """bot, waiting_for_human, human or closed."""
        conversation = self.get_conversation(conversation_id)
        return conversation.mode if conversation else BOT

    def accept(self, conversation_id: str, text: str, said: str | None = None,
               job: dict[str, Any] | None = None, inline: bool = False) -> Job | None:
        """Store what the customer said and the job that answers it, in one transaction.

        ``said`` is the transcript's wording (default ``text``); ``job`` the turn's payload (default a
        message). While a person has the conversation there is no turn: the message is only shown to them.
        Raises :class:`Unavailable` when the database cannot take it; then nothing at all was stored.
        """
        try:
            with Session(self.engine) as session:
                conversation = session.get(Conversation, conversation_id, with_for_update=True)
                record_message(session, conversation_id, "customer", said or text, self.clock.now())
                queued = None
                if conversation is not None and conversation.mode in (WAITING, HUMAN) and job is None:
                    self.events.add(session, conversation_id, "message",
                                    {"role": "customer", "text": text, "citations": []})
                else:
                    queued = self.jobs.enqueue(session, TURN, conversation_id,
                                               job or {"kind": "message", "text": text}, claimed=inline)
                session.commit()
                if queued is not None:
                    session.refresh(queued)
                return queued
        except SQLAlchemyError as exc:
            log.error("could not store a message of conversation %s: %s", conversation_id, exc.__class__.__name__)
            raise Unavailable("The message could not be stored.") from exc

    def accept_confirmation(self, conversation_id: str, approve: bool, inline: bool = False) -> Job | None:
        """The customer's answer from a button, stored with its job (see :meth:`accept`)."""
        said = "Yes, go ahead." if approve else "No, cancel that."
        return self.accept(conversation_id, said, job={"kind": "confirm", "approve": approve}, inline=inline)

    async def pending_confirmation(self, conversation: Conversation) -> dict[str, Any] | None:
        """The write waiting for this conversation's confirmation, if any."""
        return await self.turns.pending_confirmation(conversation.id)

    async def run(self, job: Job) -> bool:
        """A worker's handler of turn jobs: the turn finishes its job with the reply it stores."""
        await self.turns.run(job)
        return True

    async def handle_message(self, conversation: Conversation, text: str) -> TurnResult:
        """Accept a message and run its turn here and now (the terminal, evaluations, tests)."""
        job = await asyncio.to_thread(self.accept, conversation.id, text, None, None, True)
        return await self.turns.run(job) if job is not None else TurnResult(text="")

    async def confirm(self, conversation: Conversation, approve: bool) -> TurnResult:
        """Answer the waiting write here and now (in-process callers; the web API queues it)."""
        if await self.pending_confirmation(conversation) is None:
            raise NothingToConfirm("Nothing is waiting for a confirmation in this conversation.")
        job = await asyncio.to_thread(self.accept_confirmation, conversation.id, approve, True)
        assert job is not None
        return await self.turns.run(job)

    def _say(self, conversation_id: str, text: str) -> None:
        with Session(self.engine) as session:
            record_message(session, conversation_id, "assistant", text, self.clock.now())
            self.events.add(session, conversation_id, "message", {"role": "assistant", "text": text, "citations": []})
            session.commit()

    async def say(self, conversation_id: str, text: str) -> None:
        """A message from the assistant that no model wrote (approvals, notices)."""
        await asyncio.to_thread(self._say, conversation_id, text)
