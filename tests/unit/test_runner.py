"""The tool runner's rules: authorisation, confirmation, approval, idempotency, audit, rollback."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from tests.conftest import pinned_clock
from tools.api import Access, Risk, ToolContext, ToolError, tool
from tools.audit import ToolAudit
from tools.orders import export_store
from tools.orders.seed import load_tau_json
from tools.registry import Registry
from tools.runner import Status, ToolRunner

pytestmark = pytest.mark.stores  # the tool and conversation stores, on SQLite and Postgres

NOW = pinned_clock().now()
USERS, ORDERS = load_tau_json("users"), load_tau_json("orders")


def orders_of(user: str, status: str) -> list[str]:
    return [o for o in USERS[user]["orders"] if ORDERS[o]["status"] == status]


def pick_user(*statuses: str) -> str:
    return next(u for u in sorted(USERS) if all(orders_of(u, s) for s in statuses))


VICTIM = pick_user("pending", "delivered")
ATTACKER = next(u for u in sorted(USERS) if u != VICTIM and orders_of(u, "pending") and orders_of(u, "delivered"))


@pytest.fixture
def runner(registry: Registry, engine, settings, clock) -> ToolRunner:
    return ToolRunner(registry, engine, settings, clock=clock)


def snapshot(engine) -> dict:
    with Session(engine) as session:
        return export_store(session)


def audit_rows(engine) -> list[ToolAudit]:
    with Session(engine) as session:
        return list(session.exec(select(ToolAudit)).all())


def confirm(runner: ToolRunner, name: str, args: dict, customer: str, **kw: Any):
    """Ask, then confirm exactly what was previewed."""
    first = runner.run(name, args, customer_id=customer, conversation_id="c1", **kw)
    assert first.status is Status.CONFIRM, first.message
    return runner.run(name, args, customer_id=customer, conversation_id="c1", confirmed=first.args_hash, **kw)


def victim_pending() -> str:
    return orders_of(VICTIM, "pending")[0]


def victim_delivered() -> str:
    return orders_of(VICTIM, "delivered")[0]


def victim_item(order_id: str) -> str:
    return ORDERS[order_id]["items"][0]["item_id"]


def victim_pm() -> str:
    return next(iter(USERS[VICTIM]["payment_methods"]))


ADDRESS = {"address1": "1 Evil St", "address2": "", "city": "X", "state": "NY", "country": "USA", "zip": "10001"}

# Every customer tool, aimed at the victim's records. A new customer tool without a row here fails the
# coverage test below.
ATTACKS: dict[str, Any] = {
    "get_user_details": lambda: {"user_id": VICTIM},
    "get_order_details": lambda: {"order_id": victim_pending()},
    "cancel_pending_order": lambda: {"order_id": victim_pending(), "reason": "no longer needed"},
    "modify_pending_order_address": lambda: {"order_id": victim_pending(), **ADDRESS},
    "modify_pending_order_items": lambda: {"order_id": victim_pending(), "item_ids": [victim_item(victim_pending())],
                                           "new_item_ids": [victim_item(victim_pending())],
                                           "payment_method_id": victim_pm()},
    "modify_pending_order_payment": lambda: {"order_id": victim_pending(), "payment_method_id": victim_pm()},
    "modify_user_address": lambda: {"user_id": VICTIM, **ADDRESS},
    "return_delivered_order_items": lambda: {"order_id": victim_delivered(),
                                             "item_ids": [victim_item(victim_delivered())],
                                             "payment_method_id": victim_pm()},
    "exchange_delivered_order_items": lambda: {"order_id": victim_delivered(),
                                               "item_ids": [victim_item(victim_delivered())],
                                               "new_item_ids": [victim_item(victim_delivered())],
                                               "payment_method_id": victim_pm()},
    # listings: a reservation of a guest who is not the attacker
    "list_my_reservations": None,  # has no target: it lists only the caller's own (tested separately)
    "get_reservation_details": lambda: {"reservation_id": "VICTIM_RES"},
    "cancel_reservation": lambda: {"reservation_id": "VICTIM_RES"},
    "change_reservation_dates": lambda: {"reservation_id": "VICTIM_RES", "check_in": "2027-03-01",
                                         "check_out": "2027-03-03"},
    "message_host": lambda: {"reservation_id": "VICTIM_RES", "message": "hello"},
    "report_problem": lambda: {"reservation_id": "VICTIM_RES", "description": "broken heater"},
}


def test_every_customer_tool_has_an_attack_case(registry: Registry) -> None:
    assert {t.name for t in registry.select(access=[Access.CUSTOMER])} == set(ATTACKS)


def _victim_reservation(engine) -> str:
    from tools.listings.models import Guest, Reservation

    with Session(engine) as session:
        attacker_guest = session.exec(select(Guest).where(Guest.customer_id == ATTACKER)).first()
        query = select(Reservation).where(Reservation.status == "confirmed", Reservation.check_in > NOW.date())
        if attacker_guest is not None:
            query = query.where(Reservation.guest_id != attacker_guest.id)
        return session.exec(query).first().id


@pytest.mark.parametrize("name", [n for n, a in ATTACKS.items() if a is not None])
@pytest.mark.parametrize("who", [ATTACKER, None], ids=["other-customer", "anonymous"])
def test_no_tool_reaches_another_customers_records(runner: ToolRunner, engine, name: str, who: str | None) -> None:
    args = ATTACKS[name]()
    if args.get("reservation_id") == "VICTIM_RES":
        args["reservation_id"] = _victim_reservation(engine)
    before = snapshot(engine)
    result = runner.run(name, args, customer_id=who, conversation_id="attack")
    if result.status is Status.CONFIRM:  # even a confirmed attack must fail
        result = runner.run(name, args, customer_id=who, conversation_id="attack", confirmed=result.args_hash)
    assert result.status is Status.ERROR, (name, result)
    assert result.data is None
    assert VICTIM not in result.message
    assert snapshot(engine) == before


def test_a_write_does_nothing_until_its_exact_arguments_are_confirmed(runner: ToolRunner, engine) -> None:
    order = orders_of(ATTACKER, "pending")[0]
    args = {"order_id": order, "reason": "no longer needed"}
    before = snapshot(engine)
    preview = runner.run("cancel_pending_order", args, customer_id=ATTACKER, conversation_id="c1")
    assert preview.status is Status.CONFIRM and order in preview.message
    assert preview.data["status"] == "cancelled"  # the preview shows the outcome...
    assert snapshot(engine) == before  # ...but nothing happened
    # Confirming different arguments than were previewed does not apply anything.
    other = {"order_id": order, "reason": "ordered by mistake"}
    wrong = runner.run("cancel_pending_order", other, customer_id=ATTACKER, conversation_id="c1",
                       confirmed=preview.args_hash)
    assert wrong.status is Status.CONFIRM and wrong.args_hash != preview.args_hash
    assert snapshot(engine) == before
    done = runner.run("cancel_pending_order", args, customer_id=ATTACKER, conversation_id="c1",
                      confirmed=preview.args_hash)
    assert done.ok and snapshot(engine)["orders"][order]["status"] == "cancelled"


def test_a_repeated_confirmed_write_is_applied_once(runner: ToolRunner, engine) -> None:
    order = orders_of(ATTACKER, "pending")[0]
    paid_with = ORDERS[order]["payment_history"][0]
    args = {"order_id": order, "reason": "ordered by mistake"}
    first = confirm(runner, "cancel_pending_order", args, ATTACKER)
    again = runner.run("cancel_pending_order", args, customer_id=ATTACKER, conversation_id="c1",
                       confirmed=first.args_hash)
    assert first.ok and again.ok and again.replayed and again.data == first.data
    record = snapshot(engine)["orders"][order]
    refunds = [p for p in record["payment_history"] if p["transaction_type"] == "refund"]
    assert len(refunds) == 1 and refunds[0]["amount"] == paid_with["amount"]
    assert len([a for a in audit_rows(engine) if a.status == "applied"]) == 1


def test_every_write_is_audited_with_who_confirmed(runner: ToolRunner, engine) -> None:
    order = orders_of(ATTACKER, "pending")[0]
    confirm(runner, "modify_pending_order_address", {"order_id": order, **ADDRESS}, ATTACKER)
    (row,) = audit_rows(engine)
    assert (row.tool, row.plugin, row.status, row.customer_id) == ("modify_pending_order_address", "orders",
                                                                   "applied", ATTACKER)
    assert row.confirmed_by == f"customer:{ATTACKER}" and row.args["address1"] == "1 Evil St"
    assert row.result["address"]["address1"] == "1 Evil St" and row.created_at is not None


@pytest.mark.parametrize("name, args, words", [
    ("cancel_pending_order", lambda: {"order_id": orders_of(ATTACKER, "delivered")[0], "reason": "no longer needed"},
     "only pending orders can be cancelled"),
    ("return_delivered_order_items", lambda: {"order_id": orders_of(ATTACKER, "pending")[0],
                                              "item_ids": [ORDERS[orders_of(ATTACKER, "pending")[0]]["items"][0]
                                                           ["item_id"]],
                                              "payment_method_id": next(iter(USERS[ATTACKER]["payment_methods"]))},
     "only delivered orders can be returned"),
    ("cancel_pending_order", lambda: {"order_id": orders_of(ATTACKER, "pending")[0], "reason": "too expensive"},
     "reason"),
])
def test_policy_preconditions_are_enforced_before_confirmation(runner: ToolRunner, engine, name, args, words) -> None:
    before = snapshot(engine)
    result = runner.run(name, args(), customer_id=ATTACKER, conversation_id="c1")
    assert result.status is Status.ERROR and words in result.message
    assert snapshot(engine) == before


@pytest.mark.parametrize("crash_on_call", [1, 3], ids=["in-dry-run", "in-real-run"])
def test_a_crashing_tool_rolls_back_and_says_something_safe(registry: Registry, engine, settings, clock,
                                                            crash_on_call: int) -> None:
    from tools.orders.models import Customer

    calls: list[int] = []

    @tool(risk=Risk.WRITE)
    def half_done(ctx: ToolContext, user_id: str) -> None:
        """Change a name, then crash."""
        calls.append(1)
        user = ctx.session.get(Customer, user_id)
        user.first_name = "Changed"
        ctx.session.add(user)
        ctx.session.flush()
        # Calls: 1 = preview's dry run, 2 = the confirmed call's dry run, 3 = the real run.
        if len(calls) == crash_on_call:
            raise RuntimeError("database exploded: secret internals")

    registry.add(half_done, "test")
    runner = ToolRunner(registry, engine, settings, clock=clock)
    before = snapshot(engine)
    result = runner.run("half_done", {"user_id": ATTACKER}, customer_id=ATTACKER, conversation_id="c1")
    if result.status is Status.CONFIRM:
        result = runner.run("half_done", {"user_id": ATTACKER}, customer_id=ATTACKER, conversation_id="c1",
                            confirmed=result.args_hash)
    assert result.status is Status.ERROR and "nothing was changed" in result.message
    assert "exploded" not in result.message
    assert snapshot(engine) == before
    assert [row.status for row in audit_rows(engine)] == (["failed"] if crash_on_call == 3 else [])


def test_approval_tools_wait_for_a_human(registry: Registry, engine, settings, clock) -> None:
    @tool(risk=Risk.APPROVAL)
    def big_refund(ctx: ToolContext, amount: float) -> dict:
        """Refund a large amount."""
        return {"refunded": amount}

    registry.add(big_refund, "test")
    runner = ToolRunner(registry, engine, settings, clock=clock)
    asked = runner.run("big_refund", {"amount": 900}, customer_id=ATTACKER, conversation_id="c1")
    confirmed = runner.run("big_refund", {"amount": 900}, customer_id=ATTACKER, conversation_id="c1",
                           confirmed=asked.args_hash)
    assert confirmed.status is Status.APPROVAL and audit_rows(engine) == []
    approved = runner.run("big_refund", {"amount": 900}, customer_id=ATTACKER, conversation_id="c1",
                          confirmed=asked.args_hash, approved_by="slack:U123")
    assert approved.ok
    assert audit_rows(engine)[0].approved_by == "slack:U123"


def test_unknown_tools_and_bad_arguments_are_clear_errors(runner: ToolRunner) -> None:
    assert "no tool called 'drop_tables'" in runner.run("drop_tables", {}, customer_id=ATTACKER).message
    bad = runner.run("get_order_details", {"order": "#W1"}, customer_id=ATTACKER)
    assert bad.status is Status.ERROR and "order_id: Field required" in bad.message


def test_tool_errors_are_customer_safe_messages() -> None:
    assert issubclass(ToolError, Exception)
