"""ChatService: one customer turn through the graph, the transcript and the event stream.

Every channel (the web API, the terminal chat) goes through here, so they all
behave the same: the customer's message is stored, the graph runs with the
conversation id as ``thread_id`` and the customer in the run context, tokens
are published as they stream, and the reply is stored with its citations.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from sqlalchemy import Engine
from sqlmodel import Session

from agent.access import new_access_token
from agent.conversations import Conversation, TranscriptMessage, record_message, transcript
from agent.events import EventHub
from agent.handoff import BOT, CLOSED, HUMAN, WAITING, HandoffService
from agent.llm.errors import ModelError
from agent.state import TurnContext
from knowledge.store import KnowledgeNotReady
from tools.clock import Clock

log = logging.getLogger(__name__)

APOLOGY = ("Sorry, I'm having trouble answering right now. Please try again in a moment, "
           "or ask to talk to a person.")
UNAVAILABLE = "The assistant ran into a problem on our side."  # what an `error` event tells the customer
CONFIRM = "Please confirm: {preview}. Reply yes to go ahead, or no to cancel."
# Confirmed: an affirmative opening with no change of mind after it. Anything else cancels.
_YES = re.compile(r"^\s*(yes|y|yeah|yep|sure|ok|okay|confirm(ed)?|go ahead|do it|please do|s[ií])\b"
                  r"(?!.*\b(no|not|don'?t|cancel|wait|stop)\b)", re.I)
_NO = re.compile(r"^\s*(no|n|nope|cancel|don'?t|stop|never ?mind)\b[\s.!]*$", re.I)


def _answer(pending: dict[str, Any], approve: bool) -> Command:
    """Resume the paused write: a yes names the exact arguments (their hash) it confirms."""
    return Command(resume={"confirm": True, "args_hash": pending["args_hash"]} if approve else {"confirm": False})


class NothingToConfirm(RuntimeError):
    """A confirmation arrived, but no action is waiting for one."""


@dataclass
class TurnResult:
    """The assistant's reply to one customer message."""

    text: str
    citations: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None
    prompt_tokens: dict[str, int] = field(default_factory=dict)
    confirm: dict[str, Any] | None = None  # a write waiting for the customer's yes or no
    handoff: dict[str, Any] | None = None  # set when this turn handed the conversation to a person


class ChatService:
    """Runs conversations: creation, turns, transcripts."""

    def __init__(self, engine: Engine, graph: CompiledStateGraph, *, clock: Clock,
                 hub: EventHub | None = None) -> None:
        self.engine = engine
        self.graph = graph
        self.clock = clock
        self.hub = hub or EventHub()
        self.handoff = HandoffService(engine, self.hub, clock)
        # One turn at a time per conversation: a second message waits for the first reply.
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

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

    def _store(self, conversation_id: str, role: str, text: str, citations: list[dict[str, str]] | None = None) -> None:
        with Session(self.engine) as session:
            record_message(session, conversation_id, role, text, self.clock.now(), citations)
            session.commit()

    async def say(self, conversation_id: str, text: str) -> None:
        """A message from the assistant that no model wrote (approvals, notices)."""
        self._store(conversation_id, "assistant", text)
        await self.hub.publish(conversation_id, "message", {"role": "assistant", "text": text, "citations": []})

    def mode(self, conversation_id: str) -> str:
        """bot, waiting_for_human, human or closed."""
        with Session(self.engine) as session:
            conversation = session.get(Conversation, conversation_id)
            return conversation.mode if conversation else BOT

    def _set_mode(self, conversation_id: str, mode: str) -> None:
        with Session(self.engine) as session:
            conversation = session.get(Conversation, conversation_id)
            conversation.mode = mode
            session.add(conversation)
            session.commit()

    def _summary(self, conversation_id: str, reason: str) -> str:
        said = [m.text for m in self.transcript(conversation_id) if m.role == "customer"][-4:]
        return f"({reason.replace('_', ' ')}) " + " / ".join(said)

    def _config(self, conversation: Conversation) -> dict[str, Any]:
        return {"configurable": {"thread_id": conversation.id}}

    async def pending_confirmation(self, conversation: Conversation) -> dict[str, Any] | None:
        """The write waiting for this conversation's confirmation, if any."""
        snapshot = await self.graph.aget_state(self._config(conversation))
        return next((i.value for i in snapshot.interrupts if i.value.get("type") == "confirm"), None)

    async def handle_message(self, conversation: Conversation, text: str) -> TurnResult:
        """Run one turn; publishes ``token`` events, then ``message`` (or ``error`` then ``message``).

        While a write waits for confirmation, a plain "yes" confirms it; anything else cancels it,
        and a message that is more than a "no" is then answered as a new turn.
        """
        self._store(conversation.id, "customer", text)
        mode = self.mode(conversation.id)
        if mode in (WAITING, HUMAN):  # a person has it: the bot stays silent, the agent sees the message
            await self.hub.publish(conversation.id, "message", {"role": "customer", "text": text, "citations": []})
            return TurnResult(text="")
        if mode == CLOSED:  # writing again after the end starts over with the bot
            self._set_mode(conversation.id, BOT)
        pending = await self.pending_confirmation(conversation)
        if pending is None:
            return await self._turn(conversation, {"messages": [HumanMessage(text)]})
        if _YES.match(text):
            return await self._turn(conversation, _answer(pending, approve=True))
        result = await self._turn(conversation, _answer(pending, approve=False))
        return result if _NO.match(text) else await self._turn(conversation, {"messages": [HumanMessage(text)]})

    async def confirm(self, conversation: Conversation, approve: bool) -> TurnResult:
        """The customer's answer from a button: resume the waiting write (or cancel it)."""
        pending = await self.pending_confirmation(conversation)
        if pending is None:
            raise NothingToConfirm("Nothing is waiting for a confirmation in this conversation.")
        self._store(conversation.id, "customer", "Yes, go ahead." if approve else "No, cancel that.")
        return await self._turn(conversation, _answer(pending, approve))

    async def _turn(self, conversation: Conversation, graph_input: Any) -> TurnResult:
        cid = conversation.id
        async with self._locks[cid]:
            await self.hub.publish(cid, "status", {"state": "thinking"})
            try:
                result = await self._run_graph(conversation, graph_input)
            except (ModelError, KnowledgeNotReady) as exc:
                # The detail (a model URL, a setting to fix) is for operators: the log has it, the customer
                # gets a sentence, and a person takes over rather than leave them stuck.
                log.error("turn failed in conversation %s: %s", cid, exc)
                await self.hub.publish(cid, "error", {"message": UNAVAILABLE})
                result = TurnResult(text=APOLOGY, error=str(exc), handoff={"reason": "model_error"})
            except Exception:
                log.exception("turn failed in conversation %s", cid)
                await self.hub.publish(cid, "error", {"message": UNAVAILABLE})
                result = TurnResult(text=APOLOGY, error="internal error")
            self._store(cid, "assistant", result.text, result.citations)
            await self.hub.publish(cid, "message", {"role": "assistant", "text": result.text,
                                                    "citations": result.citations,
                                                    "prompt_tokens": result.prompt_tokens,
                                                    "confirm": result.confirm, "handoff": result.handoff})
            if result.handoff:
                reason = result.handoff["reason"]
                await self.handoff.open(cid, reason, self._summary(cid, reason), result.handoff.get("action"))
            return result

    async def _run_graph(self, conversation: Conversation, graph_input: Any) -> TurnResult:
        config = self._config(conversation)
        final: dict = {}
        async for mode, chunk in self.graph.astream(
                graph_input, config,
                context=TurnContext(customer_id=conversation.customer_id, conversation_id=conversation.id),
                stream_mode=["messages", "values"]):
            if mode == "messages":
                message, meta = chunk
                if (isinstance(message, AIMessageChunk) and meta.get("langgraph_node") == "respond"
                        and message.text):
                    await self.hub.publish(conversation.id, "token", {"text": message.text})
            else:
                final = chunk
        pending = await self.pending_confirmation(conversation)
        if pending is not None:  # the graph paused on a write: ask, in words the code controls
            return TurnResult(text=CONFIRM.format(preview=pending["preview"]), confirm=pending,
                              prompt_tokens=final.get("prompt_tokens", {}))
        reply = next((m for m in reversed(final.get("messages", [])) if isinstance(m, AIMessage)), None)
        return TurnResult(text=reply.text if reply else APOLOGY, citations=final.get("citations", []),
                          prompt_tokens=final.get("prompt_tokens", {}), handoff=final.get("handoff"))
