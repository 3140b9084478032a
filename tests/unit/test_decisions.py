"""The decision schema offers only allowed actions; validation rejects what slipped through."""

import json

from agent.decisions import allowed_actions, decision_schema, parse_decision


def _actions_in(schema: dict) -> set[str]:
    variants = schema.get("anyOf", [schema])
    return {v["properties"]["action"]["const"] for v in variants}


def test_anonymous_customers_are_never_offered_order_tools() -> None:
    assert _actions_in(decision_schema(allowed_actions(None))) == {"search_help_center", "reply"}
    assert "get_order_details" in _actions_in(decision_schema(allowed_actions("noah_brown_6181")))


def test_valid_decisions_parse_including_fenced_json() -> None:
    d = parse_decision('```json\n{"action": "search_help_center", "query": "returns"}\n```', ["search_help_center"])
    assert d is not None and d.query == "returns"


def test_an_action_outside_the_offer_is_rejected() -> None:
    text = json.dumps({"action": "get_order_details", "order_id": "#W2611340"})
    assert parse_decision(text, allowed_actions(None), "order #W2611340") is None


def test_an_order_id_the_customer_never_wrote_is_rejected() -> None:
    text = json.dumps({"action": "get_order_details", "order_id": "#W1234567"})
    actions = allowed_actions("james_li_5688")
    assert parse_decision(text, actions, "can I cancel my stay?") is None
    assert parse_decision(text, actions, "status of W1234567 please") is not None


def test_garbage_is_rejected() -> None:
    assert parse_decision("I think you should search", ["search_help_center", "reply"]) is None
    assert parse_decision('{"action": "search_help_center"}', ["search_help_center"]) is None
