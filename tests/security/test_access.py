"""Knowing a conversation's id grants nothing: every request proves it holds that conversation's access token."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Chat, open_chat
from tests.security.conftest import VICTIM_ORDER, all_replies, assert_nothing_of_the_victims, victims_records

ENDPOINTS = {  # what each request on a conversation looks like, as (method, path suffix, body)
    "post-message": ("post", "/messages", {"text": f"cancel {VICTIM_ORDER}"}),
    "confirm": ("post", "/confirm", {"confirm": True}),
    "read-transcript": ("get", "", None),
    "open-event-stream": ("get", "/events", None),
}


def call(client: TestClient, chat: Chat, endpoint: str, headers: dict[str, str] | None = None,
         conversation_id: str | None = None):
    method, suffix, body = ENDPOINTS[endpoint]
    path = f"/v1/conversations/{conversation_id or chat.id}{suffix}"
    return client.request(method.upper(), path, json=body, headers=headers or {})


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_credentials_at_all_is_a_401_that_says_what_is_missing(client, victim, endpoint) -> None:
    r = call(client, victim, endpoint)
    assert r.status_code == 401 and "Authorization: Bearer <access_token>" in r.json()["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_conversations_token_looks_like_a_missing_conversation(client, victim, attacker, engine,
                                                                       endpoint) -> None:
    before = victims_records(engine)
    wrong = call(client, victim, endpoint, attacker.auth)
    missing = call(client, victim, endpoint, attacker.auth, conversation_id="0" * 32)
    assert wrong.status_code == missing.status_code == 404 and wrong.json() == missing.json()
    assert victim.transcript()["messages"] == []
    assert_nothing_of_the_victims(engine, before, attacker)


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abcdefghijklmnopqrstuvwxyz0123456789", "bearer",
    "Bearer " + "A" * 5000, "Bearer tökén-with-ümlauts-0123456789abcdef", "Bearer abc def ghi jkl mno pqr stu",
    "Bearer ../../../../etc/passwd", "Bearer ' OR '1'='1' --", "Bearer null", "Bearer eyJhbGciOiJub25lIn0.e30.",
], ids=["basic-auth", "bearer-without-token", "bearer-blank", "other-scheme", "scheme-only", "huge-token",
        "non-ascii-token", "token-with-spaces", "path-traversal-token", "sql-injection-token", "null-token",
        "unsigned-jwt-as-token"])
def test_malformed_authorization_is_a_401_never_a_500(client, victim, header: str) -> None:
    r = client.get(victim.path, headers={"Authorization": header.encode()})  # bytes: non-ASCII goes on the wire
    assert r.status_code == 401 and r.json()["detail"].endswith(".")


@pytest.mark.parametrize("guess", [
    "0" * 32, "f" * 32, "1", "-1", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f", "' OR 1=1 --", "x" * 5000, "ä" * 32,
], ids=["zeros", "all-f", "short-number", "negative", "encoded-slashes", "encoded-traversal", "sql-injection",
        "huge-id", "non-ascii-id"])
def test_guessing_ids_with_a_valid_token_finds_nothing(client, attacker, guess: str) -> None:
    r = client.get(f"/v1/conversations/{guess}", headers=attacker.auth)
    assert r.status_code == 404 and r.json()["detail"].startswith("No ")


def test_the_id_in_another_case_is_not_the_same_conversation(client, victim) -> None:
    assert client.get(f"/v1/conversations/{victim.id.upper()}", headers=victim.auth).status_code == 404


def test_the_access_token_never_comes_back_in_the_transcript(client, victim) -> None:
    victim.say("hello")
    victim.replies()
    assert victim.access_token not in client.get(victim.path, headers=victim.auth).text


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_signed_in_conversation_idle_for_a_day_is_closed_to_its_own_token(client, victim, clock,
                                                                            endpoint) -> None:
    clock.advance(hours=24, seconds=1)
    r = call(client, victim, endpoint, victim.auth)
    assert r.status_code == 401 and "without activity" in r.json()["detail"]


def test_an_expired_conversation_cannot_be_revived_by_writing_to_it(client, victim,
                                                                                       clock) -> None:
    clock.advance(days=2)
    assert victim.say("wake up").status_code == 401
    assert client.get(victim.path, headers=victim.auth).status_code == 401


def test_each_conversation_gets_its_own_fresh_token(client) -> None:
    tokens = {open_chat(client).access_token for _ in range(5)}
    assert len(tokens) == 5 and all(len(t) >= 43 for t in tokens)


def test_the_victims_conversation_keeps_working_for_the_victim_after_the_attacks(client, victim, attacker,
                                                                                  engine) -> None:
    for endpoint in ENDPOINTS:
        call(client, victim, endpoint, attacker.auth)
    victim.say("hello, is this thing on?")
    assert [m["role"] for m in victim.replies()] == ["customer", "assistant"]
    assert "hello, is this thing on?" not in all_replies(attacker)
