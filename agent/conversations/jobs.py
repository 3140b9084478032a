"""Durable work: every accepted customer message is a job in the database until it has been answered.

A job is stored in the same transaction as what it answers (the customer's message), so an accepted
message is never lost. Workers, in every server process, claim jobs and run them; a claimed job holds a
lease that its worker renews, and a job whose worker died (its lease ran out, or its process on this
machine is gone) is queued again and resumed. Jobs of one conversation and one *lane* (turns; Slack
relays) run one at a time, oldest first, across all processes: a claim takes the conversation's row lock
on Postgres (SQLite serialises writers anyway) and only ever the lane's oldest unfinished job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Column, CursorResult, Engine, func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, col, select

from agent.conversations.bus import LocalBus
from agent.conversations.records import Conversation
from tools.clock import Clock

log = logging.getLogger(__name__)
TOPIC = "jobs"
LEASE_S = 60.0  # a worker renews its job's lease every third of this
MAX_ATTEMPTS = 3  # a job claimed this often without finishing is given up (its handler's on_give_up runs)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(SQLModel, table=True):
    """One piece of durable work for a conversation."""

    __tablename__ = "jobs"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="which handler runs it, e.g. turn, slack.relay")
    lane: str = Field(default="turn", description="jobs of a conversation in one lane run one at a time, in order")
    conversation_id: str = Field(index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=QUEUED, index=True, description="queued | running | done | failed")
    attempts: int = 0
    claimed_by: str | None = Field(default=None, description="host:pid of the worker running it")
    lease_until: datetime | None = None
    run_after: datetime
    created_at: datetime
    finished_at: datetime | None = None
    error: str | None = None


def this_worker() -> str:
    """This process's worker name: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


class JobQueue:
    """Enqueue, claim, renew and finish jobs."""

    def __init__(self, engine: Engine, clock: Clock, bus: LocalBus, worker: str | None = None) -> None:
        self.engine, self.clock, self.bus = engine, clock, bus
        self.worker = worker or this_worker()

    def enqueue(self, session: Session, kind: str, conversation_id: str, payload: dict[str, Any],
                lane: str = "turn", claimed: bool = False) -> Job:
        """Add a job in ``session``'s transaction (``claimed``: already this worker's, to run it inline)."""
        now = self.clock.now()
        mine: dict[str, Any] = {"status": RUNNING, "attempts": 1, "claimed_by": self.worker,
                                "lease_until": now + timedelta(seconds=LEASE_S)} if claimed else {}
        job = Job(kind=kind, lane=lane, conversation_id=conversation_id, payload=payload, run_after=now,
                  created_at=now, **mine)
        session.add(job)
        session.flush()
        if not claimed:
            self.bus.send(TOPIC, TOPIC, {"job": job.id}, session)
        return job

    def claim(self, kinds: set[str]) -> Job | None:
        """The next runnable job of one of ``kinds``, now running under this worker's lease; None if none."""
        now = self.clock.now()
        with Session(self.engine) as session:
            candidates = session.exec(select(Job.id, Job.conversation_id, Job.lane)
                                      .where(Job.status == QUEUED, Job.run_after <= now, col(Job.kind).in_(kinds))
                                      .order_by(col(Job.id)).limit(50)).all()
        for job_id, conversation_id, lane in candidates:
            assert job_id is not None  # a stored job
            job = self._take(job_id, conversation_id, lane, now)
            if job is not None:
                return job
        return None

    def _take(self, job_id: int, conversation_id: str, lane: str, now: datetime) -> Job | None:
        """Claim this job if it is still the oldest unfinished one of its lane and nothing of the lane runs."""
        with Session(self.engine) as session:
            # Serialises claims of one conversation across processes (Postgres; SQLite has one writer).
            session.exec(select(Conversation.id).where(Conversation.id == conversation_id).with_for_update())
            first = session.exec(select(func.min(Job.id)).where(
                Job.conversation_id == conversation_id, Job.lane == lane,
                col(Job.status).in_([QUEUED, RUNNING]))).one()
            if first != job_id:
                session.rollback()
                return None
            claim = update(Job).where(col(Job.id) == job_id, col(Job.status) == QUEUED).values(
                status=RUNNING, claimed_by=self.worker, lease_until=now + timedelta(seconds=LEASE_S),
                attempts=col(Job.attempts) + 1)
            taken = cast(CursorResult[Any], session.execute(claim)).rowcount
            session.commit()
            return session.get(Job, job_id) if taken else None

    def renew(self, job_id: int) -> None:
        """Extend the lease of a job this worker runs."""
        with Session(self.engine) as session:
            session.execute(update(Job).where(col(Job.id) == job_id, col(Job.claimed_by) == self.worker,
                                              col(Job.status) == RUNNING)
                            .values(lease_until=self.clock.now() + timedelta(seconds=LEASE_S)))
            session.commit()

    def finish(self, session: Session, job_id: int, status: str = DONE, error: str | None = None) -> None:
        """Mark a running job done (or failed) in ``session``'s transaction, with whatever it wrote."""
        session.execute(update(Job).where(col(Job.id) == job_id, col(Job.status) == RUNNING)
                        .values(status=status, finished_at=self.clock.now(), error=error, lease_until=None))

    def retry(self, job_id: int, error: str, delay_s: float) -> None:
        """Put a job back in the queue after a failure, to run again in ``delay_s``."""
        with Session(self.engine) as session:
            session.execute(update(Job).where(col(Job.id) == job_id).values(
                status=QUEUED, claimed_by=None, lease_until=None, error=error[:500],
                run_after=self.clock.now() + timedelta(seconds=delay_s)))
            self.bus.send(TOPIC, TOPIC, {"job": job_id}, session)
            session.commit()

    def requeue_abandoned(self) -> int:
        """Queue again the jobs whose worker is gone: its lease ran out, or it was a process of this host."""
        now, host = self.clock.now(), socket.gethostname()
        with Session(self.engine) as session:
            running = session.exec(select(Job).where(Job.status == RUNNING)).all()
            abandoned = [j.id for j in running if (j.lease_until is not None and j.lease_until <= now)
                         or ((j.claimed_by or "").rpartition(":")[0] == host
                         and not _alive(int((j.claimed_by or ":0").rpartition(":")[2] or 0)))]
            if abandoned:
                session.execute(update(Job).where(col(Job.id).in_(abandoned), col(Job.status) == RUNNING)
                                .values(status=QUEUED, claimed_by=None, lease_until=None, run_after=now))
                self.bus.send(TOPIC, TOPIC, {"requeued": len(abandoned)}, session)
            session.commit()
        if abandoned:
            log.warning("queued %d job(s) again whose worker had stopped: %s", len(abandoned), abandoned)
        return len(abandoned)

    def get(self, job_id: int) -> Job | None:
        """The job as stored now."""
        with Session(self.engine) as session:
            return session.get(Job, job_id)


# A handler returns True when it finished its job itself, in the transaction of what it wrote; otherwise the
# worker marks the job done when the handler returns.
Handler = Callable[[Job], Awaitable[bool | None]]


class Workers:
    """Runs this process's share of the queue: at most ``concurrency`` jobs at once."""

    def __init__(self, queue: JobQueue, concurrency: int = 2, poll_s: float = 2.0) -> None:
        self.queue, self.concurrency, self.poll_s = queue, concurrency, poll_s
        self.handlers: dict[str, Handler] = {}
        # Called when a job is given up after MAX_ATTEMPTS: it owes the customer a word.
        self.on_give_up: dict[str, Handler] = {}
        self._running: set[asyncio.Task[None]] = set()

    def handle(self, kind: str, handler: Handler, on_give_up: Handler | None = None) -> None:
        """Run jobs of ``kind`` with ``handler`` (see :data:`Handler`)."""
        self.handlers[kind] = handler
        if on_give_up is not None:
            self.on_give_up[kind] = on_give_up

    async def run(self) -> None:
        """Claim and run jobs until cancelled; abandoned jobs are taken up again at start and every minute."""
        subscription = self.queue.bus.subscribe(TOPIC, TOPIC)
        last_sweep = -1e9
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    if loop.time() - last_sweep > 60:
                        await asyncio.to_thread(self.queue.requeue_abandoned)
                        last_sweep = loop.time()
                    while len(self._running) < self.concurrency:
                        job = await asyncio.to_thread(self.queue.claim, set(self.handlers))
                        if job is None:
                            break
                        task = asyncio.create_task(self._run_one(job))
                        self._running.add(task)
                        task.add_done_callback(self._running.discard)
                except SQLAlchemyError as exc:  # the database is away: the jobs wait for it, in the database
                    log.warning("cannot claim jobs (%s); trying again in %.0f s", exc.__class__.__name__,
                                self.poll_s)
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancel that comes as
                # the news does, and then this loop, and a server's shutdown waiting on it, never ends.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_s):
                        await subscription.queue.get()
        finally:
            subscription.close()
            for task in list(self._running):
                task.cancel()

    async def _run_one(self, job: Job) -> None:
        assert job.id is not None
        renew = asyncio.create_task(self._keep_lease(job.id))
        try:
            if job.attempts > MAX_ATTEMPTS:
                log.error("job %s (%s) was started %d times without finishing; giving it up", job.id, job.kind,
                          job.attempts - 1)
                if give_up := self.on_give_up.get(job.kind):
                    await give_up(job)
                await asyncio.to_thread(self._finish, job.id, FAILED, "given up after repeated attempts")
                return
            if not await self.handlers[job.kind](job):
                await asyncio.to_thread(self._finish, job.id, DONE, None)
        except asyncio.CancelledError:
            raise  # shutting down: the lease runs out and another worker (or this one, restarted) resumes it
        except Exception as exc:
            log.exception("job %s (%s) failed; it will be tried again", job.id, job.kind)
            with contextlib.suppress(SQLAlchemyError):  # if even that fails, its lease runs out: the same
                await asyncio.to_thread(self.queue.retry, job.id, f"{exc.__class__.__name__}", 2.0 * job.attempts)
        finally:
            renew.cancel()
            # Waking the loop: a freed slot may take the next job of this conversation at once.
            await self.queue.bus.asend(TOPIC, TOPIC, {"done": job.id})

    def _finish(self, job_id: int, status: str, error: str | None) -> None:
        with Session(self.queue.engine) as session:
            self.queue.finish(session, job_id, status, error)
            session.commit()

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(LEASE_S / 3)
            with contextlib.suppress(SQLAlchemyError):  # a missed renewal is made up by the next one
                await asyncio.to_thread(self.queue.renew, job_id)
