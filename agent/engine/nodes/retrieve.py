"""retrieve: search the help center for the decided query.

A help center that cannot be searched is not the end of the turn: respond says so and offers a person,
and the rest of the agent (orders, stays) keeps working.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from langgraph.runtime import Runtime

from agent.engine.deps import GraphDeps
from agent.engine.nodes._common import last_customer_text
from agent.engine.state import ConversationState, TurnContext
from knowledge.retrieve import closest

log = logging.getLogger(__name__)


def make_retrieve(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that stores the relevant chunks (possibly none) of the site's help center in ``hits``."""

    async def retrieve(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        # The model's query names the topic; the customer's words keep the specifics it dropped.
        # Measured on the demo corpus: 9/10 right top articles with both, 7/10 with the query alone.
        query = f"{state['decision']['query']}\n{last_customer_text(state)}"
        try:
            retriever = deps.sites(runtime.context.site_key).retriever
            # Embedding is CPU-bound: off the event loop.
            hits = await asyncio.to_thread(retriever.search_in, query, state.get("language"), deps.language_margin)
            hits = closest(hits, deps.excerpt_margin)
        except Exception as exc:  # not ingested, or a Qdrant server that does not answer
            log.error("the help center could not be searched: %s", exc.__class__.__name__)
            return {"hits": [], "help_center_down": True}
        return {"hits": [asdict(h) for h in hits], "help_center_down": False}

    return retrieve
