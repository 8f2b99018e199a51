// The console page: it plays the assistant against this server's webhook (the same SmartApp API
// messages the assistant sends) and shows what the smartapp did. No build step, no dependencies.

const $ = (id) => document.getElementById(id);
const info = await (await fetch("api/info")).json();
const graph = await (await fetch("api/graph")).json();

let user = newUser();
let messageId = 0;
let pendingPay; // { request, answer, invoiceId }

$("project").textContent = info.name;
showUser();
drawGraph("/");

function newUser() {
  return { id: info.userPrefix + Math.random().toString(36).slice(2, 10), sessionId: crypto.randomUUID() };
}

function showUser() {
  $("user").textContent = user.id;
}

function envelope(messageName, payload) {
  messageId += 1;
  return {
    messageId,
    sessionId: user.sessionId,
    messageName,
    uuid: { userId: user.id, sub: user.id, userChannel: "B2C" },
    payload: {
      app_info: { projectId: "console", applicationId: "console", appversionId: "console", frontendType: "DIALOG", systemName: "console" },
      device: { platformType: "WEB", surface: "SBERBOX" },
      character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" },
      ...payload,
    },
  };
}

async function post(request) {
  $("raw-request").textContent = JSON.stringify(request, null, 2);
  const res = await fetch(info.webhookPath, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
  const text = await res.text();
  $("raw-status").textContent = `HTTP ${res.status}`;
  let answer;
  try {
    answer = JSON.parse(text);
    $("raw-response").textContent = JSON.stringify(answer, null, 2);
  } catch {
    $("raw-response").textContent = text;
    note(`HTTP ${res.status}: not JSON`, true);
    return;
  }
  render(answer, request);
  await Promise.all([showWhy(request.messageId), refreshState()]);
}

// The explained turn beside each answer: how the engine decided it (docs/console.md).
async function showWhy(id) {
  const res = await fetch(`api/users/${encodeURIComponent(user.id)}/turns/${encodeURIComponent(String(id))}`);
  if (!res.ok) return;
  const e = await res.json();
  const li = document.createElement("li");
  li.className = "why";
  const d = document.createElement("details");
  const summary = document.createElement("summary");
  const w = e.winner;
  const end = e.executed.at(-1);
  summary.textContent = `why: ${e.target ?? e.executed[0] ?? "no state"}${end && end !== (e.target ?? e.executed[0]) ? ` → ${end}` : ""}` + (w ? ` ← ${w.tag}: ${w.trigger}${w.at ? ` (${w.at})` : ""}` : ` (${e.decidedBy})`) + (e.errors?.length ? ` · ${e.errors.length} error${e.errors.length > 1 ? "s" : ""}` : "");
  d.append(summary, explanationView(e));
  li.append(d);
  $("log").append(li);
  li.scrollIntoView({ block: "end" });
}

function explanationView(e) {
  const box = document.createElement("div");
  const add = (tag, text, cls) => {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    box.append(el);
    return el;
  };
  const input = e.input.kind === "text" ? `text ${JSON.stringify(e.input.query ?? "")}` : e.input.kind === "event" ? `event ${e.input.event}` : e.input.kind;
  add("div", `${input}${e.input.matchedQuery !== undefined ? ` (matched as ${JSON.stringify(e.input.matchedQuery)})` : ""}${e.input.intent ? ` · intent ${e.input.intent.path}` : ""} in ${e.context.before}${e.context.modal ? ` (modal ${e.context.modal})` : ""}`);
  add("div", `decided by ${e.decidedBy}${e.thresholds ? ` · thresholds: patterns ${e.thresholds.patterns}, phrases ${e.thresholds.phrases}` : ""}`, "muted");
  if (e.candidates.length) {
    const table = document.createElement("table");
    table.className = "candidates";
    const head = table.createTHead().insertRow();
    for (const h of ["", "trigger", "→ state", "where", "locality", "score", ""]) head.insertCell().textContent = h;
    const body = table.createTBody();
    for (const c of e.candidates) {
      const tr = body.insertRow();
      tr.className = c.selected ? "selected" : c.skipped ? "skipped" : "";
      tr.insertCell().textContent = c.selected ? "✓" : c.skipped ? "✗" : "·";
      tr.insertCell().textContent = `${c.kind === "fallback" ? "fallback " : ""}${c.tag}: ${c.trigger}`;
      tr.insertCell().textContent = c.target;
      tr.insertCell().textContent = c.at ?? c.state;
      tr.insertCell().textContent = c.locality ?? (c.tier ?? "");
      tr.insertCell().textContent = c.score === undefined ? "" : Number(c.score).toFixed(2) + (c.weight !== undefined ? ` (w ${Number(c.weight).toFixed(2)})` : "");
      tr.insertCell().textContent = c.skipped ?? (c.formWords ? `not literal: ${c.formWords.join(", ")}` : "");
    }
    box.append(table);
  }
  if (e.why.length) {
    const ul = document.createElement("ul");
    ul.className = "reasons";
    for (const w of e.why) ul.append(Object.assign(document.createElement("li"), { textContent: w }));
    box.append(ul);
  }
  for (const t of e.transitions) add("div", `${t.kind}: ${t.from} → ${t.to}${t.at ? ` (${t.at})` : ""}`, "transition");
  add("div", `executed: ${e.executed.join(" → ") || "(nothing)"} · context ${e.context.before} → ${e.context.after}`);
  for (const l of e.logs) add("div", `[${l.level}] ${l.message} (${l.state})`, "log-line");
  for (const x of e.errors) add("div", `${x.kind} error${x.at ? ` at ${x.at}` : ""} in ${x.state}: ${x.message}${x.handledBy ? ` → ${x.handledBy}` : ""}`, "error");
  const diff = (label, changes) => {
    if (!changes.length) return;
    const text = changes.map((c) => (c.op === "added" ? `+${c.path} = ${JSON.stringify(c.after)}` : c.op === "removed" ? `-${c.path}` : `${c.path}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`)).join("\n");
    add("pre", `${label}\n${text}`, "diff");
  };
  diff("$session", e.session);
  diff("$client", e.client);
  return box;
}

function say(text) {
  if (!text.trim()) return;
  line("user", text);
  return post(envelope("MESSAGE_TO_SKILL", { message: { original_text: text, normalized_text: text } }));
}

function sendAction(actionId, parameters) {
  line("user", `⚡ ${actionId}`);
  return post(envelope("SERVER_ACTION", { server_action: { action_id: actionId, parameters } }));
}

function line(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  $("log").append(li);
  li.scrollIntoView({ block: "end" });
  return li;
}

function note(text, bad = false) {
  line(bad ? "note error" : "note", text);
}

function render(answer, request) {
  const buttons = $("suggestions");
  buttons.replaceChildren();
  $("pay").hidden = true;
  const payload = answer.payload ?? {};
  switch (answer.messageName) {
    case "ANSWER_TO_USER":
      for (const item of payload.items ?? []) renderItem(item);
      for (const b of payload.suggestions?.buttons ?? []) buttons.append(suggestion(b));
      if (payload.finished) note("the smartapp closed the session (finished: true)");
      break;
    case "POLICY_RUN_APP":
      offerPay(answer, request);
      break;
    case "NOTHING_FOUND":
      note("NOTHING_FOUND: the smartapp has no answer");
      break;
    case "ERROR":
      note(`ERROR ${payload.code ?? ""}: ${payload.description ?? ""}`, true);
      break;
    default:
      note(`${answer.messageName ?? "no messageName"}`, !answer.messageName);
  }
}

function renderItem(item) {
  if (item.bubble) line("bot", item.bubble.text);
  else if (item.card) renderCard(item.card);
  else if (item.command) note(`command: ${JSON.stringify(item.command)}`);
}

function renderCard(card) {
  const li = line("bot", "");
  const box = document.createElement("div");
  box.className = "card";
  for (const cell of card.cells ?? []) {
    const c = cell.content ?? {};
    if (cell.type === "image_cell_view" && c.url) {
      const img = document.createElement("img");
      img.src = c.url;
      img.alt = "";
      box.append(img);
    } else if (cell.type === "button_cell_view") {
      box.append(actionButton(c.text, (c.actions ?? [])[0]));
    } else if (cell.type === "left_right_cell_view") {
      const t = cell.left?.texts;
      box.append(actionButton([t?.title?.text, t?.subtitle?.text, cell.right?.detail?.text].filter(Boolean).join(" · "), (cell.actions ?? [])[0]));
    } else if (c.text) {
      const p = document.createElement("div");
      p.textContent = c.text;
      box.append(p);
    }
  }
  li.append(box);
}

function suggestion(b) {
  return actionButton(b.title, b.action);
}

function actionButton(title, action) {
  const el = document.createElement("button");
  el.type = "button";
  el.textContent = title;
  el.addEventListener("click", () => {
    if (action?.type === "deep_link") window.open(action.deep_link, "_blank", "noopener");
    else if (action?.type === "server_action") sendAction(action.server_action?.action_id, action.server_action?.parameters ?? {});
    else say(action?.text ?? title);
  });
  return el;
}

function offerPay(answer, request) {
  const action = answer.payload?.server_action ?? {};
  const invoiceId = String(action.parameters?.invoice_id ?? "");
  note(`POLICY_RUN_APP: the assistant opens ${action.app_info?.systemName ?? "an app"} for invoice ${invoiceId}`);
  pendingPay = { request, answer, invoiceId };
  $("pay-invoice").textContent = invoiceId;
  const box = $("pay-outcomes");
  box.replaceChildren();
  if (info.payOutcomes.length === 0) {
    box.textContent = "(the pay dialog needs the local SmartPay sandbox)";
  }
  for (const outcome of info.payOutcomes) {
    const el = document.createElement("button");
    el.type = "button";
    el.textContent = outcome;
    el.addEventListener("click", () => pay(outcome));
    box.append(el);
  }
  $("pay").hidden = false;
}

async function pay(outcome) {
  const { invoiceId } = pendingPay;
  const res = await fetch("api/pay", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ invoiceId, outcome }) });
  const body = await res.json();
  if (!res.ok) {
    note(`pay dialog: ${body.error}`, true);
    return;
  }
  $("pay").hidden = true;
  note(`pay dialog: ${outcome} → response_code ${body.responseCode}`);
  await post(
    envelope("SERVER_ACTION", {
      server_action: {
        action_id: "PAY_DIALOG_FINISHED",
        parameters: { payment_response: { response_code: body.responseCode, invoice_id: invoiceId }, app_info: { projectId: "console", systemName: "payment_app" } },
      },
    }),
  );
}

async function refreshState() {
  const res = await fetch(`api/users/${encodeURIComponent(user.id)}`);
  if (!res.ok) return;
  const state = await res.json();
  $("context-path").textContent = state.contextPath;
  $("session").replaceChildren(tree(state.session));
  $("client").replaceChildren(tree(state.client));
  drawGraph(state.contextPath);
}

function tree(value, key) {
  if (value !== null && typeof value === "object") {
    const d = document.createElement("details");
    d.open = true;
    const s = document.createElement("summary");
    if (key !== undefined) s.append(keySpan(key), ": ");
    s.append(Array.isArray(value) ? `[${value.length}]` : `{${Object.keys(value).length}}`);
    d.append(s);
    for (const [k, v] of Object.entries(value)) d.append(tree(v, k));
    return d;
  }
  const div = document.createElement("div");
  div.className = "leaf";
  if (key !== undefined) div.append(keySpan(key), ": ");
  div.append(JSON.stringify(value));
  return div;
}

function keySpan(k) {
  const s = document.createElement("span");
  s.className = "key";
  s.textContent = k;
  return s;
}

function drawGraph(current) {
  const children = new Map();
  for (const s of graph.states) {
    const parent = s.parent ?? "/";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(s);
  }
  const edges = new Map();
  for (const e of graph.edges) {
    if (!edges.has(e.from)) edges.set(e.from, []);
    edges.get(e.from).push(e);
  }
  const build = (parent) => {
    const ul = document.createElement("ul");
    for (const s of children.get(parent) ?? []) {
      const li = document.createElement("li");
      const node = document.createElement("span");
      node.className = "node" + (s.path === current ? " current" : "");
      node.textContent = s.path.slice(s.path.lastIndexOf("/") + 1) || s.path;
      node.title = s.path + (s.file ? ` (${s.file}:${s.line})` : "");
      node.dataset.path = s.path;
      li.append(node);
      const out = edges.get(s.path) ?? [];
      if (out.length > 0) {
        const span = document.createElement("span");
        span.className = "edges";
        span.textContent = "→ " + out.map((e) => `${e.to} (${e.label})`).join(", ");
        li.append(span);
      }
      if (children.has(s.path)) li.append(build(s.path));
      ul.append(li);
    }
    return ul;
  };
  $("graph").replaceChildren(...build("/").children);
}

async function runTests() {
  $("run-tests").disabled = true;
  $("tests-summary").textContent = "running…";
  try {
    const res = await fetch("api/tests", { method: "POST" });
    const r = await res.json();
    if (!res.ok) {
      $("tests-summary").textContent = r.error;
      return;
    }
    $("tests-summary").textContent = r.error ? r.error : `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
    const body = $("tests").tBodies[0];
    body.replaceChildren();
    for (const c of r.cases) {
      const tr = body.insertRow();
      tr.className = c.status;
      tr.insertCell().textContent = c.status;
      tr.insertCell().textContent = `${c.file}:${c.line}`;
      tr.insertCell().textContent = c.id + (c.failure ? `\n${c.failure}` : "") + (c.why ? `\n${c.why}` : "");
    }
  } finally {
    $("run-tests").disabled = false;
  }
}

for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll("[role=tab]")) t.setAttribute("aria-selected", String(t === tab));
    for (const panel of document.querySelectorAll(".tab")) panel.hidden = panel.id !== `tab-${tab.dataset.tab}`;
  });
}

$("say").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value;
  $("text").value = "";
  say(text);
});
$("event").addEventListener("submit", (e) => {
  e.preventDefault();
  let parameters = {};
  try {
    parameters = $("event-data").value.trim() ? JSON.parse($("event-data").value) : {};
  } catch {
    note("event parameters are not JSON", true);
    return;
  }
  sendAction($("event-name").value.trim(), parameters);
});
$("launch").addEventListener("click", () => {
  line("user", "⚡ RUN_APP");
  post(envelope("RUN_APP", { server_action: { action_id: "run_app", parameters: {} } }));
});
$("reset").addEventListener("click", () => {
  user = newUser();
  messageId = 0;
  showUser();
  $("log").replaceChildren();
  $("suggestions").replaceChildren();
  $("pay").hidden = true;
  refreshState();
});
$("run-tests").addEventListener("click", runTests);
