"""Bad input and floods at the gateway as a transport node: each bad packet is
dropped and counted under its reason, tables stay within their limits with
evictions counted, memory stays bounded, and the node goes on forwarding."""

from __future__ import annotations

import os
import socket
import time

import RNS
from test_transport import raw_announce

from conftest import Gateway, free_port, hdlc, wait_for

PATH_REQUEST = bytes.fromhex("6b9f66014d9853faab220fba47d02761")  # rnstransport.path.request
LIMITS = {"paths": 200, "links": 100}


def header_2(transport_id: bytes, destination: bytes, packet_type: int, data: bytes, hops: int = 0) -> bytes:
    """A packet in transport: HEADER_2, SINGLE destination, no context."""
    return bytes([0x50 | packet_type, hops]) + transport_id + destination + b"\x00" + data


def older_announce(identity: RNS.Identity, app_name: str, *aspects: str, age: int) -> bytes:
    """A genuine announce whose emission time is `age` seconds in the past."""
    _, raw = raw_announce(identity, app_name, *aspects)
    name_hash = raw[2 + 16 + 1 + 64 : 2 + 16 + 1 + 64 + 10]
    destination = raw[2:18]
    random_hash = os.urandom(5) + (int(time.time()) - age).to_bytes(5, "big")
    public_key = identity.get_public_key()
    signature = identity.sign(destination + public_key + name_hash + random_hash)
    return raw[:19] + public_key + name_hash + random_hash + signature


def connect(gateway: Gateway, port: int, name: str, count: int = 1) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port))
    gateway.wait_ports(name, count)
    return conn


def transport(gateway: Gateway) -> dict:
    return gateway.status()["transport"] or {}


def dropped(gateway: Gateway, name: str) -> dict[str, int]:
    return gateway.interface(name)["dropped"]


def test_bad_packets_are_dropped_under_their_reasons(tmp_path, stop_all):
    a_port, b_port = free_port(), free_port()
    interfaces = [
        {"name": n, "type": "tcp_server", "listen": f"127.0.0.1:{p}", "ingress_control": False}
        for n, p in (("a", a_port), ("b", b_port))
    ]
    gateway = Gateway(tmp_path / "gw", interfaces, announce={"interval_secs": 0}, limits=LIMITS).start()
    stop_all(gateway)
    a, b = connect(gateway, a_port, "a"), connect(gateway, b_port, "b")
    stop_all(a)
    stop_all(b)
    node_id = bytes.fromhex(gateway.transport_id)
    sink = RNS.Identity()
    destination, announce = raw_announce(sink, "faults", "sink")
    b.sendall(hdlc(announce))
    wait_for(lambda: gateway.path(destination), 20, "the sink's path")

    stranger = os.urandom(16)
    payload = os.urandom(60)
    forged_response = bytearray(announce)
    forged_response[18] = 0x0B  # PATH_RESPONSE
    forged_response[-1] ^= 0xFF  # and a signature that does not verify
    bad = {
        "announce-not-newer": hdlc(older_announce(sink, "faults", "sink", age=3600)),
        "invalid-announce": hdlc(bytes(forged_response)),
        "malformed": hdlc(bytes([0x00, 200]) + bytes.fromhex(destination) + b"\x00" + payload),  # hops ≥ 128
        "other-transport": hdlc(header_2(stranger, bytes.fromhex(destination), 0, payload)),
        "no-path": hdlc(header_2(node_id, os.urandom(16), 0, payload)),
        "tagless-path-request": hdlc(bytes([0x08, 0]) + PATH_REQUEST + b"\x00" + os.urandom(16)),
    }
    for reason, frame in bad.items():
        before = dropped(gateway, "a").get(reason, 0)
        a.sendall(frame)
        wait_for(
            lambda r=reason, n=before: dropped(gateway, "a").get(r, 0) > n, 10, f"a drop counted as {reason}"
        )

    # none of it disturbed the path, and the node still forwards to it
    assert gateway.path(destination)["hops"] == 1
    b.settimeout(10)
    probe = os.urandom(60)
    a.sendall(hdlc(header_2(node_id, bytes.fromhex(destination), 0, probe)))
    on_the_wire = hdlc(probe)[1:-1]  # escaped as HDLC escapes it, should it hold a flag byte
    received = b""
    deadline = time.time() + 10
    while on_the_wire not in received and time.time() < deadline:
        received += b.recv(65536)
    assert on_the_wire in received, "a packet in transport to a known path still goes through"
    assert gateway.status()["component"]["recoveries"] == 0


def test_floods_are_held_bounded_and_counted(tmp_path, stop_all):
    a_port, b_port, new_port = free_port(), free_port(), free_port()
    interfaces = [
        {"name": "a", "type": "tcp_server", "listen": f"127.0.0.1:{a_port}", "ingress_control": False},
        {"name": "b", "type": "tcp_server", "listen": f"127.0.0.1:{b_port}", "ingress_control": False},
        # RNS's default: a new interface holds bursts of announces for unknown destinations
        {"name": "new", "type": "tcp_server", "listen": f"127.0.0.1:{new_port}"},
    ]
    gateway = Gateway(tmp_path / "gw", interfaces, announce={"interval_secs": 0}, limits=LIMITS).start()
    stop_all(gateway)
    a, b, new = (
        connect(gateway, a_port, "a"),
        connect(gateway, b_port, "b"),
        connect(gateway, new_port, "new"),
    )
    for conn in (a, b, new):
        stop_all(conn)
    node_id = bytes.fromhex(gateway.transport_id)
    idle_rss = gateway.rss()

    # announces flooding a new interface are held by ingress control, not learnt at once
    burst = [raw_announce(RNS.Identity(), "faults", "burst")[1] for _ in range(300)]
    new.sendall(b"".join(hdlc(raw) for raw in burst))
    wait_for(lambda: transport(gateway).get("announces_held", 0) > 0, 20, "ingress control to hold announces")
    assert transport(gateway)["path_table_size"] < len(burst)
    assert gateway.interface("new")["held_announces"] <= 256

    # more announces than the path table holds: the oldest paths go, counted
    flood = [raw_announce(RNS.Identity(), "faults", "flood") for _ in range(LIMITS["paths"] + 100)]
    b.sendall(b"".join(hdlc(raw) for _, raw in flood))
    wait_for(lambda: transport(gateway).get("evicted", 0) > 0, 30, "paths evicted from the full table")
    assert transport(gateway)["path_table_size"] <= LIMITS["paths"]
    newest, _ = flood[-1]
    wait_for(lambda: gateway.path(newest), 10, "the newest path to be in the table")

    # path requests for unknown destinations, each with its own tag
    requests = b"".join(
        hdlc(bytes([0x08, 0]) + PATH_REQUEST + b"\x00" + os.urandom(16) + os.urandom(16)) for _ in range(2000)
    )
    a.sendall(requests)
    wait_for(lambda: transport(gateway).get("path_requests_received", 0) >= 2000, 30, "the path requests")

    # link requests through the node to a known destination: the link table stays within its limit
    target = bytes.fromhex(newest)
    links = b"".join(hdlc(header_2(node_id, target, 2, os.urandom(64))) for _ in range(LIMITS["links"] * 5))
    a.sendall(links)
    wait_for(
        lambda: transport(gateway).get("link_requests_forwarded", 0) >= LIMITS["links"] * 5,
        30,
        "the link requests",
    )
    counters = transport(gateway)
    assert counters["link_table_size"] <= LIMITS["links"], counters
    assert counters["path_table_size"] <= LIMITS["paths"], counters

    growth = gateway.rss() - idle_rss
    assert growth < 32 << 20, f"memory stays bounded under the floods: grew by {growth} bytes"
    assert gateway.status()["component"]["recoveries"] == 0
    assert gateway.process.poll() is None
