"""The next-step decision: which actions exist, their JSON schema, and validation.

The schema offered to the model is built from the actions allowed in the
current state, so an action that is not allowed cannot even be produced.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

ORDER_ID_PATTERN = r"^#W[0-9]{7}$"


class Reply(BaseModel):
    """Answer directly: greetings, thanks, small talk."""

    action: Literal["reply"]


class SearchHelpCenter(BaseModel):
    """Look the question up in the help center."""

    action: Literal["search_help_center"]
    query: str = Field(min_length=1, max_length=300)


class GetOrderDetails(BaseModel):
    """Look up one of the signed-in customer's orders."""

    action: Literal["get_order_details"]
    order_id: str = Field(pattern=ORDER_ID_PATTERN)


Decision = Reply | SearchHelpCenter | GetOrderDetails
_ADAPTER: TypeAdapter[Decision] = TypeAdapter(Decision)

_SCHEMAS: dict[str, dict[str, Any]] = {
    "reply": {"properties": {"action": {"const": "reply"}}, "required": ["action"]},
    "search_help_center": {
        "properties": {"action": {"const": "search_help_center"},
                       "query": {"type": "string", "minLength": 1, "maxLength": 300}},
        "required": ["action", "query"]},
    "get_order_details": {
        "properties": {"action": {"const": "get_order_details"},
                       "order_id": {"type": "string", "pattern": ORDER_ID_PATTERN}},
        "required": ["action", "order_id"]},
}


def allowed_actions(customer_id: str | None) -> list[str]:
    """Actions on offer: order look-ups only for a signed-in customer."""
    actions = ["search_help_center", "reply"]
    if customer_id:
        actions.insert(1, "get_order_details")
    return actions


def decision_schema(actions: list[str]) -> dict[str, Any]:
    """A JSON schema accepting exactly one of ``actions``."""
    variants = [{"type": "object", "additionalProperties": False, **_SCHEMAS[a]} for a in actions]
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


def parse_decision(text: str, actions: list[str], customer_said: str = "") -> Decision | None:
    """Validate the model's output; None if it is not a valid, allowed, grounded decision.

    Grounded: an order id must appear in what the customer wrote (``customer_said``),
    so the model cannot look up an order it invented or copied from an example.
    """
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    try:
        decision = _ADAPTER.validate_python(json.loads(cleaned))
    except (json.JSONDecodeError, ValidationError):
        return None
    if decision.action not in actions:
        return None
    if isinstance(decision, GetOrderDetails) and decision.order_id[2:] not in customer_said:
        return None
    return decision
