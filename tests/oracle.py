"""An oracle agent for checking evaluation suites: a scripted model that does exactly what each request asks.

If a suite's expectations are consistent with the data and the tools, the oracle passes every scenario
except those where the code must stop it (and there it must be stopped, which the suite checks).
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.evals.scenarios import Scenario
from agent.llm.scripted import ScriptedChat

ORDER, RESERVATION = re.compile(r"#W\d{7}"), re.compile(r"\bHM[0-9A-Z]{8}\b")


def oracle(scenario: Scenario) -> ScriptedChat:
    """Decide each request's own action; answer by repeating the data or excerpts it was given."""

    def fn(messages: list[Any], kwargs: dict[str, Any]) -> str:
        text = messages[-1].text
        if not kwargs.get("response_format"):
            if "failed with this message" in text:
                return "Sorry, I can't do that: " + text
            # The excerpts or the data, verbatim (checks that the right ones were found), without the instruction
            # that follows them and the question.
            found = text.split("\n\nCustomer:")[0]
            return found.rsplit("\n\nAnswer the customer's question", 1)[0].removeprefix("Help-center excerpts:\n")
        facts = " ".join(m.text for m in messages[:-1] if m.type == "system")
        who = re.search(r"I'm (\w+) (\w+), zip code (\d+)", text)
        if "not identified" in facts and who:
            return json.dumps({"action": "find_user_id_by_name_zip",
                               "args": {"first_name": who[1], "last_name": who[2], "zip": who[3]}})
        for request in scenario.requests:
            if request.accept and request.say in text:
                return json.dumps({"action": request.accept["tool"], "args": _full_args(request.accept)})
        if order := ORDER.search(text):
            if re.search(r"\bcancel", text, re.I):
                return json.dumps({"action": "cancel_pending_order",
                                   "args": {"order_id": order[0], "reason": "no longer needed"}})
            return json.dumps({"action": "get_order_details", "args": {"order_id": order[0]}})
        if reservation := RESERVATION.search(text):
            return json.dumps({"action": "get_reservation_details", "args": {"reservation_id": reservation[0]}})
        return json.dumps({"action": "search_help_center", "query": text[:300]})

    return ScriptedChat(fn=fn)


# Arguments a request leaves open (any value is accepted) that the tool still needs.
_FILL = {"cancel_pending_order": {"reason": "no longer needed"},
         "message_host": {"message": "We will arrive late, around 23:00."},
         "report_problem": {"description": "The heating is broken."},
         "return_delivered_order_items": {"payment_method_id": ""},
         "modify_pending_order_items": {"new_item_ids": []},
         "exchange_delivered_order_items": {"new_item_ids": []}}


def _full_args(accept: dict[str, Any]) -> dict[str, Any]:
    return {**_FILL.get(accept["tool"], {}), **accept["args"]}
