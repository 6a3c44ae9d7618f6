"""Global options in either position: ``persona -w DIR ingest FILE`` and
``persona ingest FILE -w DIR`` (what many users type first) mean the same.

Before typer parses the command line, the global options found after a command are moved in
front of it. The command tree says which tokens are option values (so ``--text-col -w`` keeps
its value), ``--`` ends the options, and a command's own option of the same name is left to
it. A global option given twice with different values is an error (exit 2), not "the last
one wins".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from vectorstore.errors import InputError

#: spelling → canonical name, for the global options that may follow a command
GLOBAL = {"-w": "--workspace", "--workspace": "--workspace", "--chroma-url": "--chroma-url",
          "--collection": "--collection", "-v": "--verbose", "--verbose": "--verbose"}
VALUED = ("--workspace", "--chroma-url", "--collection")


# The command tree is click's (typer ships its own copy of click, so no isinstance checks).
def _option(command: Any, name: str) -> Any:
    for p in command.params:
        if p.param_type_name == "option" and (name in p.opts or name in p.secondary_opts):
            return p
    return None


def _same(option: str, value: str) -> str:
    if option == "--workspace":
        return os.path.normpath(os.path.expanduser(value))
    return value.rstrip("/") if option == "--chroma-url" else value


def normalise(argv: Sequence[str], root: Any) -> list[str]:
    """``argv`` with every global option moved in front of the first command."""
    kept: list[str] = []
    given: dict[str, list[str]] = {}
    command = root
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            kept.extend(argv[i:])
            break
        name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        canonical = GLOBAL.get(name)
        if canonical and (command is root or _option(command, name) is None):
            if canonical not in VALUED:
                given.setdefault(canonical, [])
                i += 1
                continue
            if eq or i + 1 < len(argv):
                given.setdefault(canonical, []).append(inline if eq else argv[i + 1])
                i += 1 if eq else 2
                continue
        kept.append(token)
        i += 1
        if token.startswith("-") and token != "-":
            opt = _option(command, name)
            takes_value = opt is not None and not opt.is_flag and not opt.count and opt.nargs > 0
            if takes_value and not eq and i < len(argv):
                kept.append(argv[i])
                i += 1
        elif token in getattr(command, "commands", {}):
            command = command.commands[token]
    front: list[str] = []
    for option, values in given.items():
        distinct = list(dict.fromkeys(_same(option, v) for v in values))
        if len(distinct) > 1:
            raise InputError(f"{option} was given twice, as {values[0]!r} and "
                             f"{values[-1]!r}; give it once (before or after the command)")
        front += [option, values[0]] if option in VALUED else [option]
    return front + kept
