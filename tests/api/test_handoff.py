"""Human handoff as a conversation state, driven through the HTTP API (the Slack channel will use the same)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, select

from agent.engine.prompts import THANKS
from agent.llm.scripted import ScriptedChat
from tests.conftest import decision, make_app, open_chat, scripted
from tools.audit import ToolAudit
from tools.listings.models import Reservation

KEY = {"X-Agent-Key": "agent-secret"}


def app_with(settings, retriever, model) -> TestClient:
    return TestClient(make_app(settings, retriever, model, agent_api_key=SecretStr("agent-secret")))


def roles(body: dict) -> list[str]:
    return [m["role"] for m in body["messages"]]


def test_asking_for_a_person_hands_off_without_asking_the_model(settings, retriever) -> None:
    model = ScriptedChat(replies=[])  # any model call would fail: none may happen
    with app_with(settings, retriever, model) as client:
        chat = open_chat(client)
        chat.say("I want to talk to a real person please")
        body = chat.wait(lambda b: b["mode"] == "waiting_for_human")
        assert "support team" in body["messages"][-1]["text"] and model.calls == []
        (ticket,) = client.get("/v1/agent/tickets", params={"state": "open"}, headers=KEY).json()
        assert ticket["reason"] == "customer_asked" and "real person" in ticket["summary"]


def test_the_whole_loop_take_reply_hand_back_close(settings, retriever) -> None:
    model = scripted(decision("reply"), "Happy to help!")
    with app_with(settings, retriever, model) as client:
        chat = open_chat(client)
        cid = chat.id
        chat.say("can I speak to a human agent?")
        chat.wait(lambda b: b["mode"] == "waiting_for_human")
        # While waiting, the bot stays silent.
        chat.say("hello? anyone?")
        body = chat.wait(lambda b: b["messages"][-1]["text"] == "hello? anyone?")
        assert roles(body)[-1] == "customer"
        # An agent replies before taking it: refused, with the reason.
        early = client.post(f"/v1/agent/conversations/{cid}/messages", json={"agent": "U1", "text": "hi"},
                            headers=KEY)
        assert early.status_code == 409 and "take it" in early.json()["detail"]
        taken = client.post(f"/v1/agent/conversations/{cid}/take", json={"agent": "U1"}, headers=KEY).json()
        assert taken["agent"] == "U1" and taken["status"] == "taken"
        client.post(f"/v1/agent/conversations/{cid}/take", json={"agent": "U2"}, headers=KEY)  # first taker stays
        assert client.get("/v1/agent/tickets", headers=KEY).json()[0]["agent"] == "U1"
        assert client.post(f"/v1/agent/conversations/{cid}/messages", json={"agent": "U1", "text": "Hi, I'm Ana."},
                           headers=KEY).status_code == 202
        body = chat.wait(lambda b: b["mode"] == "human" and roles(b)[-1] == "agent")
        assert body["messages"][-1]["text"] == "Hi, I'm Ana."
        # Back to the bot: it answers again.
        assert client.post(f"/v1/agent/conversations/{cid}/release", json={"agent": "U1"},
                           headers=KEY).json()["status"] == "closed"
        chat.say("thanks!")
        body = chat.wait(lambda b: b["messages"][-1]["text"] == THANKS)  # small talk, answered in code
        assert body["mode"] == "bot"
        # Closing ends it; the ticket records it.
        client.post(f"/v1/agent/conversations/{cid}/handoff", json={"reason": "staff"}, headers=KEY)
        closed = client.post(f"/v1/agent/conversations/{cid}/close", json={"agent": "U1"}, headers=KEY).json()
        assert closed["closed_at"] and chat.transcript()["mode"] == "closed"


def test_the_model_can_decide_to_hand_off(settings, retriever) -> None:
    with app_with(settings, retriever, scripted(decision("handoff"), "unused")) as client:
        chat = open_chat(client)
        chat.say("This is the third time I write, nobody helps")
        chat.wait(lambda b: b["mode"] == "waiting_for_human")
        assert client.get("/v1/agent/tickets", headers=KEY).json()[0]["reason"] == "model_decided"


def test_the_agent_api_needs_the_agent_key(settings, retriever) -> None:
    with app_with(settings, retriever, ScriptedChat(replies=[])) as client:
        assert client.get("/v1/agent/tickets").status_code == 401
        assert client.get("/v1/agent/tickets", headers={"X-Agent-Key": "guess"}).status_code == 401
    with TestClient(make_app(settings, retriever, ScriptedChat(replies=[]))) as client:
        off = client.get("/v1/agent/tickets", headers=KEY)
        assert off.status_code == 503 and "CONCIERGE_WEB__AGENT_API_KEY" in off.json()["detail"]


def _big_flexible_upcoming(engine) -> tuple[str, str]:
    from tests.unit.test_listing_tools import guest_with

    customer, r = guest_with(engine, "upcoming", policy="flexible", over=900)
    return customer, r.id


def test_a_large_refund_waits_for_an_agents_approval(settings, retriever, engine) -> None:
    customer, rid = _big_flexible_upcoming(engine)
    model = scripted(lambda m: decision("cancel_reservation", reservation_id=rid) if rid in m[-1].text
                     else decision("reply"), "Okay.")
    with app_with(settings, retriever, model) as client:
        chat = open_chat(client, customer)
        cid = chat.id
        chat.say(f"Cancel my reservation {rid}")
        chat.wait(lambda b: "Please confirm" in b["messages"][-1]["text"])
        chat.confirm(True)
        chat.wait(lambda b: b["mode"] == "waiting_for_human")
        with Session(engine) as session:
            assert session.get(Reservation, rid).status == "confirmed"  # not yet: a person decides
        (ticket,) = client.get("/v1/agent/tickets", headers=KEY).json()
        assert ticket["reason"] == "approval" and ticket["priority"] == "high"
        assert ticket["pending_action"]["tool"] == "cancel_reservation"
        done = client.post(f"/v1/agent/conversations/{cid}/approve", json={"agent": "U9", "approve": True},
                           headers=KEY)
        assert done.status_code == 200 and done.json()["result"]["refund"] > 500
        with Session(engine) as session:
            assert session.get(Reservation, rid).status == "cancelled"
            audit = session.exec(select(ToolAudit).where(ToolAudit.status == "applied")).one()
        assert audit.approved_by == "agent:U9" and audit.confirmed_by == f"customer:{customer}"
        assert client.post(f"/v1/agent/conversations/{cid}/approve", json={"agent": "U9", "approve": True},
                           headers=KEY).status_code == 409


@pytest.mark.parametrize("text", ["talk to a person", "Can I speak with someone?", "HUMAN AGENT",
                                  "quiero hablar con una persona"])
def test_ways_of_asking_for_a_person(text: str) -> None:
    from agent.engine.nodes.guard import ASKS_FOR_PERSON

    assert ASKS_FOR_PERSON.search(text)
    assert not ASKS_FOR_PERSON.search("is the person who delivered my parcel an agent of yours?")
