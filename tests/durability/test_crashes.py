"""kill -9 at the worst moments, then a restart on the same data: no accepted message is left unanswered,
and no write is applied twice."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from agent.db import make_engine
from tests.conftest import open_chat, read_sse
from tests.durability.conftest import ANSWER, CUSTOMER, ORDER
from tools.audit import ToolAudit
from tools.clock import SystemClock
from tools.orders.models import Order


def wait_until(check, limit_s: float = 60, what: str = "the condition") -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {limit_s} s")
        time.sleep(0.1)


def test_killed_mid_answer_the_message_is_answered_after_the_restart(server, model) -> None:
    model.word_delay_s = 0.4  # an answer that takes seconds to stream: time to die in the middle of it
    first = server().start()
    with httpx.Client(base_url=first.url, timeout=60) as http:
        chat = open_chat(http)
        with chat.events() as stream:
            assert chat.say("How long does shipping take?").status_code == 202
            seen = read_sse(stream, until="token", limit_s=60)
    first.kill()
    last_seen = seen[-1]["id"]  # e.g. "1.1": the first token after the "thinking" event
    model.word_delay_s = 0.0
    again = server(port=first.port).start()
    with httpx.Client(base_url=again.url, timeout=60) as http:
        chat.http = http  # the same conversation and token, on the restarted server
        with chat.events(**{"Last-Event-ID": last_seen}) as stream:
            resumed = read_sse(stream, limit_s=60)
        messages = chat.transcript()["messages"]
    assert resumed[-1]["event"] == "message" and resumed[-1]["data"]["text"] == ANSWER
    assert [m["role"] for m in messages] == ["customer", "assistant"]  # answered once, nothing lost


def test_a_clean_restart_keeps_event_ids_increasing(server) -> None:
    first = server().start()
    with httpx.Client(base_url=first.url, timeout=60) as http:
        chat = open_chat(http)
        chat.say("How long does shipping take?")
        before = chat.replies(1, limit_s=60)
        last = chat.transcript()["last_event_id"]
    first.stop()
    again = server(port=first.port).start()
    with httpx.Client(base_url=again.url, timeout=60) as http:
        chat.http = http
        with chat.events(**{"Last-Event-ID": str(last)}) as stream:
            chat.say("And express?")
            after = read_sse(stream, limit_s=60)
    assert int(after[0]["id"]) == last + 1 and len(before) == 2


def confirmed_cancellation(process, stage) -> tuple[dict, list]:
    """Ask for the cancellation, see the preview, then confirm while ``stage()`` holds the worker back."""
    with httpx.Client(base_url=process.url, timeout=60) as http:
        chat = open_chat(http, CUSTOMER, SystemClock())  # the server process reads the machine's clock
        chat.say(f"Please cancel {ORDER}, I ordered it by mistake.")
        assert "Please confirm" in chat.replies(1, limit_s=60)[-1]["text"]
        release = stage()
        assert chat.confirm(True).status_code == 202
        return chat, release


def applied(engine) -> list[ToolAudit]:
    with Session(engine) as session:
        return list(session.exec(select(ToolAudit).where(ToolAudit.status == "applied")).all())


def locked(settings, table: str, mode: str):
    """Hold a table lock in another connection (Postgres): a worker that needs it waits there."""
    dsn = settings.db.url.replace("postgresql+psycopg://", "postgresql://")

    def stage():
        conn = psycopg.connect(dsn)
        conn.execute(f"LOCK TABLE {table} IN {mode} MODE")
        return conn

    return stage


@pytest.mark.parametrize("moment, table, mode", [
    ("between-confirmation-and-commit", "orders", "ACCESS EXCLUSIVE"),  # the write waits to read the order
    ("right-after-the-commit", "checkpoints", "EXCLUSIVE"),  # applied; the checkpoint after it waits
])
def test_killed_around_a_confirmed_write_it_is_applied_exactly_once(backend, settings, server, moment, table,
                                                                     mode) -> None:
    if backend != "postgres":
        pytest.skip("the moment is staged with a Postgres table lock; SQLite locks the whole database")
    engine = make_engine(settings)
    first = server().start()
    chat, lock = confirmed_cancellation(first, locked(settings, table, mode))
    if moment == "right-after-the-commit":
        wait_until(lambda: applied(engine), what="the cancellation's commit")
    else:
        with engine.connect() as db:
            wait_until(lambda: db.execute(text("SELECT count(*) FROM jobs WHERE status = 'running'")).scalar(),
                       what="a worker taking the confirmation")
        time.sleep(0.5)  # it is now waiting for the order's lock
        assert applied(engine) == []
    first.kill()
    lock.close()  # the lock goes with the connection
    again = server(port=first.port).start()
    with httpx.Client(base_url=again.url, timeout=60) as http:
        chat.http = http
        messages = chat.replies(2, limit_s=60)
    assert messages[-1]["text"].startswith(f"Done: Cancel order {ORDER}")  # the customer is told
    assert len(applied(engine)) == 1  # and it happened once
    with Session(engine) as session:
        assert session.get(Order, ORDER).status == "cancelled"
    engine.dispose()
