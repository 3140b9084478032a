"""Stored events and durable jobs, on SQLite and Postgres: ids survive restarts, jobs run once and in order."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

import pytest
from sqlmodel import Session

from agent.conversations.bus import LocalBus, bus_for
from agent.conversations.events import KEEP, EventLog, parse_position
from agent.conversations.events import TOPIC as EVENTS
from agent.conversations.jobs import DONE, LEASE_S, QUEUED, RUNNING, TOPIC, Job, JobQueue, Workers
from agent.conversations.records import Conversation
from agent.db import make_engine
from tests.conftest import listening, until

pytestmark = pytest.mark.stores


@pytest.fixture
def conversation(engine, clock) -> str:
    with Session(engine) as session:
        conversation = Conversation(access_token_hash="x", created_at=clock.now(), last_active_at=clock.now())
        session.add(conversation)
        session.commit()
        return conversation.id


def test_event_ids_keep_increasing_across_restarts(engine, settings, clock, conversation) -> None:
    first = EventLog(engine, clock, LocalBus())
    ids = [first.publish(conversation, "message", {"n": n}).id for n in range(3)]
    restarted = EventLog(make_engine(settings), clock, LocalBus())  # a new process on the same database
    assert restarted.publish(conversation, "message", {"n": 3}).id == ids[-1] + 1 == 4
    assert [e.data["n"] for e in restarted.since(conversation, 1)] == [1, 2, 3]
    assert restarted.last_id(conversation) == 4


def test_only_the_last_events_are_kept(engine, clock, conversation) -> None:
    log = EventLog(engine, clock, LocalBus())
    for n in range(KEEP + 150):
        log.publish(conversation, "status", {"n": n})
    kept = log.since(conversation, 0)
    assert len(kept) <= KEEP + 100 and kept[-1].id == KEEP + 150 and kept[0].id > 1


def test_an_event_exists_exactly_when_its_transaction_commits(engine, clock, conversation) -> None:
    log = EventLog(engine, clock, LocalBus())
    with Session(engine) as session:
        log.add(session, conversation, "message", {"text": "never"})
        session.rollback()
    assert log.since(conversation, 0) == [] and log.last_id(conversation) == 0


def test_a_subscriber_gets_stored_events_then_live_ones_and_tokens(engine, clock, conversation) -> None:
    log = EventLog(engine, clock, LocalBus())
    before = log.publish(conversation, "status", {"state": "thinking"})

    async def go() -> list:
        seen, task = await listening(log, conversation)
        await log.stream(conversation, before, 1, "token", {"text": "Hel"})
        await log.stream(conversation, before, 2, "token", {"text": "lo"})
        await log.apublish(conversation, "message", {"text": "Hello"})
        await until(lambda: len(seen) == 4, "the status, two tokens and the message")
        task.cancel()
        return seen

    seen = asyncio.run(go())
    assert [(e.sse_id, e.type) for e in seen] == [("1", "status"), ("1.1", "token"), ("1.2", "token"),
                                                   ("2", "message")]


def test_positions_parse_and_refuse_what_is_not_one() -> None:
    assert parse_position("12") == (12, 0) and parse_position("12.3") == (12, 3)
    for bad in ("", "-1", "1.2.3", "x", "١٢"):
        with pytest.raises(ValueError):
            parse_position(bad)


def test_a_subscribers_memory_is_given_back_when_it_leaves(engine, clock, conversation) -> None:
    bus = LocalBus()
    log = EventLog(engine, clock, bus)

    async def go() -> None:
        stream = log.subscribe(conversation, heartbeat_s=0.05)
        await anext(stream)
        assert bus._subscribers
        await stream.aclose()

    asyncio.run(go())
    assert not bus._subscribers


def queue_with(engine, clock, worker: str = "host:1") -> JobQueue:
    return JobQueue(engine, clock, LocalBus(), worker=worker)


def enqueue(queue: JobQueue, conversation: str, n: int, lane: str = "turn") -> int:
    with Session(queue.engine) as session:
        job = queue.enqueue(session, "turn", conversation, {"n": n}, lane=lane)
        session.commit()
        return job.id


def test_jobs_of_a_lane_run_one_at_a_time_oldest_first(engine, clock, conversation) -> None:
    one, two = queue_with(engine, clock, "a:1"), queue_with(engine, clock, "b:2")
    first, second = enqueue(one, conversation, 1), enqueue(one, conversation, 2)
    other_lane = enqueue(one, conversation, 3, lane="slack")
    claimed = one.claim({"turn"})
    assert claimed.id == first and claimed.status == RUNNING and claimed.attempts == 1
    assert two.claim({"turn"}).id == other_lane  # the turn lane is busy; the slack lane is not
    assert two.claim({"turn"}) is None
    with Session(engine) as session:
        one.finish(session, first)
        session.commit()
    assert two.claim({"turn"}).id == second


def test_a_job_whose_worker_died_is_queued_again(engine, clock, conversation) -> None:
    queue = queue_with(engine, clock, "elsewhere:1")
    job_id = enqueue(queue, conversation, 1)
    queue.claim({"turn"})
    assert queue_with(engine, clock).requeue_abandoned() == 0  # its lease still runs
    clock.advance(seconds=LEASE_S + 1)
    assert queue_with(engine, clock).requeue_abandoned() == 1
    again = queue_with(engine, clock, "next:2").claim({"turn"})
    assert again.id == job_id and again.attempts == 2


def test_a_job_of_a_dead_process_on_this_host_is_taken_up_at_once(engine, clock, conversation) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    queue = queue_with(engine, clock, f"{socket.gethostname()}:{dead}")
    job_id = enqueue(queue, conversation, 1)
    queue.claim({"turn"})
    mine = queue_with(engine, clock, f"{socket.gethostname()}:{os.getpid()}")
    assert mine.requeue_abandoned() == 1 and mine.claim({"turn"}).id == job_id


def test_two_workers_never_claim_the_same_job(engine, clock, conversation, settings) -> None:
    queues = [queue_with(make_engine(settings), clock, f"w:{n}") for n in range(4)]
    for n in range(20):
        with Session(engine) as session:
            conv = Conversation(access_token_hash="x", created_at=clock.now(), last_active_at=clock.now())
            session.add(conv)
            session.commit()
            conversation_id = conv.id
        enqueue(queues[0], conversation_id, n)

    async def claim_all(queue: JobQueue) -> list[int]:
        got = []
        while (job := await asyncio.to_thread(queue.claim, {"turn"})) is not None:
            got.append(job.id)
        return got

    async def go() -> list[list[int]]:
        return await asyncio.gather(*(claim_all(q) for q in queues))

    claimed = [job for got in asyncio.run(go()) for job in got]
    assert len(claimed) == len(set(claimed)) == 20


def test_postgres_news_reaches_another_process(backend, settings, clock, conversation) -> None:
    if backend != "postgres":
        pytest.skip("LISTEN/NOTIFY is Postgres'; SQLite serves one process")

    async def go() -> list:
        here, there = bus_for(settings.db_url), bus_for(settings.db_url)
        await here.start()
        await there.start()
        try:
            listener = EventLog(make_engine(settings), clock, here)
            speaker = EventLog(make_engine(settings), clock, there)
            seen, task = await listening(listener, conversation)
            status = await speaker.apublish(conversation, "status", {"state": "thinking"})
            await speaker.stream(conversation, status, 1, "token", {"text": "Hi"})
            await speaker.apublish(conversation, "message", {"text": "Hi"})
            await until(lambda: len(seen) >= 3, "the status, the token and the message from the other process",
                        limit_s=4)
            task.cancel()
            return seen
        finally:
            await here.stop()
            await there.stop()

    assert [e.sse_id for e in asyncio.run(go())] == ["1", "1.1", "2"]


def test_finishing_marks_only_a_running_job(engine, clock, conversation) -> None:
    queue = queue_with(engine, clock)
    job_id = enqueue(queue, conversation, 1)
    with Session(engine) as session:
        queue.finish(session, job_id)  # not claimed: nothing happens
        session.commit()
        assert session.get(Job, job_id).status == QUEUED
    queue.claim({"turn"})
    with Session(engine) as session:
        queue.finish(session, job_id)
        session.commit()
        assert session.get(Job, job_id).status == DONE


def test_workers_stop_when_cancelled_just_as_news_arrives(engine, clock) -> None:
    # Python 3.11's asyncio.wait_for returns the news and drops a cancel that lands in the same step; the
    # workers then never stopped, and a server's shutdown waited on them forever.
    queue = queue_with(engine, clock)
    workers = Workers(queue, poll_s=30)

    async def go() -> bool:
        task = asyncio.create_task(workers.run())
        await until(lambda: bool(queue.bus._subscribers), "the workers listening for news")
        await asyncio.sleep(0.05)  # past the first claim: waiting for news
        await queue.bus.asend(TOPIC, TOPIC, {"job": 0})
        await asyncio.sleep(0)  # the news is in the queue, its getter about to wake
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        return task in done

    assert asyncio.run(go()), "the workers kept running after they were cancelled"


def test_a_subscriber_stops_when_cancelled_just_as_news_arrives(engine, clock, conversation) -> None:
    bus = LocalBus()
    log = EventLog(engine, clock, bus)

    async def go() -> bool:
        seen, task = await listening(log, conversation)
        await log.apublish(conversation, "status", {"state": "thinking"})  # news: the subscriber re-reads
        await until(lambda: len(seen) == 1, "the status event")
        await bus.asend(EVENTS, conversation, {"id": 1, "part": 1, "type": "token", "data": {"text": "a"}})
        await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        return task in done

    assert asyncio.run(go()), "the subscriber kept running after it was cancelled"
