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


def main() -> None:
    out = Path(sys.argv[1])
    wire, nodes = [], []
    hex_strings(load("wire"), wire)
    hex_strings(load("nodes"), nodes)
    seeds = {
        "envelope_decode": wire,
        "payload_decode": wire,
        "announce_parse": nodes,
        "pqc_handshake": handshake(),
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
