"""A LangChain callback that times every model request (token counts come from LangChain's
own ``UsageMetadataCallbackHandler``)."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler


class CallTimes(BaseCallbackHandler):
    """Seconds per model request, failed ones included: ``benchmarks/personas.py`` reports the
    slowest, which must stay well inside the per-call deadline (``llm.timeout``)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._started: dict[UUID, float] = {}
        self.seconds: list[float] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *, run_id: UUID,
                            **kwargs: Any) -> None:
        with self._lock:
            self._started[run_id] = time.perf_counter()

    def on_llm_start(self, serialized: dict[str, Any], prompts: Any, *, run_id: UUID,
                     **kwargs: Any) -> None:
        self.on_chat_model_start(serialized, prompts, run_id=run_id)

    def _done(self, run_id: UUID) -> None:
        with self._lock:
            started = self._started.pop(run_id, None)
            if started is not None:
                self.seconds.append(time.perf_counter() - started)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._done(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._done(run_id)

    @property
    def slowest(self) -> float | None:
        with self._lock:
            return round(max(self.seconds), 3) if self.seconds else None
