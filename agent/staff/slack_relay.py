"""Tickets into Slack threads and the conversation into them, as durable jobs that survive restarts.

When a conversation's events are stored, the relay (an observer of the event log, inside the same
transaction) queues what Slack must see: a new ticket's message, then each customer message, assistant
message, outside agent reply and the hand-back, in order (one Slack lane per conversation). Workers in
any process post them; a failed post (Slack down, rate limited beyond slack_sdk's own retries) is
retried with backoff and logged, and never ends the thread; after a restart the queue simply goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, col, select

from agent.conversations.events import Event, EventLog
from agent.conversations.handoff import BOT, CLOSED, HUMAN, WAITING
from agent.conversations.jobs import Job, JobQueue, Workers
from agent.conversations.records import Conversation, Ticket, transcript
from agent.staff.slack_threads import SlackThread, save_thread

log = logging.getLogger(__name__)
POST_TICKET, RELAY, LANE = "slack.ticket", "slack.relay", "slack"
REASONS = {"customer_asked": "asked for a person", "model_decided": "the assistant could not help",
           "approval": "an action needs approval", "repeated_failure": "the assistant failed repeatedly",
           "model_error": "the model is unavailable", "staff": "escalated by staff"}


def plain(text: str) -> str:
    """Customer text shown in Slack: no mentions or links can be smuggled in (Slack's escaping rules)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A Block Kit button."""
    out: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": text},
                           "action_id": action_id, "value": value}
    if style:
        out["style"] = style
    return out


def relayed_text(event: Event) -> str | None:
    """What the thread shows for an event of the conversation (None: nothing)."""
    data = event.data
    if event.type == "message" and data.get("role") == "customer":
        return f"*Customer:* {plain(data['text'])}"
    if event.type == "message" and data.get("role") == "assistant":
        return f"*Assistant:* {plain(data['text'])}"
    if event.type == "message" and data.get("role") == "agent" and data.get("via") != "slack":
        return f"*{plain(data['agent'])}* (outside Slack): {plain(data['text'])}"
    if event.type == "handoff" and data.get("state") in (BOT, CLOSED):
        return "Handed back to the bot." if data["state"] == BOT else "Conversation closed."
    return None


class SlackRelay:
    """Queues and posts a conversation's tickets and messages to its Slack thread."""

    def __init__(self, events: EventLog, jobs: JobQueue, workers: Workers, client: AsyncWebClient,
                 channel: str, record_ids: Callable[[str], list[str]] = lambda _text: []) -> None:
        self.events, self.jobs, self.engine, self.client, self.channel = events, jobs, events.engine, client, channel
        self.record_ids = record_ids  # the plugins' ids in a text (their record_ids hook)
        events.observers.append(self.observe)
        workers.handle(POST_TICKET, self.post_ticket)
        workers.handle(RELAY, self.relay)

    def observe(self, session: Session, conversation_id: str, event: Event) -> None:
        """Inside the transaction that stores ``event``: queue what Slack must see of it."""
        if event.type == "handoff" and event.data.get("new"):
            self.jobs.enqueue(session, POST_TICKET, conversation_id, {"ticket": event.data["ticket"]}, lane=LANE)
            return
        if relayed_text(event) is None:
            return
        conversation = session.get(Conversation, conversation_id)
        ended = event.type == "handoff"  # the hand-back or the close: the thread's last line
        if ended or (conversation is not None and conversation.mode in (WAITING, HUMAN)):
            self.jobs.enqueue(session, RELAY, conversation_id, {"seq": event.id}, lane=LANE)

    async def post_ticket(self, job: Job) -> None:
        """Post the ticket to the support channel (once: a retried job finds the thread already there)."""
        found = await asyncio.to_thread(self._unposted, job.payload["ticket"])
        if found is None:
            return
        ticket, records = found
        response = await self.client.chat_postMessage(channel=self.channel, text=headline(ticket),
                                                      blocks=ticket_blocks(ticket, records))
        assert ticket.id is not None  # a stored ticket
        await asyncio.to_thread(save_thread, self.engine, ticket.conversation_id, ticket.id, response["channel"],
                                response["ts"])

    def _unposted(self, ticket_id: int) -> tuple[Ticket, list[str]] | None:
        """The ticket and the records its conversation names, unless it is gone or posted already."""
        with Session(self.engine) as session:
            ticket = session.get(Ticket, ticket_id)
            posted = session.exec(select(SlackThread).where(SlackThread.ticket_id == ticket_id)).first()
            if ticket is None or posted is not None:
                return None
            said = " ".join(m.text for m in transcript(session, ticket.conversation_id) if m.role == "customer")
        return ticket, self.record_ids(said)

    async def relay(self, job: Job) -> None:
        """Post one event of the conversation in its ticket's thread."""
        thread, text = await asyncio.to_thread(self._what_to_relay, job)
        if thread is not None and text:
            await self.client.chat_postMessage(channel=thread.channel, thread_ts=thread.ts, text=text)

    def _what_to_relay(self, job: Job) -> tuple[SlackThread | None, str | None]:
        with Session(self.engine) as session:
            thread = session.exec(select(SlackThread).where(SlackThread.conversation_id == job.conversation_id)
                                  .order_by(col(SlackThread.id).desc())).first()
        event = next(iter(self.events.since(job.conversation_id, job.payload["seq"] - 1)), None)
        if event is None or event.id != job.payload["seq"]:
            return thread, None  # past retention
        return thread, relayed_text(event)  # no thread: Slack was off when the conversation was handed over


def headline(ticket: Ticket) -> str:
    """The ticket's first line in the channel."""
    who = ticket.customer_id or "an anonymous customer"
    priority = ":rotating_light: " if ticket.priority == "high" else ""
    return f"{priority}Handoff from {who}: {REASONS.get(ticket.reason, ticket.reason)}"


def ticket_blocks(ticket: Ticket, records: list[str]) -> list[dict[str, Any]]:
    """The ticket's message: who, why, the summary, the records, and the buttons staff act with."""
    cid = ticket.conversation_id
    fields = [f"*Customer:* {ticket.customer_id or 'not signed in'}", f"*Priority:* {ticket.priority}"]
    if records:
        fields.append("*Records:* " + ", ".join(f"`{r}`" for r in records))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline(ticket)}*"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Summary:* {plain(ticket.summary)}"}},
    ]
    buttons = [button("Take it", "take", cid, "primary"), button("Hand back to bot", "hand_back", cid)]
    if ticket.pending_action:
        action = ticket.pending_action
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
            f"*Waiting for approval:* `{action['tool']}` {json.dumps(action['args'])}")}})
        buttons = [button("Approve", "approve", cid, "primary"), button("Reject", "reject", cid, "danger"), *buttons]
    # Action ids must be unique within a block: one per record, all handled by the "lookup" listener.
    buttons += [button(f"Look up {r}", f"lookup-{n}", r) for n, r in enumerate(records[:3])]
    blocks.append({"type": "actions", "elements": buttons})
    return blocks
