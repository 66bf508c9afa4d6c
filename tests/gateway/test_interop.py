"""The gateway on a real Reticulum network: RNS 1.5.7 from PyPI on loopback."""

from __future__ import annotations

import os
import socket
import stat
import subprocess

from conftest import COMPONENT, GATEWAY, Gateway, PtyLink, RnsPeer, free_port, hdlc, rns_vectors, wait_for

FAST_RECONNECT = {"reconnect_min_ms": 200, "reconnect_max_ms": 1000}


def tcp_client(name: str, port: int, **extra) -> dict:
    return {"name": name, "type": "tcp_client", "target": f"127.0.0.1:{port}", **FAST_RECONNECT, **extra}


def test_announce_from_rns_becomes_a_node(tmp_path, stop_all):
    port = free_port()
    peer = RnsPeer(tmp_path / "peer", port)
    stop_all(peer)
    gateway = Gateway(tmp_path / "gw", [tcp_client("rns", port)]).start()
    stop_all(gateway)
    gateway.wait_state("rns", "connected")
    app_data = b"styrene:py-peer:0.18.0:rpc,chat"
    announced = peer.call(op="announce", aspects=["styrene", "node"], app_data=app_data.hex())

    node = wait_for(
        lambda: next((n for n in gateway.nodes() if n["destination_hash"] == announced["destination"]), None),
        20,
        "the announce to be recorded",
    )
    assert node["identity_hash"] == announced["identity"]
    assert node["name"] == "py-peer"
    assert node["device_type"] == "styrene"
    assert node["capabilities"] == ["rpc", "chat"]
    assert node["hops"] == 1
    assert node["discovered_via"] == f"rns → {announced['destination'][:8]}"
    assert gateway.interface("rns")["announces_heard"] >= 1

    # while the gateway runs, its database is shared: the CLI and styrened read it
    listed = subprocess.run(
        [GATEWAY, "--component", COMPONENT, "nodes", "list", "--db", gateway.data_dir],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert announced["destination"] in listed
    assert "py-peer" in listed
    shown = subprocess.run(
        [
            GATEWAY,
            "--component",
            COMPONENT,
            "nodes",
            "show",
            announced["destination"],
            "--db",
            gateway.data_dir,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert announced["identity"] in shown
    from styrened.services.node_store import NodeStore

    seen = NodeStore(gateway.data_dir / "nodes.db").get_node_by_destination(announced["destination"])
    assert seen is not None and seen.name == "py-peer"

    assert gateway.stop() == 0
    left = sorted(p.name for p in gateway.data_dir.iterdir() if p.name.startswith("nodes.db"))
    assert left == ["nodes.db"], "no journal or log is left behind on SIGTERM"


def test_gateway_announce_is_accepted_by_rns(tmp_path, stop_all):
    port = free_port()
    peer = RnsPeer(tmp_path / "peer", port)
    stop_all(peer)
    gateway = Gateway(tmp_path / "gw", [tcp_client("rns", port)]).start()
    stop_all(gateway)
    status = gateway.status()
    recalled = peer.recall(status["destination_hash"])
    assert recalled["identity"] == status["identity_hash"]
    assert bytes.fromhex(recalled["app_data"]) == b"styrene:gw:0.1.0:gateway"
    key = gateway.data_dir / "identity"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.stat().st_size == 64, "RNS's identity file format"

    # the same identity after a restart
    assert gateway.stop() == 0
    again = Gateway(tmp_path / "gw", [tcp_client("rns", port)]).start()
    stop_all(again)
    assert again.status()["identity_hash"] == status["identity_hash"]


def bridged(tmp_path, stop_all, ifac: dict | None = None, serial_ifac: dict | None = None, extra=()):
    """RNS ⇄ gateway 0 ⇄ serial KISS (a pty pair) ⇄ gateway 1 ⇄ RNS, both
    gateways in bridge mode: part of the medium, as before transport."""
    ifac = ifac or {}
    link = PtyLink()
    stop_all(link)
    ports = free_port(), free_port()
    peers = [
        RnsPeer(tmp_path / f"rns{n}", p, ifac.get("network_name"), ifac.get("passphrase"))
        for n, p in enumerate(ports)
    ]
    for peer in peers:
        stop_all(peer)
    gateways = []
    for n in range(2):
        serial = {
            "name": "radio",
            "type": "serial",
            "device": link.paths[n],
            "baud": 115200,
            **(serial_ifac or {}),
        }
        interfaces = [tcp_client("rns", ports[n], **ifac), serial, *(extra if n == 0 else ())]
        gateway = Gateway(tmp_path / f"gw{n}", interfaces, mode="bridge").start()
        stop_all(gateway)
        gateway.wait_state("rns", "connected")
        gateway.wait_state("radio", "open")
        gateways.append(gateway)
    return peers, gateways


def send_through(peers, gateways):
    sender, receiver = peers
    sink = receiver.call(op="announce", aspects=["interop", "sink"], app_data="")
    recalled = sender.recall(sink["destination"])
    assert recalled["identity"] == sink["identity"]
    assert recalled["hops"] == 1, "the bridge is part of the medium: RNS sees its neighbour"
    payload = os.urandom(200)
    sent = sender.call(
        op="send", destination=sink["destination"], aspects=["interop", "sink"], data=payload.hex()
    )
    assert sent == {"sent": True, "delivered": True}, "the delivery proof came back through both gateways"
    received = wait_for(
        lambda: receiver.call(op="received", destination=sink["destination"])["packets"], 10, "the packet"
    )
    assert received == [payload.hex()]
    for gateway in gateways:
        assert gateway.interface("radio")["rx_frames"] >= 1
        assert gateway.interface("rns")["rx_frames"] >= 1


def test_packet_crosses_two_gateways_over_serial_kiss(tmp_path, stop_all):
    peers, gateways = bridged(tmp_path, stop_all)
    send_through(peers, gateways)


def test_packet_crosses_with_ifac_and_a_wrong_code_is_dropped(tmp_path, stop_all):
    ifac = {"network_name": "styrene-test", "passphrase": "correct horse"}
    serial_ifac = {"network_name": "radio-net", "passphrase": "battery staple", "ifac_size": 64}
    inject_port = free_port()
    inject = {"name": "inject", "type": "tcp_server", "listen": f"127.0.0.1:{inject_port}", **ifac}
    peers, gateways = bridged(tmp_path, stop_all, ifac, serial_ifac, extra=[inject])
    send_through(peers, gateways)

    # Frames RNS itself coded for another network ("testnet"/"secret", from
    # the RNS vectors) arrive on an interface of this one: dropped and counted.
    frames = [bytes.fromhex(f["frame"]) for f in rns_vectors()["ifac"][0]["frames"]]
    with socket.create_connection(("127.0.0.1", inject_port)) as raw:
        for frame in frames:
            raw.sendall(hdlc(frame))
        wait_for(
            lambda: gateways[0].interface("inject")["dropped"].get("ifac-invalid", 0) == len(frames),
            10,
            "the wrongly coded frames to be counted",
        )
    assert gateways[0].interface("inject")["rx_frames"] == 0
    assert gateways[1].interface("rns")["dropped"].get("ifac-invalid", 0) == 0


def test_rns_tcp_client_and_udp_interfaces_through_one_gateway(tmp_path, stop_all):
    """RNS's TCPClientInterface connects to the gateway's TCP server; RNS's
    UDPInterface talks to its UDP interface; packets cross between them (the
    gateway bridging: test_transport.py has them routed)."""
    server_port, gateway_udp, peer_udp = (
        free_port(),
        free_port(socket.SOCK_DGRAM),
        free_port(socket.SOCK_DGRAM),
    )
    interfaces = [
        {"name": "lan", "type": "tcp_server", "listen": f"127.0.0.1:{server_port}"},
        {
            "name": "udp",
            "type": "udp",
            "listen": f"127.0.0.1:{gateway_udp}",
            "forward": f"127.0.0.1:{peer_udp}",
        },
    ]
    gateway = Gateway(tmp_path / "gw", interfaces, mode="bridge").start()
    stop_all(gateway)
    tcp_peer = RnsPeer(tmp_path / "tcp", server_port, connect=True)
    udp_peer = RnsPeer(tmp_path / "udp", udp=(peer_udp, gateway_udp))
    for peer in (tcp_peer, udp_peer):
        stop_all(peer)
    wait_for(lambda: gateway.interface("lan")["ports"], 20, "RNS to connect")
    peers = (tcp_peer, udp_peer)
    for sender, receiver in (peers, peers[::-1]):
        sink = receiver.call(op="announce", aspects=["interop", "sink"], app_data=b"styrene:sink".hex())
        assert sender.recall(sink["destination"])["identity"] == sink["identity"]
        payload = os.urandom(100)
        sent = sender.call(
            op="send", destination=sink["destination"], aspects=["interop", "sink"], data=payload.hex()
        )
        assert sent == {"sent": True, "delivered": True}
        got = wait_for(
            lambda r=receiver, d=sink["destination"]: r.call(op="received", destination=d)["packets"], 10
        )
        assert payload.hex() in got
    names = {n["name"] for n in gateway.nodes()}
    assert names == {"sink"}
    assert gateway.interface("udp")["rx_frames"] >= 2 and gateway.interface("lan")["rx_frames"] >= 2
