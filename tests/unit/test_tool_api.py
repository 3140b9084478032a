"""@tool and the registry: typed functions become tools; plugins load through entry points."""

from typing import Annotated

import pytest
from pydantic import Field

from tools.api import Access, Risk, ToolContext, ToolError, tool
from tools.hookspecs import hookimpl
from tools.registry import Registry, ToolCollision, load_registry


@tool(risk=Risk.WRITE)
def give_credit(ctx: ToolContext, amount: Annotated[float, Field(gt=0, le=100, description="dollars")],
                note: str = "") -> dict:
    """Give the signed-in customer store credit.

    More detail that is not part of the description.
    """
    return {"amount": amount, "note": note}


def test_a_typed_function_becomes_a_tool() -> None:
    assert give_credit.name == "give_credit"
    assert give_credit.description == "Give the signed-in customer store credit."
    assert give_credit.risk is Risk.WRITE and give_credit.access is Access.CUSTOMER
    params = give_credit.parameters()
    assert params["required"] == ["amount"]
    assert params["properties"]["amount"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 100,
                                              "description": "dollars"}
    assert params["additionalProperties"] is False


def test_arguments_are_validated_with_a_clear_message() -> None:
    assert give_credit.validate({"amount": "5"}) == {"amount": 5.0, "note": ""}
    with pytest.raises(ToolError, match="amount: Input should be less than or equal to 100"):
        give_credit.validate({"amount": 500})
    with pytest.raises(ToolError, match="Extra inputs are not permitted"):
        give_credit.validate({"amount": 5, "user_id": "someone_else"})


def test_a_tool_needs_a_context_parameter_and_a_docstring() -> None:
    def no_context(amount: float) -> float:
        """Forgot the context."""
        return amount

    with pytest.raises(TypeError, match="ctx: ToolContext"):
        tool(no_context)

    def undocumented(ctx: ToolContext) -> None:
        pass

    with pytest.raises(TypeError, match="docstring"):
        tool(undocumented)


def test_name_collisions_name_both_plugins() -> None:
    registry = Registry()
    registry.add(give_credit, "billing")
    with pytest.raises(ToolCollision, match=r"'billing'.*'marketing'"):
        registry.add(give_credit, "marketing")


class Billing:
    """A plugin as an object: its hooks are its methods."""

    @hookimpl
    def register_tools(self, register) -> None:
        register(give_credit)

    @hookimpl
    def customer_name(self, session, customer_id: str) -> str:
        return f"Customer {customer_id}"


def test_each_tool_knows_its_plugin_and_its_other_hooks_answer() -> None:
    registry = Registry()
    registry.load("billing", Billing())
    assert registry.get("give_credit").plugin == "billing"
    assert registry.plugins() == ["billing"]
    assert registry.hook.customer_name(session=None, customer_id="c1") == "Customer c1"


def test_a_hook_that_is_not_in_the_spec_is_refused() -> None:
    class Misspelt:
        @hookimpl
        def gather_fact(self, reader) -> None:  # gather_facts
            return None

    with pytest.raises(Exception, match="gather_fact"):
        registry = Registry()
        registry.load("typo", Misspelt())
        registry.check()


def test_built_in_tools_load_through_entry_points() -> None:
    registry = load_registry()
    assert {"get_order_details", "cancel_pending_order"} <= set(registry.names())
    assert registry.get("get_order_details").plugin == "orders"


def test_the_allow_list_limits_plugins() -> None:
    registry = load_registry(["orders"])
    assert all(t.plugin == "orders" for t in registry)
    with pytest.raises(RuntimeError, match="not installed"):
        load_registry(["orders", "no-such-plugin"])
