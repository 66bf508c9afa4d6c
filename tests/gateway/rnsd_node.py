"""Python RNS 1.5.7 as a transport node, the reference the gateway's transport
mode is held against: what `rnsd` runs with ``enable_transport = Yes``, in a
program the tests can ask about its tables.

The interfaces come as a JSON list in the gateway.toml vocabulary (``name``,
``type`` = tcp_client | tcp_server | udp | serial, ``target``, ``listen``,
``forward``, ``device``, ``baud``, ``framing``, ``mode``, ``bitrate``,
``announce_cap``, ``ingress_control``, IFAC keys) and are written as the RNS
config that means the same. Settings RNS has no key for (reconnect delays,
hw_mtu) are left to RNS.

It reads one JSON command per line on stdin and answers one JSON line on
stdout:

* ``{"op": "paths"}``: ``RNS.Transport.path_table`` in the shape of the
  gateway's ``/paths``;
* ``{"op": "status"}``: the transport identity, the table sizes and, per
  configured interface, its byte counters, live ports and announce queue.

SIGTERM is RNS's own handler: interfaces are detached and the path table and
packet hashes are written to storage, as when rnsd stops.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import RNS
from RNS.Interfaces.TCPInterface import TCPServerInterface

CONFIG = """
[reticulum]
  enable_transport = Yes
  share_instance = No
  panic_on_interface_error = No

[logging]
  loglevel = 7

[interfaces]
{interfaces}
"""

# The gateway's interface modes, spelled as RNS's config parser knows them.
MODES = {
    "full": "full",
    "gateway": "gateway",
    "access_point": "access_point",
    "roaming": "roaming",
    "boundary": "boundary",
    "point_to_point": "ptp",
}


def host_port(address: str) -> tuple[str, str]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), port


def rns_interface(interface: dict) -> str:
    """One gateway.toml interface as an RNS config section."""
    keys: dict[str, object] = {"enabled": "yes"}
    kind = interface["type"]
    if kind == "tcp_client":
        host, port = host_port(interface["target"])
        keys |= {"type": "TCPClientInterface", "target_host": host, "target_port": port}
    elif kind == "tcp_server":
        host, port = host_port(interface["listen"])
        keys |= {"type": "TCPServerInterface", "listen_ip": host, "listen_port": port}
    elif kind == "udp":
        listen_host, listen_port = host_port(interface["listen"])
        forward_host, forward_port = host_port(interface["forward"])
        keys |= {
            "type": "UDPInterface",
            "listen_ip": listen_host,
            "listen_port": listen_port,
            "forward_ip": forward_host,
            "forward_port": forward_port,
        }
    elif kind == "serial":
        # the gateway frames serial with KISS unless told HDLC: RNS's
        # KISSInterface and SerialInterface
        kiss = interface.get("framing", "kiss") == "kiss"
        keys |= {
            "type": "KISSInterface" if kiss else "SerialInterface",
            "port": interface["device"],
            "speed": interface.get("baud", 115200),
        }
    else:
        raise ValueError(f"no RNS interface for type {kind!r}")
    if kind in ("tcp_client", "tcp_server") and interface.get("framing") == "kiss":
        keys["kiss_framing"] = "yes"
    if "mode" in interface:
        keys["mode"] = MODES[interface["mode"]]
    for key in ("bitrate", "announce_cap", "network_name", "passphrase", "ifac_size"):
        if key in interface:
            keys[key] = interface[key]
    if "ingress_control" in interface:
        keys["ingress_control"] = "yes" if interface["ingress_control"] else "no"
    lines = [f"  [[{interface['name']}]]"] + [f"    {k} = {v}" for k, v in keys.items()]
    return "\n".join(lines)


def configured_name(interface) -> str:
    """The gateway.toml name of the interface RNS made (a TCP server's
    clients are ports named `server/peer`, as the gateway names them)."""
    parent = getattr(interface, "parent_interface", None)
    if parent is not None:
        return f"{parent.name}/{interface.target_ip}:{interface.target_port}"
    return interface.name


def paths() -> list[dict]:
    table = []
    for destination, entry in list(RNS.Transport.path_table.items()):
        timestamp, next_hop, hops, expires, _blobs, interface, _packet = entry[:7]
        table.append(
            {
                "destination": destination.hex(),
                "next_hop": next_hop.hex(),
                "hops": hops,
                "interface": configured_name(interface),
                "expires": int(expires),
                "timestamp": int(timestamp),
            }
        )
    return table


def status(configured: list[str]) -> dict:
    interfaces = []
    for name in configured:
        own = [i for i in RNS.Transport.interfaces if i.name == name and not i.parent_interface]
        ports = [
            i for i in RNS.Transport.interfaces if i.parent_interface and i.parent_interface.name == name
        ]
        everything = own + ports
        interfaces.append(
            {
                "name": name,
                "ports": [
                    {"name": configured_name(i)}
                    for i in everything
                    if i.online and not isinstance(i, TCPServerInterface)
                ],
                "rx_bytes": sum(i.rxb for i in ports) + sum(i.rxb for i in own if not i.spawned_interfaces),
                "tx_bytes": sum(i.txb for i in ports) + sum(i.txb for i in own if not i.spawned_interfaces),
                "announce_queue": sum(len(getattr(i, "announce_queue", [])) for i in everything),
                "held_announces": sum(len(i.held_announces) for i in everything),
            }
        )
    return {
        "mode": "transport",
        "identity_hash": RNS.Transport.identity.hash.hex(),
        "transport": {
            "received": RNS.Transport.rx_packets,
            "path_table_size": len(RNS.Transport.path_table),
            "link_table_size": len(RNS.Transport.link_table),
            "reverse_table_size": len(RNS.Transport.reverse_table),
            "announce_table_size": len(RNS.Transport.announce_table),
        },
        "interfaces": interfaces,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--interfaces", required=True, help="a JSON file: the gateway.toml interfaces")
    args = parser.parse_args()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    interfaces = json.loads(Path(args.interfaces).read_text())
    sections = "\n".join(rns_interface(i) for i in interfaces)
    (directory / "config").write_text(CONFIG.format(interfaces=sections))
    # RNS's log goes to a file: stdout carries the answers
    RNS.Reticulum(configdir=str(directory), logdest=RNS.LOG_FILE)
    names = [i["name"] for i in interfaces]
    reply({"ready": True, "identity_hash": RNS.Transport.identity.hash.hex()})

    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "paths":
            reply({"paths": paths()})
        elif op == "status":
            reply(status(names))
        else:
            reply({"error": f"unknown op {op}"})


def reply(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
