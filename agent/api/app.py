"""The HTTP API (FastAPI) and the web page.

Routes: ``GET /segments``, ``GET /personas``, ``GET /personas/{id}``, ``POST /ask``,
``GET /search?q=``, ``GET /labels``, ``PUT /labels/{id}``, the page at ``/`` and its static
files, the persona deck at ``/deck`` (script-free, rendered from the current personas and
labels), and the OpenAPI document at ``/openapi.json``. Wherever a persona or group is
named, ``name`` is the displayed name (the user's label, else the persona's), with the persona's
own ``generated_name`` and the ``label`` beside it.

Errors are JSON ``{"error": message}`` with 400 (malformed body, or a Host name not
accepted), 401 (missing or wrong token), 404 (unknown id), 413 (oversized input; a body over
16 KB, announced or chunked, is refused without being read), 422 (invalid fields), 503 with
Retry-After (a dependency is unavailable: the store or the model unreachable, the model
busy) and 500 for a bug: ``{"error": ..., "error_id": ...}``, the id also in the log line
that carries the traceback.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.api.guards import BodyLimit, HostCheck
from agent.labels import MAX_LABEL, display_name
from agent.logs import new_error_id, scrub
from vectorstore.errors import DependencyMissing, InputError, StoreUnavailable

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
MAX_BODY = 16 * 1024
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ASK_TIMEOUT = 120.0
QUEUE_WAIT = 30.0


class AskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(..., min_length=1, max_length=2000)
    mode: str = Field("guided", pattern="^(guided|autonomous)$")
    stream: bool = False
    where: list[str] = Field(default_factory=list, max_length=4,
                             description="rating filters such as 'rating<=2'")
    since: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    until: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    source: str | None = Field(None, max_length=200)

    def filters(self):
        from agent.ask.question import Filters, parse_where

        return parse_where(self.where).merged(Filters(since=self.since, until=self.until,
                                                      source=self.source))


class LabelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(..., description=f"the name to show (at most {MAX_LABEL} "
                                               "characters); null or \"\" removes the label")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        self.status, self.message, self.headers = status, message, headers or {}


class State:
    """Lazily built, shared parts: the ask engine and (for phrasing) the model runtime."""

    def __init__(self, project):
        self.project = project
        self._engine = None
        self._runtime = None
        self._lock = threading.Lock()
        self.model_slot = asyncio.Semaphore(1)  # the local server answers one at a time

    def engine(self):
        with self._lock:
            if self._engine is None:
                self._engine = self.project.ask_engine()
            return self._engine

    def relabelled(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.set_labels(self.project.artifacts.labels())

    def chat(self):
        with self._lock:
            if self._runtime is None:
                self._runtime = self.project.providers.llm_runtime().start()
            return self._runtime.chat_model(max_tokens=160)

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.stop()


def create_app(project, token: str | None = None, use_llm: bool = True,
               allowed_hosts: list[str] | None = None) -> FastAPI:
    """The API over ``project`` (an ``agent.project.Project``).

    ``allowed_hosts`` (see ``agent.api.guards.allowed_hosts``) are the Host names answered;
    any other gets 400. ``None`` accepts any Host, for mounting the app behind a server that
    checks it; ``persona serve`` always passes the list.
    """
    from agent import __version__

    api = FastAPI(title="personakit", version=__version__,
                  description="Segments, personas, search and grounded answers about your users.")
    state = State(project)
    api.state.persona = state

    @api.middleware("http")
    async def guard(request: Request, call_next):
        if token and not request.url.path.startswith("/static/"):
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                if (request.url.path in ("/", "/deck")
                        and request.query_params.get("token") == token):
                    pass  # the page and the deck can be opened with ?token=...
                else:
                    return _error(401, "missing or wrong bearer token (Authorization: Bearer "
                                       "TOKEN)")
        try:
            return await call_next(request)
        except Exception as exc:  # noqa: BLE001 - every error becomes JSON here; a bug is a logged 500
            return _handle(exc)

    # added last, so outermost: every request's body is read to its end or refused at the
    # limit before anything answers, so no answer leaves a body for the server to drain;
    # then the Host check, then the token
    if allowed_hosts is not None:
        api.add_middleware(HostCheck, allowed=allowed_hosts)
    api.add_middleware(BodyLimit, limit=MAX_BODY)

    @api.exception_handler(ApiError)
    async def _api_error(request, exc: ApiError):
        return _error(exc.status, exc.message, exc.headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") in ("json_invalid", "json_type") for e in errors):
            return _error(400, "malformed JSON body")
        first = errors[0]
        where = ".".join(str(p) for p in first.get("loc", []) if p != "body")
        status = 413 if first.get("type") == "string_too_long" else 422
        return _error(status, f"{where or 'request'}: {first.get('msg')}")

    @api.exception_handler(StarletteHTTPException)
    async def _http(request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    @api.exception_handler(Exception)
    async def _any(request, exc: Exception):
        return _handle(exc)

    @api.on_event("shutdown")
    def _shutdown() -> None:
        state.close()

    # -- data ---------------------------------------------------------------------------------------
    @api.get("/segments", summary="Groups and their segments")
    def segments() -> dict[str, Any]:
        seg = _segments(state)
        personas = state.project.artifacts.personas_by_subject()
        labels = state.project.artifacts.labels()

        def named(unit, fields: set[str]) -> dict[str, Any]:
            return {**unit.model_dump(include=fields),
                    "name": display_name(unit.id, personas.get(unit.id), labels,
                                         fallback=", ".join(unit.keywords[:3])),
                    "label": labels.get(unit.id)}

        stats = {"size", "share", "keywords", "monthly", "trend", "rating", "rating_count"}
        return {"run_id": seg.run_id, "records": seg.records, "date_column": seg.date_column,
                "periods": seg.periods, "rating_column": seg.rating_column,
                "groups": [named(g, {"id", "users", "segments", *stats}) for g in seg.groups],
                "segments": [named(s, {"id", "parent", *stats}) for s in seg.segments]}

    @api.get("/trends", summary="Monthly sizes, and which groups and segments grew or shrank")
    def trends() -> dict[str, Any]:
        seg = _segments(state)
        personas = state.project.artifacts.personas_by_subject()
        labels = state.project.artifacts.labels()

        def series(units) -> list[dict[str, Any]]:
            return [{"id": u.id, "name": display_name(u.id, personas.get(u.id), labels,
                                                      fallback=", ".join(u.keywords[:3])),
                     "monthly": seg.series(u),
                     "trend": u.trend.model_dump() if u.trend else None} for u in units]

        groups, segments = series(seg.groups), series(seg.segments)
        moved = {d: [u["id"] for u in groups + segments
                     if u["trend"] and u["trend"]["direction"] == d] for d in ("grew", "shrank")}
        note = None if seg.date_column else (
            "no date column found: ingest files with a date column (date, created_at, "
            "timestamp, time, 日期, 时间) holding ISO dates, then run `persona segment`")
        return {"run_id": seg.run_id, "date_column": seg.date_column, "periods": seg.periods,
                "groups": groups, "segments": segments, **moved, "note": note}

    @api.get("/personas", summary="All personas (short form)")
    def personas() -> list[dict[str, Any]]:
        labels = state.project.artifacts.labels()
        return [{"id": p.id, "level": p.level, "group_id": p.group_id,
                 "segment_id": p.segment_id, **_names(p, labels), "tagline": p.tagline,
                 "size": p.size.texts, "share": p.share, "language": p.language,
                 "degraded": p.degraded, "keywords": p.keywords[:8],
                 "quotes": [q.model_dump() for q in p.quotes[:2]]} for p in _personas(state)]

    @api.get("/personas/{persona_id}", summary="One persona, in full")
    def persona(persona_id: str) -> dict[str, Any]:
        if not ID.match(persona_id):
            raise ApiError(404, "unknown persona id")
        for p in _personas(state):
            if persona_id in (p.id, p.subject_id):
                from agent.deck.render import language_line

                full = json.loads(p.model_dump_json())
                seg = state.project.artifacts.segmentation()
                info = seg.find(p.subject_id) if seg is not None else None
                return {**full, **_names(p, state.project.artifacts.labels()),
                        "language_line": language_line(p, info)}
        raise ApiError(404, f"no persona {persona_id!r}")

    @api.get("/labels", summary="The user's labels for groups and segments")
    def labels() -> dict[str, Any]:
        return {"labels": state.project.artifacts.labels()}

    @api.put("/labels/{unit_id}", summary="Name a group or segment (kept across reruns)")
    def put_label(unit_id: str, body: LabelBody) -> dict[str, Any]:
        seg = _segments(state)
        if not ID.match(unit_id) or seg.level_of(unit_id) is None:
            raise ApiError(404, f"no group or segment {unit_id!r}")
        text = body.label if body.label and body.label.strip() else None
        try:
            result = state.project.label(unit_id, text)
        except InputError as exc:
            raise ApiError(422, f"label: {exc}") from None
        state.relabelled()
        return result.as_json()

    @api.get("/search", summary="Texts most similar to a query")
    def search(q: str = Query(..., min_length=1, max_length=500),
               group: str | None = Query(None, max_length=64,
                                         description="only texts of this group (g…)"),
               segment: str | None = Query(None, max_length=64,
                                           description="only texts of this segment (s…)"),
               k: int = Query(10, ge=1, le=50),
               where: list[str] | None = Query(None, max_length=4,  # noqa: B008 - FastAPI
                                               description="rating filters such as rating<=2"),
               since: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
               until: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
               source: str | None = Query(None, max_length=200)) -> dict[str, Any]:
        from agent.ask.question import Filters, parse_where

        filters = parse_where(where or []).merged(Filters(since=since, until=until,
                                                          source=source))
        seg = _segments(state)
        for name, value, known in (("group", group, {g.id for g in seg.groups}),
                                   ("segment", segment, {s.id for s in seg.segments})):
            if value is not None and (not ID.match(value) or value not in known):
                raise ApiError(404, f"no {name} {value!r}")
        result = state.project.search(q, group=group, segment=segment, k=k,
                                      engine=state.engine(), filters=filters)
        return result.as_json()

    @api.post("/ask", summary="A grounded answer about the segments")
    async def ask(body: AskBody):
        engine = state.engine()
        if body.stream:
            return StreamingResponse(_sse(state, engine, body, use_llm),
                                     media_type="text/event-stream")
        try:
            await asyncio.wait_for(state.model_slot.acquire(), QUEUE_WAIT)
        except TimeoutError:
            raise ApiError(503, "the model is busy; retry shortly", {"Retry-After": "10"}) from None
        try:
            chat = state.chat() if use_llm else None
            result = await asyncio.wait_for(
                asyncio.to_thread(_answer, engine, body, chat), ASK_TIMEOUT)
        except TimeoutError:
            raise ApiError(503, "the answer took too long; retry", {"Retry-After": "10"}) from None
        finally:
            state.model_slot.release()
        return result

    # -- page ------------------------------------------------------------------------------------------
    @api.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": CSP})

    @api.get("/deck", include_in_schema=False)
    def deck():
        from fastapi.responses import HTMLResponse

        from agent.deck.render import CSP as DECK_CSP
        from agent.deck.render import page as deck_page

        seg, personas = _segments(state), _personas(state)
        if not personas:
            raise ApiError(404, "no personas yet: run `persona generate`")
        html = deck_page(personas, seg, state.project.providers.store(),
                         state.project.artifacts.labels())
        return HTMLResponse(html, headers={"Content-Security-Policy": DECK_CSP})

    @api.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in ("app.js", "style.css"):
            raise ApiError(404, "not found")
        return FileResponse(STATIC / name)

    @api.get("/map", summary="Points of the 2-D segment map")
    def segment_map() -> dict[str, Any]:
        from agent.deck.mapping import segment_map as build

        personas = _personas(state)
        m = build(state.project.providers.store(), personas[0].level if personas else "group")
        if m is None:
            return {"points": [], "centres": {}}
        return {"points": [[round(x, 4), round(y, 4), g] for (x, y), g in
                           zip(m.points.tolist(), m.groups, strict=True)],
                "centres": m.centres}

    return api


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def _answer(engine, body: AskBody, chat) -> dict[str, Any]:
    from agent.ask.answer import facts, with_sentence

    if body.mode == "autonomous" and chat is not None:
        from agent.ask.autonomous import autonomous_ask

        return autonomous_ask(engine, chat, body.question).as_dict()
    result = facts(engine, body.question, body.filters())
    if chat is not None and not (result.thin or result.declined):
        result = with_sentence(result, chat, body.question)
    return result.as_dict()


async def _sse(state: State, engine, body: AskBody, use_llm: bool = True):
    """Server-sent events: the facts as soon as they are counted, then the model's sentence
    once it has passed its checks (nothing is streamed that could be retracted), then the
    whole answer."""
    from agent.ask.answer import facts, with_sentence

    try:
        result = await asyncio.to_thread(facts, engine, body.question, body.filters())
    except Exception as exc:  # noqa: BLE001 - the stream has begun: the error is its last event
        yield _error_event(exc)
        return
    yield _event({"type": "facts", **result.as_dict()})
    if use_llm and not (result.thin or result.declined):
        try:
            await asyncio.wait_for(state.model_slot.acquire(), QUEUE_WAIT)
        except TimeoutError:
            yield _event({"type": "final", **result.as_dict()})
            return
        try:
            chat = state.chat()
            result = await asyncio.wait_for(
                asyncio.to_thread(with_sentence, result, chat, body.question), ASK_TIMEOUT)
            if result.sentence:
                yield _event({"type": "sentence", "text": result.sentence})
        except Exception as exc:  # noqa: BLE001 - the counted answer stands without a sentence
            log.warning("could not phrase the answer: %s", exc)
        finally:
            state.model_slot.release()
    yield _event({"type": "final", **result.as_dict()})


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _error_event(exc: Exception) -> str:
    status, message, _headers, error_id = _classify(exc)
    return _event({"type": "error", "message": message, "status": status,
                   **({"error_id": error_id} if error_id else {})})


def _segments(state: State):
    seg = state.project.artifacts.segmentation()
    if seg is None:
        raise ApiError(404, "no segments yet: run `persona run FILE`")
    return seg


def _personas(state: State):
    return state.project.artifacts.personas()


def _names(persona, labels) -> dict[str, Any]:
    return {"name": display_name(persona.subject_id, persona, labels),
            "generated_name": persona.name, "label": labels.get(persona.subject_id)}


def _message(exc: Exception) -> str:
    return scrub(str(exc))[:300]


def _classify(exc: Exception) -> tuple[int, str, dict[str, str], str | None]:
    """(status, message, headers, error id): 503 only for a dependency that is unavailable,
    500 with a logged error id for anything else — a bug is never reported as an outage."""
    from agent.llm.errors import LLMCallFailed, ModelUnavailable
    from agent.workspace import WorkspaceBusy

    if isinstance(exc, ApiError):
        return exc.status, exc.message, exc.headers, None
    if isinstance(exc, InputError):
        return 400, _message(exc), {}, None
    if isinstance(exc, StoreUnavailable | ModelUnavailable | LLMCallFailed | WorkspaceBusy):
        return 503, _message(exc), {"Retry-After": "30"}, None
    if isinstance(exc, DependencyMissing):
        return 503, _message(exc), {}, None
    error_id = new_error_id()
    log.error("internal error %s in the API", error_id, exc_info=exc)
    return 500, f"internal error {error_id}; the traceback is in the server log", {}, error_id


def _handle(exc: Exception) -> JSONResponse:
    status, message, headers, error_id = _classify(exc)
    if error_id is not None:
        return JSONResponse({"error": message, "error_id": error_id}, status_code=status)
    return _error(status, message, headers)


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or {})
