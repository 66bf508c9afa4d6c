"""A Reticulum program for the gateway tests: the real RNS 1.5.7 from PyPI,
with one interface towards the gateway: a TCPServerInterface it connects to
(default), a TCPClientInterface connecting to it (``--connect``), or a
UDPInterface (``--udp LISTEN_PORT:FORWARD_PORT``). Transport is off: it is an
end point, as an app on a phone or a laptop is.

It reads one JSON command per line on stdin and answers one JSON line on
stdout:

* ``{"op": "announce", "aspects": [...], "app_data": hex}`` creates (once per
  name) an IN destination that proves every packet, accepts links and every
  resource on them, and records what it receives; announces it, and answers
  its destination and identity hashes;
* ``{"op": "recall", "destination": hex}`` answers the identity RNS has for
  a destination (``RNS.Identity.recall``), its app_data and hop count (None
  until the path is in RNS's table, a moment after the identity);
* ``{"op": "send", "destination": hex, "aspects": [...], "data": hex}`` sends
  a packet to a recalled destination and waits for its delivery proof;
* ``{"op": "received", "destination": hex}`` lists packets received;
* ``{"op": "online"}`` counts the interfaces that are up (a TCP server's
  clients, not the listening socket);
* ``{"op": "hops", "destination": hex}``: whether RNS has a path, its hop
  count and next hop;
* ``{"op": "request_path", "destination": hex, "timeout": s}`` asks the
  network for a path (``RNS.Transport.request_path``) and waits for it;
* ``{"op": "heard"}`` lists the announces that gave RNS a path, each with its
  hop count and whether it was a path response;
* ``{"op": "link", "destination": hex, "aspects": [...]}`` opens an
  ``RNS.Link`` to a recalled destination and waits until it is active;
* ``{"op": "link_send", "link": id, "data": hex}`` sends a packet on that
  link and waits for its proof;
* ``{"op": "resource", "link": id, "size": n}`` sends ``n`` random bytes as an
  ``RNS.Resource`` on that link and waits until it concludes;
* ``{"op": "incoming"}`` lists the links opened to this program's
  destinations, what arrived on them and the resources received (sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import threading
import time
from pathlib import Path

import RNS
from RNS.Interfaces.TCPInterface import TCPServerInterface

CONFIG = """
[reticulum]
  enable_transport = False
  share_instance = No
  panic_on_interface_error = No

[logging]
  loglevel = 6

[interfaces]
  [[gateway link]]
    enabled = yes
    # an end point takes every announce the node sends it: with ingress
    # control a few at once on a young interface would be held for seconds
    ingress_control = No
{interface}{ifac}
"""

TCP_SERVER = "    type = TCPServerInterface\n    listen_ip = 127.0.0.1\n    listen_port = {port}\n"
TCP_CLIENT = "    type = TCPClientInterface\n    target_host = 127.0.0.1\n    target_port = {port}\n"
UDP = (
    "    type = UDPInterface\n    listen_ip = 127.0.0.1\n    listen_port = {listen}\n"
    "    forward_ip = 127.0.0.1\n    forward_port = {forward}\n"
)


class Peer:
    """What the program keeps between commands."""

    def __init__(self):
        self.identity = RNS.Identity()
        self.destinations: dict[str, RNS.Destination] = {}
        self.received: dict[str, list[str]] = {}
        self.heard: list[dict] = []
        self.links: dict[str, RNS.Link] = {}
        self.incoming: list[dict] = []
        self.lock = threading.Lock()
        # receive_path_responses: the tests tell a path response from an announce
        self.aspect_filter = None
        self.receive_path_responses = True
        RNS.Transport.register_announce_handler(self)

    def received_announce(
        self, destination_hash, announced_identity, app_data, announce_packet_hash, is_path_response
    ):
        with self.lock:
            self.heard.append(
                {
                    "destination": destination_hash.hex(),
                    "hops": RNS.Transport.hops_to(destination_hash),
                    "path_response": bool(is_path_response),
                }
            )

    def destination(self, aspects: list[str]) -> RNS.Destination:
        key = ".".join(aspects)
        if key not in self.destinations:
            destination = RNS.Destination(self.identity, RNS.Destination.IN, RNS.Destination.SINGLE, *aspects)
            destination.set_proof_strategy(RNS.Destination.PROVE_ALL)
            name = destination.hash.hex()
            self.received[name] = []
            destination.set_packet_callback(
                lambda data, packet, name=name: self.received[name].append(data.hex())
            )
            destination.set_link_established_callback(lambda link, name=name: self.link_opened(name, link))
            self.destinations[key] = destination
        return self.destinations[key]

    def link_opened(self, name: str, link: RNS.Link) -> None:
        record = {"destination": name, "link": link.link_id.hex(), "packets": [], "resources": []}
        with self.lock:
            self.incoming.append(record)
        link.set_resource_strategy(RNS.Link.ACCEPT_ALL)
        link.set_packet_callback(lambda data, packet: record["packets"].append(data.hex()))
        link.set_resource_concluded_callback(lambda resource: self.resource_arrived(record, resource))

    def resource_arrived(self, record: dict, resource: RNS.Resource) -> None:
        entry = {"complete": resource.status == RNS.Resource.COMPLETE, "size": None, "sha256": None}
        if entry["complete"]:
            data = resource.data.read()
            entry |= {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        with self.lock:
            record["resources"].append(entry)

    def out(self, destination: str, aspects: list[str]) -> RNS.Destination:
        remote = RNS.Identity.recall(bytes.fromhex(destination))
        if remote is None:
            raise LookupError(f"RNS does not know {destination}")
        return RNS.Destination(remote, RNS.Destination.OUT, RNS.Destination.SINGLE, *aspects)


def wait(predicate, timeout: float) -> bool:
    deadline = time.time() + timeout
    while not predicate() and time.time() < deadline:
        time.sleep(0.05)
    return bool(predicate())


def delivered(receipt, timeout: float) -> bool:
    if not receipt:
        return False
    wait(lambda: receipt.status != RNS.PacketReceipt.SENT, timeout)
    return receipt.status == RNS.PacketReceipt.DELIVERED


def handle(peer: Peer, command: dict) -> dict:
    op = command["op"]
    if op == "announce":
        destination = peer.destination(command["aspects"])
        app_data = bytes.fromhex(command["app_data"]) if command.get("app_data") else None
        destination.announce(app_data=app_data)
        return {"destination": destination.hash.hex(), "identity": peer.identity.hash.hex()}
    if op == "recall":
        destination = bytes.fromhex(command["destination"])
        known = RNS.Identity.recall(destination)
        app_data = RNS.Identity.recall_app_data(destination)
        return {
            "identity": known.hash.hex() if known else None,
            "app_data": app_data.hex() if app_data else None,
            "hops": RNS.Transport.hops_to(destination) if RNS.Transport.has_path(destination) else None,
        }
    if op == "send":
        out = peer.out(command["destination"], command["aspects"])
        receipt = RNS.Packet(out, bytes.fromhex(command["data"])).send()
        return {"sent": bool(receipt), "delivered": delivered(receipt, command.get("timeout", 15))}
    if op == "received":
        return {"packets": peer.received.get(command["destination"], [])}
    if op == "online":
        up = [i for i in RNS.Transport.interfaces if i.online and not isinstance(i, TCPServerInterface)]
        return {"online": len(up)}
    if op == "hops":
        destination = bytes.fromhex(command["destination"])
        known = RNS.Transport.has_path(destination)
        return {
            "has_path": known,
            "hops": RNS.Transport.hops_to(destination) if known else None,
            "next_hop": RNS.Transport.next_hop(destination).hex() if known else None,
        }
    if op == "request_path":
        destination = bytes.fromhex(command["destination"])
        started = time.time()
        RNS.Transport.request_path(destination)
        found = wait(lambda: RNS.Transport.has_path(destination), command.get("timeout", 15))
        return {
            "found": found,
            "hops": RNS.Transport.hops_to(destination) if found else None,
            "next_hop": RNS.Transport.next_hop(destination).hex() if found else None,
            "seconds": round(time.time() - started, 3),
        }
    if op == "heard":
        with peer.lock:
            return {"heard": list(peer.heard)}
    if op == "link":
        link = RNS.Link(peer.out(command["destination"], command["aspects"]))
        wait(lambda: link.status in (RNS.Link.ACTIVE, RNS.Link.CLOSED), command.get("timeout", 30))
        active = link.status == RNS.Link.ACTIVE
        if active:
            peer.links[link.link_id.hex()] = link
        return {"active": active, "link": link.link_id.hex(), "rtt": link.rtt}
    if op == "link_send":
        link = peer.links[command["link"]]
        receipt = RNS.Packet(link, bytes.fromhex(command["data"])).send()
        return {"sent": bool(receipt), "delivered": delivered(receipt, command.get("timeout", 15))}
    if op == "resource":
        link = peer.links[command["link"]]
        data = os.urandom(command["size"])
        concluded = threading.Event()
        started = time.time()
        resource = RNS.Resource(data, link, callback=lambda _resource: concluded.set())
        concluded.wait(command.get("timeout", 120))
        return {
            "complete": resource.status == RNS.Resource.COMPLETE,
            "sha256": hashlib.sha256(data).hexdigest(),
            "seconds": round(time.time() - started, 3),
        }
    if op == "incoming":
        with peer.lock:
            return {"links": json.loads(json.dumps(peer.incoming))}
    return {"error": f"unknown op {op}"}


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
    # RNS's log goes to a file: stdout carries the answers
    RNS.Reticulum(configdir=str(directory), logdest=RNS.LOG_FILE)
    peer = Peer()
    reply({"ready": True, "identity": peer.identity.hash.hex()})

    for line in sys.stdin:
        try:
            reply(handle(peer, json.loads(line)))
        except Exception as e:
            reply({"error": f"{type(e).__name__}: {e}"})


def reply(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
