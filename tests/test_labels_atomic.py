"""A killed re-segmentation never shows mixed labels (issue 17, item 8).

`persona segment --fresh` is killed with SIGKILL while it writes segment ids onto the
records. Every reader (export, search hits, the ask engine's records, status) must then see
exactly the labels of the segmentation that ``segments.json`` holds, and ``status`` must say
that a run was interrupted. ``PERSONA_TEST_LABEL_PAUSE`` (seconds, a documented test hook in
:mod:`vectorstore.segment.run`) makes the run pause after each batch of label writes, so the
kill lands while the labels are half written.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vectorstore.labels import LabelView

N_TEXTS = 3000
WORDS = {
    "card": "card blocked abroad payment declined terminal contactless pin",
    "fees": "fee charged twice refund monthly cost hidden expensive",
    "app": "app crashes login slow update screen freezes password",
    "travel": "travel abroad currency exchange rate holiday airport",
    "kids": "kids pocket money parents teenager allowance savings",
    "support": "support chat waited hours agent answer ticket phone",
}


def corpus(path: Path) -> Path:
    rng = random.Random(17)
    themes = list(WORDS.values())
    with open(path, "w", encoding="utf-8") as f:
        f.write("text,user_id\n")
        for i in range(N_TEXTS):
            words = rng.choice(themes).split()
            f.write(f"{' '.join(rng.choice(words) for _ in range(7))} number {i},u{i % 211}\n")
    return path


def persona(ws: Path, *args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(ws), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def exported(ws: Path, out: Path) -> dict[str, tuple[str | None, str | None]]:
    r = persona(ws, "export", "--out", out)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: (row["segment_id"], row["parent_id"]) for row in rows}


def raw_labels(ws: Path) -> dict[str, tuple[str | None, str | None]]:
    """What the store holds, read past every view (the killed process is gone)."""
    import chromadb

    state = json.loads((ws / "state.json").read_text())
    client = chromadb.PersistentClient(path=str(ws / "chroma"))
    try:
        got = client.get_collection(state["collection"]).get(include=["metadatas"])
    finally:
        client.close()
    return {rid: (m.get("segment_id"), m.get("parent_id"))
            for rid, m in zip(got["ids"], got["metadatas"], strict=True)}


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("labels-atomic")
    ws = tmp / "ws"
    data = corpus(tmp / "texts.csv")
    r = persona(ws, "ingest", data, "--embedder", "minilm")
    assert r.returncode == 0, r.stderr[-2000:]
    r = persona(ws, "segment")
    assert r.returncode == 0, r.stderr[-2000:]
    return ws


def kill_while_writing_labels(ws: Path) -> str:
    """Start `segment --fresh` with another method, kill it after its first label batch."""
    before = json.loads((ws / "segments.json").read_text())
    k = before["counts"]["segments"] + 4  # more segments than before: ids it never had
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "-v", "-w", str(ws), "segment", "--fresh",
         "--method", "kmeans", "--k", str(k)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PERSONA_TEST_LABEL_PAUSE": "60"},
        start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and \
            not any("segment ids written to" in line for line in lines):
        time.sleep(0.1)
    alive = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join(5)
    output = "".join(lines)
    assert alive, f"segment ended before it could be killed:\n{output[-3000:]}"
    assert "segment ids written to" in output, output[-3000:]
    return output


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_killed_resegmentation_shows_only_the_committed_labels(segmented, tmp_path):
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(segmented, ws)
    committed = json.loads((ws / "segments.json").read_text())
    seg_ids = {s["id"] for s in committed["segments"]} | {"unassigned"}
    grp_ids = {g["id"] for g in committed["groups"]} | {"unassigned"}
    before = exported(ws, tmp_path / "before.jsonl")
    assert len(before) == N_TEXTS and all(s in seg_ids for s, _ in before.values())

    kill_while_writing_labels(ws)

    assert json.loads((ws / "segments.json").read_text()) == committed  # never half written
    raw = raw_labels(ws)
    rewritten = sum(raw[rid] != before[rid] for rid in before)
    assert 0 < rewritten < N_TEXTS, rewritten  # the kill landed while labels were written

    # export: every record as the committed segmentation has it
    after = exported(ws, tmp_path / "after.jsonl")
    mixed = {rid: after[rid] for rid in before if after[rid] != before[rid]}
    assert not mixed, f"{len(mixed)} of {N_TEXTS} records show labels segments.json does " \
                      f"not hold, e.g. {list(mixed.items())[:3]}"

    # search hits and the ask engine's records, in-process
    from agent.config import load_settings
    from agent.project import build_project

    project = build_project(load_settings(ws))
    hits = project.search("card blocked abroad payment", k=20).hits
    assert hits and all((h.segment_id, h.group_id) == before[h.doc_id] for h in hits)
    group = next(g for g in sorted(grp_ids) if g != "unassigned")
    in_group = project.search("refund fee", group=group, k=20).hits
    assert in_group and all(before[h.doc_id][1] == group for h in in_group)
    engine = project.ask_engine()
    assert {r.id: (r.segment, r.group) for r in engine.records} == \
        {rid: before[rid] for rid in (r.id for r in engine.records)}

    # status: the interrupted run is reported, in JSON and in words
    st = persona(ws, "--json", "status")
    assert st.returncode == 0, st.stderr
    seg = json.loads(st.stdout)["segmentation"]
    assert seg["run_id"] == committed["run_id"]
    assert seg["interrupted"] and seg["interrupted"]["records_written"] > 0, seg
    assert seg["labelled"] == N_TEXTS
    words = persona(ws, "status")
    assert "interrupted" in words.stdout, words.stdout

    # a rerun finishes the job: one consistent segmentation, nothing reported any more
    r = persona(ws, "segment")
    assert r.returncode == 0, r.stderr[-2000:]
    final = json.loads((ws / "segments.json").read_text())
    final_ids = {s["id"] for s in final["segments"]} | {"unassigned"}
    done = exported(ws, tmp_path / "done.jsonl")
    assert all(s in final_ids for s, _ in done.values())
    seg = json.loads(persona(ws, "--json", "status").stdout)["segmentation"]
    assert seg["interrupted"] is None and seg["labelled"] == N_TEXTS


def test_filtered_reads_see_the_committed_labels_only(tmp_path):
    """Without a kill: a run that wrote its labels and did not commit is invisible to
    ``where`` filters (what generate's group reads and the persona tools use) and to
    nearest-neighbour queries, on a real embedded Chroma."""
    import numpy as np

    from vectorstore.labels import LabelView
    from vectorstore.segment.run import load_records, write_labels
    from vectorstore.store import ChromaStore

    store = ChromaStore("labels-test", path=tmp_path / "chroma")
    ids = [f"r{i}" for i in range(10)]
    vecs = np.eye(10, 12, dtype=np.float32)
    store.add(ids, vecs, [f"text {i}" for i in ids], [{"n": i} for i in range(10)])
    committed: list[str] = []
    store.labels = lambda: LabelView(frozenset(committed))

    def run(groups):
        data = load_records(store)
        labels = np.array(groups)
        names = {g: f"s{g}" for g in set(groups)}
        return write_labels(store, data, labels, labels, names,
                            {g: f"g{g}" for g in set(groups)})

    _, tags = run([0] * 5 + [1] * 5)
    assert store.get(where={"parent_id": "g0"})["ids"] == []  # not committed yet
    committed[:] = tags
    first = sorted(store.get(where={"parent_id": "g0"})["ids"])
    assert first == ids[:5]
    written, _ = run([1] * 5 + [0] * 5)  # every label changes, never committed
    assert written == 10
    assert sorted(store.get(where={"parent_id": "g0"})["ids"]) == first
    assert sorted(store.get(where={"$and": [{"segment_id": "s1"}, {"n": {"$gte": 0}}]})["ids"]) \
        == ids[5:]
    hit = store.query(vecs[7], 3, where={"parent_id": "g1"})
    assert hit["ids"][0] == "r7" and {m["parent_id"] for m in hit["metadatas"]} == {"g1"}
    assert all("prev_segment_id" not in m for m in store.get()["metadatas"])
    raw = store.get(raw=True)["metadatas"]
    assert {m["parent_id"] for m in raw if m["n"] < 5} == {"g1"}  # what was written


def test_a_workspace_segmented_before_labels_were_tagged_keeps_its_labels(tmp_path):
    """A segments.json without ``label_tags`` (written by an earlier version): every stored
    label counts, so an upgraded workspace's search, ask and generate still see its groups;
    a damaged or missing file: none does."""
    from agent.artifacts import CommittedLabels

    path = tmp_path / "segments.json"
    labels = CommittedLabels(path)
    assert labels() == LabelView(frozenset())            # no segmentation yet
    path.write_text(json.dumps({"run_id": "old", "segments": [], "groups": []}))
    assert labels() is None                               # every stored label counts
    meta = {"segment_id": "s1", "parent_id": "g1", "text_hash": "x"}
    view = labels()
    assert (meta if view is None else view.resolve(meta))["parent_id"] == "g1"
    path.write_text(json.dumps({"run_id": "new", "label_tags": ["t1"]}) + " ")
    assert labels() == LabelView(frozenset({"t1"}))
    path.write_text("{damaged")
    assert labels() == LabelView(frozenset())
