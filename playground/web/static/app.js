/* The page: simulated users, chat panes side by side, live events and the demo tools. */
"use strict";

(function () {
  const api = window.playgroundApi;
  const { avatarColour, initials, el } = window.chatHelpers;
  const MAX_PANES = 4;
  const STORAGE_KEY = "digiwatt-playground.panes";
  // Drawn, not an emoji: headless and minimal systems often lack the emoji font.
  const SPLIT_ICON =
    '<svg viewBox="0 0 24 24" width="17" height="17" aria-hidden="true"><rect x="3" y="5" width="8" height="14" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><rect x="13" y="5" width="8" height="14" rx="2" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

  const state = {
    bot: null,
    users: new Map(), // id -> user JSON
    panes: new Map(), // user id -> ChatPane
    focused: null, // ChatPane
    unread: new Map(), // user id -> count
    preview: new Map(), // user id -> last message text
    cursor: 0,
    demo: null,
  };

  const $ = (id) => document.getElementById(id);

  // --- toasts ----------------------------------------------------------------------------------

  function toast(text, kind = "info") {
    const node = el("div", `toast ${kind}`, text);
    $("toasts").append(node);
    setTimeout(() => node.classList.add("gone"), kind === "error" ? 6000 : 4000);
    setTimeout(() => node.remove(), kind === "error" ? 6500 : 4500);
  }

  // --- users -----------------------------------------------------------------------------------

  async function refreshUsers() {
    const users = await api("GET", "/_playground/users");
    state.users = new Map(users.map((u) => [u.id, u]));
    for (const [id, pane] of state.panes) {
      if (!state.users.has(id)) closePane(pane);
      else pane.setUser(state.users.get(id));
    }
    drawUsers();
  }

  function drawUsers() {
    const list = $("user-list");
    list.replaceChildren();
    if (!state.users.size) list.append(el("li", "user-empty", "No users yet: create one below."));
    for (const user of state.users.values()) {
      const item = el("li", "user");
      item.dataset.userId = String(user.id);
      item.classList.toggle("open", state.panes.has(user.id));
      item.classList.toggle("focused", state.focused && state.focused.user.id === user.id);
      const avatar = el("span", "avatar", initials(user.first_name));
      avatar.style.background = avatarColour(user.id);
      const body = el("div", "user-body");
      const top = el("div", "user-top");
      top.append(el("span", "user-name", user.first_name), el("span", "lang-badge", user.language_code || "—"));
      body.append(top, el("div", "user-preview", state.preview.get(user.id) || `id ${user.id}`));
      const unread = state.unread.get(user.id) || 0;
      const actions = el("div", "user-actions");
      if (unread) actions.append(el("span", "unread", String(unread)));
      const split = el("button", "icon-btn split");
      split.type = "button";
      split.innerHTML = SPLIT_ICON;
      split.title = "Open side by side";
      split.addEventListener("click", (event) => {
        event.stopPropagation();
        openPane(user, { side: true });
      });
      actions.append(split);
      item.append(avatar, body, actions);
      item.addEventListener("click", () => openPane(user, { side: false }));
      list.append(item);
    }
  }

  async function createUser(event) {
    event.preventDefault();
    const name = $("new-user-name").value.trim();
    if (!name) return;
    try {
      const user = await api("POST", "/_playground/users", {
        first_name: name,
        language_code: $("new-user-lang").value || null,
      });
      $("new-user-name").value = "";
      state.users.set(user.id, user);
      drawUsers();
      await openPane(user, { side: true });
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // --- panes -----------------------------------------------------------------------------------

  function savePanes() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify([...state.panes.keys()]));
    } catch (error) {
      /* private mode: nothing to remember */
    }
  }

  /** Open a user's chat: beside the others (`side`) or in place of the focused one. */
  async function openPane(user, { side }) {
    const existing = state.panes.get(user.id);
    if (existing) {
      focus(existing);
      existing.input.focus();
      return existing;
    }
    if (!side && state.focused) closePane(state.focused, { keepFocus: true });
    if (state.panes.size >= MAX_PANES) closePane(state.panes.values().next().value);
    const pane = new window.ChatPane(user, state.bot, {
      onClose: (p) => closePane(p),
      onFocus: (p) => focus(p),
      onUserChanged: (u) => {
        state.users.set(u.id, u);
        drawUsers();
      },
      toast,
    });
    state.panes.set(user.id, pane);
    $("panes").append(pane.root);
    $("empty-panes").hidden = true;
    state.unread.delete(user.id);
    focus(pane);
    savePanes();
    if (!(await pane.load())) closePane(pane);
    return pane;
  }

  function closePane(pane, { keepFocus = false } = {}) {
    pane.root.remove();
    state.panes.delete(pane.user.id);
    if (state.focused === pane) state.focused = null;
    if (!keepFocus && !state.focused && state.panes.size) focus([...state.panes.values()].pop());
    $("empty-panes").hidden = state.panes.size > 0;
    savePanes();
    drawUsers();
  }

  function focus(pane) {
    if (state.focused === pane) return;
    state.focused = pane;
    for (const other of state.panes.values()) other.root.classList.toggle("focused", other === pane);
    drawUsers();
  }

  // --- live events -----------------------------------------------------------------------------

  function dispatch(event) {
    if (event.bot && state.bot && event.bot !== state.bot.username) return;
    if (event.type === "commands") {
      for (const pane of state.panes.values()) pane.refreshSoon();
      return;
    }
    if (event.chat_id === null || event.chat_id === undefined || event.chat_id < 0) return;
    const pane = state.panes.get(event.chat_id);
    if (pane) pane.applyEvent(event);
    if (event.type === "message" || event.type === "edit") {
      const m = event.message;
      const text = m.text || m.caption || (m.photo_url ? "🖼 Photo" : m.kind);
      state.preview.set(event.chat_id, (m.from_bot ? "" : "You: ") + text.split("\n")[0].slice(0, 60));
      if (!pane && m.from_bot && event.type === "message") {
        state.unread.set(event.chat_id, (state.unread.get(event.chat_id) || 0) + 1);
      }
      if (!state.users.has(event.chat_id)) refreshUsers().catch(() => {});
      else drawUsers();
    }
  }

  function setLive(ok) {
    const conn = $("conn");
    conn.textContent = ok ? "● live" : "● reconnecting…";
    conn.classList.toggle("down", !ok);
  }

  async function pump() {
    let backoff = 500;
    for (;;) {
      try {
        const data = await api("GET", `/_playground/events?after=${state.cursor}&timeout=25`);
        setLive(true);
        backoff = 500;
        for (const event of data.events) {
          state.cursor = Math.max(state.cursor, event.seq);
          try {
            dispatch(event);
          } catch (error) {
            console.error("event", event, error);
          }
        }
        // No event skipped: the journal answers events and last_seq in one go.
        if (!data.events.length) state.cursor = Math.max(state.cursor, data.last_seq);
      } catch (error) {
        setLive(false);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  // --- demo tools ------------------------------------------------------------------------------

  async function loadDemo() {
    let info;
    try {
      info = await api("GET", "/_demo/info");
    } catch (error) {
      return; // a plain playground: no demo tools
    }
    state.demo = info;
    const select = $("link-account");
    select.replaceChildren();
    for (const account of info.accounts) {
      const option = el("option", "", `${account.account_number}${account.demo ? " (demo)" : ""}`);
      option.value = account.account_number;
      option.dataset.pod = account.pod;
      select.append(option);
    }
    const demo = info.accounts.find((a) => a.demo) || info.accounts[0];
    if (demo) {
      const hint = $("demo-hint");
      hint.replaceChildren(
        el("div", "hint-title", "Demo account"),
        el("div", "", `Account number ${demo.account_number}`),
        el("div", "", `POD ${demo.pod}`),
        el("div", "hint-small", `Bot clock: ${info.timezone}`),
      );
      hint.hidden = false;
    }
    $("alerts-at").value = info.now.slice(11, 16);
    $("demo-tools").hidden = false;
  }

  function focusedPane() {
    if (!state.focused) toast("Open a user's chat first (click a name on the left).", "error");
    return state.focused;
  }

  async function openSignedLink() {
    const pane = focusedPane();
    if (!pane) return;
    const option = $("link-account").selectedOptions[0];
    if (!option) return;
    try {
      const link = await api("POST", "/_demo/link", {
        account_number: option.value,
        pod: $("link-with-pod").checked ? option.dataset.pod : null,
      });
      if (await pane.start(link.payload)) {
        toast(`Opened ${link.url.replace(/\?start=.*/, "?start=…")} in ${pane.user.first_name}'s chat.`);
      }
    } catch (error) {
      toast(error.message, "error");
    }
  }

  /** A dispatcher report in a few words (any other result as JSON). */
  function describeRun(report) {
    if (!report || typeof report !== "object" || !("due" in report)) return JSON.stringify(report);
    const sent = Array.isArray(report.sent) ? report.sent.length : report.sent;
    const failed = report.failed ? Object.keys(report.failed).length : 0;
    const parts = [`${report.due} due`, `${sent} sent`];
    if (failed) parts.push(`${failed} failed`);
    if (report.waiting) parts.push(`${report.waiting} waiting`);
    if (report.forecast === false) parts.push("no greenness forecast yet");
    if (!report.due) parts.push("(is an alert set for that time in /settings?)");
    return parts.join(", ");
  }

  async function runAlerts(at) {
    const buttons = [$("run-alerts-now"), $("run-alerts-at")];
    buttons.forEach((b) => (b.disabled = true));
    try {
      const result = await api("POST", "/_demo/alerts", at ? { at } : {});
      toast(`Alert job ran as at ${result.ran_at.slice(11, 16)}: ${describeRun(result.result)}`);
    } catch (error) {
      toast(error.message, "error");
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  // --- start -----------------------------------------------------------------------------------

  async function init() {
    $("new-user-form").addEventListener("submit", createUser);
    $("refresh-users").addEventListener("click", () => refreshUsers().catch((e) => toast(e.message, "error")));
    $("link-open").addEventListener("click", openSignedLink);
    $("run-alerts-now").addEventListener("click", () => runAlerts(null));
    $("run-alerts-at").addEventListener("click", () => runAlerts($("alerts-at").value));

    const bots = await api("GET", "/_playground/bots");
    state.bot = bots[0];
    $("bot-line").textContent = `chatting with @${state.bot.username}`;
    // Start the live feed from now; each pane then loads its chat as it is.
    const start = await api("GET", `/_playground/events?after=${Number.MAX_SAFE_INTEGER}`);
    state.cursor = start.last_seq;
    pump();
    await Promise.all([refreshUsers(), loadDemo()]);

    let wanted = [];
    try {
      wanted = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
    } catch (error) {
      wanted = [];
    }
    const known = wanted.filter((id) => state.users.has(id));
    if (!known.length && state.users.size) known.push(state.users.keys().next().value);
    for (const id of known) await openPane(state.users.get(id), { side: true });
    document.body.classList.add("ready");
  }

  init().catch((error) => {
    setLive(false);
    toast(`The playground did not answer: ${error.message}`, "error");
  });
})();
