"""Simulated customers: the fact-driven one follows its rules; the model-driven one is the model, roles reversed."""

from __future__ import annotations

import asyncio
import re

from agent.conversations.turns import TurnResult
from agent.evals.customers import STOP, FactCustomer, ModelCustomer, Request, ScriptedCustomer
from agent.llm.scripted import ScriptedChat
from tools.orders.tau_suite import tau_scenarios

CANCEL = Request("Please cancel my pending order.", {"tool": "cancel_pending_order", "args": {"order_id": "#W2"}})
ASK = Request("How long does shipping take?")


def preview(order_id: str) -> TurnResult:
    return TurnResult("Please confirm: …", confirm={"tool": "cancel_pending_order",
                                                     "args": {"order_id": order_id, "reason": "no longer needed"}})


def play(customer, *turns: TurnResult) -> list[str | None]:
    async def go():
        return [await customer.opening()] + [await customer.reply(t) for t in turns]
    return asyncio.run(go())


def test_the_fact_customer_confirms_only_the_exact_action_and_corrects_a_wrong_one() -> None:
    customer = FactCustomer([CANCEL, ASK], {"order_id": "It's order #W2."}, correction="No, the other order: #W2.")
    said = play(customer, preview("#W1"), preview("W2"), TurnResult("Done, it's cancelled."),
                TurnResult("Shipping takes 3 to 5 business days."))
    assert said == ["Please cancel my pending order.", "No, the other order: #W2.", "yes",
                    "How long does shipping take?", None]
    assert customer.done


def test_the_fact_customer_answers_questions_from_its_facts_once() -> None:
    customer = FactCustomer([CANCEL], {"identity": "I'm Ana Silva, zip code 10001", "email": "ana@example.com"},
                            introduce=True)
    said = play(customer, TurnResult("Could you tell me your email address?"),
                TurnResult("Could you tell me your email address?"))
    assert said[0] == "Hi, I'm Ana Silva, zip code 10001. Please cancel my pending order."
    assert said[1] == "ana@example.com"
    assert said[2].startswith("Please cancel my pending order.")  # asked again: repeats the request instead


def test_the_fact_customer_gives_up_moves_on_after_a_refusal_and_waits_for_a_person() -> None:
    stubborn = FactCustomer([CANCEL])
    said = play(stubborn, *[TurnResult("Anything else I can help with?")] * 4)
    assert said[-1] is None and said[1:4] == ["Please cancel my pending order."] * 3
    refused = FactCustomer([CANCEL, ASK])
    no = TurnResult("Sorry, that order can't be cancelled.")
    assert play(refused, no, no)[1:] == [f"Are you sure? {CANCEL.say}", ASK.say]  # insists once, then moves on
    handed = FactCustomer([CANCEL])
    assert play(handed, TurnResult("I'm passing you to our team.", handoff={"reason": "customer_asked"}))[1] is None


def test_the_scripted_customer_says_its_turns_whatever_the_reply() -> None:
    assert play(ScriptedCustomer(["a", "b"]), TurnResult("x"), TurnResult("y")) == ["a", "b", None]


def test_the_model_customer_sees_the_agent_as_its_user_and_stops_on_the_stop_token() -> None:
    seen = []

    def plays(messages, _kwargs):
        seen.append([(m.type, m.text) for m in messages])
        return "I want to cancel order #W2." if len(messages) == 2 else STOP

    customer = ModelCustomer(ScriptedChat(fn=plays), "You want order #W2 cancelled.")
    said = play(customer, TurnResult("Sure, which order?"))
    assert said == ["I want to cancel order #W2.", None]
    assert seen[0][0][0] == "system" and "You want order #W2 cancelled." in seen[0][0][1]
    assert seen[1][-2:] == [("ai", "I want to cancel order #W2."), ("human", "Sure, which order?")]


def test_tau_customers_name_items_by_product_and_options_never_by_id() -> None:
    scenarios = tau_scenarios("tau-dev")
    assert len(scenarios) == 20
    for scenario in scenarios:
        for request in scenario.requests:
            ids = [*request.accept["args"].get("item_ids", []), *request.accept["args"].get("new_item_ids", [])] \
                if request.accept else []
            assert not any(i in request.say for i in ids), request.say
            assert not re.search(r"\b\d{10}\b", request.say)
    returns = next(s for s in scenarios if s.name == "tau-dev-5")
    assert "the Skateboard (deck material maple" in returns.requests[0].say and "PayPal" in returns.requests[0].say
