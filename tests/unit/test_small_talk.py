"""Greetings, thanks and goodbyes are answered in code, at once, in the customer's language; anything that
asks for something still goes to the router."""

from __future__ import annotations

import pytest

from agent.engine import prompts
from agent.engine.phrases import phrase
from agent.engine.small_talk import SmallTalk, small_talk
from tests.conftest import decision, scripted
from tests.unit.test_graph import ask


@pytest.mark.parametrize("text, kind, language", [
    ("Hello!", SmallTalk.GREETING, "en"),
    ("hi there :)", SmallTalk.GREETING, "en"),
    ("Buenos días", SmallTalk.GREETING, "es"),
    ("Guten Tag", SmallTalk.GREETING, "de"),
    ("Thank you so much!", SmallTalk.THANKS, "en"),
    ("merci beaucoup", SmallTalk.THANKS, "fr"),
    ("danke schön", SmallTalk.THANKS, "de"),
    ("thanks, bye", SmallTalk.GOODBYE, "en"),
    ("¡Adiós!", SmallTalk.GOODBYE, "es"),
    ("Tschüss", SmallTalk.GOODBYE, "de"),
    ("hi, how are you?", SmallTalk.GREETING, "en"),  # a question, and still small talk
    ("Hola, ¿qué tal?", SmallTalk.GREETING, "es"),
])
def test_small_talk_is_told_with_its_kind_and_language(text: str, kind: SmallTalk, language: str) -> None:
    assert small_talk(text) == (kind, language)


@pytest.mark.parametrize("text", [
    "thanks, but where is my refund", "Hi, I want to cancel my order", "hello? anyone there?", "ok", "good",
    "hi, order 123", "Hola, ¿puedo devolver unas zapatillas?", "how are you going to refund me?",
    "hi how are you, where is my order?",
])
def test_a_message_that_asks_for_something_is_no_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize("text, reply, language", [
    ("Hello!", prompts.GREETING, None),
    ("Hola", prompts.GREETING, "es"),  # too short for its letters to tell, not for the word
    ("vielen Dank!", prompts.THANKS, "de"),
    ("thanks, bye", prompts.GOODBYE, None),
])
def test_small_talk_is_answered_at_once_without_the_model(settings, retriever, text, reply, language) -> None:
    model = scripted(decision("reply"), "The model's reply.")
    _chat, _conv, result, seen = ask(model, settings, retriever, None, text)
    assert result.text == phrase(reply, language) and model.calls == []
    assert [e.type for e in seen if e.type in ("token", "message")][-1:] == ["message"]
    assert not any(e.type == "token" for e in seen)  # written whole, not streamed by a model


def test_thanks_with_a_question_still_reaches_the_router(settings, retriever) -> None:
    model = scripted(decision("search_help_center", query="refund time"), "Refunds take 5 to 7 days.")
    _chat, _conv, result, _seen = ask(model, settings, retriever, None, "thanks! and how long do refunds take?")
    assert result.text == "Refunds take 5 to 7 days." and len(model.calls) == 2
