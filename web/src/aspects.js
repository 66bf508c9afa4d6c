// The destination names styrened's announce handler recognises
// (`KNOWN_ASPECTS` in styrened.services.reticulum), with the device type it
// then passes to `parse_announce_data` as the aspect hint.
//
// styrened compares the announced destination with
// `RNS.Destination.hash(identity, *aspects)`. For an announce that
// `rns.validate-announce` accepted, the destination is already known to be the
// hash of the announce's own name hash and identity hash, so it equals that
// name's destination exactly when the name hash equals the name's: the first
// 10 bytes of SHA-256 of the name. build.mjs computes those hashes (Node's
// crypto) and puts them in the bundle as STYRENE_NAME_HASHES, so the page needs
// no `crypto.subtle` (which browsers withhold from plain-HTTP pages that are
// not localhost, as when the gateway serves the page on a LAN address).
export const KNOWN_ASPECTS = [
  { name: "lxmf.delivery", deviceType: "lxmf-peer" },
  { name: "lxmf.propagation", deviceType: "propagation-node" },
  { name: "nomadnetwork.node", deviceType: "nomadnet-node" },
];

/** RNS's name hash length in bytes. */
export const NAME_HASH_BYTES = 10;
