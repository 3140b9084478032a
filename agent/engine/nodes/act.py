"""act → confirm → apply: run the decided tool through the ToolRunner, as the signed-in customer.

``act`` runs the tool (context, not the model, says who the customer is). A write comes back from the
runner as a preview, its dry run rolled back; ``act`` keeps it in ``pending`` and the graph goes to
``confirm``, which pauses with a LangGraph ``interrupt`` carrying the preview. The channel (widget buttons,
a typed "yes", Slack) resumes it with the customer's answer. On resume LangGraph re-runs only ``confirm``
(the node that paused), so the dry run is not done again; a "yes" to exactly these arguments (their hash)
goes to ``apply``, which applies the write, once (the runner's idempotency key).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.engine.deps import GraphDeps
from agent.engine.state import ConversationState, PendingWrite, ToolOutcome, TurnContext, current_customer
from tools.runner import Status, ToolResult, jsonable

CANCELLED = "The customer did not confirm, so nothing was changed."
Node = Callable[[ConversationState, Runtime[TurnContext]], Awaitable[ConversationState]]


def _as_state(result: ToolResult, status: str | None = None, error: str | None = None) -> ToolOutcome:
    return {"tool": result.tool, "ok": result.ok, "status": status or result.status.value,
            "data": jsonable(result.data), "error": error or result.message}


def _pending(state: ConversationState) -> PendingWrite:
    pending = state.get("pending")
    if pending is None:  # the graph routes here only with one
        raise RuntimeError("no write is waiting for confirmation")
    return pending


def _outcome(deps: GraphDeps, state: ConversationState, result: ToolResult,
             customer_id: str | None) -> ConversationState:
    """The state update for a tool's final result: signed in, sent for approval, failed (too often), or done."""
    update: ConversationState = {"tool_result": _as_state(result), "pending": None, "confirmed": None}
    if result.authenticated:
        update["authenticated"] = result.authenticated
    if result.status is Status.APPROVAL:  # a human decides; the ticket carries the exact action
        update["handoff"] = {"reason": "approval", "action": {
            "tool": result.tool, "args": jsonable(result.args), "args_hash": result.args_hash,
            "customer_id": customer_id}}
        return update
    failures = 0 if result.ok else state.get("failures", 0) + 1
    update["failures"] = failures
    if failures >= deps.handoff_after_failures:
        update["handoff"] = {"reason": "repeated_failure"}
    return update


def make_act(deps: GraphDeps) -> Node:
    """A node that runs the decision's tool: a read's result, or a write's preview waiting in ``pending``."""

    async def act(state: ConversationState, runtime: Runtime[TurnContext]) -> ConversationState:
        decision, customer = state["decision"], current_customer(state, runtime.context)
        result = await asyncio.to_thread(deps.runner.run, decision["action"], decision.get("args", {}),
                                         customer_id=customer, conversation_id=runtime.context.conversation_id)
        if result.status is Status.CONFIRM:
            pending: PendingWrite = {"type": "confirm", "tool": result.tool, "preview": result.message,
                                     "args": jsonable(result.args), "args_hash": result.args_hash}
            return {"pending": pending}
        return _outcome(deps, state, result, customer)

    return act


def make_confirm() -> Callable[[ConversationState], ConversationState]:
    """A node that waits for the customer's answer to ``pending`` (the graph pauses here, checkpointed)."""

    def confirm(state: ConversationState) -> ConversationState:
        pending = _pending(state)
        answer = interrupt(pending)
        if isinstance(answer, dict) and answer.get("confirm") is True \
                and answer.get("args_hash") in (None, pending["args_hash"]):
            return {"confirmed": pending["args_hash"]}
        declined = ToolResult(Status.CONFIRM, pending["tool"], pending["args"], args_hash=pending["args_hash"])
        return {"tool_result": _as_state(declined, status="cancelled", error=CANCELLED), "pending": None,
                "declined": [pending["args_hash"]]}

    return confirm


def make_apply(deps: GraphDeps) -> Node:
    """A node that applies the confirmed write (the runner applies it once, whatever reruns this)."""

    async def apply(state: ConversationState, runtime: Runtime[TurnContext]) -> ConversationState:
        pending, customer = _pending(state), current_customer(state, runtime.context)
        result = await asyncio.to_thread(deps.runner.run, pending["tool"], pending["args"],
                                         customer_id=customer, conversation_id=runtime.context.conversation_id,
                                         confirmed=state.get("confirmed"))
        return _outcome(deps, state, result, customer)

    return apply


def route_after_act(state: ConversationState) -> str:
    """A write waits for confirmation; a turn that must reach a person goes to handoff; a fresh identification
    goes back to decide; else respond."""
    if state.get("pending"):
        return "confirm"
    if state.get("handoff"):
        return "handoff"
    result = state.get("tool_result")
    identified = state.get("then_decide") and result is not None and result["ok"] and state.get("authenticated")
    return "decide" if identified else "respond"


def route_after_confirm(state: ConversationState) -> str:
    """A yes applies the write; a no is answered."""
    return "apply" if state.get("pending") else "respond"
