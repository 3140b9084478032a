"""A plugin for someone else's system gets everything the built-in ones get, through tools/hookspecs.py alone.

The billing plugin below is what a company would write for its own invoices: no table of ours, no line of
the engine changed. Its facts reach the router, its precondition narrows the grammar, its ids must be
grounded, its example is shown, its preview is what the customer confirms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.conversations.service import ChatService
from tests.conftest import ROOT, decision, in_services, scripted
from tools.api import Example, Risk, ToolContext, ToolError, tool
from tools.facts import FactBlock, FactReader, Focus, in_state
from tools.hookspecs import hookimpl
from tools.registry import Registry, load_registry

CUSTOMER = "dana_fox_1"
INVOICES: dict[str, dict[str, Any]] = {}  # the company's own invoice system, as far as this test needs one


@pytest.fixture(autouse=True)
def _fresh_invoices() -> Iterator[None]:
    INVOICES.clear()
    yield
    INVOICES.clear()


@tool
def list_my_invoices(ctx: ToolContext) -> list[dict[str, Any]]:
    """List the signed-in customer's invoices."""
    return [dict(i, invoice_id=k) for k, i in INVOICES.items() if i["customer"] == ctx.require_customer()]


def _refund_preview(args: dict[str, Any], data: dict[str, Any] | None) -> str:
    return f"Refund invoice {args['invoice_id']} ({'${:,.2f}'.format((data or {}).get('amount', 0))}) to your card"


@tool(risk=Risk.WRITE, prepare=in_state("invoice", "paid"), grounded=("invoice_id",), preview=_refund_preview,
      example=Example("please refund invoice INV-7", {"invoice_id": "INV-7"}))
def refund_invoice(ctx: ToolContext, invoice_id: str) -> dict[str, Any]:
    """Refund a paid invoice to the card it was paid with."""
    invoice = INVOICES.get(invoice_id)
    if invoice is None or invoice["customer"] != ctx.require_customer():
        raise ToolError(f"I couldn't find invoice {invoice_id} on your account.")
    return {"invoice_id": invoice_id, "amount": invoice["amount"], "status": "refunded"}


class Billing:
    """The plugin: every hook it needs, none of the engine's code."""

    @hookimpl
    def register_tools(self, register) -> None:
        register(list_my_invoices)
        register(refund_invoice)

    @hookimpl
    def gather_facts(self, reader: FactReader) -> FactBlock | None:
        invoices = reader.read("list_my_invoices", {}) or []
        if not invoices:
            return None
        named = [i for i in invoices if i["invoice_id"].lower() in reader.said]
        return FactBlock("invoice", lines=["Invoices: " + "; ".join(f"{i['invoice_id']} {i['status']}"
                                                                     for i in invoices)],
                         policy=[f"Invoice {i['invoice_id']} can be refunded." for i in named if i["status"] == "paid"],
                         states={i["status"] for i in (named or invoices)},
                         focus=Focus.NAMED if named else Focus.NONE)

    @hookimpl
    def customer_name(self, session, customer_id: str) -> str | None:
        return "Dana Fox" if customer_id == CUSTOMER else None


def billing() -> Registry:
    registry = Registry()
    registry.load("billing", Billing())
    registry.check()
    return registry


def turn(settings, retriever, clock, model, text: str):
    async def go(chat: ChatService):
        conversation, _ = chat.create_conversation(CUSTOMER)
        return await chat.handle_message(conversation, text)

    return in_services(settings, go, model=model, retriever=retriever, clock=clock, registry=billing())


def schema_actions(call: dict[str, Any]) -> set[str]:
    schema = call["kwargs"]["response_format"]["json_schema"]["schema"]
    return {v["properties"]["action"]["const"] for v in schema["anyOf"]}


def test_its_facts_example_and_precondition_reach_the_router(settings, retriever, clock) -> None:
    INVOICES.update({"INV-1": {"customer": CUSTOMER, "amount": 20.0, "status": "paid"},
                     "INV-2": {"customer": "someone_else", "amount": 99.0, "status": "paid"}})
    model = scripted(decision("refund_invoice", invoice_id="INV-1"), "unused")
    result = turn(settings, retriever, clock, model, "Can I get my money back for INV-1?")
    prompt = "\n".join(m.text for m in model.calls[0]["messages"])
    assert "Invoices: INV-1 paid" in prompt and "Invoice INV-1 can be refunded." in prompt
    assert "INV-2" not in prompt  # read as the customer: never someone else's
    assert 'Customer: please refund invoice INV-7\n{"action": "refund_invoice"' in prompt
    assert "refund_invoice" in schema_actions(model.calls[0])
    assert result.confirm is not None and result.confirm["preview"] == "Refund invoice INV-1 ($20.00) to your card"


def test_its_precondition_keeps_a_write_out_of_the_grammar(settings, retriever, clock) -> None:
    INVOICES.update({"INV-1": {"customer": CUSTOMER, "amount": 20.0, "status": "refunded"}})
    model = scripted(decision("reply"), "OK.")
    turn(settings, retriever, clock, model, "Refund INV-1 please")
    assert "refund_invoice" not in schema_actions(model.calls[0])


def test_an_invoice_nobody_named_is_not_acted_on(settings, retriever, clock) -> None:
    INVOICES.update({"INV-1": {"customer": CUSTOMER, "amount": 20.0, "status": "paid"}})
    model = scripted(decision("refund_invoice", invoice_id="INV-3"), "Here is what I found.")
    result = turn(settings, retriever, clock, model, "I want a refund")
    assert result.confirm is None  # not grounded: the help center is searched instead


def test_its_customer_names_come_from_its_hook() -> None:
    assert billing().hook.customer_name(session=None, customer_id=CUSTOMER) == "Dana Fox"


def test_the_engine_names_none_of_the_built_in_plugins_tools_or_modules() -> None:
    # The built-in orders and listings plugins are plugins like Billing: the engine may not know them.
    names = [n for n in load_registry(["orders", "listings"]).names() if "_" in n]
    pattern = re.compile(r"\b(" + "|".join(names) + r")\b|tools\.(orders|listings)\b")
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for folder in ("agent", "knowledge") for path in sorted((ROOT / folder).rglob("*"))
             if path.suffix in (".py", ".js", ".html") and "migrations" not in path.parts
             for n, line in enumerate(Path(path).read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []
