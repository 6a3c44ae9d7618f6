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
        title.textContent = body.name;
        const bar = document.getElementById("bar-" + subject);
        if (bar) bar.textContent = `${subject} · ${body.name}`;
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

function card(p) {
  const a = el("article", null, "card");
  const subject = p.group_id || p.segment_id;
  a.id = "card-" + subject;
  a.style.borderTopColor = colours[subject] || "#888";
  const title = el("h2", p.name, "name");
  a.append(title, renameControl(subject, title), el("p", p.tagline, "tagline"),
    el("p", `${subject} · ${p.size} texts · ${(100 * p.share).toFixed(1)}% · ${p.language}`
      + (p.degraded ? " · degraded" : ""), "meta"));
  const kw = el("p", null, "kw");
  for (const k of p.keywords) kw.append(el("span", k));
  a.append(kw);
  for (const q of p.quotes) {
    const b = el("blockquote", q.text);
    b.append(el("cite", q.doc_id));
    a.append(b);
  }
  return a;
}

async function loadPage() {
  try {
    const seg = await getJSON("/segments");
    seg.groups.forEach((g, i) => { colours[g.id] = PALETTE[i % PALETTE.length]; });
    const bars = document.getElementById("bars");
    for (const g of seg.groups) {
      const row = el("div", null, "bar");
      const fill = el("span", null, "fill");
      fill.style.width = (100 * g.share).toFixed(1) + "%";
      fill.style.background = colours[g.id];
      const track = el("span", null, "track");
      track.append(fill);
      const lbl = el("span", `${g.id} · ${g.name}`, "lbl");
      lbl.id = "bar-" + g.id;
      row.append(lbl, track, el("span", g.size, "num"));
      bars.append(row);
    }
    const personas = await getJSON("/personas");
    document.getElementById("summary").textContent =
      `${personas.length} personas from ${seg.records} texts · segmentation ${seg.run_id}`;
    const cards = document.getElementById("cards");
    for (const p of personas) cards.append(card(p));
    drawMap(await getJSON("/map"));
  } catch (e) {
    document.getElementById("summary").textContent = "Could not load: " + e.message;
  }
}

function drawMap(m) {
  const svg = document.getElementById("map");
  const ns = "http://www.w3.org/2000/svg";
  for (const [x, y, g] of m.points) {
    const c = document.createElementNS(ns, "circle");
    c.setAttribute("cx", (14 + x * 532).toFixed(1));
    c.setAttribute("cy", (14 + (1 - y) * 332).toFixed(1));
    c.setAttribute("r", "2.2");
    c.setAttribute("fill", colours[g] || "#999");
    c.setAttribute("fill-opacity", "0.55");
    svg.append(c);
  }
  for (const [g, [x, y]] of Object.entries(m.centres)) {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", (14 + x * 532).toFixed(1));
    t.setAttribute("y", (14 + (1 - y) * 332).toFixed(1));
    t.setAttribute("class", "maplabel");
    t.textContent = g;
    svg.append(t);
  }
}

function citation(c) {
  const li = el("li");
  const link = el("a", c.group_id);
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
