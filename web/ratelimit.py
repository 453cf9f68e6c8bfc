"""Login rate limiting: failed attempts per client address and per username.

In memory, per server process: enough for one office PC running one `dangan serve`.
A deployment with several web processes should also limit at its reverse proxy.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque


class RateLimiter:
    """At most `limit` failures per key within `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                return 0
            return max(1, int(hits[0] + self.window - now) + 1)

    def fail(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
                for stale in [k for k, v in self._hits.items() if not v][:5_000]:
                    del self._hits[stale]

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


def login_limiter() -> RateLimiter:
    """5 failed logins per 5 minutes (DANGAN_LOGIN_LIMIT / DANGAN_LOGIN_WINDOW)."""
    return RateLimiter(
        int(os.environ.get("DANGAN_LOGIN_LIMIT", "5")),
        float(os.environ.get("DANGAN_LOGIN_WINDOW", "300")),
    )
