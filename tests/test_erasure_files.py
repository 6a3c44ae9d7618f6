"""How forget finds and strips an erased text in the workspace's files (no store, no model):
what counts as a trace, how a persona loses only what came from the erased records, and
log files rewritten under a live handler."""

import json
import logging

from agent.logs import attach_file, detach_handlers
from agent.persona.schema import load_persona
from agent.project.erasure import Eraser, Traces

ERASED = {"e1": "My flight to Lisbon Zqxcanary7 was cancelled and the refund never came back.",
          "e2": "Zqxcanary8. The hotel kept the deposit for weeks after we left Porto."}
KEPT = ["The hotel kept the deposit for weeks after we left Porto.",
        "The refund never came back after my flight was cancelled."]


def traces():
    return Traces(ERASED.values(), ERASED, ["carol-zqx-0917"], KEPT)


def test_a_trace_is_what_only_the_erased_texts_say():
    t = traces()
    assert t.in_text("answer: 'They said: My flight to Lisbon Zqxcanary7 was cancelled'")
    assert t.in_text("They said: Zqxcanary8.")             # a short unit, echoed whole
    assert t.in_text("user carol-zqx-0917 asked")
    # a kept text says the same words: copying them is not a trace of the erased user
    assert not t.in_text("The hotel kept the deposit for weeks after we left Porto.")
    assert not t.in_text("flight cancelled, refund pending")
    assert t.only_erased_words("lisbon trips") and not t.only_erased_words("hotel deposit")


def persona_json(claims, quotes, keywords):
    return {"schema_version": "2.0", "id": "persona-g1", "group_id": "g1", "level": "group",
            "name": "Travellers", "tagline": "They travel", "summary": "They travel a lot.",
            "size": {"texts": 5, "users": 3}, "share": 0.5,
            "goals": [], "behaviours": [], "motivations": [],
            "pain_points": [{"text": t, "evidence_ids": ev, "support_count": len(ev),
                             "prevalence": 0.4, "quote": q and {"text": q[0], "doc_id": q[1]}}
                            for t, ev, q in claims],
            "quotes": [{"text": q, "doc_id": d} for q, d in quotes], "keywords": keywords,
            "sub_segments": [], "differentiators": [], "language": "en",
            "provenance": {"prompts": [], "chat_model": "m", "embedder": "e",
                           "segmentation_run": "r", "inputs_hash": "h", "created_at": "t",
                           "interview_mode": "guided"}}


def test_a_persona_keeps_what_other_texts_support(tmp_path):
    (tmp_path / "personas").mkdir()
    path = tmp_path / "personas" / "persona-g1.json"
    path.write_text(json.dumps(persona_json(
        claims=[("Refunds for cancelled flights take too long", ["e1", "k2"],
                 ("My flight to Lisbon Zqxcanary7 was cancelled", "e1")),
                ("Deposits are held for weeks", ["e2"], None),
                ("They love Lisbon", ["k1"], None)],
        quotes=[("The hotel kept the deposit for weeks after we left Porto.", "k1"),
                ("Zqxcanary8.", "e2")],
        keywords=["hotel", "lisbon", "deposit", "zqxcanary8"])))
    eraser = Eraser(tmp_path, traces())
    assert eraser.personas(tmp_path / "personas") == 1
    p = load_persona(path.read_text())
    assert [(c.text, c.evidence_ids, c.quote) for c in p.pain_points] == [
        ("Refunds for cancelled flights take too long", ["k2"], None)]  # "Lisbon": erased
    assert [q.doc_id for q in p.quotes] == ["k1"]
    assert p.keywords == ["hotel", "deposit"]
    assert eraser.done.changed == ["personas/persona-g1.json"]
    assert eraser.personas(tmp_path / "personas") == 0  # nothing left to strip


def test_logs_are_rewritten_and_the_live_handler_follows(tmp_path):
    logs = tmp_path / "logs"
    detach_handlers()
    path = attach_file(logs)
    log = logging.getLogger("test.erasure")
    log.warning("kept line one")
    log.warning("answer: 'They said: Zqxcanary8.'")
    log.warning("carol-zqx-0917 wrote e2")
    try:
        Eraser(tmp_path, traces()).logs(logs)
        log.warning("kept line two")
        for h in logging.getLogger().handlers:
            h.flush()
        text = path.read_text()
    finally:
        detach_handlers()
    assert "kept line one" in text and "kept line two" in text
    assert "Zqxcanary" not in text and "carol-zqx" not in text


def test_segment_users_and_aspects(tmp_path):
    users = tmp_path / "segment_users.json"
    users.write_text(json.dumps({"carol-zqx-0917": {"primary": "s1"}, "u2": {"primary": "s2"}}))
    aspects = tmp_path / "aspects"
    aspects.mkdir()
    (aspects / "aspects-g1.json").write_text(json.dumps({"members": ["k1", "e2"]}))
    (aspects / "aspects-g1.npz").write_bytes(b"\0")
    (aspects / "aspects-g2.json").write_text(json.dumps({"members": ["k1"]}))
    eraser = Eraser(tmp_path, traces())
    eraser.users(users, {"carol-zqx-0917"})
    eraser.aspects(aspects)
    assert json.loads(users.read_text()) == {"u2": {"primary": "s2"}}
    assert sorted(p.name for p in aspects.iterdir()) == ["aspects-g2.json"]
    assert eraser.sweep(set()) == []
