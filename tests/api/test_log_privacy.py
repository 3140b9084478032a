"""A whole conversation at DEBUG: the log must not hold the customer's email, street, tokens or words.

It runs on a live server (uvicorn's loggers too), with the Slack channel relaying to a mock Web API
(slack_sdk logs request bodies at DEBUG), logging configured exactly as `concierge serve` configures it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest

from agent.logs import configure_logging, redact
from tests.conftest import LiveServer, customer_token, decision, make_app, open_chat, scripted, with_slack
from tools.orders.seed import load_tau_json

CUSTOMER, ORDER = "aarav_anderson_8794", "#W9300146"
USER = load_tau_json("users")[CUSTOMER]
EMAIL, STREET = USER["email"], USER["address"]["address1"]
WORDS = "my neighbour Whiskerton"  # something only the customer wrote


def router(messages) -> str:
    text = messages[-1].text.lower()
    if "cancel" in text:
        return decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")
    if "address" in text:
        return decision("get_user_details", user_id=CUSTOMER)
    return decision("reply")


@pytest.fixture
def debug_log(settings) -> Iterator[io.StringIO]:
    captured = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    handler = configure_logging(settings.model_copy(update={"log_level": "DEBUG"}), captured)
    yield captured
    root.removeHandler(handler)
    root.handlers[:], root.level = before


def test_a_whole_conversation_at_debug_keeps_customer_data_out_of_the_log(settings, retriever, clock, slack,
                                                                          debug_log) -> None:
    configured = with_slack(settings.model_copy(update={"log_level": "DEBUG"}), slack, "signing", "C1")
    app = make_app(configured, retriever, scripted(router, f"We have {STREET} on file for you."), clock=clock)
    token = customer_token(CUSTOMER, clock)
    with LiveServer(app, log_level="debug") as server, httpx.Client(base_url=server.url, timeout=30) as http:
        chat = open_chat(http, CUSTOMER, clock)
        with chat.events() as stream:
            chat.say(f"What address do you have for me? My email is {EMAIL}, I live at {STREET}.")
            chat.replies(1)
            chat.say(f"Please cancel {ORDER}, {WORDS} ordered it by mistake")
            chat.replies(2)
            chat.confirm(True)
            chat.replies(3)
            chat.say("I want to talk to a person")
            slack.wait_for(channel="C1", containing="Handoff from")
            chat.say(f"Still there? It's about {WORDS}.")
            slack.wait_for(containing="Still there?")
            stream.close()
        http.post("/v1/conversations", json={"customer_token": token + "x"})  # a failure is logged too
    log = debug_log.getvalue()
    assert "DEBUG" in log and "uvicorn" in log and len(log.splitlines()) > 20  # DEBUG really was on
    for secret in (EMAIL, STREET, token, chat.access_token, WORDS, "xoxb-test-0123"):
        assert secret not in log, f"{secret!r} is in the log"


def test_redaction_masks_what_a_warning_or_traceback_could_carry() -> None:
    line = (f"failed for {EMAIL}: Authorization: Bearer abc.DEF-123 and "
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl with xoxb-1-2-abc")
    assert redact(line) == ("failed for <email>: Authorization: Bearer <token> and <jwt> with <slack-token>")
