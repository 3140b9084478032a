"""One turn of a conversation, run from its durable job, resumable after a crash at any point.

The job says what the customer did (a message, a confirmation). Running it plans the graph runs
it needs (a message while a write waits for a yes is first a "no" to that write, then a new turn),
stores the plan in the job, and runs each step with ``{"job_id", "job_step"}`` in the checkpoint's
metadata. After a crash the job runs again: steps whose checkpoints say they finished are skipped, a
step that was cut short resumes from its last checkpoint (LangGraph's ``None`` input), and only then
is the reply stored, in one transaction with its events, any handoff and the job's completion. A write
the crashed run already applied is not applied again: the tool runner's idempotency key sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from agent.conversations.events import Event, EventLog
from agent.conversations.handoff import BOT, CLOSED, HandoffService
from agent.conversations.jobs import Job, JobQueue
from agent.conversations.records import Conversation, record_message, transcript
from agent.engine.graph import Graph
from agent.engine.language import detect
from agent.engine.phrases import phrase
from agent.engine.prompts import APOLOGY, CONFIRM, NOTHING_TO_CONFIRM
from agent.engine.state import TurnContext
from agent.llm.errors import ModelError

log = logging.getLogger(__name__)

UNAVAILABLE = "The assistant ran into a problem on our side."  # what an `error` event tells the customer
# Confirmed: an affirmative opening with no change of mind after it. Anything else cancels.
_YES = re.compile(r"^\s*(yes|y|yeah|yep|sure|ok|okay|confirm(ed)?|go ahead|do it|please do|s[ií]|oui|ja)\b"
                  r"(?!.*\b(no|not|don'?t|cancel|wait|stop|non|nein|nicht|annule[rz]?|cancela[r]?)\b)", re.I)
_NO = re.compile(r"^\s*(no|n|nope|cancel|don'?t|stop|never ?mind|non|nein|cancela[r]?|annule[rz]?)\b[\s.!]*$",
                 re.I)


@dataclass
class TurnResult:
    """The assistant's reply to one customer message."""

    text: str
    citations: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None
    prompt_tokens: dict[str, int] = field(default_factory=dict)
    confirm: dict[str, Any] | None = None  # a write waiting for the customer's yes or no
    handoff: dict[str, Any] | None = None  # set when this turn handed the conversation to a person
    language: str | None = None  # the customer's, when known: the widget's own text follows it


def config(conversation_id: str, job_id: int | None = None, step: int | None = None) -> RunnableConfig:
    """The graph's run config: the conversation is the thread; the job and step go into the checkpoints."""
    out: RunnableConfig = {"configurable": {"thread_id": conversation_id}}
    if job_id is not None:
        out["metadata"] = {"job_id": job_id, "job_step": step}
    return out


def _plan(payload: dict[str, Any], pending: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The graph runs a job needs: steps of ``{"message": text}`` or ``{"answer": bool, "args_hash"}``."""
    if payload["kind"] == "confirm":
        return [{"answer": payload["approve"], "args_hash": pending["args_hash"]}] if pending else []
    text = payload["text"]
    if pending is None:
        return [{"message": text}]
    if _YES.match(text):
        return [{"answer": True, "args_hash": pending["args_hash"]}]
    declined = {"answer": False, "args_hash": pending["args_hash"]}
    return [declined] if _NO.match(text) else [declined, {"message": text}]


def _input(step: dict[str, Any]) -> Any:
    if "message" in step:
        return {"messages": [HumanMessage(step["message"])]}
    # A yes names the exact arguments (their hash) it confirms.
    return Command(resume={"confirm": True, "args_hash": step["args_hash"]} if step["answer"] else {"confirm": False})


def _confirmation(interrupts: Any) -> dict[str, Any] | None:
    """The write a graph state's interrupts wait to have confirmed, if any."""
    return next((i.value for i in interrupts if i.value.get("type") == "confirm"), None)


def _language(job: Job, previous: str | None) -> str | None:
    """The language of a job's message (for a reply the graph could not write), else ``previous``."""
    return detect(job.payload["text"], previous=previous) if job.payload.get("kind") == "message" else previous


def _store_trouble(exc: BaseException) -> bool:
    """Whether a failure came from the database going away (worth retrying the job), not from the turn."""
    import psycopg

    return isinstance(exc, OperationalError | psycopg.OperationalError | sqlite3.OperationalError)


class TurnRunner:
    """Runs turn jobs through the graph and stores their outcome."""

    def __init__(self, graph: Graph, events: EventLog, jobs: JobQueue, handoff: HandoffService) -> None:
        self.graph, self.events, self.jobs, self.handoff = graph, events, jobs, handoff
        self.engine, self.clock = events.engine, events.clock

    async def pending_confirmation(self, conversation_id: str) -> dict[str, Any] | None:
        """The write waiting for this conversation's confirmation, if any."""
        return _confirmation((await self.graph.aget_state(config(conversation_id))).interrupts)

    async def run(self, job: Job) -> TurnResult:
        """Run (or resume) the turn of ``job`` and store its outcome, finishing the job; always ends in a reply."""
        assert job.id is not None
        snapshot = await self.graph.aget_state(config(job.conversation_id))  # read once: it is not cheap
        begun = await asyncio.to_thread(self._begin, job, snapshot)
        if begun is None:  # erased meanwhile: nothing to answer
            return TurnResult(text="")
        conversation, status = begun
        language = _language(job, snapshot.values.get("language"))
        apology = phrase(APOLOGY, language)
        try:
            result = await self._run_steps(job, conversation, status, snapshot)
        except ModelError as exc:
            # The detail (a model URL, a setting to fix) is for operators: the log has it, the customer
            # gets a sentence, and a person takes over rather than leave them stuck.
            log.error("turn failed in conversation %s: %s", conversation.id, exc)
            result = TurnResult(text=apology, error=str(exc), handoff={"reason": "model_error"}, language=language)
        except Exception as exc:
            if _store_trouble(exc):  # the database, not the turn: the worker tries the job again later
                raise
            log.exception("turn failed in conversation %s", conversation.id)
            result = TurnResult(text=apology, error="internal error", language=language)
        await asyncio.to_thread(self.store, job, result)
        return result

    def _begin(self, job: Job, snapshot: Any) -> tuple[Conversation, Event] | None:
        """One transaction to start a turn: the conversation (reopened if it was closed), the job's plan (the
        first run decides it; a resumed one follows it) and the "thinking" status; None, and the job finished,
        if the conversation is gone."""
        assert job.id is not None
        with Session(self.engine) as session:
            conversation = session.get(Conversation, job.conversation_id)
            if conversation is None:
                self.jobs.finish(session, job.id)
                session.commit()
                return None
            if conversation.mode == CLOSED:  # writing again after the end starts over with the bot
                conversation.mode = BOT
                session.add(conversation)
            if "plan" not in job.payload:
                job.payload = {**job.payload, "plan": _plan(job.payload, _confirmation(snapshot.interrupts))}
                self._save_payload(job.id, session, plan=job.payload["plan"])
            status = self.events.add(session, conversation.id, "status", {"state": "thinking"})
            session.commit()
            session.refresh(conversation)
            return conversation, status

    async def _run_steps(self, job: Job, conversation: Conversation, status: Event, snapshot: Any) -> TurnResult:
        """Run the plan's steps not yet answered; every step but the last stores its reply as it ends."""
        assert job.id is not None
        plan = job.payload["plan"]
        if not plan:  # a confirmation arrived, but what it confirmed was answered already
            return TurnResult(text=phrase(NOTHING_TO_CONFIRM, snapshot.values.get("language")))
        mine = bool(snapshot.metadata) and snapshot.metadata.get("job_id") == job.id
        reached = snapshot.metadata.get("job_step") or 0 if mine else 0
        replied = job.payload.get("replied", 0)
        result = TurnResult(text="")
        for n, step in enumerate(plan, 1):
            if n <= replied:
                continue  # answered, and the answer stored, before a crash
            if n == reached and snapshot.interrupts:  # it ended asking for a confirmation; not stored yet
                values = {**snapshot.values, "__interrupt__": snapshot.interrupts}
            else:  # None resumes a step begun before a crash (or, if it had ended, yields its state as it is)
                values = await self._stream(conversation, None if n == reached else _input(step),
                                            config(conversation.id, job.id, n), status)
            result = self._result(values)
            if n < len(plan):  # e.g. "Okay, I haven't changed anything", before the answer to what came with it
                await asyncio.to_thread(self.store, job, result, n)
                status = await self.events.apublish(conversation.id, "status", {"state": "thinking"})
        return result

    async def _stream(self, conversation: Conversation, graph_input: Any, run_config: RunnableConfig,
                      status: Event) -> dict[str, Any]:
        final: dict[str, Any] = {}
        part = 0
        async for mode, chunk in self.graph.astream(
                graph_input, run_config,
                context=TurnContext(customer_id=conversation.customer_id, conversation_id=conversation.id,
                                    site_key=conversation.site_key),
                stream_mode=["messages", "values"]):
            if mode == "messages":
                message, meta = cast(tuple[Any, dict[str, Any]], chunk)
                if isinstance(message, AIMessageChunk) and meta.get("langgraph_node") == "respond" and message.text:
                    part += 1
                    await self.events.stream(conversation.id, status, part, "token", {"text": message.text})
            else:
                final = cast(dict[str, Any], chunk)
        return final

    def _result(self, final: dict[str, Any]) -> TurnResult:
        # A graph that paused says so in its last values (no second read of the checkpoint).
        pending = _confirmation(final.get("__interrupt__", ()))
        language = final.get("language")
        if pending is not None:  # the graph paused on a write: ask, in words the code controls
            return TurnResult(text=phrase(CONFIRM, language).format(preview=pending["preview"]), confirm=pending,
                              prompt_tokens=final.get("prompt_tokens", {}), language=language)
        reply = next((m for m in reversed(final.get("messages", [])) if isinstance(m, AIMessage)), None)
        return TurnResult(text=reply.text if reply else phrase(APOLOGY, language), citations=final.get("citations", []),
                          prompt_tokens=final.get("prompt_tokens", {}), handoff=final.get("handoff"),
                          language=language)

    def store(self, job: Job, result: TurnResult, step: int | None = None) -> None:
        """The reply, its events, any handoff and the job's completion (or, after ``step`` of several, that the
        step was answered): one transaction, all or nothing."""
        assert job.id is not None
        cid = job.conversation_id
        with Session(self.engine) as session:
            if result.error is not None:
                self.events.add(session, cid, "error", {"message": UNAVAILABLE})
            record_message(session, cid, "assistant", result.text, self.clock.now(), result.citations)
            self.events.add(session, cid, "message", {"role": "assistant", "text": result.text,
                                                      "citations": result.citations,
                                                      "prompt_tokens": result.prompt_tokens,
                                                      "confirm": result.confirm, "handoff": result.handoff,
                                                      "language": result.language})
            if result.handoff:
                reason = result.handoff["reason"]
                self.handoff.open_in(session, cid, reason, self._summary(session, cid, reason),
                                     result.handoff.get("action"))
            if step is None:
                self.jobs.finish(session, job.id)
            else:
                self._save_payload(job.id, session, replied=step)
            session.commit()

    def _summary(self, session: Session, conversation_id: str, reason: str) -> str:
        said = [m.text for m in transcript(session, conversation_id) if m.role == "customer"][-4:]
        return f"({reason.replace('_', ' ')}) " + " / ".join(said)

    def _save_payload(self, job_id: int, session: Session | None = None, **fields: Any) -> None:
        """Remember ``fields`` in the job (its plan, the steps answered), in ``session`` or on its own."""
        with contextlib.nullcontext(session) if session is not None else Session(self.engine) as own:
            job = own.get(Job, job_id)
            if job is None:
                return  # erased meanwhile: nothing to remember
            job.payload = {**job.payload, **fields}
            own.add(job)
            if session is None:
                own.commit()

    async def give_up(self, job: Job) -> None:
        """A turn that kept failing (its worker died again and again): apologise and bring in a person."""
        language = _language(job, None)
        result = TurnResult(text=phrase(APOLOGY, language), error="given up", handoff={"reason": "repeated_failure"},
                            language=language)
        await asyncio.to_thread(self.store, job, result)
