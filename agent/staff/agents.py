"""The internal API for human support agents (the Slack channel drives it; tests use it directly).

Every request carries ``X-Agent-Key`` (``CONCIERGE_WEB__AGENT_API_KEY``). Transitions
that the conversation's state does not allow are a 409 that says why.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import Field

from agent.channels.bodies import RequestBody
from agent.channels.limits import client_address
from agent.channels.web import LimitsDep, ServicesDep
from agent.conversations.approvals import ApprovalError, decide_approval
from agent.conversations.handoff import HandoffError
from agent.conversations.records import Conversation, Ticket


def require_agent(request: Request, services: ServicesDep, limits: LimitsDep,
                  key: Annotated[str | None, Header(alias="X-Agent-Key")] = None) -> None:
    """Only callers holding the agent key reach these endpoints; guessing it is slowed down per address."""
    expected = services.settings.web.agent_api_key
    if expected is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "The agent API is off: set CONCIERGE_WEB__AGENT_API_KEY.")
    address = client_address(request)
    if limits.exhausted(limits.agent_auth_failures, address):
        limits.hit(limits.agent_auth_failures, address, "wrong X-Agent-Key attempts from your network")
    # Compared as bytes: a header may hold any character, and str comparison refuses non-ASCII.
    if key is None or not hmac.compare_digest(key.encode("utf-8", "surrogatepass"),
                                              expected.get_secret_value().encode()):
        limits.hit(limits.agent_auth_failures, address, "wrong X-Agent-Key attempts from your network")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing or wrong X-Agent-Key header.")


router = APIRouter(prefix="/v1/agent", dependencies=[Depends(require_agent)])
T = TypeVar("T")


def staff_conversation(conversation_id: str, services: ServicesDep) -> Conversation:
    """The conversation named in the path (staff hold the agent key, not the customer's access token)."""
    conversation = services.chat.get_conversation(conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No conversation with id {conversation_id!r}.")
    return conversation


ConversationDep = Annotated[Conversation, Depends(staff_conversation)]


class AgentAction(RequestBody):
    """Who does it (a Slack user id, an email)."""

    agent: str = Field(min_length=1, max_length=200)


class AgentReply(AgentAction):
    """A human agent's message to the customer."""

    text: str = Field(min_length=1, max_length=4000)


class Decision(AgentAction):
    """A human agent's decision on an action waiting for approval."""

    approve: bool


class Escalation(RequestBody):
    """Staff handing a conversation to the team by hand."""

    reason: str = Field(default="staff", max_length=100)
    summary: str = Field(default="", max_length=4000)


async def _transition(call: Awaitable[T]) -> T:
    """Run a handoff transition; one the conversation's state does not allow is a 409 saying why."""
    try:
        return await call
    except HandoffError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.get("/tickets")
def tickets(services: ServicesDep, state: str | None = None) -> list[Ticket]:
    """Tickets, newest first (``?state=open|taken|closed``)."""
    return services.chat.handoff.tickets(state)


@router.post("/conversations/{conversation_id}/handoff")
async def escalate(body: Escalation, conversation: ConversationDep, services: ServicesDep) -> Ticket:
    """Hand a conversation to the team."""
    return await services.chat.handoff.open(conversation.id, body.reason, body.summary or "handed over by staff")


@router.post("/conversations/{conversation_id}/take")
async def take(body: AgentAction, conversation: ConversationDep, services: ServicesDep) -> Ticket:
    """Take the conversation: the bot goes silent and the agent's replies reach the customer."""
    return await _transition(services.chat.handoff.take(conversation.id, body.agent))


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_202_ACCEPTED)
async def reply(body: AgentReply, conversation: ConversationDep, services: ServicesDep) -> dict[str, bool]:
    """Send the customer a message as a human agent."""
    await _transition(services.chat.handoff.agent_message(conversation.id, body.agent, body.text))
    return {"accepted": True}


@router.post("/conversations/{conversation_id}/release")
async def release(body: AgentAction, conversation: ConversationDep, services: ServicesDep) -> Ticket:
    """Hand the conversation back to the bot."""
    return await _transition(services.chat.handoff.release(conversation.id, body.agent))


@router.post("/conversations/{conversation_id}/close")
async def close(body: AgentAction, conversation: ConversationDep, services: ServicesDep) -> Ticket:
    """End the conversation."""
    return await _transition(services.chat.handoff.close(conversation.id, body.agent))


@router.post("/conversations/{conversation_id}/approve")
async def approve(body: Decision, conversation: ConversationDep, services: ServicesDep) -> dict[str, Any]:
    """Approve or reject the action waiting on the ticket; an approval runs it, audited with the agent."""
    try:
        return await decide_approval(services.chat, services.runner, conversation.id, body.agent, body.approve)
    except ApprovalError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
