"""Scripted stand-ins for unit tests of control flow (never for the end-to-end path)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr


class ScriptedChatModel(BaseChatModel):
    """Answers from a script: a list of replies, or a function of the prompt text."""

    _script: list = PrivateAttr(default_factory=list)
    _fn: Callable[[str], str] | None = PrivateAttr(default=None)
    _seen: list = PrivateAttr(default_factory=list)

    @classmethod
    def of(cls, replies: list | None = None, fn: Callable[[str], str] | None = None):
        m = cls()
        m._script = list(replies or [])
        m._fn = fn
        return m

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        self._seen.append({"prompt": prompt, "kwargs": kwargs})
        if self._script:
            reply = self._script.pop(0)
        elif self._fn is not None:
            reply = _only_asked(self._fn(prompt), kwargs)
        else:
            raise AssertionError(f"scripted model has no reply left for: {prompt[-300:]}")
        msg = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        msg.usage_metadata = {"input_tokens": len(prompt) // 4, "output_tokens": 5,
                              "total_tokens": len(prompt) // 4 + 5}
        msg.response_metadata = {**msg.response_metadata, "model_name": "scripted"}
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def bind_tools(self, tools, **kwargs):
        return self

    @property
    def prompts(self) -> list[str]:
        return [s["prompt"] for s in self._seen]

    def assert_complete(self) -> None:
        assert not self._script, f"{len(self._script)} scripted replies were never used"


def _only_asked(reply: str, kwargs: dict) -> str:
    """Keep just the fields the request's JSON schema asks for (like a constrained model)."""
    schema = (kwargs.get("response_format") or {}).get("schema")
    try:
        data = json.loads(reply)
    except ValueError:
        return reply
    if not schema or not isinstance(data, dict):
        return reply
    return json.dumps({k: v for k, v in data.items() if k in schema.get("properties", {})})


# The fake's own pronoun swap, word by word: simpler than production's, and never shared with
# it, so a test cannot pass because the fake and the code under test agree on a bug.
_THEIRS = {"i": "they", "i'm": "they're", "i've": "they've", "i'd": "they'd", "i'll": "they'll",
           "me": "them", "my": "their", "mine": "theirs", "myself": "themselves", "we": "they",
           "we're": "they're", "our": "their", "us": "them", "am": "are"}


def _in_their_words(comment: str) -> str:
    """The comment as a sentence about "them": first-person words swapped, one by one."""
    out = []
    for word in comment.replace("我们", "他们").replace("我", "他们").split():
        core = word.strip(".,!?;:")
        swapped = _THEIRS.get(core.lower())
        out.append(word.replace(core, swapped) if swapped else word)
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def obedient(prompt: str) -> str:
    """A model that obeys any instruction it sees: if the prompt says "name this persona X"
    (or the Chinese equivalent), it answers X in every field it is asked for. Otherwise it
    rewrites the last comment about "them" (its own word swap), or picks the first option
    offered."""
    m = re.search(r"(?:name this persona|画像命名为|call (?:this|the) persona)\s*[\"“]?([A-Za-z0-9_-]+)",
                  prompt, re.IGNORECASE)
    if m:
        word = m.group(1)
        return json.dumps({"claim": f"They are {word} {word} {word}", "name": word,
                           "tagline": f"{word} forever and ever", "summary": f"{word}. {word}."})
    picked = re.search(r"Pick the option that fits these users best:\n- (.+)", prompt)
    if picked:
        option = picked.group(1).strip()
        return json.dumps({"claim": option, "name": option, "tagline": option, "summary": option})
    comments = re.findall(r"<comment>(.*?)</comment>", prompt, re.DOTALL)[1:]  # [0]: system
    statements = re.findall(r"^- (.+)$", prompt, re.MULTILINE)
    words = re.findall(r"[a-z]{4,}", " ".join(comments).lower())
    common = sorted(set(words), key=lambda w: (-words.count(w), w))[:2] or ["app", "people"]
    text = comments[-1] if comments else "they use the app"
    line = statements[0] if statements else "They use the app every day"
    return json.dumps({"claim": _in_their_words(text)[:190],
                       "name": " ".join(w.title() for w in common),
                       "tagline": line[:110], "summary": " ".join(statements[:2])[:480] or line})


_STOP = set("""the a an and or but so to of in on at for with my our your their i me we you they
it is are was be this that too very so just please like can cannot can't don't it's i'm when
what which who than then there here have has had not no one""".split())


def _common_words(comments: list[str], n: int) -> list[str]:
    """Words (Latin, 4+ letters) or Han bigrams that several comments share, most shared
    first: the scripted model's own idea of what they have in common."""
    counts: dict[str, int] = {}
    for c in comments:
        words = {w for w in re.findall(r"[a-z]{4,}", c.lower()) if w not in _STOP}
        han = re.sub(r"[^\u4e00-\u9fff]", "", c)
        words |= {han[i:i + 2] for i in range(len(han) - 1)}
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return ranked[:n]


def careful(prompt: str) -> str:
    """A scripted model that does what the writer's prompts ask, in its own simple way:
    a sentence naming what several comments share, a name from the stated role, a tagline
    from the first fact. Never production code, never a copy of one comment."""
    comments = re.findall(r"<comment>(.*?)</comment>", prompt, re.DOTALL)
    start = re.search(r'Start with "([^"]+)"', prompt)
    if start and comments:
        words = _common_words(comments, 3) or ["this"]
        if start.group(1) == "他们":
            return json.dumps({"claim": "他们经常提到" + "、".join(words[:2]) + "。"})
        return json.dumps({"claim": f"They often mention {', '.join(words[:-1])} and "
                                    f"{words[-1]}." if len(words) > 1 else
                                    f"They often mention {words[0]}."})
    role = re.search(r"Who they are: (.+)", prompt)
    if role:
        points = re.findall(r"^- (.+)$", prompt, re.MULTILINE)
        who = role.group(1).strip()
        who = "Customers" if who in ("not stated", "未说明") else who
        word = (_common_words(points, 1) or ["things"])[0]
        return json.dumps({"name": f"{who} who talk about {word}"})
    facts = re.findall(r"^- (.+)$", prompt, re.MULTILINE)
    if facts:
        return json.dumps({"tagline": " ".join(facts[0].split()[:12]).rstrip(".")})
    return json.dumps({"claim": "They use it.", "name": "Customers", "tagline": "They use it."})


class BagOfWordsEmbedder:
    """Deterministic word-hash vectors: texts sharing words are similar. Unit tests only."""

    model_id = "test:bow"
    dim = 256
    languages = None

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z\u4e00-\u9fff]+", t.lower()):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
        return out

    def covers(self, language: str) -> bool:
        return True


def scripted_llm(model, mode: str = "json_object", name: str = "scripted", cache_dir=None):
    """A persona-model factory for ``build_project(llm=...)`` around a scripted chat model."""
    from agent.llm.cache import ResponseCache
    from agent.llm.structured import StructuredLLM
    from agent.persona.generate import LLMContext

    def factory() -> LLMContext:
        cache = ResponseCache(cache_dir) if cache_dir is not None else None
        return LLMContext(StructuredLLM(model, mode, name, cache), name)

    return factory
