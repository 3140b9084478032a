"""A human agent's decision on an action waiting for approval (a large refund), shared by every staff channel.

An approval runs exactly the action on the ticket (its arguments' hash) for the ticket's customer, audited
with the agent's identity; a rejection changes nothing. Either way the customer is told in the chat.
"""

from __future__ import annotations

from typing import Any

from agent.conversations.service import ChatService
from tools.runner import Status, ToolRunner

APPROVED = "Your request was approved and is done."
REJECTED = ("A member of our team reviewed your request and could not approve it, so nothing was changed. "
            "They can tell you more here.")


class ApprovalError(RuntimeError):
    """Nothing waits for approval, or the approved action could not be applied; the message says which."""


async def decide_approval(chat: ChatService, runner: ToolRunner, conversation_id: str, agent: str,
                          approve: bool) -> dict[str, Any]:
    """Approve (run) or reject the ticket's waiting action as ``agent``; ``{"approved", "result"?}``."""
    ticket = chat.handoff.ticket_for(conversation_id)
    if ticket is None or ticket.id is None or not ticket.pending_action:
        raise ApprovalError("Nothing in this conversation is waiting for approval.")
    action = ticket.pending_action
    if not approve:
        chat.handoff.clear_action(ticket.id)
        await chat.say(conversation_id, REJECTED)
        return {"approved": False}
    result = runner.run(action["tool"], action["args"], customer_id=action["customer_id"],
                        conversation_id=conversation_id, confirmed=action["args_hash"],
                        approved_by=f"agent:{agent}")
    if result.status is not Status.OK:
        raise ApprovalError(f"The action could not be applied: {result.message}")
    chat.handoff.clear_action(ticket.id)
    await chat.say(conversation_id, APPROVED)
    return {"approved": True, "result": result.data}
