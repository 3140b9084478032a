/* The chat inside the widget's iframe (or full page at /). Everything the model or a person writes is
 * rendered as text, or as the few markdown forms below built from DOM nodes: never as HTML. */
(() => {
  const params = new URLSearchParams(location.search);
  const siteKey = params.get("site_key") || "demo";
  const embedded = window.parent !== window;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token") || (!embedded && params.get("token")) || "";
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);  // the token leaves the URL
  const storeKey = `concierge:${siteKey}`;
  const $ = id => document.getElementById(id);
  const log = $("log"), form = $("form"), input = $("text"), send = $("send"), typing = $("typing");
  let conversationId = null, source = null, pending = null, lastEventId = 0;

  /* --- rendering -------------------------------------------------------------------------------- */
  function inline(parent, text) {
    // **bold**, [label](https://...) and bare https:// links; everything else is a text node.
    const pattern = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,!?])/g;
    let at = 0, m;
    while ((m = pattern.exec(text))) {
      parent.append(text.slice(at, m.index));
      if (m[1]) { const b = document.createElement("strong"); b.textContent = m[1]; parent.append(b); }
      else { parent.append(link(m[2] || m[4], m[3] || m[4])); }
      at = pattern.lastIndex;
    }
    parent.append(text.slice(at));
  }
  function link(label, href) {
    const a = document.createElement("a");
    a.href = href; a.textContent = label; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function render(div, text) {
    const body = div.querySelector(".body");
    body.replaceChildren();
    for (const para of String(text).split(/\n{2,}/)) {
      const p = document.createElement("p");
      para.split("\n").forEach((line, i) => { if (i) p.append(document.createElement("br")); inline(p, line); });
      body.append(p);
    }
  }
  function bubble(role, text, who) {
    const div = document.createElement("div");
    div.className = "msg " + role;
    if (role === "agent" && who) {
      const name = document.createElement("span"); name.className = "name"; name.textContent = who; div.append(name);
    }
    const body = document.createElement("div"); body.className = "body"; div.append(body);
    render(div, text);
    log.append(div); scroll();
    return div;
  }
  function notice(text) {
    const div = document.createElement("div"); div.className = "notice"; div.textContent = text;
    log.append(div); scroll();
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function cite(div, citations) {
    if (!citations || !citations.length) return;
    const box = document.createElement("div"); box.className = "cites"; box.append("Sources:");
    for (const c of citations) if (/^https?:\/\//.test(c.url)) box.append(link(c.title, c.url));
    div.append(box);
  }
  function confirmButtons(div) {
    const box = document.createElement("div"); box.className = "actions"; box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Confirm or cancel this action");
    for (const [label, answer] of [["Confirm", true], ["Cancel", false]]) {
      const b = document.createElement("button"); b.type = "button"; b.textContent = label;
      if (!answer) b.className = "secondary";
      b.addEventListener("click", async () => {
        box.remove(); setBusy(true);
        const r = await api(`/v1/conversations/${conversationId}/confirm`, {confirm: answer});
        if (!r.ok) { setBusy(false); bubble("error", r.detail); }
      });
      box.append(b);
    }
    div.append(box);
    box.querySelector("button").focus();
  }
  const MODES = {waiting_for_human: "Waiting for a person from our team… You can keep writing.",
                 bot: "You're back with the assistant.", closed: "The conversation was closed."};
  function modeNotice(h) { notice(h.state === "human" ? `${h.agent} from our team joined the chat.` : MODES[h.state] || h.state); }
  function setBusy(busy) { send.disabled = busy; typing.hidden = !busy; }

  /* --- the API ---------------------------------------------------------------------------------- */
  async function api(path, body, method = "POST") {
    const r = await fetch(path, {method, headers: {"Content-Type": "application/json", "X-Site-Key": siteKey},
                                 body: body === undefined ? undefined : JSON.stringify(body)});
    let data = {};
    try { data = await r.json(); } catch (_) { /* empty body */ }
    return {ok: r.ok, status: r.status, detail: data.detail || `Something went wrong (${r.status}).`, data};
  }
  function save() {
    localStorage.setItem(storeKey, JSON.stringify({id: conversationId, who: fingerprint(token), lastEventId}));
  }
  function fingerprint(s) {  // to notice a different sign-in without storing the token itself
    let h = 5381; for (const c of s) h = (h * 33 + c.charCodeAt(0)) >>> 0; return s ? h.toString(36) : "";
  }
  function listen() {
    if (source) source.close();
    // EventSource sends Last-Event-ID itself when it reconnects; `after` covers a reload.
    source = new EventSource(`/v1/conversations/${conversationId}/events?after=${lastEventId}`);
    const track = handler => e => { lastEventId = Number(e.lastEventId) || lastEventId; save(); handler(JSON.parse(e.data)); };
    source.addEventListener("status", track(s => { if (s.state === "thinking") setBusy(true); }));
    source.addEventListener("token", track(t => {
      typing.hidden = true;
      if (!pending) pending = bubble("assistant", "");
      pending.dataset.raw = (pending.dataset.raw || "") + t.text; render(pending, pending.dataset.raw); scroll();
    }));
    source.addEventListener("message", track(m => {
      if (m.role === "customer") { setBusy(false); return; }  // our own words, echoed while a person has the chat
      if (m.role === "agent") { bubble("agent", m.text, m.agent); return; }
      if (!pending) pending = bubble("assistant", "");
      render(pending, m.text); cite(pending, m.citations);
      if (m.confirm) confirmButtons(pending);
      pending = null; setBusy(false); if (!m.confirm) input.focus();
    }));
    source.addEventListener("handoff", track(modeNotice));
    source.addEventListener("error", e => { if (e.data) { bubble("error", JSON.parse(e.data).message); setBusy(false); } });
  }
  async function resume(saved) {
    const r = await api(`/v1/conversations/${saved.id}`, undefined, "GET");
    if (!r.ok) return false;
    conversationId = saved.id; lastEventId = r.data.last_event_id || 0;
    for (const m of r.data.messages) {
      const div = bubble(m.role, m.text, m.role === "agent" ? "Support team" : "");
      cite(div, m.citations);
    }
    if (r.data.mode !== "bot") modeNotice({state: r.data.mode, agent: "A person"});
    who(r.data.customer_id);
    return true;
  }
  function who(customerId) { $("who").textContent = customerId ? `Signed in as ${customerId}` : "Orders, returns, stays and bookings"; }
  async function start() {
    const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
    if (!(saved && saved.who === fingerprint(token) && await resume(saved))) {
      const r = await api("/v1/conversations", token ? {customer_token: token, site_key: siteKey} : {site_key: siteKey});
      if (!r.ok) { bubble("error", r.detail); return; }
      conversationId = r.data.id; lastEventId = 0; who(r.data.customer_id);
      notice("Hi! Ask me about your orders, returns, stays and bookings.");
    }
    save(); listen();
  }
  async function say(text) {
    if (!text || !conversationId) return;
    bubble("customer", text); setBusy(true);
    const r = await api(`/v1/conversations/${conversationId}/messages`, {text});
    if (!r.ok) { setBusy(false); bubble("error", r.detail); }
  }

  /* --- controls --------------------------------------------------------------------------------- */
  form.addEventListener("submit", ev => { ev.preventDefault(); const t = input.value.trim(); input.value = ""; say(t); });
  input.addEventListener("keydown", ev => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  $("person").addEventListener("click", () => say("I'd like to talk to a person, please."));
  if (embedded) {
    $("close").hidden = false;
    $("close").addEventListener("click", () => parent.postMessage({type: "concierge:close"}, "*"));
    document.addEventListener("keydown", ev => { if (ev.key === "Escape") parent.postMessage({type: "concierge:close"}, "*"); });
    window.addEventListener("message", e => { if (e.data && e.data.type === "concierge:open") input.focus(); });
  }
  start();
})();
