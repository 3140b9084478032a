"""Free-form tool calls: Qwen's tagged format, and the bare and fenced JSON the small models really write."""

import json
from pathlib import Path

import pytest

from agent.llm.toolcalls import parse_tool_calls

FIXTURES = json.loads((Path(__file__).parents[1] / "fixtures" / "qwen_tool_call_outputs.json").read_text())
TOOLS = {t["function"]["name"]: t["function"]["parameters"] for t in FIXTURES["tools"]}


def recorded(model: str, prompt_start: str) -> str:
    return next(o["content"] for o in FIXTURES["outputs"]
                if o["model"] == model and o["prompt"].startswith(prompt_start))


def test_the_recorded_outputs_never_used_native_tool_calls() -> None:
    # Why this parser exists: llama.cpp saw no tool call in any of them.
    assert all(o["native_tool_calls"] is None for o in FIXTURES["outputs"])


@pytest.mark.parametrize("model", ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
def test_recorded_calls_of_both_models_parse(model: str) -> None:
    result = parse_tool_calls(recorded(model, "What's the status"), TOOLS)
    assert [(c.name, c.args) for c in result.calls] == [("get_order_details", {"order_id": "#W2611340"})]
    cancel = parse_tool_calls(recorded(model, "Please cancel"), TOOLS)
    assert cancel.calls[0].args == {"order_id": "#W7678072", "reason": "ordered by mistake"}
    assert cancel.text == "" and not cancel.rejected


def test_a_call_cut_off_by_max_tokens_is_not_a_call() -> None:
    truncated = recorded("qwen2.5-coder-0.5b", "Find me a place")
    assert not truncated.rstrip().endswith("```")
    assert parse_tool_calls(truncated, TOOLS).calls == []


def test_plain_answers_are_left_alone() -> None:
    result = parse_tool_calls(recorded("qwen2.5-coder-0.5b", "Hi!"), TOOLS)
    assert result.calls == [] and result.text.startswith("Hello!")


def test_qwen_tagged_calls_including_several() -> None:
    text = ('Let me check.\n<tool_call>\n{"name": "get_order_details", "arguments": {"order_id": "#W1000001"}}\n'
            '</tool_call>\n<tool_call>{"name": "find_user_id_by_email", "arguments": {"email": "a@b.c"}}</tool_call>')
    result = parse_tool_calls(text, TOOLS)
    assert [c.name for c in result.calls] == ["get_order_details", "find_user_id_by_email"]
    assert result.text == "Let me check." and len({c.id for c in result.calls}) == 2


def test_unknown_tools_and_invalid_arguments_are_rejected_with_reasons() -> None:
    unknown = parse_tool_calls('{"name": "drop_database", "arguments": {}}', TOOLS)
    assert unknown.calls == [] and "not a bound tool" in unknown.rejected[0]
    bad_reason = parse_tool_calls('{"name": "cancel_pending_order", "arguments": '
                                  '{"order_id": "#W7678072", "reason": "too expensive"}}', TOOLS)
    assert bad_reason.calls == [] and "too expensive" in bad_reason.rejected[0]
    missing = parse_tool_calls('{"name": "get_order_details", "arguments": {}}', TOOLS)
    assert "'order_id' is a required property" in missing.rejected[0]


def test_arguments_given_as_a_json_string_are_accepted() -> None:
    text = json.dumps({"name": "get_order_details", "arguments": json.dumps({"order_id": "#W2000002"})})
    assert parse_tool_calls(text, TOOLS).calls[0].args == {"order_id": "#W2000002"}
