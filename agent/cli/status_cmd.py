"""``persona status``: what is in the workspace and which stages have run."""

from __future__ import annotations

from collections import Counter
from typing import Any

import typer

from vectorstore.records import is_first

from .app import JsonFlag, get_ctx
from .context import AppContext


def collect_status(app: AppContext) -> dict[str, Any]:
    ws = app.workspace
    store = app.store() if (ws.root.exists() or app.settings.chroma.url) else None
    info = store.info() if store else {}
    languages: Counter = Counter()
    users: set[str] = set()
    sources: Counter = Counter()
    records = texts = chunks = 0
    if store and info:
        for item in store.iter_records(include=("metadatas",)):
            m = item["metadata"] or {}
            records += 1
            if not is_first(m):
                chunks += 1
                continue
            texts += 1
            languages[m.get("lang", "und")] += 1
            sources[m.get("source", "?")] += 1
            if m.get("user"):
                users.add(m["user"])
    state = ws.read_state() if ws.root.exists() else {}
    seg = _segments_summary(ws.root / "segments.json")
    return {
        "workspace": str(ws.root),
        "store": store.location if store else None,
        "collection": app.collection_name,
        "records": records,
        "texts": texts,
        "chunks": chunks,
        "embedder": info.get("embedder"),
        "embedding_dim": info.get("embedding_dim"),
        "languages": dict(languages.most_common()),
        "users": len(users),
        "sources": dict(sources.most_common()),
        "stages": state.get("stages", {}),
        "stale": state.get("stale", {}),
        "segmentation": seg,
    }


def _segments_summary(path) -> dict[str, Any] | None:
    import json

    if not path.exists():
        return None
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {"error": f"{path} is damaged; run `persona segment` again"}
    return {"run_id": s.get("run_id"), "created_at": s.get("created_at"),
            "method": s.get("method"), "segments": s.get("counts", {}).get("segments"),
            "groups": s.get("counts", {}).get("groups"),
            "unassigned_share": s.get("unassigned_share")}


def print_status(app: AppContext, s: dict[str, Any]) -> None:
    c = app.human
    c.print(f"workspace {s['workspace']}  collection {s['collection']}"
            f"  store {s['store'] or '(none yet)'}")
    if not s["records"]:
        c.print("  no records yet: run `persona ingest FILE`")
    else:
        c.print(f"  {s['records']} records ({s['texts']} texts + {s['chunks']} extra chunks), "
                f"{s['users']} users, embedder {s['embedder']} ({s['embedding_dim']}-d)")
        c.print("  languages: " + ", ".join(f"{k} {v}" for k, v in
                                             list(s["languages"].items())[:8]))
        c.print("  sources: " + ", ".join(f"{k} {v}" for k, v in list(s["sources"].items())[:8]))
    seg = s.get("segmentation")
    if seg and "error" not in seg:
        c.print(f"  segmentation {seg['run_id']}: {seg['segments']} segments in {seg['groups']} "
                f"groups, unassigned {seg['unassigned_share']:.1%}")
    elif not seg:
        c.print("  not segmented yet: run `persona segment`")
    for stage, info in s["stages"].items():
        stale = s["stale"].get(stage)
        note = f"  stale: {stale['reason']}" if stale else ""
        c.print(f"  stage {stage}: ran {info.get('at')}{note}")


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(ctx: typer.Context, json_output: JsonFlag = False) -> None:
        """Show the collection, counts, embedder, languages, users and stages."""
        a = get_ctx(ctx, json_output)
        s = collect_status(a)
        print_status(a, s)
        a.emit(s)
