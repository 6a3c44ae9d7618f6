"""personakit's application layer (see docs/architecture.md)."""

from importlib import metadata

try:
    __version__ = metadata.version("personakit")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
