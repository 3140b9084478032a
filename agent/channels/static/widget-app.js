/* The chat inside the widget's iframe (or full page at /). Everything the model or a person writes is
 * rendered as text, or as the few markdown forms below built from DOM nodes: never as HTML.
 *
 * Credentials: the customer token (a short-lived JWT from the site's backend) arrives in the URL fragment,
 * which browsers never send to a server, and leaves the URL at once. The conversation's access token lives
 * in this origin's localStorage (to resume after a reload) and travels only in the Authorization header. */
(() => {
  const params = new URLSearchParams(location.search);
  const siteKey = params.get("site_key") || "demo";
  const embedded = window.parent !== window;
  let token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);  // the token leaves the URL
  const storeKey = `concierge:${siteKey}`;
  const $ = id => document.getElementById(id);
  const log = $("log"), form = $("form"), input = $("text"), send = $("send"), typing = $("typing");
  let conversationId = null, accessToken = null, stream = null, pending = null, lastEventId = 0;

  /* --- the chat's own words (widget-strings.js) -------------------------------------------------- */
  const STRINGS = window.CONCIERGE_STRINGS;
  const known = code => (code = String(code || "").toLowerCase().split("-")[0]) in STRINGS ? code : null;
  const stored = JSON.parse(localStorage.getItem(storeKey) || "null");  // a conversation to resume, if any
  let lang = known(stored && stored.lang) || known(params.get("lang")) || known(navigator.language) || "en";
  function t(key, vars = {}) {
    return (STRINGS[lang][key] || STRINGS.en[key]).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
  }
  function speak(code) {  // the customer's language, as the page asked or as the server told it apart
    lang = known(code) || lang;
    document.documentElement.lang = lang;
    $("person").textContent = t("person"); $("close").setAttribute("aria-label", t("close"));
    log.setAttribute("aria-label", t("conversation")); typing.querySelector("em").textContent = t("typing");
    document.querySelector("label[for=text]").textContent = t("yourMessage"); input.placeholder = t("placeholder");
    send.textContent = t("send"); send.setAttribute("aria-label", t("sendLabel"));
    showWho();
  }

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
    const box = document.createElement("div"); box.className = "cites"; box.append(t("sources"));
    for (const c of citations) if (/^https?:\/\//.test(c.url)) box.append(link(c.title, c.url));
    div.append(box);
  }
  function confirmButtons(div) {
    const box = document.createElement("div"); box.className = "actions"; box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("confirmGroup"));
    for (const [label, answer] of [[t("confirm"), true], [t("cancel"), false]]) {
      const b = document.createElement("button"); b.type = "button"; b.textContent = label;
      if (!answer) b.className = "secondary";
      b.addEventListener("click", async () => {
        box.remove(); setBusy(true);
        const r = await api(`/v1/conversations/${conversationId}/confirm`, {confirm: answer});
        if (r.status === 401) restart();
        else if (!r.ok) { setBusy(false); bubble("error", r.detail); }
      });
      box.append(b);
    }
    div.append(box);
    box.querySelector("button").focus();
  }
  const MODES = {waiting_for_human: "waiting", bot: "back", closed: "closed"};
  function modeNotice(h) {
    notice(h.state === "human" ? t("joined", {agent: h.agent}) : MODES[h.state] ? t(MODES[h.state]) : h.state);
  }
  function setBusy(busy) { send.disabled = busy; typing.hidden = !busy; }

  /* --- the API ---------------------------------------------------------------------------------- */
  function headers(extra) {
    const h = {"Content-Type": "application/json", "X-Site-Key": siteKey, ...extra};
    if (accessToken) h.Authorization = `Bearer ${accessToken}`;
    return h;
  }
  async function api(path, body, method = "POST") {
    const r = await fetch(path, {method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body)});
    let data = {};
    try { data = await r.json(); } catch (_) { /* empty body */ }
    return {ok: r.ok, status: r.status, detail: data.detail || t("wrong", {status: r.status}), data};
  }
  function save() {
    localStorage.setItem(storeKey, JSON.stringify({id: conversationId, accessToken, who: customerOf(token), lastEventId,
                                                   lang}));
  }
  function customerOf(jwt) {  // who the page signed in: read, not verified (the server does that), to pick what to resume
    try { return JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sub || ""; }
    catch (_) { return ""; }
  }
  /* A fresh customer token from the host page (its loader asks the site's backend), when the one we hold has
   * expired; resolves to "" when the page has none to give. */
  function freshToken() {
    if (!embedded) return Promise.resolve("");
    return new Promise(resolve => {
      const done = t => { window.removeEventListener("message", onMessage); resolve(t); };
      const onMessage = e => { if (e.source === parent && e.data && e.data.type === "concierge:token") done(e.data.token || ""); };
      window.addEventListener("message", onMessage);
      parent.postMessage({type: "concierge:token-request"}, "*");
      setTimeout(() => done(""), 5000);
    });
  }
  /* Server-sent events read with fetch (EventSource cannot send the Authorization header), resumed from
   * the last event seen, reconnecting with backoff. */
  function listen() {
    if (stream) stream.abort();
    const ctrl = stream = new AbortController();
    const handlers = {status: onStatus, token: onToken, message: onMessage, handoff: modeNotice, error: onError};
    (async () => {
      let wait = 500;
      while (!ctrl.signal.aborted) {
        try {
          const r = await fetch(`/v1/conversations/${conversationId}/events`,
                                {headers: headers({"Last-Event-ID": String(lastEventId)}), signal: ctrl.signal, cache: "no-store"});
          if (r.status === 401 || r.status === 404) { restart(); return; }
          if (!r.ok || !r.body) throw new Error(`events: ${r.status}`);
          wait = 500;
          const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const {value, done} = await reader.read();
            if (done) break;
            buffer += value.replace(/\r\n?/g, "\n");
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const event = parse(buffer.slice(0, end)); buffer = buffer.slice(end + 2);
              if (!event.type || !handlers[event.type]) continue;
              if (event.id) { lastEventId = event.id; save(); }  // "12", or "12.3" for a token after event 12
              handlers[event.type](JSON.parse(event.data || "null"));
              await new Promise(ok => setTimeout(ok));  // one task per event, as EventSource dispatches them
            }
          }
        } catch (e) { if (ctrl.signal.aborted) return; }
        await new Promise(ok => setTimeout(ok, wait)); wait = Math.min(wait * 2, 10000);
      }
    })();
  }
  function parse(block) {
    const event = {data: ""};
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;  // keep-alive comments
      const at = line.indexOf(":"), field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
      if (field === "event") event.type = value; else if (field === "id") event.id = value;
      else if (field === "data") event.data += (event.data ? "\n" : "") + value;
    }
    return event;
  }
  function onStatus(s) { if (s.state === "thinking") setBusy(true); }
  function onToken(t) {
    typing.hidden = true;
    if (!pending) pending = bubble("assistant", "");
    pending.dataset.raw = (pending.dataset.raw || "") + t.text; render(pending, pending.dataset.raw); scroll();
  }
  function onMessage(m) {
    if (m.role === "customer") { setBusy(false); return; }  // our own words, echoed while a person has the chat
    if (m.role === "agent") { bubble("agent", m.text, m.agent); return; }
    const spoken = known(m.language);
    if (spoken && spoken !== lang) { speak(spoken); save(); }
    if (!pending) pending = bubble("assistant", "");
    render(pending, m.text); cite(pending, m.citations);
    if (m.confirm) confirmButtons(pending);
    pending = null; setBusy(false); if (!m.confirm) input.focus();
  }
  function onError(e) { bubble("error", e.message); setBusy(false); }
  async function resume(saved) {
    conversationId = saved.id; accessToken = saved.accessToken;
    const r = await api(`/v1/conversations/${saved.id}`, undefined, "GET");
    if (!r.ok) { conversationId = accessToken = null; if (r.status === 401) notice(t("ended")); return false; }
    lastEventId = r.data.last_event_id || 0;
    for (const m of r.data.messages) {
      const div = bubble(m.role, m.text, m.role === "agent" ? t("team") : "");
      cite(div, m.citations);
    }
    if (r.data.mode !== "bot") modeNotice({state: r.data.mode, agent: t("aPerson")});
    brand(r.data.site);
    who(r.data.customer_id, r.data.customer_name);
    return true;
  }
  // The customer by name (never the internal id); signed in without a known name, just "Signed in".
  let tagline = $("who").textContent;  // the site's, once a conversation has begun (its brand: CONCIERGE_WEB__SITES)
  let signedIn = null;  // {customerId, name} as the server said, to show again in another language
  function brand(site) { tagline = site.tagline; $("title").textContent = site.name; }
  function who(customerId, name) { signedIn = {customerId, name}; showWho(); }
  function showWho() {
    if (!signedIn) return;
    const {customerId, name} = signedIn;
    $("who").textContent = customerId ? (name ? t("signedInAs", {name}) : t("signedIn")) : tagline;
  }
  async function begin() {  // a new conversation, signed in if the page gave a customer token
    const create = () => api("/v1/conversations", token ? {customer_token: token, site_key: siteKey} : {site_key: siteKey});
    let r = await create();
    // Customer tokens live an hour; the server's clock decides (a customer's may be wrong). Ask the page for
    // a fresh one, and without one carry on signed out rather than not at all.
    if (r.status === 401 && token) {
      token = await freshToken();
      if (!token) notice(t("expired"));
      r = await create();
    }
    if (!r.ok) { bubble("error", r.detail); return false; }
    conversationId = r.data.id; accessToken = r.data.access_token; lastEventId = 0;
    brand(r.data.site);
    who(r.data.customer_id, r.data.customer_name);
    notice(r.data.site.greeting);
    return true;
  }
  async function start() {
    if (!(stored && stored.accessToken && stored.who === customerOf(token) && await resume(stored)) && !await begin()) return;
    save(); listen();
  }
  let restarting = null;
  function restart() {  // the conversation ended (it expired): start a new one, once however many noticed
    if (!restarting) restarting = (async () => {
      if (stream) stream.abort();
      conversationId = accessToken = null; pending = null; setBusy(false);
      localStorage.removeItem(storeKey);
      notice(t("ended"));
      const ok = await begin();
      if (ok) { save(); listen(); }
      restarting = null;
      return ok;
    })();
    return restarting;
  }
  async function say(text) {
    if (!text || !conversationId) return;
    bubble("customer", text); setBusy(true);
    let r = await api(`/v1/conversations/${conversationId}/messages`, {text});
    if (r.status === 401 && await restart()) r = await api(`/v1/conversations/${conversationId}/messages`, {text});
    if (!r.ok) { setBusy(false); bubble("error", r.detail); }
  }

  /* --- controls --------------------------------------------------------------------------------- */
  form.addEventListener("submit", ev => { ev.preventDefault(); const t = input.value.trim(); input.value = ""; say(t); });
  input.addEventListener("keydown", ev => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  $("person").addEventListener("click", () => say(t("askPerson")));
  if (embedded) {
    $("close").hidden = false;
    $("close").addEventListener("click", () => parent.postMessage({type: "concierge:close"}, "*"));
    document.addEventListener("keydown", ev => { if (ev.key === "Escape") parent.postMessage({type: "concierge:close"}, "*"); });
    window.addEventListener("message", e => { if (e.data && e.data.type === "concierge:open") input.focus(); });
  }
  speak(lang);
  start();
})();
