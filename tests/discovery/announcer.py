"""A Reticulum peer that announces: the real RNS 1.5.7 from PyPI (and LXMF's
own router for LXMF announces), listening on a TCPServerInterface on
127.0.0.1 that styrened's daemon connects to.

Identities are deterministic (``identity(key)``: the private key is SHA-512 of
a label), so two runs of one scenario announce the same destinations and
their stored rows can be compared.

One JSON command per line on stdin, one JSON answer per line on stdout:

* ``{"op": "wait_client"}`` answers once the daemon has connected;
* ``{"op": "announce", "items": [...]}`` announces each item once: an item is
  ``{"key": K, "aspects": [...], "app_data": hex or null}`` or
  ``{"lxmf": true}`` (the LXMF router's delivery destination, announced by the
  router with LXMF's own app_data) or ``{"propagation": K}`` (an
  ``lxmf.propagation`` destination announced with the router's propagation
  node app_data); answers the destination hashes;
* ``{"op": "load", "first": K, "count": N, "total": T, "rate": R, "sequence": S, "log": path}``
  announces ``T`` times at ``R`` per second, round robin over ``N``
  styrened-style destinations (keys ``K``..``K+N-1``). Each announce carries a
  sequence number (counting from ``S``) in its short name; ``log`` gets one line per announce:
  destination, sequence, and the wall-clock time just before
  ``Destination.announce()`` was called.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import LXMF
import RNS

CONFIG = """
[reticulum]
  enable_transport = False
  share_instance = No
  panic_on_interface_error = Yes

[logging]
  loglevel = 2

[interfaces]
  [[discovery listener]]
    type = TCPServerInterface
    enabled = yes
    listen_ip = 127.0.0.1
    listen_port = {port}
"""

# RNS takes a re-announce only when its emission time (whole seconds) is newer
# than the last one it took, so one destination is announced at most this often.
MIN_REANNOUNCE_SECONDS = 1.05


def identity(key: int) -> RNS.Identity:
    """The same identity for the same key, in every process."""
    return RNS.Identity.from_bytes(hashlib.sha512(f"styrene-discovery-{key}".encode()).digest())


def load_app_data(key: int, sequence: int, version: str, fingerprint: str) -> bytes:
    """styrened's 7-field announce, the sequence number as its short name."""
    return f"styrene:load-{key}:{version}:rpc,chat::s{sequence}:{fingerprint}".encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lxmf", help="KEY:DISPLAY_NAME of this peer's LXMF delivery identity")
    args = parser.parse_args()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config").write_text(CONFIG.format(port=args.port))
    RNS.Reticulum(configdir=str(directory), loglevel=RNS.LOG_ERROR)
    listener = next(i for i in RNS.Transport.interfaces if i.name == "discovery listener")

    router, lxmf_destination = None, None
    if args.lxmf:
        key, display_name = args.lxmf.split(":", 1)
        router = LXMF.LXMRouter(
            identity=identity(int(key)), storagepath=str(directory / "lxmf"), name=display_name
        )
        lxmf_destination = router.register_delivery_identity(identity(int(key)), display_name=display_name)

    destinations: dict[tuple, RNS.Destination] = {}

    def destination(key: int, aspects: list[str]) -> RNS.Destination:
        name = (key, *aspects)
        if name not in destinations:
            destinations[name] = RNS.Destination(
                identity(key), RNS.Destination.IN, RNS.Destination.SINGLE, *aspects
            )
        return destinations[name]

    reply({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "wait_client":
            deadline = time.time() + command.get("timeout", 30)
            while not listener.spawned_interfaces and time.time() < deadline:
                time.sleep(0.05)
            reply({"connected": bool(listener.spawned_interfaces)})
        elif op == "announce":
            hashes = []
            for item in command["items"]:
                if item.get("lxmf"):
                    router.announce(lxmf_destination.hash)
                    hashes.append(lxmf_destination.hash.hex())
                elif "propagation" in item:
                    target = destination(item["propagation"], ["lxmf", "propagation"])
                    target.announce(app_data=router.get_propagation_node_app_data())
                    hashes.append(target.hash.hex())
                else:
                    target = destination(item["key"], item["aspects"])
                    app_data = bytes.fromhex(item["app_data"]) if item["app_data"] is not None else None
                    target.announce(app_data=app_data)
                    hashes.append(target.hash.hex())
            reply({"destinations": hashes})
        elif op == "load":
            reply(load(command, destination))
        else:
            reply({"error": f"unknown op {op}"})


def load(command: dict, destination) -> dict:
    """Paced announces; late ones are sent at once, but never two of one
    destination within MIN_REANNOUNCE_SECONDS (RNS would drop the second)."""
    from styrened import __version__
    from styrened.services.system_info import get_system_fingerprint

    fingerprint = get_system_fingerprint()
    keys = range(command["first"], command["first"] + command["count"])
    targets = [destination(key, ["styrene_node", "operator"]) for key in keys]
    last_sent = [0.0] * len(targets)
    rate, total = command["rate"], command["total"]
    lag = 0.0
    with open(command["log"], "a") as log:
        start = time.time()
        for sequence in range(total):
            slot = sequence % len(targets)
            due = max(start + sequence / rate, last_sent[slot] + MIN_REANNOUNCE_SECONDS)
            now = time.time()
            if due > now:
                time.sleep(due - now)
            sent = time.time()
            lag = max(lag, sent - (start + sequence / rate))
            number = command.get("sequence", 0) + sequence
            targets[slot].announce(app_data=load_app_data(keys[slot], number, __version__, fingerprint))
            last_sent[slot] = sent
            log.write(f"{targets[slot].hash.hex()} s{number} {sent:.6f}\n")
        elapsed = time.time() - start
    return {"sent": total, "seconds": elapsed, "max_lag": lag}


def reply(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
