"""A line at least every ``interval`` seconds while a model request is open, so a slow or
silent model never leaves the user looking at a frozen terminal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .callbacks import CallTimes


class Heartbeat:
    """``tick()`` says how long the oldest open request has waited, once per ``interval``;
    as a context manager a daemon thread ticks every half second."""

    def __init__(self, calls: Callable[[], CallTimes | None], say: Callable[[str], None],
                 interval: float = 15.0, deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.calls, self.say, self.interval = calls, say, interval
        self.deadline, self.clock = deadline, clock
        self._last: float | None = None     # when we last spoke (or the oldest request began)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> str | None:
        ct = self.calls()
        since = ct.open_since() if ct is not None else []
        now = self.clock()
        if not since:
            self._last = None
            return None
        if self._last is None or self._last < since[0]:
            self._last = since[0]
        if now - self._last < self.interval:
            return None
        self._last = now
        n = len(since)
        limit = f" (deadline {self.deadline:g} s)" if self.deadline else ""
        message = (f"still waiting on the model: {n} request{'s' if n > 1 else ''} open for "
                   f"{now - since[0]:.0f} s{limit}")
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
