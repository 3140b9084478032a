"""The prompts whose prefixes every conversation shares, for warming the model's cache at start-up."""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.engine.decisions import offered_tools
from agent.engine.deps import GraphDeps
from agent.engine.nodes.decide import decide_prompt

SIGNED_IN = "warm-up-customer"  # any id: the offer depends only on being signed in


def warm_prompts(deps: GraphDeps) -> list[list[BaseMessage]]:
    """The router prompt as a signed-in customer sees it, and the answer prompt: one per model slot.

    The anonymous router prompt is the signed-in one up to the customer tools (public tools come
    first), so warming the signed-in one covers that shared prefix too.
    """
    hello = HumanMessage("Hello")
    site = deps.sites(None)  # the default brand's; a site with its own policy warms on its first customer
    tools = offered_tools(deps.registry, SIGNED_IN, deps.auth_mode, site)
    return [[SystemMessage(decide_prompt(tools, site)), hello], [SystemMessage(site.answer_prompt()), hello]]
