"""A line at least every ``interval`` seconds while a model request is open, so a slow or
silent model never leaves the user looking at a frozen terminal."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .retry import OPEN, OpenRequests


class Heartbeat:
    """``tick()`` says how long the oldest open request (``agent.llm.retry.call``) has
    waited, once per ``interval``; as a context manager a daemon thread ticks every half
    second."""

    def __init__(self, say: Callable[[str], None], interval: float = 15.0,
                 deadline: float | None = None, requests: OpenRequests = OPEN):
        self.say, self.interval, self.deadline, self.requests = say, interval, deadline, requests
        self._last: float | None = None   # when we last spoke (or the oldest request began)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> str | None:
        oldest = self.requests.oldest()
        now = self.requests.clock()
        if oldest is None:
            self._last = None
            return None
        began, what, n = oldest
        if self._last is None or self._last < began:
            self._last = began
        if now - self._last < self.interval:
            return None
        self._last = now
        others = f" and {n - 1} more" if n > 1 else ""
        limit = f" (deadline {self.deadline:g} s)" if self.deadline else ""
        message = f"still waiting on the model: {what}{others} for {now - began:.0f} s{limit}"
        self.say(message)
        return message

    def __enter__(self) -> Heartbeat:
        def loop() -> None:
            while not self._stop.wait(0.5):
                self.tick()

        self._thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
