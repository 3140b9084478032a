"""What the router knows about the customer this turn: every plugin's facts, combined.

Code gathers the facts deterministically before each decision, through the
plugins' ``gather_facts`` hooks (tools/facts.py says what a plugin returns).
Every read goes through the ToolRunner *as the customer*, so the facts can only
ever contain the customer's own records, whatever was said. The same text also
grounds identifiers: the router may use an id from here without the customer
typing it ("cancel my pending order").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.api import Tool
from tools.facts import FactBlock, Focus
from tools.runner import ToolRunner

NOT_SIGNED_IN = "The customer is not signed in: answer general questions; account actions need them to sign in."


@dataclass
class Facts:
    """The facts block of one decision: each plugin's block, and the rule for a customer not identified yet."""

    blocks: list[FactBlock] = field(default_factory=list)
    identify: str = ""

    def states(self, kind: str) -> set[str]:
        """The states of the ``kind`` records in focus (what tools' ``prepare`` functions read)."""
        return set().union(*(b.states for b in self.blocks if b.kind == kind))

    def allows(self, tool: Tool) -> bool:
        """Whether ``tool``'s precondition can hold for the records in focus."""
        return tool.offered_for(self)

    def text(self) -> str:
        """The block as it goes into the router's prompt (empty when there is nothing to say)."""
        lines = [line for b in self.blocks for line in b.lines]
        policy = [line for b in self.blocks for line in b.policy] + ([self.identify] if self.identify else [])
        parts = []
        if lines:
            parts.append("Known facts:\n" + "\n".join(line if line.startswith(" ") else f"- {line}" for line in lines))
        if policy:
            parts.append("Policy now:\n" + "\n".join(f"- {line}" for line in policy))
        return "\n".join(parts)


@dataclass(frozen=True)
class _Reader:
    """Reads for the fact providers, as the signed-in customer."""

    runner: ToolRunner
    customer_id: str
    conversation_id: str
    said: str

    def read(self, tool: str, args: dict[str, Any]) -> Any:
        # The runner answers an error for a tool that is not installed, as for one that fails: None either way.
        result = self.runner.run(tool, args, customer_id=self.customer_id, conversation_id=self.conversation_id)
        return result.data if result.ok else None


def narrow(blocks: list[FactBlock]) -> list[FactBlock]:
    """Records the customer talks about take the focus: other blocks' states and policy are emptied.

    A named record beats an assumed one, which beats none; so with a reservation named no order write is
    on offer, and the other way round.
    """
    strongest = max((b.focus for b in blocks), key=_STRENGTH.__getitem__, default=Focus.NONE)
    for b in blocks:
        if _STRENGTH[b.focus] < _STRENGTH[strongest]:
            b.states, b.policy = set(), []
    return blocks


_STRENGTH = {Focus.NONE: 0, Focus.ASSUMED: 1, Focus.NAMED: 2}


def gather(runner: ToolRunner, customer_id: str | None, conversation: str, auth_mode: str,
           conversation_id: str = "") -> Facts:
    """The facts and policy lines for this decision, read as ``customer_id`` (None: not signed in)."""
    hook = runner.registry.hook
    if customer_id is None:
        return Facts(identify=hook.identification_rule(auth_mode=auth_mode) or NOT_SIGNED_IN)
    reader = _Reader(runner, customer_id, conversation_id, conversation.lower())
    return Facts(blocks=narrow([b for b in hook.gather_facts(reader=reader) if b is not None]))
