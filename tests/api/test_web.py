"""The HTTP API contract, through FastAPI's TestClient and a live server for SSE."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from agent.identity import sign_customer
from tests.conftest import LiveServer, decision, make_app, read_sse, scripted

ANSWER = "Refunds to a card take 5 to 7 business days."


@pytest.fixture
def app(settings, retriever):
    return make_app(settings, retriever, scripted(decision("search_help_center", query="refund time"), ANSWER))


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def wait_for_reply(client: TestClient, cid: str, n: int = 1, limit_s: float = 30) -> dict:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        body = client.get(f"/v1/conversations/{cid}").json()
        if sum(m["role"] == "assistant" for m in body["messages"]) >= n:
            return body
        time.sleep(0.05)
    raise TimeoutError("no reply")


def test_health(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["knowledge_chunks"] > 0


def test_the_chat_page_is_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "/widget/app.js" in r.text
    assert "/v1/conversations" in client.get("/widget/app.js").text


def test_a_conversation_round_trip(client: TestClient) -> None:
    r = client.post("/v1/conversations")
    assert r.status_code == 201 and r.json()["customer_id"] is None
    cid = r.json()["id"]
    r = client.post(f"/v1/conversations/{cid}/messages", json={"text": "How long do card refunds take?"})
    assert r.status_code == 202
    messages = wait_for_reply(client, cid)["messages"]
    assert [m["role"] for m in messages] == ["customer", "assistant"]
    assert messages[1]["text"] == ANSWER
    assert messages[1]["citations"] and set(messages[1]["citations"][0]) == {"title", "url"}


def test_a_signed_token_signs_the_customer_in(client: TestClient) -> None:
    token = sign_customer("noah_brown_6181", b"test-secret")
    r = client.post("/v1/conversations", json={"customer_token": token})
    assert r.status_code == 201 and r.json()["customer_id"] == "noah_brown_6181"
    assert client.get(f"/v1/conversations/{r.json()['id']}").json()["customer_id"] == "noah_brown_6181"


@pytest.mark.parametrize("token", ["garbage", sign_customer("noah_brown_6181", b"wrong-secret")])
def test_a_bad_token_is_refused_with_a_reason(client: TestClient, token: str) -> None:
    r = client.post("/v1/conversations", json={"customer_token": token})
    assert r.status_code == 401 and "customer_token" in r.json()["detail"]


@pytest.mark.parametrize("method, path", [
    ("post", "/v1/conversations/nope/messages"), ("get", "/v1/conversations/nope"),
    ("get", "/v1/conversations/nope/events")])
def test_unknown_conversations_are_404_with_a_hint(client: TestClient, method: str, path: str) -> None:
    r = getattr(client, method)(path, **({"json": {"text": "hi"}} if method == "post" else {}))
    assert r.status_code == 404 and "POST /v1/conversations" in r.json()["detail"]


@pytest.mark.parametrize("kwargs, status, words", [
    ({"json": {"text": "   "}}, 422, "must not be empty"),
    ({"json": {"text": "x" * 2001}}, 413, "limit is 2000"),
    ({"json": {}}, 422, "text: Field required"),
    ({"json": {"text": 5}}, 422, "text"),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "not valid JSON"),
])
def test_bad_messages_get_a_clear_4xx_and_change_nothing(client: TestClient, kwargs, status, words) -> None:
    cid = client.post("/v1/conversations").json()["id"]
    r = client.post(f"/v1/conversations/{cid}/messages", **kwargs)
    assert r.status_code == status and words in r.json()["detail"]
    assert client.get(f"/v1/conversations/{cid}").json()["messages"] == []


def test_replies_stream_over_sse_and_resume_after_last_event_id(app) -> None:
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        cid = http.post("/v1/conversations").json()["id"]
        with http.stream("GET", f"/v1/conversations/{cid}/events") as stream:
            http.post(f"/v1/conversations/{cid}/messages", json={"text": "How long do card refunds take?"})
            events = read_sse(stream)
        tokens = [e for e in events if e["event"] == "token"]
        assert len(tokens) > 3 and "".join(e["data"]["text"] for e in tokens) == ANSWER
        final = events[-1]
        assert final["event"] == "message" and final["data"]["text"] == ANSWER and final["data"]["citations"]

        # A client that reconnects after the first token gets the rest, not the start again.
        with http.stream("GET", f"/v1/conversations/{cid}/events",
                         headers={"Last-Event-ID": tokens[0]["id"]}) as stream:
            replay = read_sse(stream)
        assert replay[0]["id"] == tokens[1]["id"] and replay[-1]["data"]["text"] == ANSWER
