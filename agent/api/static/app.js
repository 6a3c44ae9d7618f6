"use strict";
// The personakit page: plain DOM, every piece of data set with textContent (never as HTML).
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c"];
const token = new URLSearchParams(location.search).get("token");
const headers = token ? { "Authorization": "Bearer " + token } : {};
const colours = {};

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { headers });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

// A small rename control: PUT /labels/{id}; the label replaces the persona's name wherever
// it is shown, and an empty name brings the generated one back.
function renameControl(subject, title) {
  const button = el("button", "Rename", "rename");
  button.type = "button";
  button.title = "Give this group a name your team uses (kept across reruns)";
  button.addEventListener("click", () => {
    const form = el("form", null, "rename-form");
    const input = el("input");
    input.value = title.textContent;
    input.maxLength = 60;
    input.setAttribute("aria-label", "New name for " + subject);
    const save = el("button", "Save");
    save.type = "submit";
    const cancel = el("button", "Cancel");
    cancel.type = "button";
    const note = el("span", null, "status");
    form.append(input, save, cancel, note);
    cancel.addEventListener("click", () => form.replaceWith(button));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const r = await fetch("/labels/" + encodeURIComponent(subject), { method: "PUT",
          headers: { ...headers, "Content-Type": "application/json" },
          body: JSON.stringify({ label: input.value.trim() || null }) });
        const body = await r.json();
        if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
        setName(subject, body.name);
        form.replaceWith(button);
      } catch (e) {
        note.textContent = "Not saved: " + e.message;
      }
    });
    button.replaceWith(form);
    input.focus();
  });
  return button;
}

const FACETS = [["who", "Who they are"], ["goals", "Goals"], ["pain_points", "Pain points"],
  ["behaviours", "Behaviours"], ["motivations", "Motivations"]];
const LANGUAGES = { en: "English", zh: "Chinese" };
const names = {};

function pct(x, digits = 0) {
  return (100 * x).toFixed(digits) + "%";
}

function setName(subject, name) {
  names[subject] = name;
  for (const n of document.querySelectorAll(`[data-name-of="${CSS.escape(subject)}"]`)) {
    n.textContent = name;
  }
}

function named(tag, subject, cls) {
  const e = el(tag, names[subject] || subject, cls);
  e.dataset.nameOf = subject;
  return e;
}

function dot(colour) {
  const d = el("i", null, "dot");
  d.style.background = colour;
  return d;
}

// One claim on the card face: its sentence, its share of the group and one verbatim quote.
function claimItem(c, p, colour) {
  const li = el("li", null, "claim");
  const head = el("div", null, "head");
  const text = el("span", c.text, "text");
  if (c.language && c.language !== p.language) {
    text.append(" ", el("span", LANGUAGES[c.language] || c.language, "lang"));
  }
  const share = el("span", null, "share");
  share.title = `${c.support_count} of ${p.size.texts} texts`;
  const bar = el("span", null, "pbar");
  const fill = el("span");
  fill.style.width = Math.max(3, 100 * c.prevalence).toFixed(1) + "%";
  fill.style.background = colour;
  bar.append(fill);
  share.append(bar, el("b", pct(c.prevalence)));
  head.append(text, share);
  li.append(head);
  if (c.quote) {
    // its quote, and one in another language its members write in
    const other = (c.other_quotes || []).find((q) => q.lang && q.lang !== c.quote.lang);
    for (const q of other ? [c.quote, other] : [c.quote]) li.append(el("blockquote", `“${q.text}”`));
  }
  return li;
}

// The differentiators in words; nearby groups differing in the same words share one line.
function versus(p) {
  const lines = [];
  const together = new Map();
  for (const d of p.differentiators) {
    const other = names[d.versus];
    if (!other || !d.distinctive_keywords.length) { lines.push(d.text); continue; }
    const key = d.distinctive_keywords.join("\u0001");
    if (!together.has(key)) together.set(key, { words: d.distinctive_keywords, others: [] });
    together.get(key).others.push(other);
  }
  for (const { words, others } of together.values()) {
    if (p.language === "zh") {
      lines.push(`与${others.map((o) => `「${o}」`).join("")}相比，更常提到：${words.join("、")}`);
    } else {
      lines.push(`Compared with ${others.join(" and ")}, they talk more about ${words.join(", ")}`);
    }
  }
  return lines;
}

// Ids, prompt versions and the model: behind a disclosure, as in the deck.
function provenance(p) {
  const d = el("details", null, "prov");
  d.append(el("summary", "Evidence and provenance"));
  const dl = el("dl");
  const add = (term, ...parts) => {
    const dd = el("dd");
    for (const part of parts) dd.append(part);
    dl.append(el("dt", term), dd);
  };
  add("Persona", `${p.id} · ${p.level} ${p.group_id || p.segment_id}`);
  for (const [field, title] of FACETS) {
    for (const c of p[field] || []) {
      const who = c.written_by ? ` · written by ${c.written_by}` : "";
      add(`${title}: ${c.text}`, `${c.support_count} of ${p.size.texts} texts${who} · evidence `,
        el("span", c.evidence_ids.slice(0, 5).join(", "), "ids"),
        ...(c.quote ? [" · quote ", el("span", c.quote.doc_id, "ids")] : []));
    }
  }
  if (p.quotes.length) {
    add("Quotes", ...p.quotes.slice(0, 4).flatMap((q, i) =>
      [el("q", q.text), " ", el("span", q.doc_id, "ids"), ...(i < 3 ? [el("br")] : [])]));
  }
  if (p.keywords.length) add("Keywords", p.keywords.slice(0, 10).join(", "));
  const pv = p.provenance;
  add("Prompts", pv.prompts.join(", "));
  add("Model", `${pv.chat_model} · embedder ${pv.embedder}`);
  if (pv.claims_total) add("Model-written claims accepted", `${pv.model_claims} of ${pv.claims_total}`);
  add("Segmentation", `${pv.segmentation_run} · written ${pv.created_at}`);
  d.append(dl);
  return d;
}

function card(p) {
  const a = el("article", null, "card");
  const subject = p.group_id || p.segment_id;
  const colour = colours[subject] || "#4e79a7";
  a.id = "card-" + subject;
  a.style.borderTopColor = colour;
  const title = named("h2", subject, "name");
  const meta = el("p", null, "meta");
  for (const m of [`${p.size.texts} texts`, `${p.size.users} users`,
    `${pct(p.share)} of all texts`, p.language_line || LANGUAGES[p.language] || p.language]) {
    meta.append(el("span", m));
  }
  a.append(title, renameControl(subject, title), el("p", p.tagline, "tagline"), meta);
  if (p.degraded) a.append(el("p", "Degraded: " + (p.degraded_reason || ""), "degraded"));
  a.append(el("p", p.summary, "summary"));
  for (const [field, heading] of FACETS) {
    const claims = p[field] || [];
    if (!claims.length) continue;
    const section = el("section", null, "facet");
    const ul = el("ul", null, "claims");
    for (const c of claims) ul.append(claimItem(c, p, colour));
    section.append(el("h3", heading), ul);
    a.append(section);
  }
  if (p.differentiators.length) {
    const section = el("section", null, "facet");
    const ul = el("ul", null, "plain");
    for (const line of versus(p)) ul.append(el("li", line));
    section.append(el("h3", "Compared with nearby groups"), ul);
    a.append(section);
  }
  a.append(provenance(p));
  return a;
}

async function loadPage() {
  try {
    const seg = await getJSON("/segments");
    seg.groups.forEach((g, i) => { colours[g.id] = PALETTE[i % PALETTE.length]; });
    for (const g of seg.groups) names[g.id] = g.name;
    const list = await getJSON("/personas");
    const personas = await Promise.all(list.map((p) => getJSON("/personas/" + encodeURIComponent(p.id))));
    for (const p of personas) names[p.group_id || p.segment_id] = p.name;
    const widest = Math.max(...seg.groups.map((g) => g.share), 1e-9);
    const bars = document.getElementById("bars");
    for (const g of [...seg.groups].sort((x, y) => y.size - x.size)) {
      const row = el("div", null, "bar");
      const top = el("div", null, "row");
      const lbl = el("span", null, "lbl");
      lbl.append(dot(colours[g.id]), named("span", g.id));
      top.append(lbl, el("span", `${pct(g.share)} · ${g.size} texts`, "num"));
      const fill = el("span", null, "fill");
      fill.style.width = (100 * g.share / widest).toFixed(1) + "%";
      fill.style.background = colours[g.id];
      const track = el("span", null, "track");
      track.append(fill);
      row.append(top, track);
      bars.append(row);
    }
    document.getElementById("summary").textContent =
      `${personas.length} personas from ${seg.records} texts`;
    const deck = document.getElementById("deck-link");
    deck.href = "/deck" + (token ? "?token=" + encodeURIComponent(token) : "");
    const cards = document.getElementById("cards");
    for (const p of personas) cards.append(card(p));
    drawMap(await getJSON("/map"), seg);
  } catch (e) {
    document.getElementById("summary").textContent = "Could not load: " + e.message;
  }
}

function drawMap(m, seg) {
  const svg = document.getElementById("map");
  const ns = "http://www.w3.org/2000/svg";
  for (const [x, y, g] of m.points) {
    const c = document.createElementNS(ns, "circle");
    c.setAttribute("cx", (14 + x * 532).toFixed(1));
    c.setAttribute("cy", (14 + (1 - y) * 332).toFixed(1));
    c.setAttribute("r", "2.4");
    c.setAttribute("fill", colours[g] || "#999");
    c.setAttribute("fill-opacity", "0.6");
    svg.append(c);
  }
  const legend = document.getElementById("legend");
  for (const g of seg.groups) {
    if (!(g.id in m.centres)) continue;
    const li = el("li");
    li.append(dot(colours[g.id]), named("span", g.id));
    legend.append(li);
  }
}

function citation(c) {
  const li = el("li");
  const link = el("a", names[c.group_id] || c.group_id);
  link.href = "#card-" + c.group_id;
  li.append(link, el("span", " " + c.text), el("cite", c.doc_id));
  return li;
}

function showAnswer(item) {
  const status = document.getElementById("ask-status");
  const answer = document.getElementById("ask-answer");
  const segs = document.getElementById("ask-segments");
  const cits = document.getElementById("ask-citations");
  const counted = document.getElementById("ask-counted");
  for (const n of [answer, segs, cits, counted]) n.textContent = "";
  status.textContent = item.declined ? "Declined" : (item.thin ? "Thin evidence" : "");
  answer.textContent = item.answer;
  for (const s of item.counts || []) {
    const n = s.count === null ? "fewer than the minimum" : `${s.count} texts, ${(100 * s.share).toFixed(0)}%`;
    segs.append(el("li", `${s.name} (${s.id}): ${n}`));
  }
  for (const c of item.citations || []) cits.append(citation(c));
  if (item.counted_ids && item.counted_ids.length) {
    const d = el("details");
    d.append(el("summary", `Counted texts (${item.counted_ids.length}) — counted as: ${item.counted_as}`),
             el("p", item.counted_ids.join(", "), "ids"));
    counted.append(d);
  }
}

async function ask(ev) {
  ev.preventDefault();
  const q = document.getElementById("ask-input").value.trim();
  if (!q) return;
  const status = document.getElementById("ask-status");
  const draft = document.getElementById("ask-draft");
  const answer = document.getElementById("ask-answer");
  const segs = document.getElementById("ask-segments");
  const cits = document.getElementById("ask-citations");
  for (const n of [draft, answer, segs, cits]) n.textContent = "";
  status.textContent = "Counting…";
  try {
    const r = await fetch("/ask", { method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ question: q, stream: true }) });
    if (!r.ok) { status.textContent = (await r.json()).error; return; }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const line = buf.slice(0, cut).replace(/^data: /, "");
        buf = buf.slice(cut + 2);
        const item = JSON.parse(line);
        if (item.type === "error") status.textContent = item.message;
        else if (item.type === "facts" || item.type === "final") showAnswer(item);
        else if (item.type === "sentence") draft.textContent = item.text;
      }
    }
  } catch (e) {
    status.textContent = "Failed: " + e.message;
  }
}

async function search(ev) {
  ev.preventDefault();
  const q = document.getElementById("search-input").value.trim();
  const out = document.getElementById("search-results");
  out.textContent = "";
  if (!q) return;
  try {
    const r = await getJSON("/search?q=" + encodeURIComponent(q) + "&k=8");
    for (const h of r.hits) out.append(citation(h));
  } catch (e) {
    out.append(el("li", "Failed: " + e.message));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("ask-form").addEventListener("submit", ask);
  document.getElementById("search-form").addEventListener("submit", search);
  loadPage();
});
