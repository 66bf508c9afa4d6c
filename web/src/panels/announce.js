// Announce / device: an announce's app_data in, styrened's parse of it out
// (`nodes.parse-announce-data`), with what LXMF's helpers make of it.
import { InputError, parseBytes, readFileLimited } from "../bytes.js";
import { bytesValue, dropZone, el, fields, guard, notice, show } from "../ui.js";

/** app_data rides in one RNS announce packet (at most a few hundred bytes). */
export const MAX_APP_DATA_BYTES = 64 * 1024;

function optional(value, field, asBytes = false) {
  if (value === undefined || value === null) return el("span", { class: "absent", dataset: { field } }, "—");
  return asBytes ? bytesValue(value, field) : el("span", { dataset: { field } }, value);
}

function deviceCard(info, typeInfo) {
  const capabilities = info.capabilities?.length
    ? el("span", { class: "chips", dataset: { field: "capabilities" } }, info.capabilities.map((c) => el("span", { class: "chip" }, c)))
    : optional(info.capabilities ? "(none)" : null, "capabilities");
  return el(
    "section",
    { class: "card device" },
    el("h3", {}, info.name || "(no name)", el("span", { class: `badge type-${info.deviceType}` }, typeInfo?.name ?? info.deviceType)),
    fields([
      ["name", optional(info.name, "name")],
      ["device type", optional(`${typeInfo?.name} (${typeInfo?.value})`, "device-type")],
      ["capabilities", capabilities],
      ["version", optional(info.version, "version")],
      ["short name", optional(info.shortName, "short-name")],
      ["system fingerprint", optional(info.systemFingerprint, "fingerprint")],
      ["LXMF destination", optional(info.lxmfDestinationHash, "lxmf-destination", true)],
      ["NomadNet destination", optional(info.nomadnetDestinationHash, "nomadnet-destination", true)],
    ]),
  );
}

export function announcePanel(root, api, context) {
  const form = root.querySelector("form");
  const input = root.querySelector("#announce-input");
  const hint = root.querySelector("#announce-hint");
  const file = root.querySelector("#announce-file");
  const output = root.querySelector("#announce-output");
  for (const type of context.deviceTypes) {
    hint.append(el("option", { value: type.deviceType }, `${type.name} (${type.value})`));
  }

  function run(appData, origin) {
    const aspect = hint.value === "" ? undefined : hint.value;
    const parsed = api.call((c) => c.nodes.parseAnnounceData(appData, aspect));
    const lxmf = api.call((c) => c.nodes.tryLxmfParse(appData, aspect));
    const typeInfo = context.deviceTypes.find((t) => t.deviceType === parsed.ok.deviceType);
    const text = new TextDecoder("utf-8", { fatal: false }).decode(appData);
    show(
      output,
      el("p", { class: "meta" }, `${appData.length} bytes of app_data ${origin}`),
      deviceCard(parsed.ok, typeInfo),
      el(
        "section",
        { class: "card" },
        el("h3", {}, "Raw"),
        fields([
          ["app_data", bytesValue(Array.from(appData, (b) => b.toString(16).padStart(2, "0")).join(""), "app-data")],
          ["as text", el("code", { class: "mono wrap" }, text)],
          ["LXMF parse", lxmf.ok ? `${lxmf.ok.name || "(no name)"} (${context.deviceTypes.find((t) => t.deviceType === lxmf.ok.deviceType)?.name})` : "not LXMF app_data", "lxmf"],
        ]),
      ),
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guard(output, () => {
      let bytes;
      try {
        ({ bytes } = parseBytes(input.value, "auto"));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        show(output, notice("error", error.message, "input"));
        return;
      }
      if (bytes.length > MAX_APP_DATA_BYTES) {
        show(output, notice("error", `${bytes.length} bytes is not app_data: at most ${MAX_APP_DATA_BYTES}`, "too-large"));
        return;
      }
      run(bytes, "from the text");
    });
  });
  const openFile = (chosen) =>
    guard(output, async () => {
      try {
        run(await readFileLimited(chosen, MAX_APP_DATA_BYTES, "app_data"), `from ${chosen.name}`);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        show(output, notice("error", error.message, "too-large"));
      } finally {
        file.value = "";
      }
    });
  file.addEventListener("change", () => file.files[0] && openFile(file.files[0]));
  dropZone(root, openFile);
}
