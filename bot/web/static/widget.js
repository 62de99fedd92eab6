/*
 * The Online-Filiale chat widget: a launcher button and a chat panel on Rasa's socket.io protocol.
 *
 * Embed with one script tag and one call:
 *   <script src="https://<web process>/chat/widget.js" defer></script>
 *   OnlineFilialeChat.mount({ token: "<member session JWT, optional>" });
 *
 * Texts are rendered as text (never as HTML); links only for https URLs. The conversation
 * (a server-issued resume ticket and the messages) is kept in this tab's sessionStorage, so a
 * reload shows the history and a half-done task goes on; "Chat beenden" starts afresh.
 */
(function () {
  "use strict";

  var CONFIG = window.OnlineFilialeChatConfig || {};
  var STORE_KEY = "online-filiale-chat.v1";
  var MAX_CHARS = 2000;
  var HTTPS_URL = /https:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;

  var state = { ticket: null, messages: [], unread: 0, open: false };
  var socket = null;
  var token = null;
  var ui = {};
  var mounted = false;

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.messages)) {
        state.ticket = typeof saved.ticket === "string" ? saved.ticket : null;
        state.messages = saved.messages.slice(-200);
        state.unread = saved.unread | 0;
        state.open = !!saved.open;
      }
    } catch (e) { /* a broken store starts afresh */ }
  }

  function save() {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify({
        ticket: state.ticket, messages: state.messages.slice(-200), unread: state.unread, open: state.open
      }));
    } catch (e) { /* private mode: the conversation just is not kept */ }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "hidden") { node.hidden = !!attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function clock(at) {
    var date = new Date(at);
    return date.toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" });
  }

  /* Text with https links; everything else stays text. */
  function richText(container, text) {
    var last = 0;
    String(text).replace(HTTPS_URL, function (url, offset) {
      container.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url);
      container.appendChild(link);
      last = offset + url.length;
      return url;
    });
    container.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderMessage(message, isLatest) {
    var mine = message.from === "user";
    var item = el("div", { "class": "ofc-msg " + (mine ? "ofc-user" : (message.from === "agent" ? "ofc-agent" : "ofc-bot")) });
    var who = mine ? "Sie" : (message.from === "agent" ? "Mitarbeiterin oder Mitarbeiter" : "Assistent");
    item.appendChild(el("span", { "class": "ofc-sr" }, who + " schreibt: "));
    if (message.from === "agent") { item.appendChild(el("span", { "class": "ofc-badge" }, "Mitarbeiter/in")); }
    var body = el("p", { "class": "ofc-text" });
    richText(body, message.text || "");
    item.appendChild(body);
    item.appendChild(el("time", { "class": "ofc-time", datetime: new Date(message.at).toISOString() }, clock(message.at)));
    if (!mine && isLatest && message.buttons && message.buttons.length) {
      var group = el("div", { "class": "ofc-buttons", role: "group", "aria-label": "Antwortvorschläge" });
      message.buttons.forEach(function (button) {
        var choice = el("button", { type: "button", "class": "ofc-choice" }, button.title);
        choice.addEventListener("click", function () { send(button.title, button.payload); ui.input.focus(); });
        group.appendChild(choice);
      });
      item.appendChild(group);
    }
    return item;
  }

  function renderAll() {
    ui.log.textContent = "";
    state.messages.forEach(function (message, index) {
      ui.log.appendChild(renderMessage(message, index === state.messages.length - 1));
    });
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function add(message, quiet) {
    var previous = ui.log.lastElementChild;
    if (previous) {
      var oldButtons = previous.querySelector(".ofc-buttons");
      if (oldButtons) { oldButtons.remove(); }
    }
    state.messages.push(message);
    ui.log.appendChild(renderMessage(message, true));
    ui.log.scrollTop = ui.log.scrollHeight;
    if (message.from !== "user" && !state.open && !quiet) {
      state.unread += 1;
      updateUnread();
    }
    save();
  }

  function updateUnread() {
    ui.unread.hidden = state.unread === 0;
    ui.unread.textContent = String(state.unread);
    ui.launcher.setAttribute("aria-label", state.unread
      ? "Chat öffnen, " + state.unread + (state.unread === 1 ? " ungelesene Nachricht" : " ungelesene Nachrichten")
      : "Chat mit dem digitalen Assistenten öffnen");
  }

  function typing(on) {
    ui.typing.hidden = !on;
    if (on) { ui.log.scrollTop = ui.log.scrollHeight; }
  }

  function welcome() {
    if (!state.messages.length && CONFIG.welcome) {
      add({ from: "bot", text: CONFIG.welcome, at: Date.now() }, true);
    }
  }

  function send(text, payload) {
    var message = String(text || "").trim();
    if (!message) { return; }
    if (message.length > MAX_CHARS) { message = message.slice(0, MAX_CHARS); }
    add({ from: "user", text: message, at: Date.now() });
    typing(true);
    if (!socket || !socket.connected) {
      typing(false);
      add({ from: "bot", text: "Die Verbindung ist gerade unterbrochen. Bitte versuchen Sie es gleich noch einmal"
        + (CONFIG.hotline ? " oder rufen Sie uns an: " + CONFIG.hotline + "." : "."), at: Date.now() });
      return;
    }
    socket.emit("user_uttered", { message: payload && payload.charAt(0) !== "/" ? payload : message });
  }

  function connect() {
    if (socket) { socket.removeAllListeners(); socket.disconnect(); }
    // withCredentials: when the websocket is blocked and long-polling takes over, the production
    // proxy's cookie (SERVERID) keeps every request on the server that holds the session.
    var options = { path: "/socket.io", transports: ["websocket", "polling"], reconnection: true,
                    withCredentials: true };
    if (token) { options.auth = { token: token }; }
    socket = window.io(CONFIG.server, options);
    socket.on("connect", function () {
      ui.status.textContent = "";
      socket.emit("session_request", { session_id: state.ticket });
    });
    socket.on("session_confirm", function (ticket) {
      if (typeof ticket === "string") { state.ticket = ticket; save(); }
    });
    socket.on("bot_uttered", function (data) {
      if (!data) { return; }
      var buttons = (data.quick_replies || data.buttons || []).map(function (b) {
        return { title: String(b.title || ""), payload: String(b.payload || b.title || "") };
      });
      add({ from: data.from === "agent" ? "agent" : "bot", text: String(data.text || ""), buttons: buttons, at: Date.now() });
    });
    socket.on("bot_done", function () { typing(false); });
    socket.on("connect_error", function () {
      typing(false);
      ui.status.textContent = "Keine Verbindung zum Assistenten. Neuer Versuch läuft …";
    });
    socket.on("disconnect", function () { typing(false); });
  }

  function openPanel() {
    state.open = true;
    state.unread = 0;
    updateUnread();
    save();
    ui.panel.hidden = false;
    ui.root.classList.add("ofc-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.log.scrollTop = ui.log.scrollHeight;
    ui.input.focus();
  }

  function closePanel() {
    state.open = false;
    save();
    ui.panel.hidden = true;
    ui.root.classList.remove("ofc-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  function endChat() {
    state.ticket = null;
    state.messages = [];
    state.unread = 0;
    save();
    ui.log.textContent = "";
    welcome();
    connect();
    ui.input.focus();
  }

  function build() {
    var root = el("div", { "class": "ofc-root" });
    ui.root = root;
    ui.launcher = el("button", { type: "button", "class": "ofc-launcher", "aria-expanded": "false",
      "aria-controls": "ofc-panel", "aria-haspopup": "dialog" });
    ui.launcher.appendChild(el("span", { "class": "ofc-launcher-text", "aria-hidden": "true" }, "Chat"));
    ui.unread = el("span", { "class": "ofc-unread", "aria-hidden": "true", hidden: true }, "0");
    ui.launcher.appendChild(ui.unread);

    ui.panel = el("section", { id: "ofc-panel", "class": "ofc-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "ofc-title", hidden: true });
    var header = el("div", { "class": "ofc-header" });
    header.appendChild(el("h2", { id: "ofc-title", "class": "ofc-title" }, "Digitaler Assistent"));
    var end = el("button", { type: "button", "class": "ofc-end" }, "Chat beenden");
    var close = el("button", { type: "button", "class": "ofc-close", "aria-label": "Chat schließen" }, "×");
    header.appendChild(end);
    header.appendChild(close);

    ui.log = el("div", { "class": "ofc-log", role: "log", "aria-live": "polite", "aria-label": "Chatverlauf",
      tabindex: "0" });
    ui.typing = el("p", { "class": "ofc-typing", hidden: true }, "Der Assistent schreibt …");
    ui.status = el("p", { "class": "ofc-status", role: "status" });

    var form = el("form", { "class": "ofc-form" });
    var label = el("label", { "for": "ofc-input", "class": "ofc-sr" }, "Ihre Nachricht an den Assistenten");
    ui.input = el("input", { id: "ofc-input", "class": "ofc-input", type: "text", maxlength: String(MAX_CHARS),
      autocomplete: "off", placeholder: "Ihre Frage …" });
    var submit = el("button", { type: "submit", "class": "ofc-send" }, "Senden");
    form.appendChild(label);
    form.appendChild(ui.input);
    form.appendChild(submit);

    ui.panel.appendChild(header);
    ui.panel.appendChild(ui.log);
    ui.panel.appendChild(ui.typing);
    ui.panel.appendChild(ui.status);
    ui.panel.appendChild(form);
    root.appendChild(ui.panel);
    root.appendChild(ui.launcher);
    document.body.appendChild(root);

    ui.launcher.addEventListener("click", function () { if (ui.panel.hidden) { openPanel(); } else { closePanel(); } });
    close.addEventListener("click", closePanel);
    end.addEventListener("click", endChat);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !ui.panel.hidden) { event.preventDefault(); closePanel(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value;
      ui.input.value = "";
      send(text);
    });
  }

  function stylesheet() {
    var script = document.querySelector('script[src*="/chat/widget.js"]');
    var base = script ? new URL(script.src, window.location.href) : new URL(window.location.href);
    if (!document.querySelector('link[data-ofc]')) {
      var link = el("link", { rel: "stylesheet", href: new URL("/static/widget.css", base).href, "data-ofc": "1" });
      document.head.appendChild(link);
    }
  }

  function mount(options) {
    options = options || {};
    if (options.server) { CONFIG.server = options.server; }
    if (options.token) { token = options.token; }
    if (mounted) { connect(); return; }
    mounted = true;
    stylesheet();
    load();
    build();
    renderAll();
    welcome();
    updateUnread();
    connect();
    if (state.open) { openPanel(); }
  }

  /* Log in or out: the same conversation goes on with (or without) the member's session. */
  function setToken(newToken) {
    token = newToken || null;
    if (mounted) { connect(); }
  }

  window.OnlineFilialeChat = { mount: mount, setToken: setToken, end: function () { if (mounted) { endChat(); } } };
})();
