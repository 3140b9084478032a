"""What a reply says, as a scenario checks it: which language it is in, and whether it answers no.

A policy question whose true answer is "no" ("Can I cancel a delivered order?") is
where a small model most often contradicts its own source, so the suites ask for the
answer to say no in its first sentence, in the customer's language, and never open
with a yes.
"""

from __future__ import annotations

import re

from agent.engine.language import detect

# A first sentence that says no, refuses or narrows ("we only ship within the USA"), per language.
_NO = {
    "en": r"\b(?:no|not|cannot|can't|won't|don't|doesn't|isn't|aren't|only|unable|unfortunately|never)\b",
    "es": r"\b(?:no|solo|sólo|únicamente|lamentablemente|tampoco|nunca)\b",
    "fr": r"\b(?:non|ne|pas|uniquement|seulement|malheureusement|jamais)\b|\bn'",
    "de": r"\b(?:nein|nicht|kein\w*|nur|leider|nie)\b",
}
_YES_FIRST = re.compile(r"^\W*(?:yes|sí|si|oui|ja)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
SHORT_WORDS = 6  # a reply this short ("Okay!") may be too short to tell its language


def first_sentence(reply: str) -> str:
    """The reply's first sentence (its first line when it has no full stop)."""
    return _SENTENCE_END.split(reply.strip(), maxsplit=1)[0].splitlines()[0] if reply.strip() else ""


def says_no(reply: str, language: str) -> bool:
    """Whether ``reply`` answers no (or refuses) in its first sentence, written in ``language``."""
    opening = first_sentence(reply)
    pattern = _NO.get(language, _NO["en"])
    return not _YES_FIRST.search(opening) and re.search(pattern, opening, re.I) is not None


def in_language(reply: str, language: str) -> bool:
    """Whether ``reply`` is written in ``language`` (a reply too short to tell counts as written in it)."""
    told = detect(reply)
    return told == language or (told is None and len(reply.split()) < SHORT_WORDS)
