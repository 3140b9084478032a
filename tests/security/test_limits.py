"""Rate limits an attacker cannot walk around: invented addresses, many conversations, confirm and stream floods."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agent.channels.limits import RateLimits
from tests.conftest import LiveServer, decision, make_app, open_chat, scripted
from tests.security.conftest import AGENT_KEY


def limited_app(settings, retriever, clock, **web):
    limits = {"requests_per_minute_per_ip": 6, "messages_per_minute": 3, "streams_per_conversation": 2,
              "agent_auth_failures_per_minute": 3, **web}
    return make_app(settings, retriever, scripted(decision("reply"), "Hello!"), clock=clock,
                    agent_api_key=SecretStr(AGENT_KEY), **limits)


def creates(http, n: int, headers_for=lambda i: {}) -> list[int]:
    return [http.post("/v1/conversations", json={}, headers=headers_for(i)).status_code for i in range(n)]


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
def test_inventing_a_new_address_per_request_does_not_reset_the_limit(settings, retriever, clock,
                                                                      header: str) -> None:
    app = limited_app(settings, retriever, clock)
    value = (lambda i: f"for=203.0.113.{i}") if header == "Forwarded" else (lambda i: f"203.0.113.{i}")
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        codes = creates(http, 8, lambda i: {header: value(i)})
    assert codes[:6] == [201] * 6 and codes[6:] == [429, 429]


def test_behind_a_trusted_proxy_each_real_client_has_its_own_limit(settings, retriever, clock) -> None:
    app = limited_app(settings, retriever, clock, trusted_proxies=["127.0.0.1"])
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        spread = creates(http, 8, lambda i: {"X-Forwarded-For": f"203.0.113.{i}"})
        one_client = creates(http, 8, lambda i: {"X-Forwarded-For": "198.51.100.7"})
    assert spread == [201] * 8
    assert one_client[:6] == [201] * 6 and one_client[6:] == [429, 429]


def test_a_trusted_proxy_cannot_be_fooled_by_addresses_the_client_prepends(settings, retriever, clock) -> None:
    app = limited_app(settings, retriever, clock, trusted_proxies=["127.0.0.1"])
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        # The proxy appends the address it saw; whatever the client wrote before it does not count.
        codes = creates(http, 8, lambda i: {"X-Forwarded-For": f"10.9.9.{i}, 198.51.100.7"})
    assert codes[6:] == [429, 429]


def test_many_conversations_from_one_client_share_its_limit(settings, retriever, clock) -> None:
    with TestClient(limited_app(settings, retriever, clock)) as client:
        chats = [open_chat(client) for _ in range(3)]
        codes = [chat.say("hi").status_code for chat in chats for _ in range(2)]
    assert codes[:3] == [202] * 3 and 429 in codes[3:]


def test_confirmations_count_against_the_conversation_like_messages(settings, retriever, clock) -> None:
    with TestClient(limited_app(settings, retriever, clock, requests_per_minute_per_ip=100)) as client:
        chat = open_chat(client)
        codes = [chat.confirm(True).status_code for _ in range(5)]
    assert codes[:3] == [409] * 3 and codes[3:] == [429, 429]  # nothing to confirm, and then: too many


def test_a_conversation_cannot_hold_more_event_streams_than_allowed(settings, retriever, clock) -> None:
    app = limited_app(settings, retriever, clock, requests_per_minute_per_ip=100)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        chat = open_chat(http)
        with chat.events() as first, chat.events() as second:
            assert first.status_code == second.status_code == 200
            third = http.get(f"{chat.path}/events", headers=chat.auth)
            assert third.status_code == 429 and "open event streams" in third.json()["detail"]
        deadline = time.monotonic() + 5
        while app.state.limits.open_streams() and time.monotonic() < deadline:  # closed streams are released
            time.sleep(0.05)
        assert app.state.limits.open_streams() == 0
        with chat.events() as again:
            assert again.status_code == 200


def test_guessing_the_agent_key_is_stopped_after_a_few_tries(settings, retriever, clock) -> None:
    with TestClient(limited_app(settings, retriever, clock)) as client:
        codes = [client.get("/v1/agent/tickets", headers={"X-Agent-Key": f"guess-{i}"}).status_code
                 for i in range(5)]
        right_key_now = client.get("/v1/agent/tickets", headers={"X-Agent-Key": AGENT_KEY}).status_code
    assert codes == [401, 401, 401, 429, 429] and right_key_now == 429  # the window blocks every try


def test_a_429_says_how_long_to_wait(settings, retriever, clock) -> None:
    with TestClient(limited_app(settings, retriever, clock)) as client:
        last = [client.post("/v1/conversations", json={}) for _ in range(7)][-1]
    assert last.status_code == 429 and 1 <= int(last.headers["retry-after"]) <= 60
    assert "Please wait" in last.json()["detail"]


def test_the_limiters_memory_does_not_grow_with_every_address_ever_seen(monkeypatch) -> None:
    # The windows' clock (time.time, read by the limits library and our storage) stands still while 5,000
    # addresses arrive, however slow a loaded machine is; then it moves past every one of their windows.
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    limits = RateLimits.per_second(per_ip=5, per_conversation=5, streams_per_conversation=1, agent_auth_failures=1)
    for n in range(5000):
        limits.hit(limits.per_ip, f"198.51.{n // 256}.{n % 256}", "requests")
    assert limits.storage.keys() == 5000
    now[0] += 1.1  # every one of those windows is over
    for n in range(limits.storage.SWEEP_EVERY):  # new traffic sweeps the old keys out
        limits.hit(limits.per_ip, f"203.0.{n // 256}.{n % 256}", "requests")
    assert limits.storage.keys() <= limits.storage.SWEEP_EVERY
