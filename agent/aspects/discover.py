"""Find a group's aspects from the sentence units of all its texts, in every language.

1. Cluster a (deterministic) sample of the content units as communities of their
   nearest-neighbour graph (Leiden on a kNN graph of the distinct sentences, edges weighted
   by shared neighbours): sentences that say the same thing in other words, and across
   languages with the multilingual encoder, come together — and paraphrases of one theme
   chain together through the sentences between them even when they are far apart.
2. Clusters whose units come from at least ``min_support`` texts become candidate aspects;
   their centres are refined and near-identical ones merged (an English and a Chinese
   cluster of the same theme become one aspect).
3. Every content unit of every text is then given to the aspect whose centre it is closest
   to, when that similarity reaches the calibrated threshold for the unit's language
   (``membership.py``) — so membership, and with it prevalence, is counted over all texts.
4. Each aspect gets one facet from its members' facet evidence (``facets.py``), a key
   phrase per language (class-based TF-IDF against the other aspects) and its most typical
   member sentences as examples.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from vectorstore.segment.keywords import class_tfidf, top_terms
from vectorstore.units import Unit

from .facets import FacetModel
from .membership import Membership
from .model import Aspect, AspectSet, Example, Span
from .phrases import covering_phrases, key_phrases, not_a_thing, surface

#: changes when the same units give other aspects, labels or examples (stored sets are redone)
VERSION = "2026-12-03.6"
MAX_DISCOVERY_UNITS = 2500   # the exact kNN graph is quadratic; the rest is assigned
NEIGHBOURS = 8               # of each distinct sentence in the graph
EXAMPLES_PER_LANGUAGE = 5
REFINE_ROUNDS = 2


@dataclass
class GroupTexts:
    """What discovery needs of a group: its texts and their content units with vectors."""

    subject_id: str
    level: str
    ids: list[str]
    users: list[str | None]
    units: list[Unit]
    vectors: np.ndarray          # one row per unit, L2-normalised

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass
class Discovered:
    """An aspect set with what checking sentences against it needs: each aspect's centre in
    the comparison space and its member sentences (aligned with ``aspects.aspects``)."""

    aspects: AspectSet
    centres: np.ndarray
    sentences: list[list[Unit]]
    mean: np.ndarray | None = None    # the group's mean content vector (removed by centring)
    topics: np.ndarray | None = None  # each aspect's mean embedding, not centred: comparable
                                      # across groups (what a question is matched against)

    def topic_similarities(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine of each (raw) vector to each aspect's topic: the same scale in every group."""
        return np.asarray(vectors, dtype=np.float32) @ self.topics.T

    def place(self, vectors: np.ndarray, texts: list[str], langs: list[str],
              membership: Membership, facets: FacetModel, facet: str | None = None
              ) -> np.ndarray:
        """For each sentence, the index of the aspect it belongs to (-1: none), compared in
        this group's space (centred on its mean, joined with facet probabilities — or with
        ``facet`` itself, for a sentence written to state an aspect of that facet)."""
        if facet is not None:
            probs = np.zeros((len(texts), len(facets.classes)), dtype=np.float32)
            probs[:, facets.classes.index(facet)] = 1.0
        else:
            probs = facets.unit_probabilities(vectors, texts, langs, ["content"] * len(texts))
        return membership.assign(membership.space(self.centred(vectors, membership), probs),
                                 langs, self.centres)

    def similarities(self, vectors: np.ndarray, texts: list[str], langs: list[str],
                     membership: Membership, facets: FacetModel, facet: str | None = None,
                     topic_only: bool = False) -> np.ndarray:
        """Similarity of each sentence to each aspect centre, in this group's space. A
        question is no sentence of a user: its facet is the one it asks about (``facet``),
        or, with ``topic_only``, left out (only the embedding parts are compared)."""
        centred = self.centred(vectors, membership)
        if topic_only and facet is None:
            d = centred.shape[1]
            parts = self.centres[:, :d]
            parts = parts / np.maximum(np.linalg.norm(parts, axis=1, keepdims=True), 1e-12)
            return centred @ parts.T
        if facet is not None:
            probs = np.zeros((len(texts), len(facets.classes)), dtype=np.float32)
            probs[:, facets.classes.index(facet)] = 1.0
        else:
            probs = facets.unit_probabilities(vectors, texts, langs, ["content"] * len(texts))
        return membership.space(centred, probs) @ self.centres.T

    def centred(self, vectors: np.ndarray, membership: Membership) -> np.ndarray:
        if self.mean is None or membership.centre <= 0:
            return vectors
        out = vectors - membership.centre * self.mean
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def discover(group: GroupTexts, membership: Membership, facets: FacetModel, embedder: str,
             min_support: int = 3) -> Discovered:
    units = group.units
    probs = facets.unit_probabilities(group.vectors, [u.text for u in units],
                                      [u.lang for u in units], [u.kind for u in units])
    mean = _mean(group.vectors, units)
    space = membership.space(_centred(group.vectors, mean, membership.centre), probs)
    content = [i for i, u in enumerate(units) if u.kind == "content"]
    who = [i for i, u in enumerate(units) if u.kind == "who"]
    concessions = _concessions(units)
    found = _aspects_of(group, space, content, membership, min_support, concessions)
    # Self-descriptions split off a sentence ("As a nurse,") are who-units; whole sentences
    # that describe the writer are found among the content units by their facet.
    found += _aspects_of(group, space, who, membership, min_support, concessions)
    aspects, on_facet = [], []
    for n, members in enumerate(found):
        scores = _praise_is_no_pain(facets.scores(probs[members]), [units[i] for i in members])
        # a member sentence makes the aspect's kind of claim when that facet is its own most
        # likely one: the key phrase and the quotes come from those ("Low balance alerts
        # saved me" is a member of a money-trouble aspect, but no complaint)
        on = np.argmax(probs[members], axis=1) == facets.classes.index(_facet(scores))
        on_facet.append(on)
        aspects.append(_describe(group, members, space, scores, n, on))
    member_units = [[units[i] for i in members] for members in found]
    _label(aspects, member_units, on_facet)
    order = sorted(range(len(aspects)), key=lambda k: (-aspects[k].support, aspects[k].label))
    for n, k in enumerate(order, start=1):
        aspects[k].id = f"{group.subject_id}.a{n}"
    centres = (np.vstack([_centre(space[found[k]]) for k in order]) if order
               else np.zeros((0, space.shape[1]), dtype=np.float32))
    topics = (np.vstack([_centre(group.vectors[found[k]]) for k in order]) if order
              else np.zeros((0, group.vectors.shape[1]), dtype=np.float32))
    result = AspectSet(subject_id=group.subject_id, level=group.level, texts=group.size,
                       units=len(content) + len(who), embedder=embedder,
                       method=f"leiden+assign ({membership.describe()})",
                       aspects=[aspects[k] for k in order])
    return Discovered(result, centres, [member_units[k] for k in order], mean, topics)


def _aspects_of(group: GroupTexts, space: np.ndarray, pool: list[int], membership: Membership,
                min_support: int, concessions: set[tuple[str, int]]) -> list[list[int]]:
    """Unit indices (into ``group.units``) of each aspect found among ``pool``."""
    if len(pool) < 2:
        return []
    record_of = [group.units[i].record_id for i in pool]
    vecs = space[pool]
    langs = [group.units[i].lang for i in pool]
    sample = _sample(pool, group.units)
    labels = _cluster(space[sample], membership.resolution)
    labels = _split_concessions(space[sample], labels, [group.units[i] for i in sample],
                                concessions, min_support)
    found: dict[int, list[int]] = defaultdict(list)
    position = {u: k for k, u in enumerate(pool)}
    for u, lab in zip(sample, labels, strict=True):
        found[int(lab)].append(position[u])
    clusters = [m for m in found.values() if len({record_of[k] for k in m}) >= min_support]
    for _ in range(REFINE_ROUNDS):
        if not clusters:
            return []
        clusters = _merge(clusters, vecs, langs, membership)
        assigned = membership.assign(vecs, langs, np.vstack([_centre(vecs[m]) for m in clusters]))
        clusters = [list(np.where(assigned == k)[0]) for k in range(len(clusters))
                    if (assigned == k).any()]
    if not clusters:
        return []
    assigned = membership.assign(vecs, langs, np.vstack([_centre(vecs[m]) for m in clusters]))
    out = []
    for k in range(len(clusters)):
        members = [pool[j] for j in np.where(assigned == k)[0]]
        if len({group.units[i].record_id for i in members}) >= min_support:
            out.append(members)
    return out


#: a concession repeated by many texts that is less similar than this to the rest of its
#: cluster is an aspect of its own (measured on the planted train split: prevalence error
#: 0.076 → 0.075, ask count error 0.355 / 0.380 → 0.350 / 0.372; 0.7 did as well)
CONCESSION_APART = 0.5


def _concessions(units: list[Unit]) -> set[tuple[str, int]]:
    """(record, unit index) of the units that are the first half of a sentence cut at a
    contrast ("My grandson set this up for me" | "but the login fails"). Such a unit ends
    in a word, with the contrast (", but ", "，但是") between it and the next unit; a unit
    that ends with its own punctuation ("I rarely plan ahead;") is a clause said for
    itself."""
    at = {(u.record_id, u.index): u for u in units}
    out = set()
    for u in units:
        v = at.get((u.record_id, u.index + 1))
        if v is not None and u.kind == v.kind == "content" and 2 <= v.start - u.end <= 8 \
                and u.text[-1:].isalnum():
            out.add((u.record_id, u.index))
    return out


def _split_concessions(vectors: np.ndarray, labels: np.ndarray, units: list[Unit],
                       concessions: set[tuple[str, int]], min_support: int) -> np.ndarray:
    """``labels`` with each concession said word for word by at least ``min_support`` texts
    in a cluster of its own when it is unlike the rest of its cluster. The graph holds a
    sentence said by many texts as one node, so it joins its neighbours' community — "My
    grandson set this up for me", said before 26 different complaints, made a scam
    complaint twice its size on the demo corpus. Only concessions: a repeated sentence that
    is the point of its text is what its cluster says."""
    labels = np.asarray(labels).copy()
    if not concessions or len(labels) == 0:
        return labels
    first, inverse = _distinct(vectors)
    fresh = int(labels.max()) + 1
    for lab in sorted(set(labels.tolist())):
        idx = np.where(labels == lab)[0]
        nodes = sorted(set(inverse[idx].tolist()))
        for node in nodes if len(nodes) > 1 else []:
            mine = idx[inverse[idx] == node]
            if len({units[i].record_id for i in mine}) < min_support or not all(
                    (units[i].record_id, units[i].index) in concessions for i in mine):
                continue
            rest = _centre(vectors[[first[n] for n in nodes if n != node]])
            if float(vectors[first[node]] @ rest) < CONCESSION_APART:
                labels[mine] = fresh
                fresh += 1
    return labels


def _mean(vectors: np.ndarray, units: list[Unit]) -> np.ndarray | None:
    content = [k for k, u in enumerate(units) if u.kind == "content"]
    return vectors[content].mean(axis=0) if len(content) >= 2 else None


def _centred(vectors: np.ndarray, mean: np.ndarray | None, weight: float) -> np.ndarray:
    """The units' embeddings with (a share of) the group's mean content vector removed:
    what every text of a group shares (its topic: "students", "travel") is not an aspect.
    Without it a group whose texts all share a strong topic collapses into one catch-all
    aspect (seen on the demo corpus); on the planted train split it also lowered the
    prevalence error (0.088 → 0.083)."""
    if weight <= 0 or mean is None:
        return vectors
    out = vectors - weight * mean
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _sample(pool: list[int], units: list[Unit]) -> list[int]:
    """All units, or a deterministic sample (by a hash of the unit's record and place)."""
    if len(pool) <= MAX_DISCOVERY_UNITS:
        return list(pool)
    def key(i: int) -> str:
        u = units[i]
        return hashlib.sha256(f"{u.record_id}\x1f{u.index}".encode()).hexdigest()
    return sorted(sorted(pool, key=key)[:MAX_DISCOVERY_UNITS])


def _distinct(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct vector, each row's distinct vector): a sentence said
    word for word by many texts is one node of the sentence graph."""
    _, first, inverse = np.unique(np.round(vectors, 4), axis=0, return_index=True,
                                  return_inverse=True)
    return first, inverse.ravel()


def _cluster(vectors: np.ndarray, resolution: float) -> np.ndarray:
    """Leiden communities (at ``resolution``) of the kNN graph of the distinct vectors; a
    sentence said in many texts is one node, so its copies do not crowd out its neighbours.
    On the planted train split this lowered the prevalence error from 0.109 (average
    linkage) to 0.08: the paraphrases of one aspect split into fewer clusters."""
    from vectorstore.segment.graph import knn_graph, leiden
    from vectorstore.segment.knn import knn

    first, inverse = _distinct(vectors)
    order = np.argsort(first, kind="stable")       # nodes in order of first appearance
    node_of = np.empty(len(order), dtype=np.int64)
    node_of[order] = np.arange(len(order))
    nodes = vectors[first[order]]
    if len(nodes) < 2:
        return np.zeros(len(vectors), dtype=int)
    idx, sim = knn(nodes, NEIGHBOURS)
    graph = knn_graph(idx, sim, weighting="binary")
    graph.es["weight"] = _shared_neighbours(idx, graph.get_edgelist())
    return leiden(graph, resolution, seed=0)[node_of[inverse]]


def _shared_neighbours(idx: np.ndarray, edges: list[tuple[int, int]]) -> list[float]:
    """Each edge's weight: the share of their ``k`` nearest neighbours its two ends have in
    common (plus the edge itself) — denser than cosine where a theme's sentences meet."""
    from scipy.sparse import csr_matrix

    n, k = idx.shape
    lists = csr_matrix((np.ones(idx.size), (np.repeat(np.arange(n), k), idx.ravel())),
                       shape=(n, n))
    a, b = np.asarray(edges, dtype=np.int64).reshape(-1, 2).T
    shared = np.asarray((lists @ lists.T)[a, b]).ravel()
    return ((shared + 1.0) / (k + 1)).tolist()


def _centre(vectors: np.ndarray) -> np.ndarray:
    c = vectors.mean(axis=0)
    return c / max(float(np.linalg.norm(c)), 1e-12)


def _merge(clusters: list[list[int]], vecs: np.ndarray, langs: list[str],
           membership: Membership) -> list[list[int]]:
    """Merge clusters whose centres are this similar: ``merge`` within a language, and
    ``merge_cross`` between a mostly-English and a mostly-Chinese cluster (the same theme in
    two languages sits further apart than two themes in one, measured on the train split)."""
    clusters = [list(m) for m in clusters]
    while len(clusters) > 1:
        centres = np.vstack([_centre(vecs[m]) for m in clusters])
        main = [Counter(langs[k] for k in m).most_common(1)[0][0] for m in clusters]
        sims = centres @ centres.T
        limits = np.where(np.equal.outer(main, main), membership.merge, membership.merge_cross)
        excess = sims - limits
        np.fill_diagonal(excess, -np.inf)
        i, j = np.unravel_index(int(np.argmax(excess)), excess.shape)
        if excess[i, j] < 0:
            break
        merged = clusters[i] + clusters[j]
        clusters = [m for k, m in enumerate(clusters) if k not in (i, j)] + [merged]
    return clusters


#: an aspect most of whose sentences praise (and none of those complain or negate) is no
#: pain point, whatever its topic's words lean to
PRAISED = 0.6


def _praise_is_no_pain(scores: dict[str, float], members: list[Unit]) -> dict[str, float]:
    """``scores`` with the pain point ruled out when ``PRAISED`` of the members praise
    ("The childcare payment reminders are really helpful." read as a complaint: the facet
    model weighs the words of payments and reminders)."""
    if _facet(scores) != "pain_point" or not members:
        return scores
    from .cues import FACETS, cue_counts

    pain = FACETS.index("pain_point")
    praising = 0
    for u in members:
        counts = cue_counts(u.text, u.lang)
        praising += counts[-1] > 0 and counts[-2] == 0 and counts[pain] == 0
    if praising < PRAISED * len(members):
        return scores
    return {**scores, "pain_point": min(scores.values()) - 1.0}


def _facet(scores: dict[str, float]) -> str:
    return max(scores, key=lambda f: scores[f])


def _describe(group: GroupTexts, members: list[int], space: np.ndarray,
              scores: dict[str, float], n: int, on_facet: np.ndarray) -> Aspect:
    units = [group.units[i] for i in members]
    vecs = space[members]
    centre = _centre(vecs)
    sims = vecs @ centre
    order = np.lexsort((-sims, ~on_facet))   # examples: its kind of claim first, most typical
    texts: list[str] = []
    for k in order:  # member texts, most typical first
        rid = units[k].record_id
        if rid not in texts:
            texts.append(rid)
    lang_of_text: dict[str, str] = {}
    for u in units:
        lang_of_text.setdefault(u.record_id, u.lang)
    languages = Counter(lang_of_text.values())
    examples: list[Example] = []
    per_lang: Counter = Counter()
    seen: set[str] = set()
    for k in order:
        u = units[k]
        if per_lang[u.lang] >= EXAMPLES_PER_LANGUAGE or u.text in seen:
            continue
        seen.add(u.text)
        per_lang[u.lang] += 1
        examples.append(Example(doc_id=u.record_id, text=u.text, lang=u.lang,
                                similarity=round(float(sims[k]), 4)))
    facet = _facet(scores)
    index = {rid: i for i, rid in enumerate(group.ids)}
    users = {group.users[index[r]] for r in texts if r in index and group.users[index[r]]}
    return Aspect(id=f"{group.subject_id}.a{n}", facet=facet, facet_scores=scores,
                  label=examples[0].text if examples else "", members=texts,
                  support=len(texts), prevalence=round(len(texts) / max(group.size, 1), 4),
                  users=len(users), languages=dict(languages.most_common()),
                  examples=examples, cohesion=round(float(sims.mean()), 4),
                  spans=[Span(doc_id=u.record_id, start=u.start, end=u.end, lang=u.lang)
                         for u in units])


def _label(aspects: list[Aspect], members: list[list[Unit]],
           on_facet: list[np.ndarray]) -> None:
    """Key phrases per language (``phrases.key_phrases``: noun chunks, distinctive against
    the group's other aspects), from the members that make the aspect's kind of claim
    (all of them when fewer than two do); an aspect with none gets its most distinctive term."""
    docs = {a.id: _said(units, on) for a, units, on in zip(aspects, members, on_facet,
                                                            strict=True)}
    phrases = key_phrases(docs)
    by_lang: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for a, units in zip(aspects, members, strict=True):
        for u in units:
            by_lang[u.lang].setdefault(a.id, []).append(u.text)
    for lang, texts_by in by_lang.items():
        terms = class_tfidf(texts_by, top=6, min_count=2) if len(texts_by) > 1 else {}
        for a in aspects:
            if a.id not in texts_by:
                continue
            picked = phrases[a.id].get(lang) or _pick(terms.get(a.id) or
                                                      top_terms(texts_by[a.id], 6), lang)
            if picked:
                a.labels[lang] = picked if lang == "zh" else surface(picked, texts_by[a.id])
    # the phrases come from the members making the aspect's kind of claim, as the key phrase
    # does ("reselling my old games is a cool feature" names no request)
    making = [[u for u, k in zip(units, on, strict=True) if k] for units, on in
              zip(members, on_facet, strict=True)]
    for k, a in enumerate(aspects):
        for lang, key in a.labels.items():
            said: dict[str, list[str]] = defaultdict(list)
            others: dict[str, list[str]] = defaultdict(list)
            for j, units in enumerate(members):
                own = [u for u in making[j] if u.lang == lang]
                for u in own if len(own) >= 2 else [u for u in units if u.lang == lang]:
                    (said if j == k else others)[u.record_id].append(u.text)
            picked = covering_phrases(key, dict(said), lang,
                                      {t: ss for t, ss in others.items() if t not in said})
            if len(picked) > 1:
                a.phrases[lang] = picked
    for a, units, on in zip(aspects, members, on_facet, strict=True):
        a.label = a.labels.get(a.main_language) or a.label
        _example_saying(a, [u for u, k in zip(units, on, strict=True) if k]
                        + [u for u, k in zip(units, on, strict=True) if not k])


def _said(units: list[Unit], on: np.ndarray) -> list[tuple[str, str]]:
    """(sentence, language) of the members making the aspect's kind of claim, per language
    (a language with fewer than two such members keeps all of its members)."""
    out: list[tuple[str, str]] = []
    for lang in sorted({u.lang for u in units}):
        own = [u for u, k in zip(units, on, strict=True) if u.lang == lang and k]
        pool = own if len(own) >= 2 else [u for u in units if u.lang == lang]
        out += [(u.text, u.lang) for u in pool]
    return out


def _example_saying(aspect: Aspect, units: list[Unit]) -> None:
    """Make sure each language's examples hold a member sentence that says the key phrase
    (the quote of a claim built from it must say what the claim says)."""
    for lang, key in aspect.labels.items():
        shown = aspect.examples_in(lang)
        if any(key.lower() in e.text.lower() for e in shown):
            continue
        u = next((u for u in units if u.lang == lang and key.lower() in u.text.lower()), None)
        if u is not None:
            aspect.examples.append(Example(doc_id=u.record_id, text=u.text, lang=u.lang,
                                           similarity=0.0))


def _pick(terms: list[str], lang: str) -> str | None:
    if lang == "zh":
        nouns = [t for t in terms if _is_noun(t)]
        return (nouns or terms or [None])[0]
    # not a verb, a person, a time or an adverb
    pairs = [t for t in terms[:4] if " " in t and not any(not_a_thing(w) for w in t.split())]
    single = [t for t in terms if " " not in t and not not_a_thing(t)]
    return (pairs or single or terms or [None])[0]


def _is_noun(word: str) -> bool:
    import jieba.posseg

    from vectorstore.segment.keywords import _jieba

    _jieba()  # initialised quietly, once
    tags = [flag for _, flag in jieba.posseg.lcut(word)]
    return bool(tags) and tags[-1][:1] in ("n", "v") and tags[-1] not in ("v", "vd", "vg")
