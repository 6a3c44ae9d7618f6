"""``persona label`` and ``persona list``: what the groups and segments are called."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.cells import set_cell_size

from agent.project.results import ListResult, UnitRow
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext

NAME_CELLS = 34


def _line(u: UnitRow, indent: str) -> str:
    """One row; a segment row is indented under its group and its name column narrower."""
    if u.name_from == "label":
        note = f"label; persona: {u.persona_name}" if u.persona_name else "label"
    else:
        note = {"persona": "", "keywords": "keywords"}[u.name_from]
    name = set_cell_size(u.name, NAME_CELLS + 2 - len(indent))  # CJK: two cells a character
    return (f"{indent}{u.id:<5} {name} {u.size:>6} texts {u.share:6.1%} {u.users:>5} users"
            f"{f'  ({note})' if note else ''}").rstrip()


def print_list(app: AppContext, r: ListResult) -> None:
    c = app.human
    personas = (f"{r.personas} personas ({r.persona_level} level)" if r.personas
                else "no personas yet (`persona generate`)")
    c.print(f"{len(r.groups)} groups · {r.records} records · segmentation {r.run_id} · "
            f"{personas}")
    for g in r.groups:
        c.print(_line(g, "  "))
        for s in g.segments:
            c.print(_line(s, "    "))
    for uid, text in r.orphan_labels.items():
        c.print(f"  note: label {text!r} is for {uid}, which this segmentation does not have")
    c.print("rename one with: persona label ID \"NAME\"")


def register(app: typer.Typer) -> None:
    @app.command("label")
    def label(ctx: typer.Context,
              unit_id: Annotated[str, typer.Argument(
                  metavar="ID", help="A group (g3) or segment (s12) id, as `persona list "
                                     "--segments` shows them.", show_default=False)],
              name: Annotated[str | None, typer.Argument(
                  metavar="NAME", help="The name to show for it (at most 60 characters).",
                  show_default=False)] = None,
              clear: Annotated[bool, typer.Option(
                  "--clear", help="Remove the label (the persona's own name is shown "
                                  "again).")] = False,
              json_output: JsonFlag = False) -> None:
        """Name a group or segment; the name is kept across reruns.

        The label replaces the persona's generated name in the deck, answers, the API
        and exports (the persona file keeps its own name). Run `persona deck` afterwards
        to update the deck.

        \b
        Example:
          persona label g3 "Parents"
          persona label g3 --clear
        """
        a = get_ctx(ctx, json_output)
        if clear == (name is not None):
            raise InputError("give a NAME, or --clear to remove the label")
        r = a.project().label(unit_id, None if clear else name)
        if r.label is None:
            a.human.print(f"{r.level} {r.id}: label removed; shown as {r.name!r}")
        else:
            was = f" (was {r.previous!r})" if r.previous and r.previous != r.label else ""
            a.human.print(f"{r.level} {r.id} is now called {r.label!r}{was}; run `persona "
                          "deck` to update the deck")
        a.emit(r)

    @app.command("list")
    def list_(ctx: typer.Context,
              segments: Annotated[bool, typer.Option(
                  "--segments", help="Also list each group's segments.")] = False,
              json_output: JsonFlag = False) -> None:
        """List groups and personas by name, with sizes.

        A group's name is its label, else its persona's name, else its top keywords.

        \b
        Example:
          persona list --segments
        """
        a = get_ctx(ctx, json_output)
        r = a.project().list_units(segments)
        print_list(a, r)
        a.emit(r)
