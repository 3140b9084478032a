"""The HTTP API contract, through FastAPI's TestClient and a live server for SSE."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from tests.conftest import (
    IDENTITY_SECRET,
    LiveServer,
    customer_token,
    decision,
    make_app,
    open_chat,
    read_sse,
    scripted,
)

ANSWER = "Refunds to a card take 5 to 7 business days."


@pytest.fixture
def app(settings, retriever, clock):
    return make_app(settings, retriever, scripted(decision("search_help_center", query="refund time"), ANSWER),
                    clock=clock)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def test_health_is_liveness_and_readiness_checks_every_part(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "checks": {
        "model": "ok", "database": "ok", "migrations": "ok", "help_center": "ok"}}


def test_the_chat_page_is_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "/widget/app.js" in r.text
    assert "/v1/conversations" in client.get("/widget/app.js").text


def test_a_conversation_round_trip(client: TestClient) -> None:
    r = client.post("/v1/conversations")
    assert r.status_code == 201 and r.json()["customer_id"] is None
    assert set(r.json()) == {"id", "customer_id", "customer_name", "access_token", "site"}
    assert len(r.json()["access_token"]) >= 43
    chat = open_chat(client)
    assert chat.say("How long do card refunds take?").status_code == 202
    messages = chat.replies()
    assert [m["role"] for m in messages] == ["customer", "assistant"]
    assert messages[1]["text"] == ANSWER
    assert messages[1]["citations"] and set(messages[1]["citations"][0]) == {"title", "url"}


def test_the_access_token_is_stored_only_as_a_hash(client: TestClient, engine) -> None:
    chat = open_chat(client)
    with engine.connect() as db:
        (row,) = db.execute(text("SELECT * FROM conversations WHERE id = :id"), {"id": chat.id}).mappings().all()
    assert chat.access_token not in str(dict(row)) and len(row["access_token_hash"]) == 64


def test_a_signed_token_signs_the_customer_in(client: TestClient) -> None:
    chat = open_chat(client, "noah_brown_6181")
    assert chat.customer_id == "noah_brown_6181"
    assert chat.transcript()["customer_id"] == "noah_brown_6181"


@pytest.mark.parametrize("token, words", [
    ("garbage", "not a JWT"),
    (customer_token("noah_brown_6181", secret="another-sites-secret-0123456789abcdef"), "signature does not match"),
    (customer_token("noah_brown_6181", ttl_s=60), "expired"),  # minted a day before the test's clock
], ids=["malformed", "other-secret", "expired"])
def test_a_bad_token_is_refused_with_a_reason(client: TestClient, clock, token: str, words: str) -> None:
    clock.advance(days=1)
    r = client.post("/v1/conversations", json={"customer_token": token})
    assert r.status_code == 401 and "customer_token" in r.json()["detail"] and words in r.json()["detail"]


def test_a_rotated_out_secret_stops_working_and_the_new_one_signs(settings, retriever, clock) -> None:
    new = "the-new-identity-secret-0123456789abcdef"
    rotating = settings.web.model_copy(update={"identity_secrets": [SecretStr(new), SecretStr(IDENTITY_SECRET)]})
    with TestClient(make_app(settings.model_copy(update={"web": rotating}), retriever, scripted("{}"),
                             clock=clock)) as both:
        assert both.post("/v1/conversations", json={"customer_token": customer_token("a", clock)}).status_code == 201
        assert both.post("/v1/conversations",
                         json={"customer_token": customer_token("a", clock, secret=new)}).status_code == 201
    retired = settings.web.model_copy(update={"identity_secrets": [SecretStr(new)]})
    with TestClient(make_app(settings.model_copy(update={"web": retired}), retriever, scripted("{}"),
                             clock=clock)) as only_new:
        old = only_new.post("/v1/conversations", json={"customer_token": customer_token("a", clock)})
        assert old.status_code == 401


@pytest.mark.parametrize("method, path", [
    ("post", "/messages"), ("get", ""), ("get", "/events"), ("post", "/confirm")])
def test_requests_without_the_access_token_are_401_and_say_what_is_missing(client: TestClient, method: str,
                                                                           path: str) -> None:
    chat = open_chat(client)
    body = {"text": "hi"} if path == "/messages" else {"confirm": True}
    r = getattr(client, method)(chat.path + path, **({"json": body} if method == "post" else {}))
    assert r.status_code == 401 and "Authorization: Bearer <access_token>" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("method, path", [
    ("post", "/messages"), ("get", ""), ("get", "/events"), ("post", "/confirm")])
def test_a_wrong_token_looks_exactly_like_an_unknown_id(client: TestClient, method: str, path: str) -> None:
    victim, attacker = open_chat(client), open_chat(client)
    body = {"json": {"text": "hi"} if path == "/messages" else {"confirm": True}} if method == "post" else {}
    wrong = getattr(client, method)(victim.path + path, headers=attacker.auth, **body)
    unknown = getattr(client, method)(f"/v1/conversations/nope{path}", headers=attacker.auth, **body)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() and "POST /v1/conversations" in wrong.json()["detail"]
    assert victim.transcript()["messages"] == []


def test_a_signed_in_conversation_expires_after_a_day_without_activity(client: TestClient, clock) -> None:
    chat = open_chat(client, "noah_brown_6181", clock)
    chat.say("How long do card refunds take?")
    chat.replies()
    clock.advance(hours=23)
    assert client.get(chat.path, headers=chat.auth).status_code == 200  # reading is not activity...
    clock.advance(hours=2)  # ...so a day after the last message, it has ended
    gone = client.post(f"{chat.path}/messages", json={"text": "still there?"}, headers=chat.auth)
    assert gone.status_code == 401 and "24 hours without activity" in gone.json()["detail"]
    assert client.get(chat.path, headers=chat.auth).status_code == 401
    anonymous = open_chat(client)
    clock.advance(days=3)
    assert client.get(anonymous.path, headers=anonymous.auth).status_code == 200  # nothing to protect but chat


def test_activity_keeps_a_conversation_alive(client: TestClient, clock) -> None:
    chat = open_chat(client, "noah_brown_6181", clock)
    for n in range(1, 4):
        clock.advance(hours=20)
        assert chat.say("and another thing").status_code == 202
        chat.replies(n)


@pytest.mark.parametrize("kwargs, status, words", [
    ({"json": {"text": "   "}}, 422, "must not be empty"),
    ({"json": {"text": "x" * 2001}}, 413, "limit is 2000"),
    ({"json": {}}, 422, "text: Field required"),
    ({"json": {"text": 5}}, 422, "text"),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "not valid JSON"),
])
def test_bad_messages_get_a_clear_4xx_and_change_nothing(client: TestClient, kwargs, status, words) -> None:
    chat = open_chat(client)
    kwargs = {**kwargs, "headers": {**kwargs.get("headers", {}), **chat.auth}}
    r = client.post(f"{chat.path}/messages", **kwargs)
    assert r.status_code == status and words in r.json()["detail"]
    assert chat.transcript()["messages"] == []


def test_a_new_event_stream_says_at_once_that_it_is_open(app) -> None:
    # Its first comment comes as soon as the stored events are replayed, not after the first quiet 15 s: the
    # widget knows it is connected, and a proxy that buffers until the first bytes passes the headers on.
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=5) as http:
        chat = open_chat(http)
        with chat.events() as stream:
            assert stream.status_code == 200
            assert next(stream.iter_lines()).startswith(":")  # within the 5 s read timeout


def test_replies_stream_over_sse_and_resume_after_last_event_id(app) -> None:
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        chat = open_chat(http)
        with chat.events() as stream:
            chat.say("How long do card refunds take?")
            events = read_sse(stream)
        tokens = [e for e in events if e["event"] == "token"]
        assert len(tokens) > 3 and "".join(e["data"]["text"] for e in tokens) == ANSWER
        final = events[-1]
        assert final["event"] == "message" and final["data"]["text"] == ANSWER and final["data"]["citations"]

        # A client that reconnects after the first token gets the whole answer, not the start again: tokens
        # are not stored, the message that ends them is (its id follows the event the tokens came after).
        assert tokens[0]["id"] == f"{events[0]['id']}.1" and final["id"] == str(int(events[0]["id"]) + 1)
        with chat.events(**{"Last-Event-ID": tokens[0]["id"]}) as stream:
            replay = read_sse(stream)
        assert [e["id"] for e in replay] == [final["id"]] and replay[0]["data"]["text"] == ANSWER


def test_a_signed_in_customer_is_named_not_shown_by_their_internal_id(settings, retriever, clock) -> None:
    with TestClient(make_app(settings, retriever, scripted(decision("reply"), "Hi!"))) as client:
        token = customer_token("aarav_anderson_8794", clock)
        created = client.post("/v1/conversations", json={"customer_token": token})
        assert created.status_code == 201 and created.json()["customer_name"] == "Aarav Anderson"
        auth = {"Authorization": f"Bearer {created.json()['access_token']}"}
        assert client.get(f"/v1/conversations/{created.json()['id']}", headers=auth).json()["customer_name"] == \
            "Aarav Anderson"
        anonymous = client.post("/v1/conversations", json={}).json()
        assert anonymous["customer_id"] is None and anonymous["customer_name"] is None


def test_the_widget_gets_the_brand_of_its_site_key(settings, retriever) -> None:
    ada = {"origins": [], "name": "Ada", "greeting": "Hola, soy Ada.", "tagline": "Tents and stoves"}
    with TestClient(make_app(settings, retriever, scripted(decision("reply"), "Hi!"), sites={"ada": ada})) as client:
        created = client.post("/v1/conversations", json={"site_key": "ada"}).json()
        assert created["site"] == {"name": "Ada", "greeting": "Hola, soy Ada.", "tagline": "Tents and stoves"}
        auth = {"Authorization": f"Bearer {created['access_token']}"}
        assert client.get(f"/v1/conversations/{created['id']}", headers=auth).json()["site"]["name"] == "Ada"
        assert client.post("/v1/conversations", json={}).json()["site"]["name"] == "Concierge"
