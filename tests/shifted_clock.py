"""Lets the suite run under libfaketime with the real monotonic clock (the Makefile's date-shifted run).

With a faked monotonic clock (libfaketime's default), Python's timed lock waits go through
``sem_clockwait``, which libfaketime 0.9.10 does not shift, so ``Event.wait(0.1)`` sleeps 400 days: that
hung CI. The Makefile therefore sets ``FAKETIME_DONT_FAKE_MONOTONIC=1``; then the library's
``clock_nanosleep`` wrapper rejects every absolute deadline and ``time.sleep`` raises EINVAL. ``select``
sleeps on a relative timeout the library leaves alone, so ``time.sleep`` goes through it while the
library is preloaded.
"""

from __future__ import annotations

import os
import select
import time


def _select_sleep(seconds: float) -> None:
    """``time.sleep`` by a relative timeout (select retries after signals, PEP 475)."""
    select.select([], [], [], seconds)


# A pytest plugin (addopts: -p tests.shifted_clock), so this runs before any test module imports `sleep`.
if "libfaketime" in os.environ.get("LD_PRELOAD", ""):
    time.sleep = _select_sleep
