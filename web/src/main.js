// Styrene diagnostics: loads the component once, then wires up the panels.
import { Runtime } from "./component.js";
import { decodePanel } from "./panels/decode.js";
import { announcePanel } from "./panels/announce.js";
import { storePanel } from "./panels/store.js";
import { messagesPanel } from "./panels/messages.js";
import { pqcPanel } from "./panels/pqc.js";
import { aboutPanel } from "./panels/about.js";
import { gatewayPanel } from "./panels/gateway.js";

const PANELS = ["decode", "announce", "store", "messages", "pqc", "gateway", "about"];

function selectPanel() {
  const wanted = location.hash.slice(1);
  const current = PANELS.includes(wanted) ? wanted : "decode";
  for (const id of PANELS) {
    document.getElementById(id).hidden = id !== current;
    const tab = document.querySelector(`nav a[href="#${id}"]`);
    tab.setAttribute("aria-current", id === current ? "page" : "false");
  }
}

async function main() {
  selectPanel();
  window.addEventListener("hashchange", selectPanel);
  // the gateway's status needs no component: it starts whether or not the component loads
  gatewayPanel(document.getElementById("gateway"));
  const banner = document.getElementById("banner");
  let api;
  try {
    api = await new Runtime().load();
  } catch (error) {
    banner.className = "notice error";
    banner.textContent = `styrene.wasm could not be loaded: ${error.message}`;
    document.body.dataset.ready = "failed";
    return;
  }
  const types = api.call((c) => c.wire.messageTypes()).ok;
  const context = {
    typeNames: new Map(types.map((t) => [t.value, t.name])),
    deviceTypes: api.call((c) => c.nodes.deviceTypes()).ok,
  };
  decodePanel(document.getElementById("decode"), api, context);
  announcePanel(document.getElementById("announce"), api, context);
  storePanel(document.getElementById("store"), api, context);
  messagesPanel(document.getElementById("messages"), api);
  pqcPanel(document.getElementById("pqc"), api, context);
  aboutPanel(document.getElementById("about"), api);
  banner.hidden = true;
  for (const button of document.querySelectorAll("[data-needs-component]")) button.disabled = false;
  performance.mark("styrene-ready", { detail: { loadMs: api.loadMs } });
  document.body.dataset.ready = "true";
}

main();
