// Messages: a styrened messages.db dropped on the page, opened by the
// component's SQLite as an in-memory copy (`conversation-service.open-image`)
// for one local LXMF destination. Conversations, a conversation's history
// page by page, FTS5 search, export. The page changes no message.
import { InputError, formatSize, readFileLimited } from "../bytes.js";
import { describeError, errorCase } from "../component.js";
import { download, dropZone, el, guard, notice, show, table } from "../ui.js";
import { MAX_DATABASE_BYTES } from "./store.js";

/** styrened's defaults: `get_messages(limit=50)`, `search_messages(limit=50)`. */
const PAGE = 50n;
const SEARCH_LIMIT = 50n;
const HASH = /^[0-9a-f]{32}$/;

/** Unix seconds as `2025-11-24 16:00:00 UTC`. */
const when = (seconds) => (seconds === undefined ? "—" : `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`);

export function messagesPanel(root, api) {
  const localForm = root.querySelector("#messages-open");
  const localInput = root.querySelector("#messages-local");
  const file = root.querySelector("#messages-file");
  const status = root.querySelector("#messages-status");
  const tools = root.querySelector("#messages-tools");
  const searchForm = root.querySelector("#messages-search");
  const query = root.querySelector("#messages-query");
  const onlyOpen = root.querySelector("#messages-only-open");
  const results = root.querySelector("#messages-results");
  const list = root.querySelector("#messages-list");
  const thread = root.querySelector("#messages-thread");
  let service = null;
  let local = "";
  let chosen = null; // {name, bytes}: the last file, opened again when the local hash changes
  let source = null; // {name, size}: the file the open service came from
  let conversation = null; // {info, messages}: the one shown

  api.onReload.push(() => {
    service = null; // it lived in the trapped instance
    conversation = null;
    tools.hidden = true;
    show(list);
    show(thread);
    show(status, notice("error", "The component was reloaded after a trap: open the database again.", "trap"));
  });

  function failed(result, what, output = results) {
    if (!result.err) return false;
    show(output, notice("error", `${what}: ${describeError(result.err)}`, errorCase(result.err)));
    return true;
  }

  /** The other party of a message, from the local destination's side. */
  function party(message) {
    if (message.sourceHash === local) return { outgoing: true, peer: message.destinationHash };
    if (message.destinationHash === local) return { outgoing: false, peer: message.sourceHash };
    return { outgoing: false, peer: `${message.sourceHash} → ${message.destinationHash}` };
  }

  function messageItem(message, withPeer) {
    const { outgoing, peer } = party(message);
    const attachment = message.hasAttachment
      ? [
          message.attachmentType,
          message.attachmentName,
          message.attachmentSize === undefined ? null : formatSize(Number(message.attachmentSize)),
          message.attachmentMime,
        ]
          .filter(Boolean)
          .join(", ")
      : null;
    return el(
      "li",
      { class: `message ${outgoing ? "out" : "in"}`, dataset: { id: message.id.toString(), direction: outgoing ? "out" : "in" } },
      el(
        "div",
        { class: "meta" },
        el("span", {}, outgoing ? "sent →" : "← received"),
        el("span", {}, when(message.timestamp)),
        el("span", { class: "badge", dataset: { field: "status" } }, message.status),
        withPeer ? el("span", { class: "mono", dataset: { field: "peer" } }, peer) : null,
        message.signatureValid === false ? el("span", { class: "badge status-lost" }, "bad signature") : null,
      ),
      message.title ? el("strong", { dataset: { field: "title" } }, message.title) : null,
      el("div", { class: "content", dataset: { field: "content" } }, message.content ?? el("span", { class: "absent" }, "(no content)")),
      attachment ? el("div", { class: "attachment", dataset: { field: "attachment" } }, `attachment: ${attachment}`) : null,
    );
  }

  function showConversation() {
    const { info, messages } = conversation;
    const total = Number(info.messageCount);
    const older = el("button", { type: "button", id: "messages-older" }, `Older (before ${when(messages[0]?.timestamp)})`);
    older.addEventListener("click", () => guard(thread, loadOlder));
    show(
      thread,
      el(
        "section",
        { class: "card", dataset: { peer: info.peerHash } },
        el("h3", {}, "Conversation with ", el("code", { class: "mono wrap" }, info.peerHash)),
        el("p", { class: "meta", dataset: { field: "shown" } }, `${messages.length} of ${total} messages, oldest first`),
        messages.length < total ? older : null,
        el("ol", { class: "messages" }, messages.map((m) => messageItem(m, false))),
      ),
    );
  }

  function openConversation(info) {
    const page = api.call(() => service.getMessages([info.peerHash], PAGE, undefined, undefined));
    if (failed(page, "messages", thread)) return;
    conversation = { info, messages: page.ok };
    showConversation();
  }

  function loadOlder() {
    const before = conversation.messages[0]?.timestamp;
    const page = api.call(() => service.getMessages([conversation.info.peerHash], PAGE, before, undefined));
    if (failed(page, "older messages", thread)) return;
    if (page.ok.length === 0) {
      // styrened's rule is `timestamp < before`: messages sharing the oldest shown time are not reached
      thread.querySelector("#messages-older")?.replaceWith(notice("info", `no message before ${when(before)}`, "no-older"));
      return;
    }
    conversation.messages = [...page.ok, ...conversation.messages];
    showConversation();
  }

  function conversationTable(conversations) {
    const body = el("tbody");
    for (const c of conversations) {
      const row = el(
        "tr",
        { tabindex: 0, dataset: { peer: c.peerHash } },
        el("td", { class: "mono" }, c.peerHash),
        el("td", { class: "num", dataset: { field: "message-count" } }, c.messageCount.toString()),
        el("td", { class: "num", dataset: { field: "unread-count" } }, c.unreadCount.toString()),
        el("td", { class: "num", dataset: { field: "attachment-count" } }, c.attachmentCount.toString()),
        el("td", {}, when(c.lastMessageTime)),
        el("td", { class: "preview", dataset: { field: "preview" } }, `${c.lastMessageOutgoing ? "→ " : ""}${c.lastMessagePreview ?? ""}`),
      );
      const open = () => guard(thread, () => openConversation(c));
      row.addEventListener("click", open);
      row.addEventListener("keydown", (event) => event.key === "Enter" && open());
      body.append(row);
    }
    return table(
      `${conversations.length} conversations, newest first (→ marks a last message sent from here)`,
      ["peer", "messages", "unread", "attachments", "last message", "preview"],
      body,
    );
  }

  function search(text) {
    const q = text.trim();
    if (q === "") {
      show(results);
      return;
    }
    const peer = onlyOpen.checked && conversation ? conversation.info.peerHash : undefined;
    const result = api.call(() => service.searchMessages(q, peer, SEARCH_LIMIT));
    if (failed(result, "search")) return;
    const outcome = result.ok;
    if (outcome.tag === "invalid-query") {
      // styrened logs it and answers nothing; the page shows SQLite's words
      show(results, notice("error", `not a valid FTS5 query: ${outcome.val}`, "invalid-query"));
      return;
    }
    const found = outcome.val;
    const scope = peer ? ` with ${peer}` : "";
    const more = BigInt(found.length) === SEARCH_LIMIT ? `; the newest ${SEARCH_LIMIT} shown` : "";
    show(
      results,
      notice(
        found.length ? "ok" : "info",
        found.length ? `${found.length} chat messages${scope} match ${q}, newest first${more}` : `no chat message${scope} matches ${q}`,
        found.length ? "found" : "not-found",
      ),
      found.length ? el("ol", { class: "messages" }, found.map((m) => messageItem(m, true))) : null,
    );
  }

  function summarize() {
    const conversations = api.call(() => service.listConversations());
    const integrity = api.call(() => service.integrityOk());
    const error = [conversations, integrity].find((r) => r.err);
    if (error) {
      show(status, notice("error", `${source.name}: ${describeError(error.err)}`, errorCase(error.err)));
      return;
    }
    const all = conversations.ok;
    const messages = all.reduce((sum, c) => sum + c.messageCount, 0n);
    const unread = api.call(() => service.totalUnread()).ok;
    show(
      status,
      notice(
        integrity.ok ? "ok" : "error",
        `${source.name} (${formatSize(source.size)}) for ${local}: ${all.length} conversations, ${messages} chat messages, ${unread} unread; integrity ${integrity.ok ? "ok" : "FAILED"}.`,
        integrity.ok ? "opened" : "corrupt",
      ),
      all.length
        ? null
        : notice("info", `No chat message in this file has ${local} as its source or destination: is it this node's LXMF delivery destination?`, "no-conversations"),
    );
    show(list, all.length ? conversationTable(all) : null);
    tools.hidden = false;
  }

  function open() {
    if (!chosen) {
      show(status, notice("info", "Choose or drop a messages.db.", "no-file"));
      return;
    }
    // RNS prints hashes as <hex>; styrened stores them in lowercase
    const wanted = localInput.value.replace(/[<>:\s]/g, "").toLowerCase();
    if (!HASH.test(wanted)) {
      show(status, notice("error", "Enter the local LXMF delivery destination hash (32 hex digits) to open the conversations from its side.", "need-local-hash"));
      localInput.focus();
      return;
    }
    const { name, bytes } = chosen;
    const result = api.call((c) => c.messages.ConversationService.openImage(bytes, wanted));
    if (result.err) {
      show(status, notice("error", `${name}: ${describeError(result.err)}`, errorCase(result.err)));
      return; // an open service stays open
    }
    service?.[Symbol.dispose]?.();
    service = result.ok;
    local = wanted;
    source = { name, size: bytes.length };
    localInput.value = wanted;
    conversation = null;
    show(results);
    show(thread);
    summarize();
  }

  async function choose(picked) {
    try {
      const bytes = await readFileLimited(picked, MAX_DATABASE_BYTES, "the message store");
      chosen = { name: picked.name, bytes };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      show(status, notice("error", error.message, "too-large"));
      return;
    } finally {
      file.value = "";
    }
    open();
  }

  file.addEventListener("change", () => file.files[0] && guard(status, () => choose(file.files[0])));
  dropZone(root, (dropped) => guard(status, () => choose(dropped)));
  localForm.addEventListener("submit", (event) => {
    event.preventDefault();
    guard(status, open);
  });
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (service) guard(results, () => search(query.value));
  });
  root.querySelector("#messages-export").addEventListener("click", () =>
    guard(results, () => {
      const image = api.call(() => service.exportImage());
      if (failed(image, "export")) return;
      download(source.name.endsWith(".db") ? source.name : "messages.db", image.ok, "application/vnd.sqlite3");
    }),
  );
}
