"""The prompts whose prefixes every conversation shares, for warming the model's cache at start-up."""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.engine.deps import GraphDeps
from agent.engine.nodes.decide import decide_prompt


def warm_prompts(deps: GraphDeps) -> list[list[BaseMessage]]:
    """The router prompt (the same for every customer) and the answer prompt: one per model slot."""
    hello = HumanMessage("Hello")
    site = deps.sites(None)  # the default brand's; a site with its own policy warms on its first customer
    return [[SystemMessage(decide_prompt(deps.registry, deps.auth_mode, site)), hello],
            [SystemMessage(site.answer_prompt()), hello]]
