"""Faults end in a clear answer: a model that is down or hangs, a database that goes away or fills up,
a help center that cannot be searched, Slack delivering an event twice."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from agent.conversations.turns import APOLOGY
from tests.conftest import (
    Chat,
    copy_help_center,
    decision,
    free_port,
    make_app,
    open_chat,
    read_sse,
    scripted,
    with_slack,
)
from tests.durability.conftest import ANSWER, CUSTOMER, ORDER
from tests.postgres import PostgresServer
from tests.server_process import ServerProcess


def ask(process, text: str = "How long does shipping take?") -> tuple[list[dict], float, dict]:
    """A question to a server process; the events until the answer, how long it took, the transcript."""
    with httpx.Client(base_url=process.url, timeout=120) as http:
        chat = open_chat(http)
        started = time.monotonic()
        with chat.events() as stream:
            assert chat.say(text).status_code == 202
            events = read_sse(stream, limit_s=120)
        return events, time.monotonic() - started, chat.transcript()


def test_a_model_down_at_start_leaves_the_server_up_and_customers_get_a_person_within_10_s(server) -> None:
    process = server(model_url=f"http://127.0.0.1:{free_port()}/v1").start()  # nothing listens there
    ready = httpx.get(f"{process.url}/readyz")
    assert ready.status_code == 503 and "does not answer" in ready.json()["checks"]["model"]
    events, seconds, transcript = ask(process)
    assert seconds < 10 and events[-1]["data"]["text"] == APOLOGY
    assert transcript["mode"] == "waiting_for_human"  # a person takes over
    assert [e["event"] for e in events if e["event"] == "error"] == ["error"]


def test_a_hung_model_is_given_up_on_after_the_first_token_limit(server, model) -> None:
    model.hang = True  # accepts the request, never answers
    process = server(env={"CONCIERGE_MODEL__TTFT_TIMEOUT_S": "2"}).start()
    events, seconds, transcript = ask(process)
    assert 2 <= seconds < 10 and events[-1]["data"]["text"] == APOLOGY
    assert transcript["mode"] == "waiting_for_human"


def test_a_long_prompt_read_slowly_is_not_mistaken_for_a_hung_model(server, model) -> None:
    # On a slow CPU llama.cpp can take longer than the first-token limit to read a long prompt: its
    # progress reports while it reads show it is working, so the customer gets the answer, not an apology.
    model.prefill_s = 4.0
    events, _seconds, transcript = ask(server(env={"CONCIERGE_MODEL__TTFT_TIMEOUT_S": "2"}).start())
    assert events[-1]["data"]["text"] == ANSWER and transcript["mode"] == "bot"


def test_transient_model_errors_are_retried_before_anyone_notices(server, model) -> None:
    model.fail_next = 2  # two 503s, as from a server that is restarting
    events, _seconds, transcript = ask(server().start())
    assert events[-1]["data"]["text"] == ANSWER and transcript["mode"] == "bot"


def test_a_database_that_goes_away_is_a_503_then_works_again_when_it_is_back(backend, tmp_path, help_center,
                                                                          model) -> None:
    if backend != "postgres":
        pytest.skip("a SQLite file does not go away; its full disk is the next test")
    database = PostgresServer().start()  # its own: stopping it must not disturb other tests
    try:
        data = tmp_path / "data"
        data.mkdir()
        copy_help_center(help_center, data)
        url = database.url(database.create_database())
        with ServerProcess(data, model.url, {"CONCIERGE_DB__URL": url}) as process, \
                httpx.Client(base_url=process.url, timeout=60) as http:
            chat = open_chat(http)
            database.halt()
            refused = chat.say("How long does shipping take?")
            assert refused.status_code == 503 and "nothing was stored" in refused.json()["detail"]
            assert http.get("/readyz").json()["checks"]["database"].startswith("the database does not answer")
            database.restart()
            assert chat.say("How long does shipping take?").status_code == 202
            assert chat.replies(1, limit_s=60)[-1]["text"] == ANSWER, process.tail()
    finally:
        database.stop()


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int) -> Path:
    """A tmpfs of ``megabytes`` at ``folder`` (root can mount one); None where that is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the rest of the disk; the filler's path (delete it to free the space)."""
    filler = folder / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * (1 << 20))
            out.flush()
    return filler


def test_a_full_disk_is_a_503_that_stores_nothing_then_works_when_there_is_room(backend, settings, retriever,
                                                                               tmp_path) -> None:
    if backend != "sqlite":
        pytest.skip("the disk that fills up is SQLite's data dir")
    with small_disk(tmp_path / "disk", 64) as disk:
        if disk is None:  # not allowed to mount: SQLite's own limit on the database's size does the same
            limit = _max_page_count_limit()
        else:
            shutil.copytree(settings.data_dir, disk, dirs_exist_ok=True)
            settings = settings.model_copy(update={"data_dir": disk})
            limit = contextlib.nullcontext()
        app = make_app(settings, retriever, scripted(decision("search_help_center", query="shipping"), ANSWER))
        with TestClient(app) as client, limit:
            chat = open_chat(client)
            filler = fill(disk) if disk is not None else None
            before = chat.transcript()["messages"]
            refused = chat.say("How long does shipping take? " + "x" * 1500)
            assert refused.status_code == 503 and "nothing was stored" in refused.json()["detail"]
            if filler is not None:
                filler.unlink()
            else:
                limit.release()  # type: ignore[attr-defined]
            assert chat.transcript()["messages"] == before  # nothing half-stored
            assert chat.say("How long does shipping take?").status_code == 202
            assert chat.replies(1)[-1]["text"] == ANSWER


class _max_page_count_limit(contextlib.AbstractContextManager):
    """Every new SQLite connection may not grow its database (PRAGMA max_page_count), until released."""

    def __init__(self) -> None:
        self.active = True

    def __enter__(self):
        def cap(dbapi_conn, _record) -> None:
            if self.active:
                pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
                dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

        self._cap = cap
        event.listen(Engine, "connect", cap)
        return self

    def release(self) -> None:
        self.active = False

    def __exit__(self, *exc) -> None:
        event.remove(Engine, "connect", self._cap)


def test_an_unreachable_help_center_is_said_and_orders_keep_working(settings, retriever, monkeypatch) -> None:
    router = lambda m: (decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")  # noqa: E731
                        if "cancel" in m[-1].text else decision("search_help_center", query="shipping"))
    app = make_app(settings, retriever, scripted(router, ANSWER))

    def unreachable(*_args, **_kwargs):
        raise httpx.ConnectError("Qdrant server unreachable")

    with TestClient(app) as client:
        # Where a Qdrant server that went away fails: the store's search (counting still answers).
        monkeypatch.setattr(app.state.services.retriever.store, "search", unreachable)
        chat = open_chat(client, CUSTOMER)
        chat.say("How long does shipping take?")
        said = chat.replies(1)[-1]["text"]
        assert "can't reach our help center" in said and "person" in said
        chat.say(f"Please cancel {ORDER}")
        assert "Please confirm" in chat.replies(2)[-1]["text"]  # the order tools still work
        assert client.get("/readyz").json()["checks"]["help_center"] == "ok"  # (the count still answers)


def test_a_slack_event_delivered_again_reaches_the_customer_once(settings, retriever, slack) -> None:
    from tests.api.test_slack import CHANNEL, SECRET, open_handoff
    from tests.api.test_slack import event as slack_event

    app = make_app(with_slack(settings, slack, SECRET, CHANNEL), retriever, scripted(decision("reply"), "Hi"))
    with TestClient(app) as client:
        chat, ts = open_handoff(client, slack)
        body = {"channel": CHANNEL, "type": "message", "user": "U_AGENT", "text": "On it, one moment.",
                "thread_ts": ts}
        first = slack_event(client, event_id="Ev-once", **body)
        retry = slack_event(client, event_id="Ev-once", retry=1, **body)
        assert first.status_code == retry.status_code == 200
        chat.wait(lambda b: any(m["role"] == "agent" for m in b["messages"]))
        time.sleep(0.5)
        assert [m["text"] for m in chat.transcript()["messages"] if m["role"] == "agent"] == ["On it, one moment."]


def test_two_server_processes_on_one_postgres_share_events_and_never_lose_a_turn(backend, settings, server,
                                                                                 model) -> None:
    if backend != "postgres":
        pytest.skip("several processes share Postgres; SQLite serves one")
    env = {"CONCIERGE_QDRANT__READ_ONLY": "true"}
    one, two = server(env=env).start(), server(env=env).start()
    with httpx.Client(base_url=one.url, timeout=60) as a, httpx.Client(base_url=two.url, timeout=60) as b:
        chat = open_chat(a)
        with chat.events() as stream:  # subscribed on one...
            Chat(b, chat.id, chat.access_token).say("How long does shipping take?")  # ...posted on the other
            events = read_sse(stream, limit_s=60)
        assert events[-1]["event"] == "message" and events[-1]["data"]["text"] == ANSWER
        model.word_delay_s = 0.02  # turns long enough to overlap
        chats = [open_chat(a) for _ in range(100)]
        with ThreadPoolExecutor(8) as pool:  # each conversation posted to on both processes at the same moment
            sent = [(pool.submit(c.say, "How long does shipping take?"),
                     pool.submit(Chat(b, c.id, c.access_token).say, "And how long does express take?")) for c in chats]
            codes = [[f.result().status_code for f in pair] for pair in sent]
        assert all(code == [202, 202] for code in codes)
        deadline = time.monotonic() + 300
        for c in chats:  # every message answered...
            roles = [m["role"] for m in c.replies(2, limit_s=max(1.0, deadline - time.monotonic()))]
            assert sorted(roles) == ["assistant", "assistant", "customer", "customer"], roles
    assert asyncio.run(said_in_graph_state(settings, [c.id for c in chats])) == [2] * 100  # ...and remembered


async def said_in_graph_state(settings, conversation_ids: list[str]) -> list[int]:
    """How many customer messages each conversation's LangGraph state holds."""
    from agent.app import open_checkpointer

    async with open_checkpointer(settings) as saver:
        states = [await saver.aget_tuple({"configurable": {"thread_id": cid}}) for cid in conversation_ids]
    return [sum(m.type == "human" for m in s.checkpoint["channel_values"]["messages"]) for s in states]


def test_serve_with_two_workers_answers_on_one_port(backend, server) -> None:
    if backend != "postgres":
        pytest.skip("--workers needs Postgres")
    process = server(args=("--workers", "2")).start()
    events, _seconds, _transcript = ask(process)
    assert events[-1]["data"]["text"] == ANSWER
