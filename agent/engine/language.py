"""The customer's language, told by code rather than left to the model.

Left to itself, the 1.5B model answered 15 of the 64 questions of
evals/suites/multilingual.yaml in another language than the customer's (mostly French
and German questions with English excerpts), and the replies code writes (a refusal, a
handoff) were English only. So each message's language is identified here (py3langid, a naive Bayes model
of byte n-grams, about 0.1 ms a message) among the languages the site answers in,
and the answer is asked for in that language by name. A message too short to tell
("ok", "hola", an order id) keeps the conversation's language so far.
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge import language_id
from knowledge.language_id import warm_up

# Languages by ISO 639-1 code: the names the prompts use and that sites may configure.
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
         "nl": "Dutch"}
# A site that names no languages answers in any of these (a short message is told apart better among few).
COMMON = tuple(NAMES)
_BY_NAME = {name.lower(): code for code, name in NAMES.items()}


def code_of(language: str) -> str | None:
    """The ISO code of a configured language ("Spanish", "es", "es-MX"), or None if unknown here."""
    key = language.strip().lower()
    return _BY_NAME.get(key) or (key.split("-")[0] if key.split("-")[0] in NAMES else None)


def name_of(code: str) -> str:
    """The English name of ``code``, for a prompt."""
    return NAMES.get(code, code)


def detect(text: str, candidates: Iterable[str] = COMMON, previous: str | None = None) -> str | None:
    """The language of ``text`` among ``candidates`` (codes; none: the common ones), or ``previous`` when the
    text is too short or too mixed to tell."""
    return language_id.detect(text, set(candidates) or set(COMMON), previous)


__all__ = ["COMMON", "NAMES", "code_of", "detect", "name_of", "warm_up"]
