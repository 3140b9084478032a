"""act: run a tool for the signed-in customer. Who the customer is comes from the run context."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.runtime import Runtime
from sqlmodel import Session

from agent.deps import GraphDeps
from agent.state import ConversationState, TurnContext
from tools.api import ToolContext, ToolError
from tools.orders.tools import get_order_details

log = logging.getLogger(__name__)

TOOLS: dict[str, Callable[..., dict[str, Any]]] = {"get_order_details": get_order_details}


def make_act(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that runs the decided tool and stores its result or its customer-safe error."""

    def run(name: str, args: dict[str, Any], customer_id: str | None) -> dict[str, Any]:
        with Session(deps.engine) as session:
            try:
                data = TOOLS[name](ToolContext(session=session, customer_id=customer_id), **args)
                return {"tool": name, "ok": True, "data": data}
            except ToolError as exc:
                return {"tool": name, "ok": False, "error": str(exc)}
            except Exception:  # a bug in a tool must not end the conversation
                log.exception("tool %s failed", name)
                return {"tool": name, "ok": False, "error": "Something went wrong while looking that up."}

    async def act(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        decision = dict(state["decision"])
        name = decision.pop("action")
        result = await asyncio.to_thread(run, name, decision, runtime.context.customer_id)
        return {"tool_result": result}

    return act
