"""The customer's language, told in code, and the replies code writes, in it."""

from __future__ import annotations

import string

import pytest

from agent.engine import prompts
from agent.engine.language import code_of, detect
from agent.engine.phrases import TRANSLATIONS, phrase

# Every reply code writes to a customer (prompts.py); each must exist in every language of the catalogue.
CODE_WRITTEN = [prompts.DONE, prompts.NOT_DONE, prompts.NEEDS_APPROVAL, prompts.FAILED, prompts.CLARIFY,
                prompts.IDENTIFIED, prompts.HELP_CENTER_DOWN, prompts.HANDOFF, prompts.REFUSE, prompts.APOLOGY,
                prompts.CONFIRM, prompts.NOTHING_TO_CONFIRM, prompts.BLOCKED]


@pytest.mark.parametrize(("text", "language"), [
    ("¿Puedo cancelar un pedido que ya fue entregado?", "es"),
    ("Quiero cancelar mi pedido #W7555783, ya no lo necesito.", "es"),
    ("Est-ce que je peux annuler ma commande ?", "fr"),
    ("Combien coûte la livraison express ?", "fr"),
    ("Kann ich meine Bestellung stornieren?", "de"),
    ("Mein Paket ist beschädigt angekommen", "de"),
    ("Is express shipping free?", "en"),
    ("Where is my order #W2378156?", "en"),
    ("Posso cancellare il mio ordine?", "it"),
])
def test_a_question_is_told_apart(text: str, language: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize("text", ["ok", "hola", "W7555783", "yes", "", "👍"])
def test_too_short_a_message_keeps_the_language_so_far(text: str) -> None:
    assert detect(text, previous="de") == "de"
    assert detect(text) is None  # nothing known yet: the model follows the customer's words


def test_a_site_with_languages_tells_apart_only_those() -> None:
    assert detect("Kann ich meine Bestellung stornieren?", candidates=["es", "en"]) in ("es", "en", None)
    assert detect("¿Cuánto tarda el envío estándar?", candidates=["es", "en"]) == "es"
    assert [code_of(n) for n in ("Spanish", "es", "es-MX", "fr", "Klingon")] == ["es", "es", "es", "fr", None]


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_every_reply_code_writes_is_translated_with_the_same_fields(language: str) -> None:
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for english in CODE_WRITTEN:
        translated = phrase(english, language)
        assert translated != english, f"{language} lacks: {english}"
        assert fields(translated) == fields(english), english


def test_a_language_without_translations_gets_the_english_text() -> None:
    assert phrase(prompts.HANDOFF, "it") == phrase(prompts.HANDOFF, None) == prompts.HANDOFF
