"""The Slack channel through bolt's real request handling: signed requests in, a mock Slack Web API out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from sqlmodel import Session, select

from tests.conftest import Chat, decision, make_app, open_chat, scripted, with_slack
from tests.slack_mock import BOT_USER, MockSlack
from tools.audit import ToolAudit
from tools.listings.models import Reservation

SECRET, CHANNEL = "signing-secret", "C_SUPPORT"
GUEST, BIG_REFUND = "lucas_davis_5124", "HMUR0LI37U"  # a flexible stay whose refund is over the $500 limit
SUGGESTION = "Your refund will reach your card within 5 to 10 business days."


def router(messages) -> str:
    text = messages[-1].text
    if BIG_REFUND in text:
        return decision("cancel_reservation", reservation_id=BIG_REFUND)
    return decision("reply")


@pytest.fixture
def client(settings, retriever, slack) -> Iterator[TestClient]:
    app = make_app(with_slack(settings, slack, SECRET, CHANNEL), retriever, scripted(router, SUGGESTION))
    with TestClient(app) as c:
        yield c


def signed(client: TestClient, body: str, content_type: str, secret: str = SECRET, **headers: str):
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return client.post("/slack/events", content=body, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature,
        **headers})


def event(client: TestClient, event_id: str | None = None, retry: int | None = None, **fields: Any):
    """An Events API delivery (``retry``: Slack's retry number, when it sends one again)."""
    body = json.dumps({"token": "t", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id or f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}],
                       "event": {"channel": CHANNEL, "ts": fields.pop("ts", f"{time.time():.6f}"), **fields}})
    retried = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    return signed(client, body, "application/json", **retried)


def click(client: TestClient, slack: MockSlack, action_id: str, value: str, ts: str, user: str = "U_AGENT"):
    payload = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T1"},
               "api_app_id": "A1", "token": "t", "team": {"id": "T1", "domain": "test"},
               "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL, "is_ephemeral": False},
               "channel": {"id": CHANNEL, "name": "support"}, "message": {"ts": ts, "text": "ticket"},
               "trigger_id": "1.2", "response_url": f"{slack.url}/respond/1",
               "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                            "action_ts": f"{time.time():.6f}"}]}
    return signed(client, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def customer_says(chat: Chat, text: str) -> None:
    assert chat.say(text).status_code == 202


def wait(check, limit_s: float = 20) -> Any:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise TimeoutError("condition not met")


def with_agent_reply(chat: Chat) -> dict[str, Any] | None:
    """The transcript once a human agent's message is in it."""
    body = chat.transcript()
    return body if any(m["role"] == "agent" for m in body["messages"]) else None


def open_handoff(client: TestClient, slack: MockSlack, customer: str | None = "liam_lopez_7019") -> tuple[Chat, str]:
    chat = open_chat(client, customer)
    customer_says(chat, "My order #W2000719 never came. I want to talk to a person.")
    root = slack.wait_for(channel=CHANNEL, containing="Handoff from")
    return chat, root_ts(slack, root)


def root_ts(slack: MockSlack, root: dict[str, Any]) -> str:
    index = [b for m, b in slack.calls if m == "chat.postMessage"].index(root)
    return f"1700000000.{index + 1:06d}"  # the mock numbers posts in order


def test_badly_signed_requests_are_rejected_and_good_ones_accepted(client) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    assert signed(client, body, "application/json", secret="wrong").status_code == 401
    unsigned = client.post("/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    good = signed(client, body, "application/json")
    assert good.status_code == 200 and good.json()["challenge"] == "c-123"


def test_a_handoff_opens_a_thread_with_buttons_and_relays_both_ways(client, slack) -> None:
    chat, ts = open_handoff(client, slack)
    root = slack.posted(channel=CHANNEL)[0]
    blocks = json.dumps(root["blocks"])
    assert "liam_lopez_7019" in root["text"] and "asked for a person" in root["text"]
    assert '"action_id": "take"' in blocks and '"action_id": "hand_back"' in blocks and "W2000719" in blocks
    customer_says(chat, "Hello? <@U_LEAD> <https://evil.example|click>")
    relayed = slack.wait_for(thread_ts=ts, containing="Customer:")
    assert "&lt;@U_LEAD&gt;" in relayed["text"] and "<@U_LEAD>" not in relayed["text"]  # no smuggled mentions
    assert event(client, type="message", user="U_AGENT", text="Hi, I'm looking into it.",
                 thread_ts=ts).status_code == 200
    body = wait(lambda: with_agent_reply(chat))
    assert body["mode"] == "human"
    assert body["messages"][-1] == {**body["messages"][-1], "role": "agent", "text": "Hi, I'm looking into it."}
    click(client, slack, "lookup-0", "W2000719", ts)  # the record's button: details only the agent sees
    assert "Pet Bed" in slack.wait_for("/respond/1", containing="Order #W2000719")["text"]
    # The bot's own posts and messages outside ticket threads are not relayed to the customer.
    event(client, type="message", user="U_AGENT", text="lunch?")
    event(client, type="message", bot_id="BBOT", text="echo", thread_ts=ts)
    time.sleep(0.5)
    assert sum(m["role"] == "agent" for m in chat.transcript()["messages"]) == 1


def test_take_records_the_first_agent_and_hand_back_returns_to_the_bot(client, slack, engine) -> None:
    chat, ts = open_handoff(client, slack)
    assert click(client, slack, "take", chat.id, ts).status_code == 200
    wait(lambda: chat.transcript()["mode"] == "human")
    slack.wait_for(thread_ts=ts, containing="took this conversation")
    click(client, slack, "take", chat.id, ts, user="U_LEAD")
    click(client, slack, "hand_back", chat.id, ts, user="U_LEAD")
    wait(lambda: chat.transcript()["mode"] == "bot")
    slack.wait_for(thread_ts=ts, containing="Handed back to the bot")
    from agent.conversations.records import Ticket

    with Session(engine) as session:
        (ticket,) = session.exec(select(Ticket)).all()
    assert ticket.agent == "Maria" and ticket.status == "closed"


def approval_ticket(client, slack) -> tuple[Chat, str]:
    chat = open_chat(client, GUEST)
    customer_says(chat, f"Please cancel my reservation {BIG_REFUND}.")
    wait(lambda: any("Please confirm" in m["text"] for m in chat.transcript()["messages"]))
    assert chat.confirm(True).status_code == 202
    root = slack.wait_for(channel=CHANNEL, containing="needs approval")
    assert '"action_id": "approve"' in json.dumps(root["blocks"])
    return chat, root_ts(slack, root)


def test_an_approval_runs_the_waiting_action_audited_with_the_slack_identity(client, slack, engine) -> None:
    chat, ts = approval_ticket(client, slack)
    with Session(engine) as session:
        assert session.get(Reservation, BIG_REFUND).status == "confirmed"  # nothing before a person decides
    click(client, slack, "approve", chat.id, ts, user="U_LEAD")
    slack.wait_for(thread_ts=ts, containing="approved the action")
    with Session(engine) as session:
        assert session.get(Reservation, BIG_REFUND).status == "cancelled"
        audit = session.exec(select(ToolAudit).where(ToolAudit.tool == "cancel_reservation")).one()
    assert audit.approved_by == "agent:slack:U_LEAD" and audit.confirmed_by == f"customer:{GUEST}"
    assert any("approved and is done" in m["text"] for m in chat.transcript()["messages"])


def test_a_rejection_changes_nothing_and_tells_the_customer(client, slack, engine) -> None:
    chat, ts = approval_ticket(client, slack)
    click(client, slack, "reject", chat.id, ts, user="U_LEAD")
    slack.wait_for(thread_ts=ts, containing="rejected the action")
    with Session(engine) as session:
        assert session.get(Reservation, BIG_REFUND).status == "confirmed"
    assert any("could not approve" in m["text"] for m in chat.transcript()["messages"])
    click(client, slack, "approve", chat.id, ts, user="U_LEAD")  # too late: nothing waits any more
    slack.wait_for(thread_ts=ts, containing="Nothing in this conversation is waiting for approval")


def test_mentioning_the_bot_suggests_a_reply_only_the_agent_sees_and_can_send(client, slack) -> None:
    chat, ts = open_handoff(client, slack)
    event(client, type="app_mention", user="U_AGENT", text=f"<@{BOT_USER}> what should I say?", thread_ts=ts)
    event(client, type="message", user="U_AGENT", text=f"<@{BOT_USER}> what should I say?", thread_ts=ts)
    hint = slack.wait_for("chat.postEphemeral", user="U_AGENT", containing="Suggested reply")
    assert SUGGESTION in hint["text"] and hint["thread_ts"] == ts
    assert not any(m["role"] == "agent" for m in chat.transcript()["messages"])  # nothing sent yet
    value = json.dumps([chat.id, SUGGESTION])
    click(client, slack, "send_suggestion", value, ts)
    body = wait(lambda: with_agent_reply(chat))
    assert body["messages"][-1]["text"] == SUGGESTION


def test_the_slash_command_looks_up_orders_and_reservations(client) -> None:
    def command(text: str):
        form = urlencode({"token": "t", "team_id": "T1", "channel_id": CHANNEL, "user_id": "U_AGENT",
                          "command": "/concierge", "text": text, "response_url": "http://127.0.0.1:9/r",
                          "trigger_id": "1.2"})
        return signed(client, form, "application/x-www-form-urlencoded")

    order = command("order #W2000719")
    assert order.status_code == 200 and "Pet Bed" in order.json()["text"] and "liam_lopez_7019" in order.json()["text"]
    assert "HMUR0LI37U" in command("reservation HMUR0LI37U").json()["text"]
    assert "Usage" in command("help").json()["text"]


def test_the_app_manifest_asks_for_what_the_channel_uses() -> None:
    import yaml

    from tests.conftest import ROOT

    manifest = yaml.safe_load((ROOT / "agent" / "staff" / "slack_manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "app_mentions:read", "channels:history", "users:read"} <= scopes
    assert {"app_mention", "message.channels"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
