"""The widget's server side: who may embed and call it, rate limits, and the pages it serves."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import decision, make_app, open_chat, scripted

SHOP = "https://shop.example"


@pytest.fixture
def client(settings, retriever):
    app = make_app(settings, retriever, scripted(decision("reply"), "Hello!"),
                   sites={"demo": [], "shop-1": [SHOP]}, messages_per_minute=2, requests_per_minute_per_ip=6)
    with TestClient(app) as c:
        yield c


def test_the_loader_and_the_chat_page_are_served_with_the_sites_frame_ancestors(client) -> None:
    loader = client.get("/widget.js")
    assert loader.status_code == 200 and loader.headers["content-type"].startswith("text/javascript")
    assert "data-site-key" in loader.text and "attachShadow" in loader.text
    page = client.get("/widget", params={"site_key": "shop-1"})
    assert page.status_code == 200
    assert "frame-ancestors 'self' https://shop.example" in page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in client.get("/widget", params={"site_key": "demo"}).headers[
        "content-security-policy"]
    unknown = client.get("/widget", params={"site_key": "nope"})
    assert unknown.status_code == 404 and "CONCIERGE_WEB__SITES" in unknown.json()["detail"]
    assert "/widget.js" in client.get("/demo").text


def test_other_origins_need_a_site_key_that_allows_them(client) -> None:
    allowed = client.post("/v1/conversations", headers={"Origin": SHOP, "X-Site-Key": "shop-1"}, json={})
    assert allowed.status_code == 201 and allowed.headers["access-control-allow-origin"] == SHOP
    wrong_key = client.post("/v1/conversations", headers={"Origin": SHOP, "X-Site-Key": "demo"}, json={})
    assert wrong_key.status_code == 403 and "not allowed for this site key" in wrong_key.json()["detail"]
    stranger = client.post("/v1/conversations", headers={"Origin": "https://evil.example", "X-Site-Key": "shop-1"})
    assert stranger.status_code == 403
    preflight = client.options("/v1/conversations", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"})
    allowed_headers = preflight.headers["access-control-allow-headers"]
    assert preflight.status_code == 204 and {"X-Site-Key", "Authorization", "Last-Event-ID"} <= set(
        allowed_headers.split(", "))
    assert client.options("/v1/conversations", headers={"Origin": "https://evil.example"}).status_code == 403
    unknown = client.post("/v1/conversations", json={"site_key": "nope"})
    assert unknown.status_code == 403 and "Unknown site key" in unknown.json()["detail"]


def test_too_many_messages_get_a_clear_429(client) -> None:
    chat = open_chat(client)
    for _ in range(2):
        assert chat.say("hi").status_code == 202
    third = chat.say("hi")
    assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
    assert "Too many messages in this conversation" in third.json()["detail"]


def test_one_client_cannot_open_conversations_without_end(client) -> None:
    codes = [client.post("/v1/conversations", json={}).status_code for _ in range(7)]
    assert codes[:6] == [201] * 6 and codes[6] == 429


def test_an_oversized_message_is_refused_and_not_stored(client) -> None:
    chat = open_chat(client)
    r = chat.say("x" * 5000)
    assert r.status_code == 413 and "limit is 2000" in r.json()["detail"]
    assert chat.transcript()["messages"] == []


def test_the_api_docs_load_nothing_from_another_host(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets  # no CDN: it must work offline
    assert all(client.get(a).status_code == 200 for a in assets)
