"""Sliding-window rate limits, per conversation and per client IP, answered with a clear 429."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import HTTPException, status

WINDOW_S = 60.0


class RateLimiter:
    """At most ``limit`` hits per key in any ``window_s`` seconds (kept in memory, per process)."""

    def __init__(self, limit: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, key: str) -> float:
        """0 and the hit is counted if allowed; otherwise the seconds until the next hit is allowed."""
        now = self.clock()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window_s - now
        hits.append(now)
        return 0.0

    def check(self, key: str, what: str) -> None:
        """Raise a 429 saying what was limited and when to try again."""
        wait = self.retry_after(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                f"Too many {what}. Please wait {seconds} seconds and try again.",
                                headers={"Retry-After": str(seconds)})
