"""A repeated first question of an anonymous customer is answered again without the model, and only such."""

from __future__ import annotations

import asyncio

from agent.app import build
from agent.engine.answer_cache import AnswerCache, question_key
from agent.llm.scripted import ScriptedChat
from agent.settings import Settings
from tests.conftest import decision, pinned_clock, scripted
from tools.clock import FixedClock

ANSWER = "Card refunds take 5 to 7 business days after the cancellation."
QUESTION = "How long do card refunds take after I cancel?"


def _model() -> ScriptedChat:
    return scripted(decision("search_help_center", query="refund after cancelling"), ANSWER)


def _conversations(model: ScriptedChat, settings: Settings, retriever, clock: FixedClock,
                   turns: list[tuple[str | None, list[str]]], advance_s: float = 0):
    """Each (customer, messages) a new conversation, in order; the replies, per conversation."""
    async def go():
        async with build(settings, model=model, retriever=retriever, clock=clock) as services:
            out = []
            for customer, messages in turns:
                conversation, _ = services.chat.create_conversation(customer)
                out.append([await services.chat.handle_message(conversation, m) for m in messages])
                clock.advance(seconds=advance_s)
            return out
    return asyncio.run(go())


def _model_calls(model: ScriptedChat) -> int:
    return len(model.calls)


def test_the_same_first_question_is_answered_again_at_once_without_the_model(settings, retriever) -> None:
    model = _model()
    first, again, reworded = _conversations(model, settings, retriever, pinned_clock(), [
        (None, [QUESTION]), (None, ["how long do CARD refunds take after i cancel"]), (None, [QUESTION])])
    assert _model_calls(model) == 2  # decide and respond, for the first customer only
    assert again[0].text == reworded[0].text == first[0].text == ANSWER
    assert again[0].citations == first[0].citations and first[0].citations


def test_nothing_personal_or_contextual_is_answered_from_the_cache(settings, retriever) -> None:
    model = _model()
    _conversations(model, settings, retriever, pinned_clock(), [
        (None, [QUESTION]),
        ("aarav_anderson_8794", [QUESTION]),  # a signed-in customer: their records may shape the answer
        (None, ["Hello", QUESTION]),  # not a first message: the earlier turn may shape the answer
    ])
    assert _model_calls(model) == 2 * 3  # "Hello" itself is small talk, answered in code


def test_an_answer_without_sources_is_not_kept(settings, retriever) -> None:
    model = scripted(decision("search_help_center", query="capital of France"), "I could not find that.")
    _conversations(model, settings, retriever, pinned_clock(), [(None, ["What is the capital of France?"])] * 2)
    assert _model_calls(model) == 4


def test_kept_answers_expire(settings, retriever) -> None:
    hour = settings.model_copy(update={"knowledge": settings.knowledge.model_copy(update={"answer_cache_s": 3600})})
    model = _model()
    _conversations(model, hour, retriever, pinned_clock(), [(None, [QUESTION])] * 2, advance_s=3601)
    assert _model_calls(model) == 4


def test_the_cache_can_be_turned_off(settings, retriever) -> None:
    off = settings.model_copy(update={"knowledge": settings.knowledge.model_copy(update={"answer_cache_s": 0})})
    model = _model()
    _conversations(model, off, retriever, pinned_clock(), [(None, [QUESTION])] * 2)
    assert _model_calls(model) == 4


def test_the_cache_keeps_the_most_recently_used_answers_within_its_bound() -> None:
    cache = AnswerCache(pinned_clock(), ttl_s=60, max_entries=2)
    keys = [question_key("site", "en", q) for q in ("a?", "b?", "c?")]
    cache.put(keys[0], "A", [])
    cache.put(keys[1], "B", [])
    assert cache.get(keys[0]) is not None  # used: now the most recent
    cache.put(keys[2], "C", [])
    assert cache.get(keys[0]) is not None and cache.get(keys[2]) is not None and cache.get(keys[1]) is None
    assert cache.size == 2
    cache.clear()
    assert cache.size == 0


def test_a_question_is_the_same_whatever_its_case_spacing_and_punctuation_but_not_its_site_or_language() -> None:
    assert question_key("s", "en", "Where is  my order?") == question_key("s", "en", "where is my order")
    assert question_key("s", "en", "Where is my order?") != question_key("t", "en", "Where is my order?")
    assert question_key("s", "en", "¿Dónde está?") != question_key("s", "es", "¿Dónde está?")
