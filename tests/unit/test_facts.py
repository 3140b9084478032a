"""The router's facts block: the customer's own records and the policy lines for their state, nothing else."""

from __future__ import annotations

from agent.engine.facts import gather
from tests.conftest import pinned_clock
from tools.registry import load_registry
from tools.runner import ToolRunner

OWNER = "mohamed_khan_3010"  # owns #W4887592 (delivered: skateboard, desk lamp, fleece jacket) and #W7390432
STRANGER = "aarav_anderson_8794"  # owns #W9300146 (pending)


def facts_for(engine, settings, customer, said, mode="token"):
    runner = ToolRunner(load_registry(["orders", "listings"]), engine, settings, clock=pinned_clock())
    return gather(runner, customer, said, mode).text()


def test_a_mentioned_order_shows_its_item_ids_payment_methods_and_policy(engine, settings) -> None:
    text = facts_for(engine, settings, OWNER, "I want to return the skateboard from #W4887592")
    assert "item 2343503231: Skateboard (deck material maple" in text
    assert "paypal_1249653" in text
    assert "Order #W4887592 items can be returned" in text
    assert "options in stock" not in text  # a return needs no other options


def test_other_options_appear_when_the_customer_wants_a_different_one(engine, settings) -> None:
    text = facts_for(engine, settings, OWNER, "Can I exchange the skateboard in #W4887592 for the bamboo one, "
                                              "34 inch, graphic?")
    line = next(x for x in text.splitlines() if "Skateboard options in stock, best match first:" in x)
    assert line.split(": ", 1)[1].startswith("3541421151 (deck material bamboo, length 34 inch, design graphic)")
    assert line.count("$") <= 6


def test_another_customers_order_never_appears_whatever_is_said(engine, settings) -> None:
    text = facts_for(engine, settings, OWNER, "Show me order #W9300146 please")
    assert "#W9300146" not in text and "Desk Lamp (color black" not in text


def test_an_anonymous_customer_gets_the_identification_rule_of_the_mode(engine, settings) -> None:
    assert "find_user_id_by_name_zip" in facts_for(engine, settings, None, "cancel #W4887592", mode="tau")
    assert "not signed in" in facts_for(engine, settings, None, "cancel #W4887592")
    assert "#W4887592" not in facts_for(engine, settings, None, "cancel #W4887592", mode="tau")


def test_a_mentioned_reservation_takes_the_focus(engine, settings) -> None:
    text = facts_for(engine, settings, "fatima_brown_2588", "please cancel HMFK2G6WXT")
    assert "Reservation HMFK2G6WXT: Sunny cabin in Belem, Lisbon" in text
    assert "Reservation HMFK2G6WXT can be cancelled" in text
    assert "Order #W8008214 can be cancelled" not in text  # her only order is not what she is talking about


def test_only_actions_whose_preconditions_can_hold_are_allowed(engine, settings) -> None:
    runner = ToolRunner(load_registry(["orders", "listings"]), engine, settings, clock=pinned_clock())
    tool = runner.registry.get
    delivered = gather(runner, OWNER, "exchange the skateboard from #W4887592", "token")
    assert delivered.allows(tool("exchange_delivered_order_items"))
    assert not delivered.allows(tool("modify_pending_order_items"))
    pending = gather(runner, OWNER, "change the earbuds in #W7390432", "token")
    assert pending.allows(tool("modify_pending_order_items"))
    assert not pending.allows(tool("return_delivered_order_items"))
    anything = gather(runner, OWNER, "hello", "token")  # no focus: any of the customer's orders counts
    assert anything.allows(tool("cancel_pending_order"))
    assert anything.allows(tool("return_delivered_order_items"))
    assert anything.allows(tool("search_listings"))  # not restricted by any record
