"""A Reticulum program for the gateway tests: the real RNS 1.5.7 from PyPI,
with one interface towards the gateway: a TCPServerInterface it connects to
(default), a TCPClientInterface connecting to it (``--connect``), or a
UDPInterface (``--udp LISTEN_PORT:FORWARD_PORT``).

It reads one JSON command per line on stdin and answers one JSON line on
stdout:

* ``{"op": "announce", "aspects": [...], "app_data": hex}`` creates (once per
  name) an IN destination that proves every packet and records what it
  receives, announces it, and answers its destination and identity hashes;
* ``{"op": "recall", "destination": hex}`` answers the identity RNS has for
  a destination (``RNS.Identity.recall``), its app_data and hop count;
* ``{"op": "send", "destination": hex, "data": hex}`` sends a packet to a
  recalled destination and waits for its delivery proof;
* ``{"op": "received", "destination": hex}`` lists packets received.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import RNS

CONFIG = """
[reticulum]
  enable_transport = False
  share_instance = No
  panic_on_interface_error = No

[logging]
  loglevel = 3

[interfaces]
  [[gateway link]]
    enabled = yes
{interface}{ifac}
"""

TCP_SERVER = "    type = TCPServerInterface\n    listen_ip = 127.0.0.1\n    listen_port = {port}\n"
TCP_CLIENT = "    type = TCPClientInterface\n    target_host = 127.0.0.1\n    target_port = {port}\n"
UDP = (
    "    type = UDPInterface\n    listen_ip = 127.0.0.1\n    listen_port = {listen}\n"
    "    forward_ip = 127.0.0.1\n    forward_port = {forward}\n"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int)
    parser.add_argument("--connect", action="store_true", help="connect to --port instead of listening on it")
    parser.add_argument("--udp", help="LISTEN_PORT:FORWARD_PORT")
    parser.add_argument("--network-name")
    parser.add_argument("--passphrase")
    args = parser.parse_args()
    ifac = ""
    if args.network_name:
        ifac += f"    network_name = {args.network_name}\n"
    if args.passphrase:
        ifac += f"    passphrase = {args.passphrase}\n"
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    if args.udp:
        listen, forward = args.udp.split(":")
        interface = UDP.format(listen=listen, forward=forward)
    else:
        interface = (TCP_CLIENT if args.connect else TCP_SERVER).format(port=args.port)
    (directory / "config").write_text(CONFIG.format(interface=interface, ifac=ifac))
    RNS.Reticulum(configdir=str(directory), loglevel=RNS.LOG_WARNING)
    identity = RNS.Identity()
    destinations: dict[str, RNS.Destination] = {}
    received: dict[str, list[str]] = {}
    reply({"ready": True, "identity": identity.hash.hex()})

    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "announce":
            aspects = command["aspects"]
            key = ".".join(aspects)
            if key not in destinations:
                destination = RNS.Destination(identity, RNS.Destination.IN, RNS.Destination.SINGLE, *aspects)
                destination.set_proof_strategy(RNS.Destination.PROVE_ALL)
                name = destination.hash.hex()
                received[name] = []
                destination.set_packet_callback(
                    lambda data, packet, name=name: received[name].append(data.hex())
                )
                destinations[key] = destination
            destination = destinations[key]
            app_data = bytes.fromhex(command["app_data"]) if command.get("app_data") else None
            destination.announce(app_data=app_data)
            reply({"destination": destination.hash.hex(), "identity": identity.hash.hex()})
        elif op == "recall":
            destination = bytes.fromhex(command["destination"])
            known = RNS.Identity.recall(destination)
            app_data = RNS.Identity.recall_app_data(destination)
            reply(
                {
                    "identity": known.hash.hex() if known else None,
                    "app_data": app_data.hex() if app_data else None,
                    "hops": RNS.Transport.hops_to(destination) if known else None,
                }
            )
        elif op == "send":
            destination_hash = bytes.fromhex(command["destination"])
            remote = RNS.Identity.recall(destination_hash)
            app_name, *aspects = command["aspects"]
            out = RNS.Destination(remote, RNS.Destination.OUT, RNS.Destination.SINGLE, app_name, *aspects)
            receipt = RNS.Packet(out, bytes.fromhex(command["data"])).send()
            deadline = time.time() + command.get("timeout", 15)
            while receipt and receipt.status == RNS.PacketReceipt.SENT and time.time() < deadline:
                time.sleep(0.05)
            delivered = bool(receipt) and receipt.status == RNS.PacketReceipt.DELIVERED
            reply({"sent": bool(receipt), "delivered": delivered})
        elif op == "received":
            reply({"packets": received.get(command["destination"], [])})
        else:
            reply({"error": f"unknown op {op}"})


def reply(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
