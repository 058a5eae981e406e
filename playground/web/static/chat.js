/* One chat pane: a simulated user's private chat with the bot, drawn like Telegram's apps.
 * It reads the control API (/_playground) and is fed live events by app.js (window.ChatPane). */
"use strict";

/** JSON over the control API; throws an Error carrying the server's {"error": ...} text. */
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const type = response.headers.get("content-type") || "";
  const data = type.startsWith("application/json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = (data && data.error) || (typeof data === "string" && data) || response.statusText;
    throw new Error(message);
  }
  return data;
}

/* What the user's Telegram app says in their language (the bot's own texts come from the bot). */
const UI_TEXT = {
  en: {
    bot: "bot", start: "START", message: "Message", edited: "edited", menu: "Menu",
    intro: "What can this bot do?", noCommands: "The bot has no commands yet.",
    typing: "typing…", upload_photo: "sending photo…", upload_document: "sending file…",
    record_voice: "recording voice…", upload_voice: "sending voice…", record_video: "recording video…",
    upload_video: "sending video…", find_location: "choosing location…", choose_sticker: "choosing sticker…",
    ok: "OK",
  },
  it: {
    bot: "bot", start: "AVVIA", message: "Messaggio", edited: "modificato", menu: "Menu",
    intro: "Cosa può fare questo bot?", noCommands: "Il bot non ha ancora comandi.",
    typing: "sta scrivendo…", upload_photo: "sta inviando una foto…", upload_document: "sta inviando un file…",
    record_voice: "sta registrando un vocale…", upload_voice: "sta inviando un vocale…",
    record_video: "sta registrando un video…", upload_video: "sta inviando un video…",
    find_location: "sta scegliendo un luogo…", choose_sticker: "sta scegliendo uno sticker…",
    ok: "OK",
  },
};

const AVATAR_COLOURS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

function avatarColour(id) {
  return AVATAR_COLOURS[Math.abs(Number(id)) % AVATAR_COLOURS.length];
}

function initials(name) {
  return (name || "?").trim().split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
}

function clockTime(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The payload of a t.me/<bot>?start=<payload> link (or a bare payload), else null. */
function deepLinkPayload(value, botUsername) {
  const text = (value || "").trim();
  if (!text) return "";
  const match = text.match(/^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/([A-Za-z0-9_]+)\?start=([^&#\s]*)/i);
  if (match) {
    if (botUsername && match[1].toLowerCase() !== botUsername.toLowerCase()) return null;
    return decodeURIComponent(match[2]);
  }
  return text;
}

class ChatPane {
  /**
   * @param {object} user  the control API's user JSON
   * @param {object} bot   the control API's bot JSON
   * @param {object} hooks {onClose(pane), onFocus(pane), onUserChanged(user), toast(text, kind)}
   */
  constructor(user, bot, hooks) {
    this.user = user;
    this.bot = bot;
    this.hooks = hooks;
    this.messages = new Map(); // message_id -> element
    this.pendingPresses = new Map(); // callback_query_id -> button element
    this.started = false;
    this.commands = [];
    this.replyKeyboard = null;
    this.keyboardHidden = false;
    this.forceReply = null;
    this.actionTimer = null;
    this.refreshTimer = null;

    const root = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
    this.root = root;
    root.dataset.userId = String(user.id);
    this.q = (selector) => root.querySelector(selector);
    this.list = this.q(".messages");
    this.input = this.q(".input");
    this._wire();
    this._drawViewer();
  }

  get text() {
    return UI_TEXT[(this.user.language_code || "en").slice(0, 2)] || UI_TEXT.en;
  }

  // --- wiring ------------------------------------------------------------------------------

  _wire() {
    const root = this.root;
    root.addEventListener("mousedown", () => this.hooks.onFocus(this));
    root.addEventListener("focusin", () => this.hooks.onFocus(this));
    this.q(".pane-close").addEventListener("click", () => this.hooks.onClose(this));
    this.q(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendInput();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendInput();
      } else if (event.key === "Escape") {
        this._showCommands(false);
      }
    });
    this.input.addEventListener("input", () => {
      this._autosize();
      const value = this.input.value;
      if (/^\/\w*$/.test(value)) this._showCommands(true, value.slice(1));
      else this._showCommands(false);
    });
    this.q(".menu-button").addEventListener("click", () => {
      const menu = this.q(".commands-menu");
      this._showCommands(menu.hidden, "");
    });
    this.q(".start-button").addEventListener("click", () => this.start(""));
    this.q(".kb-toggle").addEventListener("click", () => {
      this.keyboardHidden = !this.keyboardHidden;
      this._drawReplyKeyboard();
    });
    this.q(".lang-select").addEventListener("change", (event) => this.setLanguage(event.target.value));
    this.q(".deeplink-toggle").addEventListener("click", () => {
      const form = this.q(".deeplink");
      form.hidden = !form.hidden;
      if (!form.hidden) this.q(".deeplink-input").focus();
    });
    this.q(".deeplink").addEventListener("submit", (event) => {
      event.preventDefault();
      const payload = deepLinkPayload(this.q(".deeplink-input").value, this.bot.username);
      if (payload === null) {
        this.hooks.toast("That link opens another bot.", "error");
        return;
      }
      this.start(payload).then((ok) => {
        if (ok) {
          this.q(".deeplink-input").value = "";
          this.q(".deeplink").hidden = true;
        }
      });
    });
    this.list.addEventListener("click", (event) => this._onMessageClick(event));
  }

  _autosize() {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight, 140) + "px";
  }

  // --- state from the server ---------------------------------------------------------------

  /** Load the whole chat (history, keyboard, commands); returns false if the user is gone. */
  async load() {
    let view;
    try {
      view = await api("GET", `/_playground/chats/${this.user.id}`);
    } catch (error) {
      this.hooks.toast(`Cannot open ${this.user.first_name}'s chat: ${error.message}`, "error");
      return false;
    }
    if (view.chat && view.chat.user) this.user = view.chat.user;
    if (view.bot) this.bot = view.bot;
    this._drawViewer();
    for (const message of view.messages) this.upsert(message);
    this._applyInputState(view);
    this.scrollToBottom();
    return true;
  }

  /** Re-read what the input field shows (reply keyboard, commands), a moment after a change. */
  refreshSoon(delay = 120) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(async () => {
      try {
        this._applyInputState(await api("GET", `/_playground/chats/${this.user.id}`));
      } catch (error) {
        /* the next event retries */
      }
    }, delay);
  }

  _applyInputState(view) {
    this.started = Boolean(view.started);
    this.commands = view.commands || [];
    this.forceReply = view.force_reply || null;
    const keyboard = view.reply_keyboard || null;
    if (JSON.stringify(keyboard) !== JSON.stringify(this.replyKeyboard)) this.keyboardHidden = false;
    this.replyKeyboard = keyboard;
    if (view.action) this._showAction(view.action.action, view.action.expires_in);
    if (view.bot) {
      this.bot = view.bot;
      this.q(".bot-name").textContent = view.bot.first_name;
    }
    this._drawIntro();
    this._drawComposer();
    this._drawReplyKeyboard();
    const menu = this.q(".commands-menu");
    if (!menu.hidden) this._showCommands(true, this.input.value.startsWith("/") ? this.input.value.slice(1) : "");
  }

  /** One live event of this chat (see the control API's event types). */
  applyEvent(event) {
    switch (event.type) {
      case "message":
      case "edit": {
        const message = event.message;
        const wasAtBottom = this.isAtBottom();
        this.upsert(message);
        if (message.from_bot) {
          this._clearAction();
          if (event.type === "message") this._playIn(message.message_id);
        }
        if (wasAtBottom || !message.from_bot) this.scrollToBottom();
        this.refreshSoon();
        break;
      }
      case "delete":
        this.remove(event.message_id);
        break;
      case "action":
        this._showAction(event.action, event.expires_in);
        break;
      case "callback_answer":
        this._answered(event);
        break;
      case "blocked":
      case "unblocked":
        this.refreshSoon();
        break;
      default:
        break;
    }
  }

  // --- messages ------------------------------------------------------------------------------

  upsert(message) {
    const node = this._drawMessage(message);
    const old = this.messages.get(message.message_id);
    if (old) {
      old.replaceWith(node);
    } else {
      // Ids grow within a chat: insert before the first later message (usually: append).
      let before = null;
      for (const [id, other] of this.messages) {
        if (id > message.message_id && (!before || id < Number(before.dataset.mid))) before = other;
      }
      this.list.insertBefore(node, before);
    }
    this.messages.set(message.message_id, node);
    this._drawIntro();
  }

  remove(messageId) {
    const node = this.messages.get(messageId);
    if (node) node.remove();
    this.messages.delete(messageId);
    this._drawIntro();
  }

  _playIn(messageId) {
    const node = this.messages.get(messageId);
    if (node) node.classList.add("appear");
  }

  _drawMessage(m) {
    if (m.kind === "service") {
      const names = (m.new_chat_members || []).map((u) => u.first_name).join(", ");
      const service = el("div", "msg service", `${m.from.first_name} added ${names}`);
      service.dataset.mid = String(m.message_id);
      return service;
    }
    const node = el("div", `msg ${m.from_bot ? "in" : "out"} kind-${m.kind}`);
    node.dataset.mid = String(m.message_id);
    const bubble = el("div", "bubble");
    node.append(bubble);
    if (m.photo_url) {
      const link = el("a", "photo-link");
      link.href = m.photo_url;
      link.target = "_blank";
      link.rel = "noopener";
      const img = el("img", "photo");
      const biggest = (m.photo || [])[m.photo.length - 1];
      if (biggest && biggest.width && biggest.height) {
        img.width = biggest.width;
        img.height = biggest.height;
      }
      img.alt = m.caption || "photo";
      img.src = m.photo_url;
      img.addEventListener("load", () => {
        if (this._stickToBottom) this.scrollToBottom();
      });
      link.append(img);
      bubble.append(link);
    }
    if (m.sticker) bubble.append(el("div", "sticker", m.sticker.emoji || "🖼"));
    if (m.document) {
      const doc = el("a", "document");
      doc.href = m.document_url;
      doc.target = "_blank";
      doc.rel = "noopener";
      doc.append(el("span", "doc-icon", "📄"), el("span", "doc-name", m.document.file_name || "file"));
      bubble.append(doc);
    }
    if (m.location) {
      bubble.append(el("div", "location", `📍 ${m.location.latitude.toFixed(5)}, ${m.location.longitude.toFixed(5)}`));
    }
    if (m.contact) {
      bubble.append(el("div", "contact", `👤 ${m.contact.first_name} · ${m.contact.phone_number}`));
    }
    if (m.html) {
      const text = el("div", m.photo_url || m.document ? "text caption" : "text");
      text.innerHTML = m.html; // the server escapes text and builds only Telegram's tags
      this._sanitizeLinks(text);
      bubble.append(text);
    }
    const meta = el("span", "meta");
    if (m.edited) meta.append(el("span", "edited", this.text.edited));
    meta.append(el("span", "time", clockTime(m.edit_date || m.date)));
    if (m.silent) meta.prepend(el("span", "silent", "🔕"));
    if (!m.from_bot) meta.append(el("span", "ticks", "✓✓"));
    bubble.append(meta);
    if (m.inline_keyboard && m.inline_keyboard.length) node.append(this._drawInlineKeyboard(m));
    return node;
  }

  _sanitizeLinks(container) {
    for (const link of container.querySelectorAll("a[href]")) {
      if (!/^(https?:|mailto:|tg:)/i.test(link.getAttribute("href"))) link.removeAttribute("href");
    }
  }

  _drawInlineKeyboard(m) {
    const keyboard = el("div", "ikb");
    for (const row of m.inline_keyboard) {
      const line = el("div", "ikb-row");
      for (const button of row) {
        const b = el("button", "ikb-button", button.text);
        b.type = "button";
        b.dataset.mid = String(m.message_id);
        if (button.callback_data !== undefined) b.dataset.data = button.callback_data;
        if (button.url) {
          b.dataset.url = button.url;
          b.classList.add("url");
        }
        line.append(b);
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  _onMessageClick(event) {
    const button = event.target.closest(".ikb-button");
    if (button) {
      event.preventDefault();
      this.press(button);
      return;
    }
    const spoiler = event.target.closest(".tg-spoiler");
    if (spoiler) {
      spoiler.classList.add("revealed");
      return;
    }
    const command = event.target.closest(".msg.in .tg-command");
    if (command) {
      this.send(command.textContent.trim());
      return;
    }
    const link = event.target.closest("a[href]");
    if (link && this._openBotLink(link.getAttribute("href"))) event.preventDefault();
  }

  /** A t.me link to this bot opens it here, as Telegram's apps do; other links open a tab. */
  _openBotLink(url) {
    const match = /^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/([A-Za-z0-9_]+)(?:\?start=([^&#]*))?/i.exec(url || "");
    if (!match || match[1].toLowerCase() !== (this.bot.username || "").toLowerCase()) return false;
    this.start(match[2] ? decodeURIComponent(match[2]) : "");
    return true;
  }

  // --- what the user does --------------------------------------------------------------------

  async sendInput() {
    const text = this.input.value;
    if (!text.trim()) return;
    if (await this.send(text)) {
      this.input.value = "";
      this._autosize();
      this._showCommands(false);
    }
  }

  /** Send a text as this user; returns whether the playground took it. */
  async send(text) {
    try {
      const sent = await api("POST", `/_playground/users/${this.user.id}/messages`, { text });
      for (const message of sent.messages || [sent.message]) this.upsert(message);
      this.started = true;
      this.scrollToBottom();
      return true;
    } catch (error) {
      this.hooks.toast(error.message, "error");
      return false;
    }
  }

  async _sendContent(body) {
    try {
      const sent = await api("POST", `/_playground/users/${this.user.id}/messages`, body);
      this.upsert(sent.message);
      this.scrollToBottom();
    } catch (error) {
      this.hooks.toast(error.message, "error");
    }
  }

  /** Open the bot, with a deep-link payload or without ('/start'). */
  async start(payload) {
    try {
      const body = payload ? { payload } : {};
      const sent = await api("POST", `/_playground/users/${this.user.id}/start`, body);
      this.upsert(sent.message);
      this.started = true;
      this._drawComposer();
      this.scrollToBottom();
      return true;
    } catch (error) {
      this.hooks.toast(error.message, "error");
      return false;
    }
  }

  async press(button) {
    if (button.dataset.url) {
      if (!this._openBotLink(button.dataset.url)) window.open(button.dataset.url, "_blank", "noopener");
      return;
    }
    if (button.dataset.data === undefined) {
      this.hooks.toast("The playground presses only callback and URL buttons.", "error");
      return;
    }
    button.classList.add("pressed");
    try {
      const result = await api("POST", `/_playground/users/${this.user.id}/press`, {
        message_id: Number(button.dataset.mid),
        data: button.dataset.data,
      });
      if (result.callback_query_id) {
        this.pendingPresses.set(result.callback_query_id, button);
        // Telegram's apps stop waiting for an answer after a while.
        setTimeout(() => this._settlePress(result.callback_query_id), 15000);
      }
    } catch (error) {
      button.classList.remove("pressed");
      this.hooks.toast(error.message, "error");
    }
  }

  _settlePress(queryId) {
    const button = this.pendingPresses.get(queryId);
    if (button) button.classList.remove("pressed");
    this.pendingPresses.delete(queryId);
  }

  _answered(event) {
    this._settlePress(event.callback_query_id);
    if (!event.text) return;
    if (event.show_alert) this._alert(event.text);
    else this._toast(event.text);
  }

  async setLanguage(code) {
    try {
      this.user = await api("PATCH", `/_playground/users/${this.user.id}`, { language_code: code || null });
      this.hooks.onUserChanged(this.user);
      this._drawViewer();
      this._drawComposer();
      this.refreshSoon(0);
    } catch (error) {
      this.hooks.toast(error.message, "error");
    }
  }

  setUser(user) {
    this.user = user;
    this._drawViewer();
    this._drawComposer();
  }

  // --- drawing the rest ----------------------------------------------------------------------

  _drawViewer() {
    const avatar = this.q(".viewer-avatar");
    avatar.textContent = initials(this.user.first_name);
    avatar.style.background = avatarColour(this.user.id);
    this.q(".viewer-name").textContent = `${this.user.first_name} · id ${this.user.id}`;
    this.q(".lang-select").value = this.user.language_code || "";
    this.q(".bot-username").textContent = this.bot.username;
    this.q(".bot-name").textContent = this.bot.first_name;
    this.q(".bot-avatar").textContent = initials(this.bot.first_name);
    if (!this.actionTimer) this.q(".status").textContent = this.text.bot;
  }

  _drawIntro() {
    const intro = this.q(".intro");
    intro.hidden = this.messages.size > 0;
    if (!intro.hidden) {
      this.q(".intro-title").textContent = this.text.intro;
      this.q(".intro-text").textContent =
        this.bot.description || this.bot.short_description || `@${this.bot.username}`;
    }
  }

  _drawComposer() {
    const text = this.text;
    this.q(".start-button").textContent = text.start;
    this.q(".start-bar").hidden = this.started;
    this.q(".composer").hidden = !this.started;
    this.q(".menu-button").textContent = `☰ ${text.menu}`;
    this.q(".menu-button").hidden = this.commands.length === 0;
    const placeholder =
      (this.forceReply && this.forceReply.input_field_placeholder) ||
      (this.replyKeyboard && this.replyKeyboard.input_field_placeholder) ||
      text.message;
    this.input.placeholder = placeholder;
  }

  _drawReplyKeyboard() {
    const area = this.q(".reply-keyboard");
    const toggle = this.q(".kb-toggle");
    area.replaceChildren();
    const keyboard = this.replyKeyboard;
    toggle.hidden = !keyboard;
    if (!keyboard || this.keyboardHidden || !this.started) {
      area.hidden = true;
      return;
    }
    for (const row of keyboard.keyboard || []) {
      const line = el("div", "rk-row");
      for (const button of row) {
        const label = typeof button === "string" ? button : button.text;
        const b = el("button", "rk-button", label);
        b.type = "button";
        b.addEventListener("click", () => this._pressReplyButton(button));
        line.append(b);
      }
      area.append(line);
    }
    area.classList.toggle("resized", Boolean(keyboard.resize_keyboard));
    area.hidden = false;
    this.scrollToBottom();
  }

  _pressReplyButton(button) {
    if (typeof button !== "string" && button.request_contact) {
      this._sendContent({ contact: { phone_number: "+39 333 000 " + String(this.user.id).slice(-4) } });
    } else if (typeof button !== "string" && button.request_location) {
      this._sendContent({ location: { latitude: 45.4642, longitude: 9.19 } });
    } else {
      this.send(typeof button === "string" ? button : button.text);
    }
  }

  _showCommands(show, filter = "") {
    const menu = this.q(".commands-menu");
    if (!show) {
      menu.hidden = true;
      return;
    }
    menu.replaceChildren();
    const wanted = this.commands.filter((c) => c.command.startsWith(filter.toLowerCase()));
    if (!wanted.length) {
      if (filter) {
        menu.hidden = true;
        return;
      }
      menu.append(el("div", "command-empty", this.text.noCommands));
    }
    for (const command of wanted) {
      const item = el("button", "command");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.dataset.command = command.command;
      item.append(el("span", "command-name", `/${command.command}`), el("span", "command-description", command.description));
      item.addEventListener("click", () => {
        menu.hidden = true;
        this.input.value = "";
        this.send(`/${command.command}`);
      });
      menu.append(item);
    }
    // Right above the input field, whatever the reply keyboard below it takes.
    const composer = this.q(".composer").getBoundingClientRect();
    menu.style.bottom = `${this.root.getBoundingClientRect().bottom - composer.top + 6}px`;
    menu.hidden = false;
  }

  _showAction(action, seconds) {
    const status = this.q(".status");
    status.textContent = this.text[action] || `${action.replace(/_/g, " ")}…`;
    status.classList.add("acting");
    clearTimeout(this.actionTimer);
    this.actionTimer = setTimeout(() => this._clearAction(), Math.max(0.5, Number(seconds) || 5) * 1000);
  }

  _clearAction() {
    clearTimeout(this.actionTimer);
    this.actionTimer = null;
    const status = this.q(".status");
    status.textContent = this.text.bot;
    status.classList.remove("acting");
  }

  _toast(text) {
    const toast = el("div", "pane-toast", text);
    this.root.append(toast);
    setTimeout(() => toast.classList.add("gone"), 2600);
    setTimeout(() => toast.remove(), 3000);
  }

  _alert(text) {
    const shade = el("div", "pane-alert");
    const box = el("div", "pane-alert-box");
    const ok = el("button", "pane-alert-ok", this.text.ok);
    ok.type = "button";
    ok.addEventListener("click", () => shade.remove());
    box.append(el("div", "pane-alert-text", text), ok);
    shade.append(box);
    this.root.append(shade);
    ok.focus();
  }

  // --- scrolling -----------------------------------------------------------------------------

  isAtBottom() {
    const list = this.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  scrollToBottom() {
    this._stickToBottom = true;
    this.list.scrollTop = this.list.scrollHeight;
    clearTimeout(this._stickTimer);
    // Photos load a moment later: keep following the bottom until they have.
    this._stickTimer = setTimeout(() => {
      this._stickToBottom = false;
    }, 1500);
  }
}

window.ChatPane = ChatPane;
window.playgroundApi = api;
window.chatHelpers = { avatarColour, initials, el, deepLinkPayload };
