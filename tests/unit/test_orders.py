"""The order system: faithful to τ-bench's data, transactional seeding, authorised look-ups."""

import pytest
from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tests.conftest import pinned_clock
from tools.api import ToolContext, ToolError
from tools.orders import customer_order_ids, get_order_details, normalize_order_id, order_record, seed_orders
from tools.orders.models import Order
from tools.orders.seed import load_tau_json

pytestmark = pytest.mark.stores  # the tool and conversation stores, on SQLite and Postgres

NOW = pinned_clock().now()


def test_every_order_reads_back_exactly_as_in_tau_bench(engine) -> None:
    orders = load_tau_json("orders")
    with Session(engine) as session:
        for oid, expected in orders.items():
            assert order_record(session, oid) == expected


def test_customers_orders_keep_their_profile_order(engine) -> None:
    users = load_tau_json("users")
    with Session(engine) as session:
        for uid in ("noah_brown_6181", "ivan_santos_6635"):
            assert customer_order_ids(session, uid) == users[uid]["orders"]


def test_seed_is_idempotent(engine) -> None:
    first = seed_orders(engine)
    assert seed_orders(engine) == first
    assert first["orders"] == 1000 and first["customers"] == 500 and first["products"] == 50


def test_a_failed_seed_leaves_the_store_as_it_was(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    real = load_tau_json

    def broken(name: str):
        data = real(name)
        if name == "orders":  # an order of a customer that does not exist: a foreign-key violation
            data["#W0000000"] = {**next(iter(data.values())), "order_id": "#W0000000", "user_id": "nobody_0"}
        return data

    monkeypatch.setattr("tools.orders.seed.load_tau_json", broken)
    with Session(engine) as session:
        session.exec(insert(Order).values(id="#W9999999", customer_id="noah_brown_6181", position=9, status="pending",
                                          address1="x", city="x", state="x", country="x", zip="x"))
        session.commit()
    with pytest.raises(IntegrityError):
        seed_orders(engine)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 1001
        assert session.get(Order, "#W9999999") is not None


def test_order_ids_are_normalised() -> None:
    assert normalize_order_id("W2611340") == "#W2611340"
    assert normalize_order_id("order 2611340 please") == "#W2611340"
    with pytest.raises(ToolError, match="#W1234567"):
        normalize_order_id("abc")


def test_a_customer_sees_their_own_order(engine) -> None:
    with Session(engine) as session:
        record = get_order_details(ToolContext(session, "james_li_5688", NOW), order_id="#W2611340")
    assert record["status"] == "processed" and record["items"][0]["name"] == "Water Bottle"


def test_another_customers_order_looks_exactly_like_a_missing_one(engine) -> None:
    with Session(engine) as session:
        with pytest.raises(ToolError) as foreign:
            get_order_details(ToolContext(session, "noah_brown_6181", NOW), order_id="#W2611340")
        with pytest.raises(ToolError) as missing:
            get_order_details(ToolContext(session, "noah_brown_6181", NOW), order_id="#W0000001")
    assert str(foreign.value) == "I couldn't find order #W2611340 on your account."
    assert str(missing.value).replace("#W0000001", "#W2611340") == str(foreign.value)


def test_an_anonymous_customer_must_sign_in(engine) -> None:
    with Session(engine) as session, pytest.raises(ToolError, match="signed in"):
        get_order_details(ToolContext(session, None, NOW), order_id="#W2611340")
