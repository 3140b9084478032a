"""The decision schema offers only allowed actions; validation rejects what slipped through."""

import json

import pytest

from agent.engine.decisions import decision_schema, identification, offered_tools, parse_decision
from agent.engine.state import Action
from tools.registry import load_registry


@pytest.fixture(scope="module")
def registry():
    return load_registry(["orders", "listings"])


def _actions_in(schema: dict) -> set[str]:
    return {v["properties"]["action"]["const"] for v in schema["anyOf"]}


def test_anonymous_customers_are_never_offered_customer_tools(registry) -> None:
    anonymous = _actions_in(decision_schema(offered_tools(registry, None)))
    assert {"search_help_center", "reply", "search_listings", "get_product_details"} <= anonymous
    assert not anonymous & {"get_order_details", "get_user_details", "list_my_reservations"}
    signed_in = _actions_in(decision_schema(offered_tools(registry, "noah_brown_6181")))
    assert {"get_order_details", "list_my_reservations"} <= signed_in


def test_a_question_cannot_be_answered_without_sources_or_data(registry) -> None:
    assert "reply" in _actions_in(decision_schema(offered_tools(registry, None)))
    assert _actions_in(decision_schema(offered_tools(registry, None), chat=False)) == \
        _actions_in(decision_schema(offered_tools(registry, None))) - {"reply"}


def test_writes_are_offered_only_to_signed_in_customers_and_internal_tools_never(registry) -> None:
    signed_in = _actions_in(decision_schema(offered_tools(registry, "noah_brown_6181")))
    anonymous = _actions_in(decision_schema(offered_tools(registry, None)))
    assert {"cancel_pending_order", "cancel_reservation"} <= signed_in
    assert not anonymous & {"cancel_pending_order", "cancel_reservation", "modify_user_address"}
    assert not (signed_in | anonymous) & {"think", "calculate"}


def test_authentication_tools_follow_the_auth_mode(registry) -> None:
    def names(mode: str, customer: str | None = None) -> set[str]:
        return {t.name for t in offered_tools(registry, customer, mode)}

    assert "find_user_id_by_email" not in names("token")
    assert {"find_user_id_by_email", "find_user_id_by_name_zip"} <= names("tau")
    assert "verify_email_code" in names("email_code") and "verify_email_code" not in names("tau")
    assert "find_user_id_by_email" not in names("tau", customer="noah_brown_6181")


def test_tool_arguments_follow_the_tools_schema(registry) -> None:
    schema = decision_schema(offered_tools(registry, "noah_brown_6181"))
    variant = next(v for v in schema["anyOf"] if v["properties"]["action"]["const"] == "get_order_details")
    assert variant["properties"]["args"]["required"] == ["order_id"]


def test_valid_decisions_parse_including_fenced_json(registry) -> None:
    d = parse_decision('```json\n{"action": "search_help_center", "query": "returns"}\n```', [])
    assert d is not None and d.action == Action.SEARCH and d.query == "returns"


def test_a_tool_outside_the_offer_is_rejected(registry) -> None:
    text = json.dumps({"action": "get_order_details", "args": {"order_id": "#W2611340"}})
    assert parse_decision(text, offered_tools(registry, None), "order #W2611340") is None


def test_an_identifier_nobody_said_is_rejected(registry) -> None:
    text = json.dumps({"action": "get_order_details", "args": {"order_id": "#W1234567"}})
    tools = offered_tools(registry, "james_li_5688")
    assert parse_decision(text, tools, "can I cancel my stay?") is None
    d = parse_decision(text, tools, "status of W1234567 please")
    assert d is not None and d.args == {"order_id": "#W1234567"}


def test_garbage_and_invalid_arguments_are_rejected(registry) -> None:
    tools = offered_tools(registry, "james_li_5688")
    assert parse_decision("I think you should search", tools) is None
    assert parse_decision('{"action": "search_help_center"}', tools) is None
    assert parse_decision('{"action": "get_order_details", "args": {"order": "x"}}', tools, "x") is None


def test_tool_patterns_use_only_what_llamacpp_grammars_support(registry) -> None:
    # llama.cpp's JSON-schema-to-grammar silently accepts ANY string for a pattern with \d, \w or \s.
    import xllamacpp

    for t in registry:
        schema = t.parameters()
        patterns = [p["pattern"] for p in schema.get("properties", {}).values() if "pattern" in p]
        for pattern in patterns:
            assert not any(esc in pattern for esc in ("\\d", "\\w", "\\s")), (t.name, pattern)
        xllamacpp.json_schema_to_grammar(schema)  # converts without raising


def test_another_kind_of_id_with_the_same_digits_is_not_grounded(registry) -> None:
    # The 1.5B once looked up listing "L7273336" because the customer mentioned order #W7273336.
    text = json.dumps({"action": "get_listing_details", "args": {"listing_id": "L7273336"}})
    assert parse_decision(text, offered_tools(registry, None), "exchange items from order #W7273336") is None


def test_an_offered_identification_is_recognised_in_code(registry) -> None:
    tau = offered_tools(registry, None, "tau")
    by_name = identification("Hi, I'm Omar Lopez, zip code 90339. I want to exchange a mouse.", tau, registry)
    assert by_name.action == "find_user_id_by_name_zip"
    assert by_name.args == {"first_name": "Omar", "last_name": "Lopez", "zip": "90339"}
    by_email = identification("my email is omar.lopez@example.com", tau, registry)
    assert by_email.args == {"email": "omar.lopez@example.com"}
    assert identification("I want to exchange a mouse", tau, registry) is None
    assert identification("I'm Omar Lopez, zip 90339", offered_tools(registry, None, "token"), registry) is None
