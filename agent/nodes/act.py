"""act: run the decided tool through the ToolRunner, as the signed-in customer (from context, not the model).

A write first comes back from the runner as a preview. The node then pauses the
graph with a LangGraph ``interrupt`` carrying that preview; the channel (widget
buttons, a typed "yes", Slack) resumes it with the customer's answer. On resume
LangGraph re-runs this node from the top, which is safe: everything before the
interrupt is the runner's dry run, rolled back. Only a "yes" to exactly these
arguments (their hash) applies the write, and the runner applies it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.deps import GraphDeps
from agent.state import ConversationState, TurnContext, current_customer
from tools.runner import Status, ToolResult, jsonable

CANCELLED = "The customer did not confirm, so nothing was changed."


def _as_state(result: ToolResult, status: str | None = None, error: str | None = None) -> dict[str, Any]:
    return {"tool": result.tool, "ok": result.ok, "status": status or result.status.value,
            "data": jsonable(result.data), "error": error or result.message}


def make_act(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that stores the tool's result, or its customer-safe error, in ``tool_result``."""

    async def act(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        decision = state["decision"]
        call = {"customer_id": current_customer(state, runtime.context),
                "conversation_id": runtime.context.conversation_id}
        result = await asyncio.to_thread(deps.runner.run, decision["action"], decision["args"], **call)
        if result.status is Status.CONFIRM:
            answer = interrupt({"type": "confirm", "tool": result.tool, "preview": result.message,
                                "args": jsonable(result.args),
                                "args_hash": result.args_hash})
            if not (isinstance(answer, dict) and answer.get("confirm") is True
                    and answer.get("args_hash") in (None, result.args_hash)):
                return {"tool_result": _as_state(result, status="cancelled", error=CANCELLED),
                        "declined": [result.args_hash]}
            result = await asyncio.to_thread(deps.runner.run, decision["action"], decision["args"],
                                             confirmed=result.args_hash, **call)
        update: dict[str, Any] = {"tool_result": _as_state(result)}
        if result.authenticated:
            update["authenticated"] = result.authenticated
        if result.status is Status.APPROVAL:  # a human decides; the ticket carries the exact action
            update["handoff"] = {"reason": "approval", "action": {
                "tool": result.tool, "args": jsonable(result.args),
                "args_hash": result.args_hash, "customer_id": call["customer_id"]}}
            return update
        failures = 0 if result.ok else state.get("failures", 0) + 1
        update["failures"] = failures
        if failures >= deps.handoff_after_failures:
            update["handoff"] = {"reason": "repeated_failure"}
        return update

    return act


def route_after_act(state: ConversationState) -> str:
    """A turn that must reach a person goes to handoff; a fresh identification goes back to decide; else respond."""
    if state.get("handoff"):
        return "handoff"
    identified = state.get("then_decide") and (state.get("tool_result") or {}).get("ok") and state.get("authenticated")
    return "decide" if identified else "respond"
