"""Logging to ``<workspace>/logs/`` with personal data and API keys redacted."""

from __future__ import annotations

import logging
import logging.handlers
import re
import uuid
from pathlib import Path

from vectorstore.redact import redact

_secrets: set[str] = set()
_endpoints: set[str] = set()


def register_secret(value: str | None) -> None:
    """Never let ``value`` (an API key, a token) reach a log line."""
    if value and len(value) >= 6:
        _secrets.add(value)


def register_endpoint(url: str | None) -> None:
    """A configured server URL (model, store): configuration, not personal data, so messages
    keep it whole (a user must see which server failed) instead of redacting its IP."""
    if url:
        _endpoints.add(url.rstrip("/"))


# The user's own machine (127.0.0.0/8, ::1): where persona's local model server and a local
# Chroma listen. Not personal data, and a message must say which address failed.
_LOOPBACK = re.compile(r"(?<![\d.])127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d.]*\d)"
                       r"|(?<![0-9A-Fa-f:])::1(?![0-9A-Fa-f:])")


def scrub(text: str) -> str:
    for s in _secrets:
        text = text.replace(s, "<SECRET>")
    kept = sorted(_endpoints, key=len, reverse=True)
    for i, url in enumerate(kept):
        text = text.replace(url, f"\ue000{i}\ue001")
    loopback: list[str] = []

    def hold(m: re.Match) -> str:
        loopback.append(m.group())
        return f"\ue002{len(loopback) - 1}\ue003"

    text = redact(_LOOPBACK.sub(hold, text)).text
    for i, address in enumerate(loopback):
        text = text.replace(f"\ue002{i}\ue003", address)
    for i, url in enumerate(kept):
        text = text.replace(f"\ue000{i}\ue001", url)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill logging
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class BriefFormatter(logging.Formatter):
    """Console lines without tracebacks: those go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


def new_error_id() -> str:
    """A short id that ties what a user sees to the log line with the traceback. It starts
    with a letter: ten hex digits that happen to be all digits read as a phone number, and
    the log's redaction replaced the very id a user would search for (seen once in CI)."""
    return "e" + uuid.uuid4().hex[:9]


def log_file() -> Path | None:
    """The workspace log file the current command writes, if one is attached."""
    for h in logging.getLogger().handlers:
        name = getattr(h, "_persona", None)
        if name and name != "console":
            return Path(name)
    return None


def detach_handlers() -> None:
    """Remove (and close) the handlers a previous command installed."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_persona", None):
            root.removeHandler(h)
            h.close()


def reopen_log_files() -> None:
    """Make this process's log file handlers reopen their files (after ``persona forget``
    rewrote them), instead of writing on into the replaced ones."""
    for h in logging.getLogger().handlers:
        if getattr(h, "_persona", "console") != "console" and isinstance(h, logging.FileHandler):
            h.acquire()
            try:
                if h.stream is not None:
                    h.stream.close()
                h.stream = None  # emit() opens the file again (mode "a")
            finally:
                h.release()


def setup_console(verbose: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    detach_handlers()
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    fmt = "%(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt) if verbose else BriefFormatter(fmt))
    handler.addFilter(RedactingFilter())
    handler._persona = "console"
    root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "httpx2", "httpcore2", "chromadb", "urllib3",
                  "sentence_transformers", "openai", "filelock", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def attach_file(logs_dir: Path) -> Path:
    root = logging.getLogger()
    path = logs_dir / "persona.log"
    if any(getattr(h, "_persona", None) == str(path) for h in root.handlers):
        return path
    logs_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: "
                                           "%(message)s"))
    handler.addFilter(RedactingFilter())
    handler._persona = str(path)
    root.addHandler(handler)
    return path
