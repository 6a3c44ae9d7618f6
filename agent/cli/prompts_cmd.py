"""``persona prompts``: the installed prompt files, each loaded and validated."""

from __future__ import annotations

import typer

from .app import JsonFlag, get_ctx


def register(app: typer.Typer) -> None:
    @app.command("prompts")
    def prompts(ctx: typer.Context, json_output: JsonFlag = False) -> None:
        """List every prompt id@version and its sha256, after loading and validating each.

        A released prompt whose file changed is an error (prompts/LOCK.json).

        \b
        Example:
          persona prompts --json
        """
        a = get_ctx(ctx, json_output)
        r = a.project().prompts()
        for p in r.prompts:
            a.human.print(f"{p.ref:28} {p.sha256}{'' if p.locked else '  (not released)'}",
                          soft_wrap=True)
        a.emit(r)
