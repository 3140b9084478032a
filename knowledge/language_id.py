"""Which language a text is in, among a few candidates (py3langid: a naive Bayes model of byte n-grams,
about 0.1 ms a text, its model inside the wheel)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

CONFIDENT = 0.8  # below this share of the candidates' probability a text is too short or mixed to tell


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def detect(text: str, candidates: Iterable[str], previous: str | None = None) -> str | None:
    """The language of ``text`` among ``candidates`` (ISO 639-1 codes), or ``previous`` when the text is too
    short or too mixed to tell."""
    allowed = set(candidates)
    scores = {lang: p for lang, p in _identifier().rank(text) if lang in allowed}
    total = sum(scores.values())
    if not total:
        return previous
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] / total >= CONFIDENT else previous


def warm_up() -> None:
    """Load the model (~0.7 s) before the first text waits for it."""
    _identifier()
