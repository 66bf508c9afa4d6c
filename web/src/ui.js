// Small DOM helpers shared by the panels.

/** `el("dd", {class: "mono", dataset: {field: "version"}}, "2")` */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "onclick") node.addEventListener("click", value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A button that copies `text()` to the clipboard and says whether it could. */
export function copyButton(text, label = "Copy") {
  const button = el("button", { type: "button", class: "copy", title: "Copy to the clipboard" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(typeof text === "function" ? text() : text);
      flash(button, "Copied");
    } catch {
      flash(button, "Copy blocked");
    }
  });
  return button;
}

function flash(button, message) {
  const label = button.textContent;
  button.textContent = message;
  button.disabled = true;
  setTimeout(() => {
    button.textContent = label;
    button.disabled = false;
  }, 1200);
}

/** A bytes field: monospace text with a copy button. */
export function bytesValue(hex, field) {
  return el(
    "span",
    { class: "bytes" },
    el("code", { class: "mono", dataset: field ? { field } : undefined }, hex === "" ? "(empty)" : hex),
    hex === "" ? null : copyButton(hex),
  );
}

/** A message box: kind is `error`, `ok` or `info`; errorCase names a WIT error case. */
export function notice(kind, text, errorCase) {
  return el(
    "div",
    { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", dataset: errorCase ? { errorCase } : undefined },
    text,
  );
}

/** Replaces the content of `container`. */
export function show(container, ...children) {
  container.replaceChildren(...children.flat().filter(Boolean));
}

/** Lets files be dropped on `zone`; `onFile(file)` gets the first one. */
export function dropZone(zone, onFile) {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = event.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
}

/** Offers `data` (bytes or text) as a download named `name`. */
export function download(name, data, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A scrollable table: its caption, column headings and `tbody`. */
export function table(caption, headings, body, attributes = {}) {
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      attributes,
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, headings.map((h) => el("th", {}, h)))),
      body,
    ),
  );
}

/** A definition list from [label, value, field] rows (rows with undefined values are left out). */
export function fields(rows) {
  const list = el("dl", { class: "fields" });
  for (const [label, value, field] of rows) {
    if (value === undefined) continue;
    const shown = value instanceof Node ? value : el("span", { dataset: field ? { field } : undefined }, value === null ? "—" : String(value));
    list.append(el("dt", {}, label), el("dd", {}, shown));
  }
  return list;
}

/** JSON with BigInt as numbers (or strings beyond 2^53) and bytes as hex. */
export function toJson(value) {
  return JSON.stringify(
    value,
    (_, v) => {
      if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("");
      return v;
    },
    2,
  );
}

/**
 * Runs a panel action, showing any failure in `output` instead of leaving a
 * blank panel: a trap (the instance was replaced) or a bug in the page.
 */
export async function guard(output, action) {
  try {
    await action();
  } catch (error) {
    const kind = error?.name === "TrapError" ? "trap" : "internal";
    show(output, notice("error", `${kind === "trap" ? "" : "unexpected failure: "}${error?.message ?? error}`, kind));
    if (error?.reloaded) await error.reloaded;
  }
}
