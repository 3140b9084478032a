"""What a customer confirms is the change in words: which items, how much money, to where — from the dry run."""

from __future__ import annotations

import pytest

from tests.conftest import pinned_clock
from tools.runner import Status, ToolRunner

SHOPPER = "mohamed_khan_3010"  # #W7390432 pending (earbuds $258.36, toothbrush), #W4887592 delivered; PayPal only


@pytest.fixture
def preview(registry, engine, settings):
    runner = ToolRunner(registry, engine, settings, clock=pinned_clock())

    def ask(tool: str, customer: str = SHOPPER, **args) -> str:
        result = runner.run(tool, args, customer_id=customer, conversation_id="c1")
        assert result.status is Status.CONFIRM, result.message
        return result.message

    return ask


def test_a_cancellation_says_which_items_why_and_where_the_money_goes(preview) -> None:
    assert preview("cancel_pending_order", customer="aarav_anderson_8794", order_id="#W9300146",
                   reason="ordered by mistake") == ("Cancel order #W9300146 (Desk Lamp) because it was ordered by "
                                                    "mistake; $153.23 back to your gift card (gift_card_7245904)")


def test_a_return_names_the_item_with_its_options_and_the_refund(preview) -> None:
    text = preview("return_delivered_order_items", order_id="#W4887592", item_ids=["2343503231"],
                   payment_method_id="paypal_1249653")
    assert text == ("Return Skateboard (deck material maple, length 34 inch, design graphic, $196.86) from order "
                    "#W4887592; $196.86 back to your PayPal account (paypal_1249653) once they arrive")


def test_a_cheaper_option_says_how_much_comes_back(preview) -> None:
    text = preview("modify_pending_order_items", order_id="#W7390432", item_ids=["2499294441"],
                   new_item_ids=["9580569596"], payment_method_id="paypal_1249653")
    assert text.startswith("In order #W7390432, replace item 2499294441 with Wireless Earbuds (")
    assert text.endswith(", $257.38); $0.98 goes back to your PayPal account (paypal_1249653)")


def test_a_new_payment_method_says_what_is_refunded(preview) -> None:
    text = preview("modify_pending_order_payment", customer="ethan_lopez_6291", order_id="#W6779827",
                   payment_method_id="credit_card_9789590")
    assert text == ("Pay order #W6779827 with your credit card (credit_card_9789590) instead; $4,079.45 back to "
                    "your gift card (gift_card_7219486)")


def test_a_cancelled_stay_says_the_refund_and_the_rule(preview) -> None:
    text = preview("cancel_reservation", customer="fatima_brown_2588", reservation_id="HMFK2G6WXT")
    assert text == ("Cancel reservation HMFK2G6WXT; $2,736.00 back to the card you paid with "
                    "(flexible: 24 h or more before check-in)")
