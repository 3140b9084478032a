"""Schema-constrained answers: repaired when possible, re-asked once, then a clear error."""

import asyncio

import pytest
from langchain_core.messages import HumanMessage

from agent.llm.scripted import ScriptedChat
from agent.llm.structured import StructuredOutputError, ainvoke_structured, check, repair

SCHEMA = {"type": "object", "properties": {"action": {"enum": ["reply", "search"]}}, "required": ["action"],
          "additionalProperties": False}


@pytest.mark.parametrize("text, value", [
    ('```json\n{"action": "reply"}\n```', {"action": "reply"}),
    ('Sure! {"action": "search"} hope that helps', {"action": "search"}),
    ('{"action": "reply"', {"action": "reply"}),
    ('{"action": "rep', None),  # a string cut in the middle repairs to a value the schema rejects
])
def test_repair(text: str, value) -> None:
    assert check(text, SCHEMA)[0] == value
    if value is None:
        assert repair(text) == {"action": "rep"}


def test_a_second_try_is_asked_for_with_the_reason() -> None:
    model = ScriptedChat(replies=['{"action": "dance"}', '{"action": "search"}'])
    value = asyncio.run(ainvoke_structured(model, [HumanMessage("hi")], SCHEMA, name="decision"))
    assert value == {"action": "search"}
    retry = model.calls[1]["messages"][-1].text
    assert "invalid" in retry and "dance" in retry
    assert model.calls[0]["kwargs"]["response_format"]["json_schema"]["schema"] == SCHEMA


def test_two_failures_are_a_clear_error_not_a_crash() -> None:
    model = ScriptedChat(replies=["no idea", "still no idea"])
    with pytest.raises(StructuredOutputError, match="did not match the decision schema twice"):
        asyncio.run(ainvoke_structured(model, [HumanMessage("hi")], SCHEMA, name="decision"))
