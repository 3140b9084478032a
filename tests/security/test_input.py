"""Bad input gets a clear 4xx and loses nothing: never a 500, never a message accepted and then dropped."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import AGENT_KEY


def raw(client, path: str, body: bytes, headers: dict[str, str] | None = None, content_type="application/json"):
    return client.post(path, content=body, headers={"Content-Type": content_type, **(headers or {})})


@pytest.mark.parametrize("text, words", [
    ("\ud800", "lone surrogate"), ("hi \udcff there", "lone surrogate"), ("nul\x00byte", "NUL"),
], ids=["lone-high-surrogate", "lone-low-surrogate", "nul-character"])
def test_text_that_cannot_be_stored_is_a_422_and_nothing_is_kept(client, victim, text: str, words: str) -> None:
    r = raw(client, f"{victim.path}/messages", json.dumps({"text": text}).encode(), victim.auth)
    assert r.status_code == 422 and words in r.json()["detail"] and "text" in r.json()["detail"]
    assert victim.transcript()["messages"] == []


def test_a_body_that_is_not_utf8_is_a_422(client, victim) -> None:
    r = raw(client, f"{victim.path}/messages", b'{"text": "caf\xe9 \xff\xfe"}', victim.auth)
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"]
    assert victim.transcript()["messages"] == []


def test_a_body_over_64_kb_is_a_413_before_anything_reads_it(client, victim) -> None:
    r = raw(client, f"{victim.path}/messages", json.dumps({"text": "x" * 70_000}).encode(), victim.auth)
    assert r.status_code == 413 and "64 kB" in r.json()["detail"]
    assert victim.transcript()["messages"] == []


def test_a_streamed_body_without_a_length_is_counted_too(client, victim) -> None:
    def chunks():
        yield b'{"text": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'

    r = client.post(f"{victim.path}/messages", content=chunks(),
                    headers={"Content-Type": "application/json", **victim.auth})
    assert r.status_code == 413
    assert victim.transcript()["messages"] == []


def test_a_declared_length_over_the_limit_is_refused_at_once(client) -> None:
    r = raw(client, "/v1/conversations", b"{}", {"Content-Length": "10000000"})
    assert r.status_code == 413


def test_deeply_nested_json_is_a_422_not_a_crash(client, victim) -> None:
    body = b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = raw(client, f"{victim.path}/messages", body, victim.auth)
    assert r.status_code == 422 and "deeper than" in r.json()["detail"]


@pytest.mark.parametrize("body, words", [
    (b"{not json", "not valid JSON"), (b"", "Field required"), (b"[]", "valid dictionary"),
    (b'{"text": ["a", "b"]}', "text"), (b'{"text": "hi", "role": "assistant"}', "Extra inputs"),
    (b'{"text": null}', "text"), (b'"just a string"', "valid dictionary"),
], ids=["broken-json", "empty-body", "a-list", "text-as-list", "extra-field-role", "null-text", "bare-string"])
def test_malformed_message_bodies_are_a_422_with_a_sentence(client, victim, body: bytes, words: str) -> None:
    r = raw(client, f"{victim.path}/messages", body, victim.auth)
    assert r.status_code == 422 and words in r.json()["detail"], r.text
    assert victim.transcript()["messages"] == []


def test_a_form_encoded_body_is_a_422(client, victim) -> None:
    r = raw(client, f"{victim.path}/messages", b"text=hello", victim.auth, "application/x-www-form-urlencoded")
    assert r.status_code == 422


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999999999", "1.2.3", "١٢", "1" * 100],
                         ids=["letters", "negative", "huge", "two-dots", "arabic-digits", "very-long"])
def test_a_bad_last_event_id_is_a_422(client, victim, value: str) -> None:
    r = client.get(f"{victim.path}/events", headers={**victim.auth, "Last-Event-ID": value.encode()})
    assert r.status_code == 422 and "Last-Event-ID" in r.json()["detail"]


@pytest.mark.parametrize("key", ["wrong", "ключ", "k" * 10_000, AGENT_KEY + " ", AGENT_KEY.upper()],
                         ids=["wrong", "non-ascii", "huge", "trailing-space", "other-case"])
def test_a_bad_agent_key_is_a_401_never_a_500(client, key: str) -> None:
    r = client.get("/v1/agent/tickets", headers={"X-Agent-Key": key.encode()})
    assert r.status_code == 401 and "X-Agent-Key" in r.json()["detail"]


def test_an_agent_reply_that_cannot_be_stored_is_a_422(client, victim) -> None:
    body = json.dumps({"agent": "Maria", "text": "hello \ud800"}).encode()
    r = raw(client, f"/v1/agent/conversations/{victim.id}/messages", body, {"X-Agent-Key": AGENT_KEY})
    assert r.status_code == 422


def test_a_site_key_too_long_or_unknown_is_refused_clearly(client) -> None:
    assert client.post("/v1/conversations", json={"site_key": "k" * 500}).status_code == 422
    unknown = client.post("/v1/conversations", json={"site_key": "nope"})
    assert unknown.status_code == 403 and "CONCIERGE_WEB__SITES" in unknown.json()["detail"]


def test_an_unknown_path_is_a_404_with_a_sentence(client) -> None:
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and "/docs" in r.json()["detail"]
