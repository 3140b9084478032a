"""Simulated customers: scripted, fact-driven and model-driven.

- :class:`ScriptedCustomer` says fixed turns, whatever the agent answers.
- :class:`FactCustomer` is rule-based: it opens with its first request, answers
  the agent's questions from the facts it holds, confirms a preview only if it
  is exactly what it wants (and says no, with a correction, otherwise), goes on
  to its next request once one is done, and stops when all are done, when a
  person takes over, or when it has asked for the same thing too often.
- :class:`ModelCustomer` is played by a chat model from an instruction, in the
  style of τ-bench's user simulator. It needs a model stronger than the 1.5B
  (which answers as the agent), e.g. one behind the OpenAI-compatible backend.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agent.conversations.turns import TurnResult

STOP = "###STOP###"
# What an agent's question asks for, in the order answers are given; the key is a fact the customer may hold.
ASKS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), key) for p, key in [
    (r"e-?mail", "email"),
    (r"\bzip\b|postal code|\bname\b|identif|verify|who you are|locate your account", "identity"),
    (r"order (id|number)|which order|what order", "order_id"),
    (r"reservation|booking (id|code|number)|confirmation code", "reservation_id"),
    (r"\bitems?\b|which product|what product", "items"),
    (r"payment|refund (it )?to|card|paypal|gift card|pay for", "payment"),
    (r"\breason\b|\bwhy\b", "reason"),
    (r"address", "address"),
    (r"\bdates?\b|check-?in|check-?out|when would you", "dates"),
]]
QUESTION = re.compile(r"\?|\b(please (provide|share|tell|confirm|let)|could you|can you (tell|give|share)|"
                      r"let me know|i need your|may i have)\b", re.I)
# The agent says a request cannot be done: the customer moves on to the next one rather than insist.
IMPOSSIBLE = re.compile(r"\b(can ?not|can't|could ?n[o']t|didn't work|unable to|not (possible|able|allowed|eligible)|"
                        r"isn't possible|insufficient|not enough)\b", re.I)
OFFER_OF_A_PERSON = re.compile(r"[^.?!]*\b(a person|a human|our team)\b[^.?!]*\?", re.I)
# How often the customer repeats a request the agent has not acted on before giving up.
MAX_RESTATEMENTS = 3


class SimulatedCustomer(Protocol):
    """Whoever plays the customer: an opening line, then a reply to each agent turn (None: done)."""

    async def opening(self) -> str | None:
        """The customer's first message."""
        ...

    async def reply(self, turn: TurnResult) -> str | None:
        """The customer's next message after the agent's ``turn``, or None when the conversation is over."""
        ...


@dataclass
class ScriptedCustomer:
    """Fixed turns, whatever the agent says."""

    turns: list[str]
    _next: int = 1

    async def opening(self) -> str | None:
        """The first scripted turn."""
        return self.turns[0]

    async def reply(self, turn: TurnResult) -> str | None:
        """The next scripted turn, or None after the last."""
        if self._next >= len(self.turns):
            return None
        self._next += 1
        return self.turns[self._next - 1]


@dataclass(frozen=True)
class Request:
    """One thing the customer wants: what they say, and for a change, the exact action they will confirm."""

    say: str
    accept: dict[str, Any] | None = None  # {"tool": name, "args": {...}}; None: a question, done once answered


def matches(expected: dict[str, Any], confirm: dict[str, Any]) -> bool:
    """Whether a confirmation preview is exactly the expected action (lists compare as sets, ids loosely)."""
    if confirm.get("tool") != expected["tool"]:
        return False
    got = confirm.get("args", {})
    for key, want in expected.get("args", {}).items():
        have = got.get(key)
        if isinstance(want, list):
            if not isinstance(have, list) or sorted(map(_norm, have)) != sorted(map(_norm, want)):
                return False
        elif _norm(have) != _norm(want):
            return False
    return True


def _norm(value: Any) -> str:
    """A value as compared: 250 and 250.0 alike, ids without '#', objects (a flight, a payment) by their fields."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps({k: _norm(v) for k, v in sorted(value.items())})
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower().lstrip("#")


@dataclass
class FactCustomer:
    """A rule-based customer with requests to get done and facts to answer questions from."""

    requests: list[Request]
    knows: dict[str, str] = field(default_factory=dict)
    correction: str | None = None  # said instead of a bare "no" when a preview is not what they want
    introduce: bool = False  # open with who they are (name and zip), as customers often do
    _at: int = 0
    _confirmed: bool = False
    _restated: int = 0
    _refused: int = 0
    _answered: set[str] = field(default_factory=set)

    async def opening(self) -> str | None:
        """The first request, after an introduction if the customer introduces themselves."""
        hello = f"Hi, {self.knows['identity']}. " if self.introduce and "identity" in self.knows else ""
        return hello + self.requests[0].say

    @property
    def done(self) -> bool:
        """Whether every request has been dealt with."""
        return self._at >= len(self.requests)

    def _advance(self) -> str | None:
        self._at, self._confirmed, self._restated, self._refused = self._at + 1, False, 0, 0
        return None if self.done else self.requests[self._at].say

    async def reply(self, turn: TurnResult) -> str | None:
        """Confirm or refuse a preview, answer a question, move on, or repeat the request."""
        if self.done or turn.handoff:
            return None  # all done, or a person has it now: the customer waits for them
        request = self.requests[self._at]
        if turn.confirm is not None:
            if request.accept is not None and matches(request.accept, turn.confirm):
                self._confirmed = True
                return "yes"
            return self.correction or f"No, that's not what I asked for. {request.say}"
        if self._confirmed:  # this is the outcome of what was confirmed
            return self._advance()
        # An offer of a person is not a question about the request ("Would you like me to connect you…?").
        answer = self._answer(OFFER_OF_A_PERSON.sub("", turn.text))
        if answer:
            return answer
        if request.accept is None:  # a question, now answered
            return self._advance()
        if IMPOSSIBLE.search(turn.text):  # a refusal: insist once (it may be the agent's mistake), then move on
            self._refused += 1
            if self._refused > 1:
                return self._advance()
            return f"Are you sure? {request.say}"
        self._restated += 1
        if self._restated > MAX_RESTATEMENTS:
            return None  # clearly not going to happen
        # Repeat the request, adding what the customer knows from the second time on.
        details = " ".join(v for k, v in self.knows.items() if k != "identity") if self._restated > 1 else ""
        return f"{request.say} {details}".strip()

    def _answer(self, text: str) -> str | None:
        """Facts answering the agent's question, if it asked one this customer can answer."""
        if not QUESTION.search(text):
            return None
        keys = [key for pattern, key in ASKS if pattern.search(text) and key in self.knows]
        fresh = [k for k in keys if k not in self._answered]
        if not fresh:
            return None  # nothing new to say: repeat the request instead of the same answer
        self._answered.update(fresh)
        return " ".join(self.knows[k] for k in fresh)


USER_SIMULATOR = """You are a customer writing to an online store's support chat.

Instruction: {instruction}

Rules:
- Write one short message at a time, as the customer. Never write the agent's part.
- Do not give away all of the instruction at once: only what the current step needs.
- Do not invent information the instruction does not give you; if asked for it, say you don't know.
- When the instruction's goal is met, or clearly cannot be met, write {stop} alone to end the conversation.
- Use your own words, and keep to the personality in the instruction."""


@dataclass
class ModelCustomer:
    """A customer played by a chat model from an instruction (τ-bench's user simulator, roles reversed)."""

    model: BaseChatModel
    instruction: str
    history: list[BaseMessage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.history = [SystemMessage(USER_SIMULATOR.format(instruction=self.instruction, stop=STOP)),
                        HumanMessage("Hi! How can I help you today?")]

    async def opening(self) -> str | None:
        """The customer's first message, written by the model."""
        return await self._say()

    async def reply(self, turn: TurnResult) -> str | None:
        """The model's next customer message, or None when it ends the conversation."""
        if turn.handoff:
            return None
        # The agent's words are the simulator's "user" turns; a confirmation shows its preview text.
        self.history.append(HumanMessage(turn.text))
        return await self._say()

    async def _say(self) -> str | None:
        text = (await self.model.ainvoke(self.history)).text.strip()
        self.history.append(AIMessage(text))
        return None if not text or STOP in text else text
