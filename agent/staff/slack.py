"""Slack for the human support team (slack-bolt): handoff threads, relay both ways, approvals, assist, look-ups.

- A handoff posts a message in the support channel (who, what they want, the summary, the records involved)
  with "Take it" / "Hand back to bot" buttons; the conversation continues in that message's thread.
- While the ticket is open, the customer's messages appear in the thread; an agent's reply in the thread
  reaches the customer's widget (replying takes the conversation if nobody has).
- A ticket waiting for approval (e.g. a large refund) carries Approve / Reject buttons; the decision runs
  (or drops) exactly the waiting action, audited with the agent's Slack identity.
- Mentioning the bot in a thread asks the model for a suggested reply, grounded in the help center and the
  customer's records, shown only to that agent with a button to send it.
- ``/concierge <kind> <id>`` looks a record up in the plugin it belongs to, visible only to the caller.

HTTP mode goes through bolt's FastAPI adapter at ``/slack/events`` (bolt verifies the signatures);
``concierge slack socket`` runs the same app over Socket Mode. An event Slack delivers again (it retries
what was not acknowledged within 3 s) is acknowledged and not handled twice. Posting to Slack goes
through durable jobs (agent/staff/slack_relay.py), so nothing is lost to a restart or a rate limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from agent.app import Services
from agent.conversations.approvals import ApprovalError, decide_approval
from agent.conversations.handoff import HUMAN, HandoffError
from agent.conversations.jobs import Workers
from agent.engine import prompts
from agent.engine.facts import gather
from agent.engine.injection import scrub
from agent.staff.slack_relay import SlackRelay, button, plain
from agent.staff.slack_threads import SlackDelivery, conversation_of

log = logging.getLogger(__name__)


class SlackChannel:
    """The bolt app, and the relay of tickets and conversations into Slack threads (agent/staff/slack_relay.py)."""

    def __init__(self, services: Services, workers: Workers, client: AsyncWebClient | None = None) -> None:
        s = services.settings.slack
        if s.bot_token is None or s.channel is None:
            raise RuntimeError("Slack needs CONCIERGE_SLACK__BOT_TOKEN and CONCIERGE_SLACK__CHANNEL "
                               "(and CONCIERGE_SLACK__SIGNING_SECRET for HTTP mode).")
        self.services = services
        self.channel = s.channel
        token = s.bot_token.get_secret_value()
        where: dict[str, Any] = {"base_url": s.api_url} if s.api_url else {}
        self.client = client or AsyncWebClient(token=token, **where)
        # Rate limited (HTTP 429): wait as long as Slack says and try again; a dropped connection likewise.
        self.client.retry_handlers += [AsyncRateLimitErrorRetryHandler(max_retry_count=3),
                                       AsyncConnectionErrorRetryHandler(max_retry_count=2)]
        self.app = AsyncApp(client=self.client, signing_secret=s.signing_secret.get_secret_value()
                            if s.signing_secret else None)
        self._names: dict[str, str] = {}
        self.relay = SlackRelay(services.chat.events, services.chat.jobs, workers, self.client, self.channel,
                                record_ids=self.record_ids)
        self._register()

    async def _say(self, ts: str, text: str) -> None:
        await self.client.chat_postMessage(channel=self.channel, thread_ts=ts, text=text)

    def _first_delivery(self, event_id: str) -> bool:
        """Record an Events API delivery; False when it was handled before (Slack retries unacknowledged ones)."""
        try:
            with Session(self.services.engine) as session:
                session.add(SlackDelivery(event_id=event_id, received_at=self.services.clock.now()))
                session.commit()
            return True
        except IntegrityError:
            return False

    # --- Slack's side -----------------------------------------------------------------------------

    async def _agent(self, user_id: str) -> str:
        """The name customers see for a Slack user (their display name, looked up once)."""
        if user_id not in self._names:
            try:
                profile = (await self.client.users_info(user=user_id))["user"]["profile"]
                self._names[user_id] = profile.get("display_name") or profile.get("real_name") or "Support agent"
            except Exception:
                log.warning("could not look up Slack user %s", user_id)
                return "Support agent"
        return self._names[user_id]

    def _register(self) -> None:
        app, chat, runner = self.app, self.services.chat, self.services.runner

        @app.middleware
        async def once(body, next) -> BoltResponse | None:
            # After bolt has checked the signature: an event Slack sends again is acknowledged, not redone.
            event_id = body.get("event_id")
            if event_id and not await asyncio.to_thread(self._first_delivery, event_id):
                log.info("Slack delivered event %s again; it was handled already", event_id)
                return BoltResponse(status=200, body="")
            await next()
            return None

        async def attempt(body: dict[str, Any], work: Awaitable[Any], done: str | None) -> None:
            """Run a button's transition; say in the thread who did it, or why it could not be done."""
            user, ts = body["user"]["id"], body["container"]["message_ts"]
            try:
                await work
            except (HandoffError, ApprovalError) as exc:
                await self._say(ts, f"<@{user}>: {exc}")
                return
            if done:
                await self._say(ts, f"<@{user}> {done}")

        @app.action("take")
        async def take(ack, body, action) -> None:
            await ack()
            name = await self._agent(body["user"]["id"])
            await attempt(body, chat.handoff.take(action["value"], name),
                          "took this conversation. Replies in this thread go to the customer.")

        @app.action("hand_back")
        async def hand_back(ack, body, action) -> None:
            await ack()
            name = await self._agent(body["user"]["id"])
            await attempt(body, chat.handoff.release(action["value"], name), None)

        # Approvals are audited as the Slack identity: the user id is stable, the name is for people.
        @app.action("approve")
        async def approve(ack, body, action) -> None:
            await ack()
            await attempt(body, decide_approval(chat, runner, action["value"], f"slack:{body['user']['id']}", True),
                          "approved the action.")

        @app.action("reject")
        async def reject(ack, body, action) -> None:
            await ack()
            await attempt(body, decide_approval(chat, runner, action["value"], f"slack:{body['user']['id']}", False),
                          "rejected the action.")

        @app.action(re.compile(r"^lookup-"))
        async def lookup(ack, body, action, respond) -> None:
            await ack()
            await respond(response_type="ephemeral", replace_original=False, text=self.describe(action["value"]))

        @app.action("send_suggestion")
        async def send_suggestion(ack, body, action, respond) -> None:
            await ack()
            cid, text = json.loads(action["value"])
            await self._reply(cid, body["user"]["id"], text)
            await respond(response_type="ephemeral", replace_original=True, text="Sent to the customer.")

        @app.event("message")
        async def thread_reply(event, say, context) -> None:
            if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
                return  # edits, joins, the bot's own posts, and chatter outside ticket threads
            thread = conversation_of(self.services.engine, event["channel"], event["thread_ts"])
            if thread is None or f"<@{context.bot_user_id}>" in event.get("text", ""):
                return  # not a ticket thread, or a mention (agent assist handles those)
            try:
                await self._reply(thread.conversation_id, event["user"], event["text"])
            except HandoffError as exc:
                await say(text=f"<@{event['user']}>: {exc}", thread_ts=event["thread_ts"])

        @app.event("app_mention")
        async def assist(event) -> None:
            thread = conversation_of(self.services.engine, event["channel"], event.get("thread_ts") or "")
            if thread is None:
                await self.client.chat_postEphemeral(channel=event["channel"], user=event["user"],
                                                     text="Mention me in a handoff thread to get a suggested reply.")
                return
            suggestion = await self.suggest(thread.conversation_id)
            await self.client.chat_postEphemeral(
                channel=event["channel"], user=event["user"], thread_ts=thread.ts,
                text=f"Suggested reply: {suggestion}",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f"*Suggested reply* (only you see "
                                                                                f"this):\n{plain(suggestion)}"}},
                        {"type": "actions", "elements": [button("Send to customer", "send_suggestion",
                                                                 json.dumps([thread.conversation_id, suggestion]),
                                                                 "primary")]}])

        @app.command("/concierge")
        async def command(ack, command) -> None:
            words = command.get("text", "").split()
            if len(words) != 2:  # the first word says what kind of record ("order", "reservation"): any reads
                await ack(response_type="ephemeral", text="Usage: `/concierge <kind> <id>`, e.g. a record id "
                                                          "from a ticket: `/concierge order #W1234567`")
                return
            await ack(response_type="ephemeral", text=self.describe(words[1]))

    async def _reply(self, conversation_id: str, user: str, text: str) -> None:
        """An agent's words to the customer; the first reply takes the conversation if nobody has."""
        name = await self._agent(user)
        if self.services.chat.mode(conversation_id) != HUMAN:
            await self.services.chat.handoff.take(conversation_id, name)
        await self.services.chat.handoff.agent_message(conversation_id, name, text, via="slack")

    def record_ids(self, text: str) -> list[str]:
        """The plugins' record ids that ``text`` names (each plugin's ``record_ids`` hook)."""
        return sorted({i for found in self.services.runner.registry.hook.record_ids(text=text) for i in found})

    def describe(self, identifier: str) -> str:
        """A staff view of the record ``identifier`` names, from the plugin it belongs to (for Slack)."""
        key = identifier.strip()
        with Session(self.services.engine) as session:
            found = self.services.runner.registry.hook.staff_lookup(session=session, key=key)
        return found or f"Nothing is known by {plain(key)}."

    async def suggest(self, conversation_id: str) -> str:
        """A suggested next reply: the model, grounded in the help center and the customer's records."""
        services = self.services
        transcript = services.chat.transcript(conversation_id)[-8:]
        conversation = services.chat.get_conversation(conversation_id)
        if conversation is None:
            raise LookupError(f"No conversation {conversation_id}.")
        customer, site = conversation.customer_id, services.sites(conversation.site_key)
        last = next((m.text for m in reversed(transcript) if m.role == "customer"), "")
        hits = await asyncio.to_thread(site.retriever.search, last) if last else []
        said = "\n".join(m.text for m in transcript)
        facts = await asyncio.to_thread(gather, services.runner, customer, said,
                                        services.settings.tools.auth_mode, conversation_id)
        excerpts = "\n\n".join(f"[{n}] {scrub(h.text)}" for n, h in enumerate(hits, 1)) or "(nothing relevant)"
        lines = "\n".join(f"{m.role}: {m.text}" for m in transcript)
        task = prompts.ASSIST.format(facts=scrub(facts.text()) or "(customer not signed in)", excerpts=excerpts,
                                     conversation=lines)
        answer = await services.model.chat.ainvoke([SystemMessage(site.answer_prompt()), HumanMessage(task)])
        return answer.text.strip()


