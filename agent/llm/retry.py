"""The one retry policy for requests to a model server (tenacity), bounded by deadlines.

Every logical request — a chat completion, a capability probe, the model list — is tried at
most ``retries + 1`` times, and all attempts together stay inside the per-call deadline: an
attempt may use only the time that is left, and no retry starts once the deadline would be
passed. A read timeout therefore ends the call (the server accepted and stayed silent;
waiting again is how an unresponsive server used to look like a hang), while fast failures —
a refused connection, a 5xx, a 429, a garbled body — are retried with backoff. The openai
client's own retries are off (``max_retries=0``): there is no loop inside this one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_WAIT = 8.0      # seconds between attempts, at most (Retry-After is capped at this too)
MIN_ATTEMPT = 0.2   # an attempt with less time left than this is not started


@dataclass(frozen=True)
class Deadlines:
    """``connect``: seconds to open a connection; ``call``: seconds for one request with all
    its retries; ``retries``: attempts after the first."""

    connect: float = 5.0
    call: float = 60.0
    retries: int = 3

    @classmethod
    def of(cls, config) -> Deadlines:
        """From an ``agent.config.LLMConfig``."""
        return cls(connect=config.connect_timeout, call=config.timeout, retries=config.max_retries)

    def timeout(self, left: float | None = None):
        """An ``openai.Timeout`` for an attempt with ``left`` seconds remaining."""
        import openai

        total = self.call if left is None else max(left, MIN_ATTEMPT)
        return openai.Timeout(total, connect=min(self.connect, total))


def transient(exc: BaseException) -> bool:
    """Worth another attempt: the server was not reached, answered 408/409/429/5xx, or sent
    a body that could not be read."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    if isinstance(exc, openai.APIConnectionError | openai.APIResponseValidationError):
        return True  # includes timeouts: retried only while the deadline leaves time
    # A 200 with truncated or garbled bytes surfaces as a JSON, Unicode or response-type
    # ValueError from the client; the model's answer itself is parsed elsewhere.
    return isinstance(exc, ValueError) and not isinstance(exc, openai.OpenAIError)


def retry_after(exc: BaseException | None) -> float | None:
    """The server's Retry-After (seconds, capped), if it sent one."""
    try:
        return min(float(exc.response.headers["retry-after"]), MAX_WAIT)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    after = retry_after(exc)
    return after if after is not None else min(0.5 * 2 ** (state.attempt_number - 1), MAX_WAIT)


class OpenRequests:
    """The requests under way in this process, with when each began and what it is for
    (:class:`agent.llm.heartbeat.Heartbeat` tells the user while they wait)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._open: dict[int, tuple[float, str]] = {}
        self._next = 0

    def begin(self, what: str) -> int:
        with self._lock:
            self._next += 1
            self._open[self._next] = (self.clock(), what)
            return self._next

    def end(self, token: int) -> None:
        with self._lock:
            self._open.pop(token, None)

    def oldest(self) -> tuple[float, str, int] | None:
        """(when the oldest open request began, what it is for, how many are open)."""
        with self._lock:
            if not self._open:
                return None
            began, what = min(self._open.values())
            return began, what, len(self._open)


OPEN = OpenRequests()


def call(request: Callable[[Any], T], deadlines: Deadlines, what: str = "model request",
         on_retry: Callable[[BaseException], Any] | None = None,
         retry: Callable[[BaseException], bool] = transient) -> T:
    """``request(timeout)`` under the policy; the last exception propagates.

    ``request`` receives the ``openai.Timeout`` for its attempt (the time left of the
    deadline). ``on_retry(exc)`` runs before each retry (e.g. to restart a crashed local
    server); ``retry`` decides which exceptions are worth another attempt.
    """
    started = time.monotonic()

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception()
        log.info("%s: %s: %s; attempt %d of %d", what, type(exc).__name__, str(exc)[:200],
                 state.attempt_number + 1, deadlines.retries + 1)
        if on_retry is not None:
            on_retry(exc)

    policy = Retrying(stop=stop_after_attempt(deadlines.retries + 1)
                      | stop_before_delay(deadlines.call - MIN_ATTEMPT),
                      wait=_wait, retry=retry_if_exception(retry), before_sleep=before_sleep,
                      reraise=True)
    token = OPEN.begin(what)
    try:
        return policy(lambda: request(deadlines.timeout(deadlines.call
                                                        - (time.monotonic() - started))))
    finally:
        OPEN.end(token)
