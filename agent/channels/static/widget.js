/* Concierge widget loader. A site adds:
 *   <script src="https://HOST/widget.js" data-site-key="KEY" [data-customer-token="JWT"]
 *           [data-token-url="/my/concierge-token"] [data-lang="es"] defer></script>
 * It injects a launcher button (in a shadow root, so the page's CSS cannot reach it) and an iframe with the
 * chat (so the chat's CSS and the page's cannot affect each other). The customer token travels in the
 * iframe URL's fragment, which browsers never send to a server, so it stays out of access logs. Customer
 * tokens are short-lived: when the chat needs a fresh one it asks this page, which fetches data-token-url
 * (on the site's own origin, with its cookies) and hands the token to the chat's frame only. */
(() => {
  const script = document.currentScript || document.querySelector("script[data-site-key]");
  if (!script || window.__conciergeWidget) return;
  window.__conciergeWidget = true;
  const host = new URL(script.src, location.href).origin;
  const siteKey = script.dataset.siteKey || "";
  const token = script.dataset.customerToken || "";
  const tokenUrl = script.dataset.tokenUrl || "";
  // The chat's language to begin with (it then follows the customer's): asked for, the page's, the browser's.
  const lang = (script.dataset.lang || document.documentElement.lang || navigator.language || "en").split("-")[0];
  const WORDS = {en: ["Chat with us", "Open the support chat", "Close the support chat", "Support chat"],
                 es: ["Chatea con nosotros", "Abrir el chat de soporte", "Cerrar el chat de soporte", "Chat de soporte"],
                 fr: ["Discutez avec nous", "Ouvrir le chat d'assistance", "Fermer le chat d'assistance",
                      "Chat d'assistance"],
                 de: ["Chatten Sie mit uns", "Support-Chat öffnen", "Support-Chat schließen", "Support-Chat"]};
  const [chatWithUs, openChat, closeChat, chatTitle] = WORDS[lang] || WORDS.en;
  const label = script.dataset.label || chatWithUs;

  const root = document.createElement("div");
  root.id = "concierge-widget";
  document.body.appendChild(root);
  const shadow = root.attachShadow({mode: "open"});
  shadow.innerHTML = `<style>
    :host { all: initial; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483646; font: 600 15px/1 system-ui, sans-serif;
      background: #1f3a5f; color: #fff; border: 0; border-radius: 28px; padding: 14px 20px; cursor: pointer;
      box-shadow: 0 4px 14px rgba(0,0,0,.25); }
    .launcher:focus-visible { outline: 3px solid #f5b942; outline-offset: 2px; }
    iframe { position: fixed; right: 20px; bottom: 84px; z-index: 2147483647; width: min(400px, calc(100vw - 40px));
      height: min(640px, calc(100vh - 110px)); border: 0; border-radius: 14px; background: #fff;
      box-shadow: 0 8px 30px rgba(0,0,0,.3); display: none; }
    iframe.open { display: block; }
    @media (max-width: 480px) {
      iframe { inset: 0; width: 100vw; height: 100dvh; border-radius: 0; }
      .launcher.open { display: none; }
    }
  </style>`;
  const button = document.createElement("button");
  button.className = "launcher";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-label", openChat);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "concierge-frame");
  const frame = document.createElement("iframe");
  frame.id = "concierge-frame";
  frame.title = chatTitle;
  frame.src = `${host}/widget?site_key=${encodeURIComponent(siteKey)}&lang=${encodeURIComponent(lang)}` +
    (token ? `#token=${encodeURIComponent(token)}` : "");
  shadow.append(frame, button);

  function setOpen(open) {
    frame.classList.toggle("open", open);
    button.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", open ? closeChat : openChat);
    if (open) frame.contentWindow.postMessage({type: "concierge:open"}, host);
    else button.focus();
  }
  button.addEventListener("click", () => setOpen(!frame.classList.contains("open")));
  async function freshToken() {
    if (!tokenUrl) return "";
    try {
      const r = await fetch(tokenUrl, {credentials: "include", headers: {Accept: "application/json"}});
      if (!r.ok) return "";
      const text = (await r.text()).trim();
      return text.startsWith("{") ? JSON.parse(text).token || "" : text;
    } catch (_) { return ""; }
  }
  window.addEventListener("message", async e => {
    if (e.origin !== host || e.source !== frame.contentWindow || !e.data) return;
    if (e.data.type === "concierge:close") setOpen(false);
    if (e.data.type === "concierge:token-request") {
      frame.contentWindow.postMessage({type: "concierge:token", token: await freshToken()}, host);
    }
  });
})();
