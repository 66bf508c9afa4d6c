"""Bad input and faults: the gateway keeps running, memory stays bounded, and
the status counters say what was dropped and why. The gateways here bridge:
what they relay is the frames themselves, unannounced ones included."""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request

from conftest import Gateway, PtyLink, free_port, hdlc, kiss, rns_vectors, wait_for

FLAG, ESC = b"\x7e", b"\x7d"


def data_packet(size: int = 100, hops: int = 0) -> bytes:
    """An RNS data packet (header type 1, SINGLE) of `size` bytes."""
    return bytes([0x00, hops]) + os.urandom(16) + b"\x00" + os.urandom(size - 19)


def servers(*names: str, **extra) -> tuple[list[dict], dict[str, int]]:
    ports = {name: free_port() for name in names}
    return [
        {"name": n, "type": "tcp_server", "listen": f"127.0.0.1:{p}", **extra} for n, p in ports.items()
    ], ports


def read_frames(conn: socket.socket, count: int, timeout: float = 10.0) -> list[bytes]:
    """Reads HDLC frames until `count` have arrived (or none came for `timeout`)."""
    conn.settimeout(timeout)
    buffer, frames = b"", []
    while len(frames) < count:
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        buffer += chunk
        parts = buffer.split(FLAG)
        buffer = parts.pop()
        frames += [p.replace(b"\x7d\x5e", FLAG).replace(b"\x7d\x5d", ESC) for p in parts if p]
    return frames


def receives(conn: socket.socket, wanted: bytes, timeout: float = 10.0) -> bool:
    """Whether `wanted` arrives among the next frames (the gateway's own
    announce may come first or in between)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        frames = read_frames(conn, 1, max(0.1, deadline - time.time()))
        if wanted in frames:
            return True
    return False


def connected(gateway: Gateway, ports: dict[str, int], name: str) -> socket.socket:
    before = len(gateway.interface(name)["ports"])
    conn = socket.create_connection(("127.0.0.1", ports[name]))
    wait_for(lambda: len(gateway.interface(name)["ports"]) > before, 10, f"a port on {name}")
    return conn


def test_bad_input_is_dropped_counted_and_survived(tmp_path, stop_all):
    interfaces, ports = servers("in", "out")
    gateway = Gateway(tmp_path / "gw", interfaces, announce={"interval_secs": 0}, mode="bridge").start()
    stop_all(gateway)
    out = connected(gateway, ports, "out")
    sender = connected(gateway, ports, "in")
    read_frames(out, 1)  # the gateway's own announce, sent when a port comes up

    valid_announce = next(a for a in rns_vectors()["announces"] if a["valid"] is True)
    forged = {a["forgery"]: bytes.fromhex(a["raw"]) for a in rns_vectors()["announces"] if a.get("forgery")}
    duplicate = data_packet()
    sender.sendall(
        os.urandom(64 * 1024).replace(FLAG, b"")  # no flag at all: discarded, as RNS does
        + hdlc(b"\x00" * 19)  # header only: too short
        + hdlc(data_packet(16384 + 1))  # over the TCP hardware MTU
        + (FLAG + b"\x7d\x41" * 30 + FLAG)  # escapes RNS leaves alone: flags 0x7D, a too short announce
        + hdlc(b"\x40\x00" + os.urandom(32) + b"\x00")  # header type 2 and nothing after it
        + hdlc(data_packet(100, hops=128))  # over RNS's hop limit
        + hdlc(forged["bad_signature"])
        + hdlc(forged["mismatch"])
        + hdlc(b"\x80" + data_packet()[1:])  # an access code on an open interface
        + hdlc(duplicate)
        + hdlc(duplicate)
        + hdlc(bytes.fromhex(valid_announce["raw"]))
    )
    frames = read_frames(out, 2)
    assert frames == [duplicate, bytes.fromhex(valid_announce["raw"])]
    dropped = wait_for(
        lambda: (d := gateway.interface("in")["dropped"]).get("announce-destination") and d, 10
    )
    assert dropped == {
        "bad-length": 2,
        "malformed": 1,
        "announce-malformed": 1,
        "hop-limit": 1,
        "announce-signature": 1,
        "announce-destination": 1,
        "ifac-unexpected": 1,
        "duplicate": 1,
    }
    node = wait_for(lambda: gateway.nodes(), 10, "the valid announce to be recorded")
    assert node[0]["destination_hash"] == valid_announce["destination"]
    assert gateway.status()["component"]["recoveries"] == 0


def test_a_flood_is_bounded_and_counted(tmp_path, stop_all):
    interfaces, ports = servers("in", "out")
    limits = {"queue_bytes": 64 * 1024}
    gateway = Gateway(
        tmp_path / "gw", interfaces, limits=limits, announce={"interval_secs": 0}, mode="bridge"
    ).start()
    stop_all(gateway)
    stalled = connected(gateway, ports, "out")  # never read: its queue must not grow without bound
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sender = connected(gateway, ports, "in")
    idle_rss = gateway.rss()
    total = 100_000
    batch = b"".join(hdlc(data_packet()) for _ in range(10_000))
    for _ in range(total // 10_000):
        sender.sendall(batch.replace(batch[2:18], os.urandom(16)))  # new bytes: no duplicates
    wait_for(
        lambda: gateway.interface("in")["rx_frames"] + sum(gateway.interface("in")["dropped"].values())
        >= total,
        60,
    )
    status = gateway.interface("out")
    assert status["queue_dropped"] > 0, f"the stalled port's oldest frames were dropped: {status}"
    growth = gateway.rss() - idle_rss
    assert growth < 32 << 20, f"memory stays bounded under a flood: grew by {growth} bytes"
    # the flood is over: the gateway still relays
    reader = connected(gateway, ports, "out")
    probe = data_packet()
    sender.sendall(hdlc(probe))
    assert receives(reader, probe)


def test_a_component_trap_is_survived(tmp_path, stop_all):
    # An interface with a huge MTU lets an unterminated frame grow the
    # component's buffer past its memory cap: the call traps.
    interfaces, ports = servers("in", "out")
    big_port = free_port()
    interfaces.append(
        {"name": "big", "type": "tcp_server", "listen": f"127.0.0.1:{big_port}", "hw_mtu": 16 << 20}
    )
    gateway = Gateway(
        tmp_path / "gw", interfaces, limits={"memory_mib": 32}, announce={"interval_secs": 0}, mode="bridge"
    ).start()
    stop_all(gateway)
    out = connected(gateway, ports, "out")
    sender = connected(gateway, ports, "in")
    read_frames(out, 1)
    with socket.create_connection(("127.0.0.1", big_port)) as big:
        big.sendall(FLAG)
        chunk = os.urandom(1 << 20).replace(FLAG, b"\x00")
        for _ in range(40):
            big.sendall(chunk)
        wait_for(lambda: gateway.status()["component"]["recoveries"] >= 1, 30, "the trap")
    assert gateway.interface("big")["dropped"].get("trap", 0) >= 1
    probe = data_packet()
    sender.sendall(hdlc(probe))
    assert receives(out, probe), "the next frame is relayed by the fresh instance"
    assert "the component trapped" in gateway.log.read_text()


def test_tcp_peer_restart_is_reconnected(tmp_path, stop_all):
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))
    interfaces, ports = servers("out")
    interfaces.append(
        {
            "name": "uplink",
            "type": "tcp_client",
            "target": f"127.0.0.1:{port}",
            "reconnect_min_ms": 100,
            "reconnect_max_ms": 400,
        }
    )
    gateway = Gateway(tmp_path / "gw", interfaces, announce={"interval_secs": 0}, mode="bridge").start()
    stop_all(gateway)
    peer, _ = listener.accept()
    gateway.wait_state("uplink", "connected")
    peer.close()
    listener.close()  # the peer is gone entirely
    wait_for(lambda: gateway.interface("uplink")["state"] != "connected", 10, "the loss to be noticed")
    time.sleep(1)  # a few failed attempts while nobody listens
    listener = socket.create_server(("127.0.0.1", port))
    peer, _ = listener.accept()
    gateway.wait_state("uplink", "connected")
    assert gateway.interface("uplink")["reconnects"] >= 2
    out = connected(gateway, ports, "out")
    probe = data_packet()
    peer.sendall(hdlc(probe))
    assert receives(out, probe)
    peer.close()
    listener.close()


def test_serial_device_coming_back_is_reopened(tmp_path, stop_all):
    device = tmp_path / "ttyRNODE"
    link = PtyLink()
    device.symlink_to(link.paths[0])
    interfaces, ports = servers("out")
    interfaces.append(
        {
            "name": "radio",
            "type": "serial",
            "device": str(device),
            "reconnect_min_ms": 100,
            "reconnect_max_ms": 400,
        }
    )
    gateway = Gateway(tmp_path / "gw", interfaces, announce={"interval_secs": 0}, mode="bridge").start()
    stop_all(gateway)
    gateway.wait_state("radio", "open")
    link.close()  # unplugged
    wait_for(lambda: gateway.interface("radio")["state"] != "open", 10, "the loss to be noticed")
    link = PtyLink()
    stop_all(link)
    device.unlink()
    device.symlink_to(link.paths[0])  # plugged in again, as a new device node
    gateway.wait_state("radio", "open")
    out = connected(gateway, ports, "out")
    read_frames(out, 1)
    probe = data_packet()
    os.write(link.slaves[1], kiss(probe))
    assert receives(out, probe)


def test_status_endpoint_serves_metrics_and_the_diagnostics_page(tmp_path, stop_all):
    diag = tmp_path / "diag"
    (diag / "assets").mkdir(parents=True)
    (diag / "index.html").write_text("<!doctype html><title>diag</title>")
    (diag / "assets" / "styrene.core.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00")
    (tmp_path / "secret").write_text("not served")
    interfaces, _ = servers("in")
    gateway = Gateway(tmp_path / "gw", interfaces, status={"diag_dir": str(diag)}).start()
    stop_all(gateway)
    assert b"<title>diag</title>" in gateway.get("/diag/")
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.status_port}/diag/assets/styrene.core.wasm") as r:
        assert r.headers["Content-Type"] == "application/wasm"
    for bad in ("/diag/../secret", "/diag/%2e%2e/secret"):
        try:
            gateway.get(bad)
            raise AssertionError(f"{bad} was served")
        except urllib.error.HTTPError as e:
            assert e.code in (400, 404)
    metrics = gateway.get("/metrics").decode()
    assert 'styrene_gateway_interface_up{interface="in"} 1' in metrics
    assert "# TYPE styrene_gateway_dropped_total counter" in metrics
    status = gateway.status()
    assert status["memory"]["rss_bytes"] > 0 and len(status["identity_hash"]) == 32
