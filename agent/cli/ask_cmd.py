"""``persona ask`` and ``persona serve``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from agent.ask.question import Filters, parse_where
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext

Where = Annotated[list[str] | None, typer.Option(
    "--where", help="A rating filter: rating<=2, rating>=4, rating=5 (repeatable).",
    show_default=False, metavar="FILTER")]
Since = Annotated[str | None, typer.Option("--since", help="Only texts dated on or after "
                                           "this day (YYYY-MM-DD).", show_default=False,
                                           metavar="DATE")]
Until = Annotated[str | None, typer.Option("--until", help="Only texts dated before this day "
                                           "(YYYY-MM-DD).", show_default=False, metavar="DATE")]
SourceOpt = Annotated[str | None, typer.Option("--source", help="Only texts of this source "
                                               "(file name).", show_default=False,
                                               metavar="NAME")]


def filters(where: list[str] | None, since: str | None, until: str | None,
            source: str | None) -> Filters:
    import datetime as dt

    for name, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise InputError(f"{name} {value!r}: expected a date as YYYY-MM-DD") from None
    return parse_where(where or []).merged(Filters(since=since, until=until, source=source))


def print_facts(app: AppContext, r) -> None:
    """The facts of an answer (shown before any model sentence)."""
    c = app.human
    c.print(r.answer)
    if r.declined:
        return
    zh = r.language == "zh"
    ranking = bool(r.aspects)   # themes ranked by count: each counted over its own members
    label = (("统计的是：" if zh else "counted: ") if ranking else
             ("统计的是说这句话的文本：" if zh else "counted texts that say: "))
    c.print(label + r.counted_as, style="dim", markup=False)
    if r.precision is not None:
        c.print((f"这种统计方法在标注数据上的精确率：{r.precision:.0%}" if zh else
                 f"measured precision of this counting on labelled data: {r.precision:.0%}"),
                style="dim")
    for cit in r.citations:
        c.print(f"  [{cit.doc_id} · {cit.group_id}] {cit.text}")


def print_counted(app: AppContext, r) -> None:
    c = app.human
    if r.counted_ids:
        c.print(f"counted ids ({len(r.counted_ids)}): " + ", ".join(r.counted_ids))
    else:
        c.print("no ids to show (nothing counted, or every count was under --min-support)")


def print_search(app: AppContext, r) -> None:
    c = app.human
    where = f" in {r.group or r.segment}" if (r.group or r.segment) else ""
    if not r.hits:
        c.print(f"no texts{where} for {r.query!r}")
        return
    c.print(f"{len(r.hits)} texts closest to {r.query!r}{where}:")
    for n, h in enumerate(r.hits, 1):
        group = f"{h.group_id} {h.group_name}" if h.group_name else (h.group_id or "unassigned")
        c.print(f"{n:>3}. [{h.score:.3f}] {group} · {h.segment_id} · {h.doc_id}")
        c.print(f"     {h.text}")
        meta = " · ".join(f"{k} {v}" for k, v in h.metadata.items())
        if meta or h.source:
            c.print(f"     {meta}{' · ' if meta and h.source else ''}"
                    f"{f'from {h.source}' if h.source else ''}", style="dim")


def register(app: typer.Typer) -> None:
    @app.command("search")
    def search(ctx: typer.Context,
               query: Annotated[str, typer.Argument(metavar="QUERY",
                                                    help="What the texts should say.")],
               group: Annotated[str | None, typer.Option(
                   "--group", help="Only texts of this group (g3).", show_default=False)] = None,
               segment: Annotated[str | None, typer.Option(
                   "--segment", help="Only texts of this segment (s12).",
                   show_default=False)] = None,
               k: Annotated[int, typer.Option("-k", "--k", min=1, max=50,
                                              help="How many texts to show.")] = 10,
               where: Where = None, since: Since = None, until: Until = None,
               source: SourceOpt = None, json_output: JsonFlag = False) -> None:
        """Find the stored texts closest to a query, with their metadata.

        Each text comes with its group and segment (by name) and the columns kept from the
        source file (date, rating, ...).

        \b
        Example:
          persona search "card blocked abroad" --group g5 -k 5
        """
        a = get_ctx(ctx, json_output)
        r = a.project().search(query, group=group, segment=segment, k=k,
                               filters=filters(where, since, until, source))
        print_search(a, r)
        a.emit(r)


    @app.command("ask")
    def ask(ctx: typer.Context,
            question: Annotated[str, typer.Argument(help="A question about your users.")],
            mode: Annotated[str, typer.Option("--mode", help="guided (code counts and cites; "
                                              "the model phrases) or autonomous (a "
                                              "tool-calling agent).")] = "guided",
            min_support: Annotated[int | None, typer.Option(
                "--min-support", min=1, help="Counts below this are not reported [default: 3].",
                show_default=False)] = None,
            no_llm: Annotated[bool, typer.Option("--no-llm", help="Answer from the counts "
                                                 "alone, without a model.")] = False,
            show_counted: Annotated[bool, typer.Option(
                "--show-counted", help="List every counted text id (they are always in "
                "--json).")] = False,
            where: Where = None, since: Since = None, until: Until = None,
            source: SourceOpt = None, json_output: JsonFlag = False) -> None:
        """Ask about your users; the answer counts and cites texts.

        Kinds of question: who says something ("Who finds the letters too small?"), how many
        ("How many users mention dark mode?"), what ("What do travellers complain about
        most?"), why ("Why do parents use it?"), compare ("Compare students and parents").
        Filters from the question ("1-star reviews", "since March") or the options.

        \b
        Example:
          persona ask "What do students complain about most?"
          persona ask "Who complains of fees?" --where "rating<=2" --since 2026-03-01
          persona ask "哪个用户群最在意手续费？" --no-llm --json
        """
        a = get_ctx(ctx, json_output)
        shown = []

        def on_facts(result) -> None:  # the facts first, before the model is asked
            if not a.json_output:
                print_facts(a, result)
                shown.append(True)

        r = a.project().ask(question, mode, min_support, not no_llm,
                            filters(where, since, until, source), on_facts)
        if not shown:
            print_facts(a, r)
        if r.sentence:
            a.human.print(r.sentence)
        if show_counted:
            print_counted(a, r)
        a.emit(r.as_dict())

    @app.command("serve")
    def serve(ctx: typer.Context,
              host: Annotated[str, typer.Option(
                  "--host", help="Listen address. Beyond loopback (127.0.0.1, ::1, "
                  "localhost) a token is required, or --insecure.")] = "127.0.0.1",
              port: Annotated[int, typer.Option(
                  "--port", min=1, max=65535, help="TCP port for the API and the web page: "
                  "open http://HOST:PORT/ in a browser.")] = 8000,
              token: Annotated[str | None, typer.Option(
                  "--token", help="Require 'Authorization: Bearer TOKEN' on every route "
                  "[default: $PERSONA_API_TOKEN].", show_default=False)] = None,
              insecure: Annotated[bool, typer.Option(
                  "--insecure", help="Serve beyond loopback without a token: anyone who "
                  "can reach the address can read every text.")] = False,
              allowed_host: Annotated[list[str] | None, typer.Option(
                  "--allowed-host", metavar="NAME", show_default=False,
                  help="Also answer requests for this Host name (repeatable); the "
                  "loopback names and --host are always accepted, any other Host gets "
                  "400.")] = None) -> None:
        """Serve the HTTP API and the web page.

        The page shows the personas and lets you search, ask and rename groups.

        \b
        Example:
          persona serve --port 8000      # then open http://127.0.0.1:8000/
          PERSONA_API_TOKEN=a-long-secret persona serve \\
            --host 0.0.0.0 --allowed-host persona.lan  # http://persona.lan:8000/
        """
        import uvicorn

        from agent.api.app import create_app
        from agent.api.guards import allowed_hosts, is_loopback
        from agent.logs import register_secret

        a = get_ctx(ctx)
        token = token or os.environ.get("PERSONA_API_TOKEN") or None
        if not token and not is_loopback(host):
            if not insecure:
                a.err.print(f"error: refusing to serve on {host} without a token: anyone who "
                            "can reach that address could read every text and persona. Pass "
                            "--token TOKEN (or set PERSONA_API_TOKEN), or --host 127.0.0.1 "
                            "for this machine only, or --insecure to serve without a token "
                            "anyway.")
                raise typer.Exit(2)
            a.err.print(f"warning: serving on {host} without a token (--insecure): anyone "
                        "who can reach that address can read every text and persona")
        hosts = allowed_hosts(host, allowed_host or [])
        register_secret(token)
        project = a.project()
        api = create_app(project, token=token, allowed_hosts=hosts)
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host  # IPv6
        a.err.print(f"serving {project.workspace.root} on http://{shown}:{port}/ "
                    f"({'token required' if token else 'no token'}; Host names accepted: "
                    f"{', '.join(hosts)}); Ctrl-C stops")
        uvicorn.run(api, host=host, port=port, log_level="warning", timeout_keep_alive=5,
                    limit_concurrency=256)
