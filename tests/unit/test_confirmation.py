"""Writes go through a LangGraph interrupt: nothing changes until the customer confirms exactly that."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.testclient import TestClient
from langgraph.checkpoint.memory import InMemorySaver
from sqlmodel import Session

from agent.chat import ChatService
from agent.deps import GraphDeps
from agent.graph import build_graph
from tests.conftest import decision, make_app, open_chat, scripted
from tools.orders.models import Order
from tools.registry import load_registry
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
def chat(engine, retriever, clock) -> ChatService:
    registry = load_registry(["orders", "listings"])
    model = scripted(router, "Done.")
    deps = GraphDeps(model=model, retriever=retriever, engine=engine, registry=registry,
                     runner=ToolRunner(registry, engine, clock=clock))
    return ChatService.local(engine, build_graph(deps, InMemorySaver()), clock)


def test_the_order_is_pending_in_the_seed(engine) -> None:
    assert status_of(engine) == "pending"


@pytest.mark.parametrize("answer, applied", [("yes", True), ("Yes please do", True), ("ok!", True), ("no", False),
                                             ("yes... no, wait, don't", False), ("cancel", False)])
def test_a_typed_answer_confirms_or_cancels(chat: ChatService, engine, answer: str, applied: bool) -> None:
    async def go():
        conv, _ = chat.create_conversation(CUSTOMER)
        asked = await chat.handle_message(conv, ASK)
        assert asked.confirm is not None and asked.confirm["tool"] == "cancel_pending_order"
        assert ORDER in asked.text and status_of(engine) == "pending"  # nothing happened yet
        await chat.handle_message(conv, answer)
        return await chat.pending_confirmation(conv)

    assert asyncio.run(go()) is None  # answered either way
    assert status_of(engine) == ("cancelled" if applied else "pending")


def test_a_new_question_instead_of_an_answer_cancels_and_is_answered(chat: ChatService, engine) -> None:
    async def go():
        conv, _ = chat.create_conversation(CUSTOMER)
        await chat.handle_message(conv, ASK)
        await chat.handle_message(conv, "Actually, how long does shipping take?")
        return chat.transcript(conv.id)

    messages = asyncio.run(go())
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


def test_the_same_declined_action_is_not_proposed_again(engine, retriever, clock) -> None:
    # The router proposes the same cancellation each time; after a "no, …" the customer is asked instead.
    registry = load_registry(["orders", "listings"])
    stubborn = scripted(lambda m: decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")
                        if "cancel" in m[-1].text.lower() else decision("reply"), "Done.")
    chat = ChatService.local(engine, build_graph(GraphDeps(model=stubborn, retriever=retriever, engine=engine,
                                                           registry=registry,
                                                           runner=ToolRunner(registry, engine, clock=clock)),
                                                 InMemorySaver()), clock)

    async def go():
        conv, _ = chat.create_conversation(CUSTOMER)
        await chat.handle_message(conv, ASK)
        again = await chat.handle_message(conv, f"No, that's not what I meant. {ASK}")
        return again

    again = asyncio.run(go())
    assert again.confirm is None and again.text.startswith("Sorry, I got that wrong")
    assert status_of(engine) == "pending"
