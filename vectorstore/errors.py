"""The exceptions vectorstore raises. The CLI turns them into messages and exit codes."""

from __future__ import annotations


class PersonaError(Exception):
    """Base of every error a user can act on. ``exit_code`` follows DESIGN.md §2b."""

    exit_code = 1


class InputError(PersonaError):
    """Unusable input or arguments: a file that cannot be parsed, an unknown column."""

    exit_code = 2


class EmbedderMismatch(InputError):
    """The collection was built with another embedder than the one asked for."""


class StoreUnavailable(PersonaError):
    """The vector store could not be reached or opened."""


class DependencyMissing(PersonaError):
    """An optional package or model file that this step needs is not installed."""
