"""Seed corpora for the fuzz targets, from the golden vectors: every envelope,
payload and app_data that styrened produced or was tested on, and a real PQC
handshake (styrened's primitives with kyber-py). Usage: seed_corpus.py DIR."""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python-host" / "tests"))


def runs(spec: list) -> bytes:
    return b"".join(bytes.fromhex(chunk) * count for chunk, count in spec)


def load(name: str) -> dict:
    with gzip.open(ROOT / "tests" / "vectors" / f"{name}.json.gz", "rt") as f:
        return json.load(f)


def hex_strings(value, found: list) -> None:
    """Every hex string anywhere in a vector file (envelopes, payloads, app_data)."""
    if isinstance(value, dict):
        for item in value.values():
            hex_strings(item, found)
    elif isinstance(value, list):
        if value and all(isinstance(x, list) and len(x) == 2 and isinstance(x[1], int) for x in value):
            try:
                found.append(runs(value))
                return
            except (ValueError, TypeError):
                pass
        for item in value:
            hex_strings(item, found)
    elif isinstance(value, str) and len(value) % 2 == 0 and len(value) >= 2:
        try:
            found.append(bytes.fromhex(value))
        except ValueError:
            pass


def handshake() -> list[bytes]:
    from pqc_reference import ReferencePeer

    a, b = ReferencePeer(), ReferencePeer()
    initiate = a.initiate("b" * 32)
    respond = b.handle("a" * 32, *initiate)
    confirm = a.handle("b" * 32, *respond)
    return [bytes([t - 0xD0]) + payload for t, payload in (initiate, respond, confirm)]


def rns_seeds() -> dict[str, list[bytes]]:
    """Streams RNS's read loops consumed, and packets and announces RNS made."""
    rns = load("rns")
    streams = {
        kind: [b"\x3f" + b"".join(bytes.fromhex(c) for c in s["chunks"]) for s in rns[f"{kind}_streams"]]
        for kind in ("hdlc", "kiss")
    }
    packets = [bytes.fromhex(p["raw"]) for p in rns["packets"] + rns["announces"]]
    packets += [bytes.fromhex(f["frame"]) for i in rns["ifac"] for f in i["frames"]]
    records = []
    for raw in (bytes.fromhex(a["raw"]) for a in rns["announces"]):
        framed = b"\x7e" + raw.replace(b"\x7d", b"\x7d\x5d").replace(b"\x7e", b"\x7d\x5e") + b"\x7e"
        records.append(
            b"".join(
                bytes([0, len(c)]) + c for c in (framed[i : i + 255] for i in range(0, len(framed), 255))
            )
        )
    return {
        "hdlc_deframe": streams["hdlc"],
        "kiss_deframe": streams["kiss"],
        "rns_packet": packets,
        "relay": records,
    }


def marshal_seeds() -> list[bytes]:
    """``marshal.dumps`` output of payload values, as the wire vectors hold it."""
    return [runs(case["marshal"]) for case in load("wire")["marshal"]]


def main() -> None:
    out = Path(sys.argv[1])
    wire, nodes = [], []
    hex_strings(load("wire"), wire)
    hex_strings(load("nodes"), nodes)
    seeds = {
        "envelope_decode": wire,
        "payload_decode": wire,
        "marshal_read": marshal_seeds(),
        "announce_parse": nodes,
        "pqc_handshake": handshake(),
        **rns_seeds(),
    }
    for target, inputs in seeds.items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for data in inputs:
            if len(data) <= 65536:
                (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(list(directory.iterdir()))} seeds")


if __name__ == "__main__":
    main()
