"""The process-wide request budget for FilterLogEvents, and retry delays.

AWS allows 5 FilterLogEvents calls per second per account and Region, and counts the calls of every
process and tool together. flowtail keeps all of its own calls under one budget, shared by every
follower, so that adding log groups makes each one poll less often instead of throttling all of them.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable


class RequestBudget:
    """At most ``rate_per_s`` calls in any one-second window, across all threads.

    A plain token bucket with burst ``b`` lets ``b + rate`` calls through in some one-second windows;
    AWS counts calls per second, so this is a sliding-window limiter instead: a call may start when the
    call ``limit`` places before it started at least ``window_s`` earlier. With an integer rate (the
    usual configuration) that is exactly "never more than ``rate`` calls in a second", and bursts of up
    to ``rate`` calls are still allowed. A fractional rate above 1 is rounded down; a rate below 1
    becomes one call per ``1 / rate`` seconds.

    ``clock`` and ``sleep`` are injectable so tests can run on fake time.
    """

    def __init__(
        self,
        rate_per_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate_per_s > 0:
            raise ValueError(f"request rate must be positive, not {rate_per_s!r}")
        self.rate_per_s = rate_per_s
        self.limit = max(1, math.floor(rate_per_s))
        self.window_s = max(1.0, 1.0 / rate_per_s)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self.granted = 0
        self.waited_s = 0.0

    def acquire(self) -> None:
        """Block until one more call fits in the budget, and count it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and self._starts[0] + self.window_s <= now:
                    self._starts.popleft()
                if len(self._starts) < self.limit:
                    self._starts.append(now)
                    self.granted += 1
                    return
                wait = self._starts[0] + self.window_s - now
                self.waited_s += wait
            self._sleep(wait)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: attempt ``n`` (0-based) waits up to ``min(cap, base * 2**n)`` seconds.

    ``floor`` is the share of that bound always waited: 0 is AWS's recommended "full jitter" (callers
    spread out as much as possible), a larger floor keeps slow retries (expired credentials, missing
    permissions) from hammering the API when the jitter happens to come out small.
    """

    base_s: float
    cap_s: float
    floor: float = 0.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        bound = min(self.cap_s, self.base_s * 2 ** min(attempt, 32))
        return rng.uniform(self.floor * bound, bound)
