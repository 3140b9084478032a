"""What a plugin tells the router about the signed-in customer: its part of the facts block.

A small model cannot be trusted to look everything up in the right order, and
every prompt token is prefill time on a CPU. So before each decision code asks
every plugin's ``gather_facts`` hook (tools/hookspecs.py) for a
:class:`FactBlock`: a few lines about the customer's records, the policy lines
for the states of the records in focus, and those states, which the tools'
``prepare`` functions read (see :func:`in_state`).

A plugin reads through the :class:`FactReader`, which runs its tools through the
ToolRunner *as the customer*, so the facts can only ever hold the customer's own
records, whatever was said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Focus(StrEnum):
    """How sure a block is that the conversation is about its records."""

    NAMED = "named"  # the customer named one of them (an id, a product in it)
    ASSUMED = "assumed"  # nothing named, but there is only one it can be
    NONE = "none"


@dataclass
class FactBlock:
    """One plugin's facts for one decision.

    ``kind`` is the plugin's word for its records ("order"); ``states`` the states of those in focus (or of
    all of them when none is). When another block has a stronger focus the engine empties ``states`` and
    ``policy`` here, so no write on these records is offered while the customer talks about others.
    """

    kind: str
    lines: list[str] = field(default_factory=list)
    policy: list[str] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    focus: Focus = Focus.NONE


class FactReader(Protocol):
    """What a fact provider may use: the conversation so far, and reads as the signed-in customer."""

    customer_id: str
    said: str  # the conversation so far, lower-cased

    def read(self, tool: str, args: dict[str, Any]) -> Any:
        """The tool's result run as the customer; None when it fails or is not installed."""
        ...


class FactsView(Protocol):
    """What a tool's ``prepare`` function sees: the states of the records in focus, per kind."""

    def states(self, kind: str) -> set[str]:
        """The states of the ``kind`` records in focus (empty: none can be acted on)."""
        ...


def in_state(kind: str, *states: str) -> Callable[[FactsView], bool]:
    """A ``prepare`` for a write on a ``kind`` record: offered only when one in focus is in one of ``states``."""
    wanted = set(states)
    return lambda facts: bool(facts.states(kind) & wanted)
