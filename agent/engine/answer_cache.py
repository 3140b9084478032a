"""Answers to repeated help-center questions, given again without a model call.

Many customers open a chat with the same question ("how long does shipping take?"). An anonymous customer's
first message that the help center answered is kept, by site, language and the question's normalised words,
and the next customer asking it the same way gets the same answer and citations at once, instead of a decide
and a respond call (about 15 s on 2 cores). Only first messages of anonymous customers: nothing of anyone's
records, and no earlier turn, went into such an answer. An ingest empties the cache (the articles changed),
and entries expire (``CONCIERGE_KNOWLEDGE__ANSWER_CACHE_S``); memory is bounded (least recently used first).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from tools.clock import Clock

MAX_ENTRIES = 1000
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class CachedAnswer:
    """An answer as the customer saw it."""

    text: str
    citations: list[dict[str, str]]
    expires: datetime


def question_key(site_key: str | None, language: str | None, question: str) -> str:
    """The cache key: case, punctuation and spacing do not make a question another one."""
    words = " ".join(_NOT_WORD.sub(" ", question.casefold()).split())
    return f"{site_key or ''}\x1f{language or ''}\x1f{words}"


class AnswerCache:
    """A bounded, expiring map from :func:`question_key` to :class:`CachedAnswer`; safe across threads."""

    def __init__(self, clock: Clock, ttl_s: float, max_entries: int = MAX_ENTRIES) -> None:
        self._clock, self._ttl, self._max = clock, timedelta(seconds=ttl_s), max_entries
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether answers are kept at all (a ttl of 0 turns the cache off)."""
        return self._ttl > timedelta(0)

    def get(self, key: str) -> CachedAnswer | None:
        """The answer kept for ``key``, unless it expired."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found.expires <= self._clock.now():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found

    def put(self, key: str, text: str, citations: list[dict[str, str]]) -> None:
        """Keep an answer, dropping the least recently used one past the bound."""
        if not self.enabled:
            return
        with self._lock:
            self._entries[key] = CachedAnswer(text, citations, self._clock.now() + self._ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer (the help center changed)."""
        with self._lock:
            self._entries.clear()

    @property
    def size(self) -> int:
        """How many answers are kept (not ``__len__``: an empty cache must not read as no cache)."""
        return len(self._entries)
