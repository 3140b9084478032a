"""Pretending to be Slack: replayed, re-signed, tampered and unsigned requests to /slack/events.

A request that passed would let its sender speak to a customer as a support agent, take conversations
and approve refunds; bolt's signature check (over the timestamp and the exact body) is what stops it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from tests.conftest import make_app, open_chat, scripted, with_slack
from tests.security.conftest import echo, obedient_router

SECRET, CHANNEL = "slack-signing-secret-for-the-suite", "C_SUPPORT"


@pytest.fixture
def client(settings, retriever, clock, slack) -> Iterator[TestClient]:
    configured = with_slack(settings, slack, SECRET, CHANNEL)
    with TestClient(make_app(configured, retriever, scripted(obedient_router, echo), clock=clock)) as c:
        yield c


def headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)  # Slack's clock is the wall clock
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def take_it(conversation_id: str) -> str:
    """A button click that would take a customer's conversation, as Slack sends it."""
    payload = {"type": "block_actions", "user": {"id": "U_EVIL", "username": "evil", "team_id": "T1"},
               "api_app_id": "A1", "token": "t", "team": {"id": "T1", "domain": "x"},
               "container": {"type": "message", "message_ts": "1.1", "channel_id": CHANNEL},
               "channel": {"id": CHANNEL}, "trigger_id": "1",
               "actions": [{"action_id": "take", "block_id": "b", "value": conversation_id, "type": "button",
                            "action_ts": "1.2"}]}
    return "payload=" + json.dumps(payload)


def post(client: TestClient, body: str, hdrs: dict[str, str], form: bool = False):
    if form:
        hdrs = {**hdrs, "Content-Type": "application/x-www-form-urlencoded"}
    return client.post("/slack/events", content=body, headers=hdrs)


CHALLENGE = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "t"})


def test_a_correctly_signed_request_is_answered(client) -> None:
    r = post(client, CHALLENGE, headers(CHALLENGE))
    assert r.status_code == 200 and r.json()["challenge"] == "c-1"


@pytest.mark.parametrize("make", [
    lambda: headers(CHALLENGE, secret="not-the-signing-secret"),
    lambda: headers(CHALLENGE, timestamp=int(time.time()) - 600),
    lambda: headers(CHALLENGE, timestamp=int(time.time()) + 600),
    lambda: {**headers(CHALLENGE), "X-Slack-Signature": "v0=" + "0" * 64},
    lambda: {**headers(CHALLENGE), "X-Slack-Signature": "v1=garbage"},
    lambda: {"Content-Type": "application/json"},
    lambda: {k: v for k, v in headers(CHALLENGE).items() if k != "X-Slack-Request-Timestamp"},
    lambda: {**headers(CHALLENGE), "X-Slack-Request-Timestamp": "not-a-number"},
], ids=["re-signed-with-a-wrong-secret", "replayed-ten-minutes-later", "timestamp-from-the-future",
        "forged-signature", "malformed-signature", "unsigned", "signature-without-timestamp",
        "timestamp-not-a-number"])
def test_a_request_slack_did_not_sign_just_now_is_a_401(client, make) -> None:
    assert post(client, CHALLENGE, make()).status_code == 401


def test_a_body_changed_after_signing_is_a_401(client) -> None:
    signed_for = headers(CHALLENGE)
    tampered = CHALLENGE.replace("c-1", "c-2")
    assert post(client, tampered, signed_for).status_code == 401


def test_a_forged_take_it_click_does_not_take_the_conversation(client, clock) -> None:
    chat = open_chat(client, "aarav_anderson_8794", clock)
    chat.say("I want to talk to a person")
    chat.wait(lambda b: b["mode"] == "waiting_for_human")
    body = take_it(chat.id)
    assert post(client, body, headers(body, secret="guessed-secret"), form=True).status_code == 401
    time.sleep(0.3)
    assert chat.transcript()["mode"] == "waiting_for_human"  # nobody took it
