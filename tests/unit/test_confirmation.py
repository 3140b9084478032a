"""Writes go through a LangGraph interrupt: nothing changes until the customer confirms exactly that."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from agent.conversations.service import ChatService
from tests.conftest import decision, in_services, make_app, open_chat, scripted
from tools.orders.models import Order
from tools.runner import ToolRunner

pytestmark = pytest.mark.stores  # the tool and conversation stores, on SQLite and Postgres

CUSTOMER, ORDER = "aarav_anderson_8794", "#W9300146"  # a pending order of this customer in the seed
ASK = f"Please cancel order {ORDER}, I ordered it by mistake."


def status_of(engine) -> str:
    with Session(engine) as session:
        return session.get(Order, ORDER).status


def router(messages) -> str:
    """Decides to cancel only for the actual request; anything else is small talk."""
    if messages[-1].text == ASK:
        return decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")
    return decision("reply")


@pytest.fixture
def talk(settings, engine, retriever, clock) -> Callable[[Callable[[ChatService], Awaitable[Any]]], Any]:
    """Run a conversation's steps with the services as the composition root builds them."""
    return lambda go: in_services(settings, go, model=scripted(router, "Done."), retriever=retriever, engine=engine,
                                  clock=clock)


def test_the_order_is_pending_in_the_seed(engine) -> None:
    assert status_of(engine) == "pending"


@pytest.mark.parametrize("answer, applied", [("yes", True), ("Yes please do", True), ("ok!", True), ("no", False),
                                             ("yes... no, wait, don't", False), ("cancel", False)])
def test_a_typed_answer_confirms_or_cancels(talk, engine, answer: str, applied: bool) -> None:
    async def go(chat: ChatService):
        conv, _ = chat.create_conversation(CUSTOMER)
        asked = await chat.handle_message(conv, ASK)
        assert asked.confirm is not None and asked.confirm["tool"] == "cancel_pending_order"
        assert ORDER in asked.text and status_of(engine) == "pending"  # nothing happened yet
        await chat.handle_message(conv, answer)
        return await chat.pending_confirmation(conv)

    assert talk(go) is None  # answered either way
    assert status_of(engine) == ("cancelled" if applied else "pending")


def test_a_new_question_instead_of_an_answer_cancels_and_is_answered(talk, engine) -> None:
    async def go(chat: ChatService):
        conv, _ = chat.create_conversation(CUSTOMER)
        await chat.handle_message(conv, ASK)
        await chat.handle_message(conv, "Actually, how long does shipping take?")
        return chat.transcript(conv.id)

    messages = talk(go)
    assert status_of(engine) == "pending"
    assert [m.role for m in messages] == ["customer", "assistant", "customer", "assistant", "assistant"]


def test_the_confirm_endpoint_resumes_and_refuses_when_nothing_waits(settings, retriever, engine) -> None:
    model = scripted(router, "Cancelled.")
    with TestClient(make_app(settings, retriever, model)) as client:
        chat = open_chat(client, CUSTOMER)
        assert chat.confirm(True).status_code == 409
        chat.say(ASK)
        chat.replies()
        assert status_of(engine) == "pending"
        assert chat.confirm(True).status_code == 202
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and status_of(engine) != "cancelled":
            time.sleep(0.05)
        assert status_of(engine) == "cancelled"


def test_the_same_declined_action_is_not_proposed_again(settings, engine, retriever, clock) -> None:
    # The router proposes the same cancellation each time; after a "no, …" the customer is asked instead.
    stubborn = scripted(lambda m: decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")
                        if "cancel" in m[-1].text.lower() else decision("reply"), "Done.")

    async def go(chat: ChatService):
        conv, _ = chat.create_conversation(CUSTOMER)
        await chat.handle_message(conv, ASK)
        again = await chat.handle_message(conv, f"No, that's not what I meant. {ASK}")
        return again

    again = in_services(settings, go, model=stubborn, retriever=retriever, engine=engine, clock=clock)
    assert again.confirm is None and again.text.startswith("Sorry, I got that wrong")
    assert status_of(engine) == "pending"


def test_a_confirmed_write_runs_its_dry_run_once_and_applies_once(settings, engine, retriever, clock,
                                                                  monkeypatch) -> None:
    # The pause is its own node: resuming it runs apply only, not the tool's dry run again.
    runs: list[str | None] = []
    real = ToolRunner.run

    def counted(self, name, args, **kwargs):
        runs.append(kwargs.get("confirmed"))
        return real(self, name, args, **kwargs)

    monkeypatch.setattr(ToolRunner, "run", counted)

    async def go(chat: ChatService):
        conv, _ = chat.create_conversation(CUSTOMER)
        asked = await chat.handle_message(conv, ASK)
        runs_before_answer = [r for r in runs if r is None]
        await chat.handle_message(conv, "yes")
        return asked, runs_before_answer

    asked, before = in_services(settings, go, model=scripted(router, "Done."), retriever=retriever, engine=engine,
                                clock=clock)
    writes = [r for r in runs if r is not None]
    assert writes == [asked.confirm["args_hash"]] and len([r for r in runs if r is None]) == len(before)
    assert status_of(engine) == "cancelled"
