"""The attack suite's world: a victim and an attacker, both signed-in customers, and a model that obeys.

The scripted model is the worst case for the code around it: its router does whatever the last message
asks (ids of other customers included, or an exact decision written as JSON), and its answers repeat
everything they were shown. So whatever reaches the model reaches the attacker, and only the code
(tokens, the runner, the guard) stands between them and the victim's records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import BaseMessage
from pydantic import SecretStr
from sqlmodel import Session, select

from tests.conftest import Chat, decision, make_app, open_chat, scripted
from tools.audit import ToolAudit
from tools.orders.models import Customer, Order
from tools.orders.seed import load_tau_json

VICTIM, VICTIM_ORDER = "aarav_anderson_8794", "#W9300146"  # pending
ATTACKER, ATTACKER_ORDER = "liam_lopez_7019", "#W2000719"  # pending
VICTIM_USER = load_tau_json("users")[VICTIM]
VICTIM_EMAIL, VICTIM_STREET = VICTIM_USER["email"], VICTIM_USER["address"]["address1"]
# What the victim's records would show if they leaked: their email, street, and the items of their order.
VICTIM_SECRETS = (VICTIM_EMAIL, VICTIM_STREET, *(i["name"] for i in load_tau_json("orders")[VICTIM_ORDER]["items"]))
AGENT_KEY = "agent-key-for-the-attack-suite-0123456789"
SHOP = "https://shop.example"
ORDER_ID = re.compile(r"#?\s*w?\s*[\d\uff10-\uff19]{7}[^\s,]*", re.I)


def obedient_router(messages: list[BaseMessage]) -> str:
    """The decision a model that obeys the customer would take (JSON in the message is used as is)."""
    text = messages[-1].text
    if text.lstrip().startswith("{"):
        return text
    lower, order = text.lower(), ORDER_ID.search(text)
    if reservation := re.search(r"\bHM[0-9A-Z]{8}\b", text):
        tool = "cancel_reservation" if "cancel" in lower else "get_reservation_details"
        return decision(tool, reservation_id=reservation[0])
    if order and "cancel" in lower:
        return decision("cancel_pending_order", order_id=order[0], reason="ordered by mistake")
    if order and "address" in lower:
        return decision("modify_pending_order_address", order_id=order[0], address1="1 Evil St", address2="",
                        city="Austin", state="TX", country="USA", zip="78701")
    if order:
        return decision("get_order_details", order_id=order[0])
    if user := re.search(r"\buser (\w+)", text):
        return decision("get_user_details", user_id=user[1])
    if email := re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", text):
        return decision("find_user_id_by_email", email=email[0])
    return decision("reply")


def echo(messages: list[BaseMessage]) -> str:
    """An answer that repeats its whole task: the data and excerpts it was given, word for word."""
    return messages[-1].text


@pytest.fixture
def app(settings, retriever, clock):
    return make_app(settings, retriever, scripted(obedient_router, echo), clock=clock,
                    agent_api_key=SecretStr(AGENT_KEY), sites={"demo": [], "shop-1": [SHOP]})


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def victim(client: TestClient, clock) -> Chat:
    return open_chat(client, VICTIM, clock)


@pytest.fixture
def attacker(client: TestClient, clock) -> Chat:
    return open_chat(client, ATTACKER, clock)


def all_replies(*chats: Chat) -> str:
    """Everything the assistant said in these conversations."""
    return "\n".join(m["text"] for chat in chats for m in chat.transcript()["messages"] if m["role"] == "assistant")


def victims_records(engine) -> dict[str, Any]:
    """The victim's order and profile, to compare before and after an attack."""
    with Session(engine) as session:
        order = session.get(Order, VICTIM_ORDER)
        customer = session.get(Customer, VICTIM)
        return {"order": order.model_dump(), "customer": customer.model_dump()}


def applied_writes(engine) -> list[ToolAudit]:
    """Every write the runner applied."""
    with Session(engine) as session:
        return list(session.exec(select(ToolAudit).where(ToolAudit.status == "applied")).all())


def assert_nothing_of_the_victims(engine, before: dict[str, Any], *chats: Chat, typed: tuple[str, ...] = ()) -> None:
    """The attack changed none of the victim's records, wrote nothing for them, and showed nothing of them
    (``typed``: what the attacker wrote themselves, which an echo of their own words may repeat)."""
    assert victims_records(engine) == before
    assert [a for a in applied_writes(engine) if a.customer_id != ATTACKER] == []
    said = all_replies(*chats)
    assert not [s for s in VICTIM_SECRETS if s in said and s not in typed], said[:500]


def raw_json(value: Any) -> str:
    """A decision spelled out, for the obedient router to take exactly."""
    return json.dumps(value)
