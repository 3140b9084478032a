"""The widget in a real browser: Debian's Chromium driven by Playwright against a live server (scripted model).

Screenshots (desktop and phone size) are written to test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session

from agent.engine.prompts import GREETING
from tests.conftest import ROOT, LiveServer, customer_token, decision, free_port, make_app, scripted
from tools.orders.models import Order

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
CUSTOMER, ORDER = "aarav_anderson_8794", "#W9300146"
NAME = "Aarav Anderson"  # the widget greets the customer by name, never by their internal id
AGENT_KEY = "test-agent-key"
SHIPPING = "Standard shipping is free and takes **3 to 5 business days** after the order is processed."
ENVIO = "El envío estándar es gratuito y tarda de **3 a 5 días hábiles** desde que el pedido se procesa."
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
SHOP_PORT = free_port()  # a store embedding the widget: another origin than the server's
SHOP = f"http://127.0.0.1:{SHOP_PORT}"


def router(messages) -> str:
    text = messages[-1].text.lower()
    if "cancel" in text:
        return decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")
    if "shipping" in text or "envío" in text:
        return decision("search_help_center", query="how long does shipping take")
    return decision("reply")


def answer(messages) -> str:
    task = messages[-1].text
    if "Help-center excerpts" in task:
        return ENVIO if task.endswith("Write your answer in Spanish.") else SHIPPING
    return "Hello! How can I help?"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium and chromium-driver).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def server(settings, retriever, engine, clock) -> Iterator[LiveServer]:
    app = make_app(settings, retriever, scripted(router, answer), clock=clock, agent_api_key=SecretStr(AGENT_KEY),
                   sites={"demo": [], "shop-1": [SHOP]})
    with LiveServer(app) as live:
        yield live


def open_widget(browser, url: str, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Open the support chat").click()
    chat = page.frame_locator("iframe[title='Support chat']")
    chat.get_by_label("Your message").wait_for()
    return context, page, chat


def ask(chat, text: str) -> None:
    box = chat.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_a_help_center_answer_streams_in_with_its_citation(browser, server) -> None:
    context, page, chat = open_widget(browser, f"{server.url}/demo", DESKTOP)
    frame = page.frame(url=re.compile(r"/widget\?"))
    # Count the reply's text growing: streamed tokens show up one by one, not all at once at the end.
    frame.evaluate("""() => { window.__growth = [];
        new MutationObserver(() => { const m = document.querySelector('.msg.assistant .body');
          if (m) window.__growth.push(m.textContent.length); })
        .observe(document.getElementById('log'), {subtree: true, childList: true, characterData: true}); }""")
    ask(chat, "How long does shipping take?")
    reply = chat.locator(".msg.assistant").last
    reply.get_by_text("3 to 5 business days").wait_for()
    growth = frame.evaluate("() => window.__growth")
    assert len(set(growth)) > 5 and sorted(growth) == growth  # many partial lengths, only ever longer
    assert reply.locator("strong").inner_text() == "3 to 5 business days"  # markdown bold, built as DOM
    link = reply.locator(".cites a").first
    assert re.match(r"https://help\.example\.com/store/shipping", link.get_attribute("href"))
    shot(page, "desktop-help-center-answer")
    context.close()


def test_the_chat_follows_the_customers_language_once_they_write_in_it(browser, server) -> None:
    context, page, chat = open_widget(browser, f"{server.url}/demo", DESKTOP, locale="en-US")
    chat.get_by_role("button", name="Talk to a person").wait_for()
    ask(chat, "¿Cuánto tarda el envío estándar?")
    reply = chat.locator(".msg.assistant").last
    reply.get_by_text("3 a 5 días hábiles").wait_for()
    # The reply said which language it is in: the chat's own words follow.
    assert reply.locator(".cites").inner_text().startswith("Fuentes:")
    chat.get_by_label("Tu mensaje").wait_for()
    chat.get_by_role("button", name="Hablar con una persona").click()
    chat.get_by_text("Esperando a una persona de nuestro equipo").wait_for()
    shot(page, "desktop-spanish-conversation")
    context.close()


def test_a_signed_in_customer_cancels_an_order_with_the_confirm_button(browser, server, clock, engine) -> None:
    token = customer_token(CUSTOMER, clock)
    context, page, chat = open_widget(browser, f"{server.url}/demo#token={token}", PHONE, is_mobile=True,
                                      has_touch=True)
    chat.get_by_text(f"Signed in as {NAME}").wait_for()
    assert CUSTOMER not in chat.locator("body").inner_text()
    ask(chat, f"Please cancel order {ORDER}, I ordered it by mistake.")
    chat.get_by_role("button", name="Confirm").wait_for()
    with Session(engine) as session:
        assert session.get(Order, ORDER).status == "pending"  # nothing changes before the click
    shot(page, "phone-confirm-cancellation")
    chat.get_by_role("button", name="Confirm").click()
    chat.get_by_text(f"Done: Cancel order {ORDER}").wait_for()
    with Session(engine) as session:
        assert session.get(Order, ORDER).status == "cancelled"
    shot(page, "phone-cancellation-done")
    context.close()


def test_asking_for_a_person_shows_their_reply_as_it_arrives(browser, server) -> None:
    context, page, chat = open_widget(browser, f"{server.url}/demo", DESKTOP)
    chat.get_by_role("button", name="Talk to a person").click()
    chat.get_by_text("Waiting for a person from our team").wait_for()
    staff = httpx.Client(base_url=server.url, headers={"X-Agent-Key": AGENT_KEY})
    (ticket,) = staff.get("/v1/agent/tickets").json()
    cid = ticket["conversation_id"]
    assert staff.post(f"/v1/agent/conversations/{cid}/take", json={"agent": "Maria"}).status_code == 200
    chat.get_by_text("Maria from our team joined the chat.").wait_for()
    staff.post(f"/v1/agent/conversations/{cid}/messages",
               json={"agent": "Maria", "text": "Hi, I'm Maria. <b>How</b> can I help?"})
    reply = chat.locator(".msg.agent").last
    reply.get_by_text("Hi, I'm Maria.").wait_for()
    assert "<b>How</b>" in reply.inner_text()  # shown as text: a person's HTML is never interpreted
    shot(page, "desktop-human-reply")
    context.close()


def test_a_reload_keeps_the_conversation(browser, server) -> None:
    context, page, chat = open_widget(browser, f"{server.url}/demo", PHONE, is_mobile=True, has_touch=True)
    ask(chat, "How long does shipping take?")
    chat.get_by_text("3 to 5 business days").wait_for()
    page.reload()
    page.get_by_role("button", name="Open the support chat").click()
    chat = page.frame_locator("iframe[title='Support chat']")
    chat.get_by_text("How long does shipping take?").wait_for()
    chat.get_by_text("3 to 5 business days").wait_for()
    ask(chat, "Hello again")
    chat.get_by_text(GREETING).wait_for()  # small talk, answered in code
    time.sleep(0.2)
    assert chat.locator(".msg.assistant").count() == 2  # the old answer once, the new one once
    shot(page, "phone-after-reload")
    context.close()


def test_the_widget_works_with_the_keyboard_alone(browser, server) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/demo")
    page.get_by_role("button", name="Open the support chat").wait_for()
    page.keyboard.press("Tab")  # the launcher is the page's first focusable element
    page.keyboard.press("Enter")
    chat = page.frame_locator("iframe[title='Support chat']")
    box = chat.get_by_label("Your message")
    box.wait_for()
    expect_focus = page.frame(url=re.compile(r"/widget\?"))
    for _ in range(50):  # the open message moves focus into the chat
        if expect_focus.evaluate("() => document.activeElement && document.activeElement.id") == "text":
            break
        time.sleep(0.05)
    page.keyboard.type("How long does shipping take?")
    page.keyboard.press("Enter")
    chat.get_by_text("3 to 5 business days").wait_for()
    page.keyboard.press("Escape")
    launcher = page.get_by_role("button", name="Open the support chat")
    launcher.wait_for()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.id") == "concierge-widget"  # focus back on the launcher
    context.close()


def test_credentials_never_travel_in_a_url_and_every_request_proves_itself(browser, server, clock) -> None:
    requests = []
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r) if "/v1/" in r.url else None)
    token = customer_token(CUSTOMER, clock)
    page.goto(f"{server.url}/demo#token={token}")
    page.get_by_role("button", name="Open the support chat").click()
    chat = page.frame_locator("iframe[title='Support chat']")
    ask(chat, "How long does shipping take?")
    chat.get_by_text("3 to 5 business days").wait_for()
    stored = json.loads(page.frame(url=re.compile(r"/widget\?")).evaluate(
        "() => localStorage.getItem('concierge:demo')"))
    assert stored["accessToken"] and token not in json.dumps(stored)  # the customer token is not kept
    for r in requests:
        assert token not in r.url and stored["accessToken"] not in r.url
        if not r.url.endswith("/v1/conversations"):
            assert r.headers.get("authorization") == f"Bearer {stored['accessToken']}", r.url
    assert any(r.url.endswith("/events") for r in requests)  # the stream too carries the header
    context.close()


def test_after_a_day_away_the_widget_starts_a_new_conversation_and_answers(browser, server, clock) -> None:
    context, _page, chat = open_widget(browser, f"{server.url}/demo#token={customer_token(CUSTOMER, clock)}",
                                       DESKTOP)
    ask(chat, "How long does shipping take?")
    chat.get_by_text("3 to 5 business days").wait_for()
    clock.advance(hours=25)  # the server's clock: the conversation and the page's customer token have expired
    ask(chat, "Hello again")
    chat.get_by_text("ended after a while without activity").wait_for()
    chat.get_by_text(GREETING).wait_for()  # the message went to the new conversation
    chat.get_by_text("Your sign-in has expired").wait_for()  # the demo page has no way to mint a fresh token
    context.close()


@contextmanager
def shop_site(page_html: str, token: Callable[[], str], asked: list[str]) -> Iterator[str]:
    """A store's own web server on another loopback port (another origin): its page, and the token endpoint
    its backend offers its signed-in customers."""

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = (page_html, "text/html") if self.path == "/" else (json.dumps({"token": token()}),
                                                                          "application/json")
            if self.path == "/favicon.ico":
                self.send_error(404)
                return
            if self.path != "/":
                asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", SHOP_PORT), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{SHOP_PORT}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_that_does_not_say_its_language_gets_the_chat_in_the_browsers(browser, server, clock) -> None:
    page_html = (f'<!doctype html><title>Shop</title><p>Shop</p><script src="{server.url}/widget.js" '
                 'data-site-key="shop-1"></script>')
    with shop_site(page_html, lambda: "", []) as shop:
        context = browser.new_context(viewport=PHONE, locale="de-DE")
        page = context.new_page()
        page.goto(f"{shop}/")
        assert page.get_by_role("button", name="Support-Chat öffnen").inner_text() == "Chatten Sie mit uns"
        page.get_by_role("button", name="Support-Chat öffnen").click()
        chat = page.frame_locator("iframe[title='Support-Chat']")
        assert chat.get_by_label("Ihre Nachricht").get_attribute("placeholder") == "Nachricht eingeben…"
        assert chat.get_by_role("button", name="Nachricht senden").inner_text() == "Senden"
        chat.get_by_role("button", name="Mit einer Person sprechen").wait_for()
        shot(page, "phone-german-chat")
        context.close()


def test_an_embedding_site_hands_the_widget_a_fresh_token_when_its_own_has_expired(browser, server, clock) -> None:
    stale = customer_token(CUSTOMER, clock, ttl_s=60)
    clock.advance(hours=2)
    page_html = (f'<!doctype html><title>Shop</title><p>Shop</p><script src="{server.url}/widget.js" '
                 f'data-site-key="shop-1" data-customer-token="{stale}" data-token-url="/concierge-token"></script>')
    asked: list[str] = []
    with shop_site(page_html, lambda: customer_token(CUSTOMER, clock), asked) as shop:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{shop}/")
        page.get_by_role("button", name="Open the support chat").click()
        chat = page.frame_locator("iframe[title='Support chat']")
        chat.get_by_text(f"Signed in as {NAME}").wait_for()
        context.close()
    assert asked == ["/concierge-token"]
