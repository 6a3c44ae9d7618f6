"""What can go wrong with a model, in the words a user acts on.

Two failures are told apart because they are handled differently:

* :class:`ModelUnavailable` — the server could not be reached, or did not answer within the
  per-call deadline, after the retry policy (:mod:`agent.llm.retry`). A run stops (exit 1)
  and writes nothing half-done: a persona filled from the texts because the model was down
  would replace a good one.
* :class:`LLMCallFailed` — the server answered but kept failing (5xx, garbage). One persona
  is degraded with the reason; the run goes on.
"""

from __future__ import annotations

from vectorstore.errors import PersonaError


class ModelUnavailable(PersonaError):
    """The model server could not be reached or did not answer within the deadline."""


class LLMCallFailed(PersonaError):
    """The model server answered, but kept failing after retries."""


def endpoint_of(chat_model) -> str:
    """The base URL a LangChain chat model talks to (for messages), or a placeholder."""
    return str(getattr(chat_model, "openai_api_base", None) or "the configured endpoint")


def unavailable(exc: BaseException, url: str | None, connect: float | None = None,
                timeout: float | None = None) -> ModelUnavailable | None:
    """``exc`` as a :class:`ModelUnavailable` when it means the server is unreachable or
    silent (connection refused, connect or read timeout); None for anything else."""
    import openai

    if isinstance(exc, ModelUnavailable):
        return exc
    where = url or "the configured endpoint"
    if isinstance(exc, openai.APITimeoutError):
        within = f" within {timeout:g} s" if timeout else ""
        return ModelUnavailable(
            f"the model server at {where} did not answer{within}; check that it is running and "
            "not overloaded (`persona llm check`), or raise llm.timeout (PERSONA_LLM__TIMEOUT)")
    if isinstance(exc, openai.APIConnectionError):
        within = f" (connect deadline {connect:g} s)" if connect else ""
        return ModelUnavailable(
            f"cannot connect to the model server at {where}{within}; check that it is running "
            "and that llm.base_url (PERSONA_LLM__BASE_URL) points at it")
    return None


def could_not_do_it() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the model answered but could not do the task" (bad tool calls,
    unparseable output, a refused request, the turn limit): callers fall back to what code
    can answer. Connection failures and timeouts are not among them: see :func:`unavailable`.
    """
    import openai
    from langchain_core.exceptions import OutputParserException
    from langgraph.errors import GraphRecursionError
    from pydantic import ValidationError

    return (LLMCallFailed, openai.APIStatusError, openai.APIResponseValidationError,
            openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError,
            OutputParserException, GraphRecursionError, ValidationError)


def as_model_error(exc: BaseException, chat_model=None) -> PersonaError | None:
    """``exc`` in our terms: :class:`ModelUnavailable` (unreachable, silent),
    :class:`LLMCallFailed` (the model could not do it), or None — a bug, to be re-raised."""
    down = unavailable(exc, endpoint_of(chat_model))
    if down is not None:
        return down
    if isinstance(exc, could_not_do_it()):
        return exc if isinstance(exc, LLMCallFailed) else LLMCallFailed(
            f"the model could not do it: {type(exc).__name__}: {str(exc)[:300]}")
    return None
