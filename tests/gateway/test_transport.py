"""The gateway as an RNS transport node, held against Python RNS as one.

Every scenario runs on `rnsd` (RNS 1.5.7 with ``enable_transport = Yes``,
tests/gateway/rnsd_node.py) and on `styrene` (`styrene-gateway` in its
default transport mode), on the same interfaces. The peers are RNS 1.5.7 end
points with transport off: all routing is the node's.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time

import pytest
import RNS
from RNS.Interfaces.TCPInterface import HDLC, KISS

from conftest import PtyLink, RnsPeer, TransportNode, free_port, hdlc, transport_node, wait_for

KINDS = ["rnsd", "styrene"]
FAST_RECONNECT = {"reconnect_min_ms": 200, "reconnect_max_ms": 1000}
SINK = ["interop", "sink"]


def tcp_client(name: str, port: int, **extra) -> dict:
    return {"name": name, "type": "tcp_client", "target": f"127.0.0.1:{port}", **FAST_RECONNECT, **extra}


def tcp_server(name: str, port: int, **extra) -> dict:
    return {"name": name, "type": "tcp_server", "listen": f"127.0.0.1:{port}", **extra}


def start_node(kind: str, directory, interfaces: list[dict], stop_all, **sections) -> TransportNode:
    # the gateway announces itself only when an interface comes up: its own
    # destination is no part of what the scenarios count
    sections.setdefault("announce", {"interval_secs": 0})
    node = transport_node(kind, directory, interfaces, **sections).start()
    stop_all(node)
    return node


def peer(directory, port: int, stop_all, **options) -> RnsPeer:
    started = RnsPeer(directory, port, **options)
    stop_all(started)
    return started


def counters(node: TransportNode) -> dict:
    return node.status()["transport"]


def wait_counters(node: TransportNode, **least: int) -> None:
    """Waits until the node's transport counters reach these values (the
    gateway publishes them on its tick, a moment after the fact)."""

    def reached() -> bool:
        seen = counters(node)
        return all(seen[name] >= value for name, value in least.items())

    try:
        wait_for(reached, 10, f"counters {least}")
    except AssertionError:
        raise AssertionError(f"counters {counters(node)} never reached {least}") from None


def send(sender: RnsPeer, receiver: RnsPeer, destination: str, aspects=SINK) -> None:
    """A packet crosses and its delivery proof comes back."""
    payload = os.urandom(64)
    sent = sender.call(op="send", destination=destination, aspects=aspects, data=payload.hex())
    assert sent == {"sent": True, "delivered": True}, "the proof came back through the node"
    got = wait_for(lambda: receiver.call(op="received", destination=destination)["packets"], 10, "the packet")
    assert payload.hex() in got


def two_peers(kind: str, tmp_path, stop_all):
    """A — node — B: each peer a TCP server the node connects to."""
    ports = free_port(), free_port()
    a = peer(tmp_path / "a", ports[0], stop_all)
    b = peer(tmp_path / "b", ports[1], stop_all)
    node = start_node(
        kind, tmp_path / "node", [tcp_client("a", ports[0]), tcp_client("b", ports[1])], stop_all
    )
    for name in ("a", "b"):
        node.wait_ports(name)
    a.wait_online()
    b.wait_online()
    return a, b, node


@pytest.mark.parametrize("kind", KINDS)
def test_peers_see_each_other_at_two_hops_and_packets_cross(kind, tmp_path, stop_all):
    a, b, node = two_peers(kind, tmp_path, stop_all)
    at_a = a.call(op="announce", aspects=SINK)["destination"]
    at_b = b.call(op="announce", aspects=SINK)["destination"]

    for seer, destination, side in ((b, at_a, "a"), (a, at_b, "b")):
        assert seer.recall(destination)["hops"] == 2, "one hop to the node, one more to the peer"
        route = seer.call(op="hops", destination=destination)
        assert route["next_hop"] == node.transport_id, "the rebroadcast names the node as next hop"
        learnt = wait_for(lambda d=destination: node.path(d), 10, "the node's path")
        assert learnt["hops"] == 1 and learnt["interface"].split("/")[0] == side

    send(a, b, at_b)
    send(b, a, at_a)
    if kind == "styrene":
        wait_counters(node, packets_forwarded=2, proofs_returned=2)


def quiet_after_announce() -> None:
    """Lets the node's rebroadcasts of an announce run out, so that a peer
    connecting afterwards has heard nothing of the destination. RNS sends
    one within PATHFINDER_RW, retries PATHFINDER_G + PATHFINDER_RW later, and
    sees each due only when it checks its announce table (every second, from
    a job loop of a quarter second)."""
    check = 1 + 0.25
    time.sleep(2 * (RNS.Transport.PATHFINDER_RW + check) + RNS.Transport.PATHFINDER_G + 1)


def late_peer(directory, node: TransportNode, server: str, port: int, stop_all) -> RnsPeer:
    """A peer started now, connecting to one of the node's TCP servers."""
    before = len(node.interface(server)["ports"])
    started = peer(directory, port, stop_all, connect=True)
    started.wait_online()
    node.wait_ports(server, before + 1)
    return started


def ask_for_path(asker: RnsPeer, destination: str, node: TransportNode) -> None:
    """The asker knew nothing of the destination; the node answers its path
    request from its table: a path response naming the node as next hop."""
    assert asker.call(op="hops", destination=destination)["has_path"] is False
    assert asker.call(op="recall", destination=destination)["identity"] is None
    answer = asker.call(op="request_path", destination=destination, timeout=20)
    assert answer["found"], "the node answered the path request"
    assert answer["hops"] == 2 and answer["next_hop"] == node.transport_id
    # RNS calls announce handlers from a thread of their own, a moment later
    response = {"destination": destination, "hops": 2, "path_response": True}
    wait_for(lambda: response in asker.call(op="heard")["heard"], 5, "the path response at the asker")


@pytest.mark.parametrize("kind", KINDS)
def test_a_path_request_is_answered_from_the_nodes_table(kind, tmp_path, stop_all):
    a_port, lan_port = free_port(), free_port()
    a = peer(tmp_path / "a", a_port, stop_all)
    interfaces = [tcp_client("a", a_port), tcp_server("lan", lan_port)]
    node = start_node(kind, tmp_path / "node", interfaces, stop_all)
    node.wait_ports("a")
    a.wait_online()
    at_a = a.call(op="announce", aspects=SINK)["destination"]  # once, and never again
    wait_for(lambda: node.path(at_a), 10, "the node to learn A's path")
    quiet_after_announce()

    b = late_peer(tmp_path / "b", node, "lan", lan_port, stop_all)
    ask_for_path(b, at_a, node)
    send(b, a, at_a)
    if kind == "styrene":
        wait_counters(node, path_requests_received=1, path_requests_answered=1)


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_and_a_mebibyte_resource_cross_the_node(kind, tmp_path, stop_all):
    a, b, node = two_peers(kind, tmp_path, stop_all)
    at_b = b.call(op="announce", aspects=SINK)["destination"]
    assert a.recall(at_b)["hops"] == 2
    link = a.call(op="link", destination=at_b, aspects=SINK, timeout=30)
    assert link["active"], "the link request and its proof crossed the node"
    data = os.urandom(100)
    assert a.call(op="link_send", link=link["link"], data=data.hex()) == {"sent": True, "delivered": True}
    sent = a.call(op="resource", link=link["link"], size=1 << 20, timeout=120)
    assert sent["complete"], sent
    incoming = wait_for(
        lambda: (links := b.call(op="incoming")["links"]) and links[0]["resources"] and links[0],
        20,
        "the resource at B",
    )
    assert incoming["link"] == link["link"] and incoming["packets"] == [data.hex()]
    assert incoming["resources"] == [{"complete": True, "size": 1 << 20, "sha256": sent["sha256"]}]
    if kind == "styrene":
        wait_counters(node, link_requests_forwarded=1, link_proofs_forwarded=1, link_packets_forwarded=1)


CHAINS = [("rnsd", "rnsd"), ("styrene", "styrene"), ("styrene", "rnsd"), ("rnsd", "styrene")]


@pytest.mark.parametrize("kinds", CHAINS, ids=["-".join(c) for c in CHAINS])
def test_two_nodes_in_a_chain_give_three_hops(kinds, tmp_path, stop_all):
    """A — n1 — n2 — B; the mixed chains have the gateway and RNS route for
    each other."""
    a_port, trunk_port, b_port = free_port(), free_port(), free_port()
    a = peer(tmp_path / "a", a_port, stop_all)
    b = peer(tmp_path / "b", b_port, stop_all)
    n1 = start_node(
        kinds[0], tmp_path / "n1", [tcp_client("a", a_port), tcp_server("trunk", trunk_port)], stop_all
    )
    n2 = start_node(
        kinds[1], tmp_path / "n2", [tcp_client("trunk", trunk_port), tcp_client("b", b_port)], stop_all
    )
    n1.wait_ports("a")
    n1.wait_ports("trunk")
    n2.wait_ports("trunk")
    n2.wait_ports("b")
    a.wait_online()
    b.wait_online()
    at_a = a.call(op="announce", aspects=SINK)["destination"]
    at_b = b.call(op="announce", aspects=SINK)["destination"]

    assert b.recall(at_a)["hops"] == 3
    assert a.recall(at_b)["hops"] == 3
    assert b.call(op="hops", destination=at_a)["next_hop"] == n2.transport_id
    assert a.call(op="hops", destination=at_b)["next_hop"] == n1.transport_id
    far = wait_for(lambda: n1.path(at_b), 10, "n1's path to B")
    assert far["hops"] == 2 and far["next_hop"] == n2.transport_id and far["interface"].startswith("trunk")
    far = wait_for(lambda: n2.path(at_a), 10, "n2's path to A")
    assert far["hops"] == 2 and far["next_hop"] == n1.transport_id and far["interface"] == "trunk"
    if kinds[1] == "styrene":
        listing = n2.paths_listing()
        assert f"{at_a} is 2 hops away via {n1.transport_id} on trunk expires " in listing
        assert f"{at_b} is 1 hop away via {at_b} on b expires " in listing

    send(a, b, at_b)
    send(b, a, at_a)
    link = a.call(op="link", destination=at_b, aspects=SINK, timeout=30)
    assert link["active"]
    data = os.urandom(100)
    assert a.call(op="link_send", link=link["link"], data=data.hex()) == {"sent": True, "delivered": True}
    incoming = wait_for(
        lambda: (links := b.call(op="incoming")["links"]) and links[0]["packets"] and links[0], 10
    )
    assert incoming["packets"] == [data.hex()]


@pytest.mark.parametrize("kind", KINDS)
def test_the_path_table_survives_a_restart(kind, tmp_path, stop_all):
    a_port, lan_port = free_port(), free_port()
    a = peer(tmp_path / "a", a_port, stop_all)
    interfaces = [tcp_client("a", a_port), tcp_server("lan", lan_port)]
    node = start_node(kind, tmp_path / "node", interfaces, stop_all)
    node.wait_ports("a")
    a.wait_online()
    at_a = a.call(op="announce", aspects=SINK)["destination"]  # once, and never again
    learnt = wait_for(lambda: node.path(at_a), 10, "the node to learn A's path")
    quiet_after_announce()
    transport_id = node.transport_id
    assert node.stop() == 0

    again = start_node(kind, tmp_path / "node", interfaces, stop_all)
    again.wait_ports("a")
    assert again.transport_id == transport_id, "the same transport identity"
    restored = wait_for(lambda: again.path(at_a), 10, "the path to come back from the data dir")
    assert {k: restored[k] for k in ("next_hop", "hops", "interface")} == {
        k: learnt[k] for k in ("next_hop", "hops", "interface")
    }
    b = late_peer(tmp_path / "b", again, "lan", lan_port, stop_all)
    ask_for_path(b, at_a, again)
    send(b, a, at_a)


class Tap:
    """Reads what a node writes on one side (a socket, or the far end of a
    pty pair) in a thread, and keeps each packet with its arrival time and
    the bytes its frame took on the wire (flags, escapes, KISS command)."""

    def __init__(self, source: socket.socket | int, *, kiss: bool = False):
        self.source, self.kiss = source, kiss
        self.frames: list[tuple[float, bytes, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _chunks(self):
        while not self._stop.is_set():
            if not select.select([self.source], [], [], 0.1)[0]:
                continue
            try:
                chunk = (
                    os.read(self.source, 65536) if isinstance(self.source, int) else self.source.recv(65536)
                )
            except OSError:
                return
            if not chunk:
                return
            yield chunk

    def _read(self) -> None:
        flag = KISS.FEND if self.kiss else HDLC.FLAG
        buffer = b""
        for chunk in self._chunks():
            buffer += chunk
            *frames, buffer = buffer.split(bytes([flag]))
            now = time.time()
            for frame in frames:
                packet = self._unframe(frame)
                if packet:
                    self.frames.append((now, packet, len(frame) + 2))  # and its two flags

    def _unframe(self, frame: bytes) -> bytes | None:
        if not self.kiss:
            return frame.replace(b"\x7d\x5e", b"\x7e").replace(b"\x7d\x5d", b"\x7d") or None
        if not frame or frame[0] != KISS.CMD_DATA:
            return None  # empty, or a TNC setting (txdelay, persistence...), not a packet
        return frame[1:].replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def raw_announce(identity: RNS.Identity, app_name: str, *aspects: str) -> tuple[str, bytes]:
    """An announce as RNS's Destination.announce builds it (HEADER_1, no
    ratchet, no app_data), without a Reticulum instance to send it."""
    name_hash = RNS.Identity.full_hash(RNS.Destination.expand_name(None, app_name, *aspects).encode())
    name_hash = name_hash[: RNS.Identity.NAME_HASH_LENGTH // 8]
    destination = RNS.Destination.hash(identity, app_name, *aspects)
    random_hash = os.urandom(5) + int(time.time()).to_bytes(5, "big")
    public_key = identity.get_public_key()
    signature = identity.sign(destination + public_key + name_hash + random_hash)
    header = bytes([RNS.Packet.ANNOUNCE, 0]) + destination + bytes([RNS.Packet.NONE])
    return destination.hex(), header + public_key + name_hash + random_hash + signature


def announce_fields(packet: bytes) -> dict | None:
    """Destination, hops, transport id and announcing identity of an
    announce frame; None for any other packet."""
    flags = packet[0]
    if flags & 0b11 != RNS.Packet.ANNOUNCE:
        return None
    transported = flags & 0x40
    start = 18 if transported else 2
    public_key = packet[start + 17 : start + 17 + RNS.Identity.KEYSIZE // 8]
    return {
        "destination": packet[start : start + 16].hex(),
        "hops": packet[1],
        "transport_id": packet[2:18].hex() if transported else None,
        "identity": RNS.Identity.truncated_hash(public_key).hex(),
    }


FLOOD = 1000
IN_FLIGHT = 100  # replayed but not yet in the path table: under RNS's inbound announce queue (128)
SLOW_BITRATE = 1200
ANNOUNCE_CAP = 0.02  # RNS's default, the gateway's too


@pytest.mark.parametrize("kind", KINDS)
def test_an_announce_flood_keeps_the_cap_on_a_slow_interface(kind, tmp_path, stop_all):
    flood = [raw_announce(RNS.Identity(), "interop", "flood") for _ in range(FLOOD)]
    replayed = {destination for destination, _ in flood}
    link = PtyLink()
    stop_all(link)
    flood_port, fast_port = free_port(), free_port()
    interfaces = [
        tcp_server("flood", flood_port, ingress_control=False),
        tcp_server("fast", fast_port),
        {
            "name": "radio",
            "type": "serial",
            "device": link.paths[0],
            "bitrate": SLOW_BITRATE,
            **FAST_RECONNECT,
        },
    ]
    node = start_node(kind, tmp_path / "node", interfaces, stop_all)
    node.wait_ports("radio")
    radio = Tap(link.slaves[1], kiss=True)
    stop_all(radio)
    taps = {}
    for name, port in (("fast", fast_port), ("flood", flood_port)):
        conn = socket.create_connection(("127.0.0.1", port))
        stop_all(conn)
        node.wait_ports(name)
        taps[name] = Tap(conn)  # the flood side is read too: RNS sends the rebroadcasts back there
        stop_all(taps[name])
    time.sleep(1)  # what the node sends when a port comes up is before the window

    def arrived() -> dict[str, dict]:
        fields = (announce_fields(packet) for _, packet, _ in list(taps["fast"].frames))
        return {f["destination"]: f for f in fields if f and f["destination"] in replayed}

    started = time.time()
    sent = 0
    while sent < FLOOD:
        # paced by what the node has taken in: RNS drops announces beyond
        # its inbound queue, which no sender on a real link outruns so
        if sent - counters(node)["path_table_size"] < IN_FLIGHT:
            batch = flood[sent : sent + 25]
            taps["flood"].source.sendall(b"".join(hdlc(raw) for _, raw in batch))
            sent += len(batch)
        else:
            assert time.time() - started < 45, f"the node stalled: {counters(node)}"
            time.sleep(0.02)
    try:
        fast = wait_for(lambda: len(a := arrived()) == FLOOD and a, 45, "every announce on the fast side")
    except AssertionError:
        raise AssertionError(
            f"{len(arrived())} of {FLOOD} announces on the fast side; node: {counters(node)}, "
            f"fast: {node.interface('fast')}"
        ) from None
    window = time.time() - started

    assert {f["hops"] for f in fast.values()} == {1}
    assert {f["transport_id"] for f in fast.values()} == {node.transport_id}, "rebroadcast by the node"

    def learnt() -> dict[str, int]:
        return {p["destination"]: p["hops"] for p in node.paths() if p["destination"] in replayed}

    assert wait_for(lambda: len(paths := learnt()) == FLOOD and paths, 10, "the paths") == dict.fromkeys(
        replayed, 1
    )

    # The node's own announces are not rebroadcasts: RNS sends those outside
    # the cap, and the gateway announces itself when a port comes up.
    on_radio = [(packet, wire) for t, packet, wire in list(radio.frames) if t >= started]
    capped = [wire for p, wire in on_radio if (f := announce_fields(p)) and f["destination"] in replayed]
    own = [p for p, _ in on_radio if (f := announce_fields(p)) and f["identity"] == node.transport_id]
    assert len(capped) + len(own) == len(on_radio), "only announces go out on the slow side"
    assert capped, "the first announce goes out at once"
    written = sum(capped)
    budget = ANNOUNCE_CAP * SLOW_BITRATE / 8 * window + max(capped)
    assert written <= budget, f"{len(capped)} announces, {written} bytes in {window:.1f} s: cap {budget:.0f}"
    assert node.interface("radio")["announce_queue"] > 0, "the rest wait in the interface's queue"


# The side by side workload: who does what, by name. A and B are peers the
# node connects to; C connects to the node's TCP server once the announces
# have run out, and learns only by asking.
WORKLOAD = [
    ("announce", "A", "alpha"),
    ("announce", "A", "beta"),
    ("announce", "B", "sink"),
    ("settle",),
    ("join", "C"),
    ("request_path", "C", "alpha"),
    ("request_path", "C", "sink"),
    ("request_path", "C", "nowhere"),
    ("send", "A", "sink"),
    ("send", "B", "alpha"),
    ("send", "C", "alpha"),
    ("send", "C", "sink"),
]


def run_workload(kind: str, directory, stop_all) -> dict:
    """Runs WORKLOAD on a node of this kind; answers what was decided, with
    destinations by name (their hashes differ from run to run)."""
    ports = {"A": free_port(), "B": free_port(), "lan": free_port()}
    peers = {name: peer(directory / name, ports[name], stop_all) for name in ("A", "B")}
    interfaces = [tcp_client("a", ports["A"]), tcp_client("b", ports["B"]), tcp_server("lan", ports["lan"])]
    node = start_node(kind, directory / "node", interfaces, stop_all)
    for name in ("a", "b"):
        node.wait_ports(name)
    for started in peers.values():
        started.wait_online()
    names = {RNS.Identity.get_random_hash()[:16].hex(): "nowhere"}
    hashes = {"nowhere": next(iter(names))}
    outcomes = []
    for step in WORKLOAD:
        op, *args = step
        if op == "announce":
            who, what = args
            hashes[what] = peers[who].call(op="announce", aspects=["interop", what])["destination"]
            names[hashes[what]] = what
        elif op == "settle":
            for destination in hashes.values():
                if names[destination] != "nowhere":
                    wait_for(lambda d=destination: node.path(d), 10, "the node's paths")
            quiet_after_announce()
        elif op == "join":
            peers[args[0]] = late_peer(directory / args[0], node, "lan", ports["lan"], stop_all)
        elif op == "request_path":
            who, what = args
            answer = peers[who].call(op="request_path", destination=hashes[what], timeout=4)
            outcomes.append((step, answer["found"], answer["hops"]))
        elif op == "send":
            who, what = args
            sent = peers[who].call(
                op="send", destination=hashes[what], aspects=["interop", what], data="00" * 32
            )
            outcomes.append((step, sent["delivered"]))
    seen_by_peers = {
        who: {
            what: peers[who].call(op="hops", destination=destination)["hops"]
            for what, destination in hashes.items()
        }
        for who in sorted(peers)
    }
    heard = {
        who: sorted(
            (names[h["destination"]], h["hops"], h["path_response"])
            for h in peers[who].call(op="heard")["heard"]
            if h["destination"] in names
        )
        for who in sorted(peers)
    }
    at_node = {names[p["destination"]]: p["hops"] for p in node.paths() if p["destination"] in names}
    return {"outcomes": outcomes, "hops seen by peers": seen_by_peers, "heard": heard, "node paths": at_node}


def test_side_by_side_the_gateway_decides_as_rnsd_does(tmp_path, stop_all):
    reference = run_workload("rnsd", tmp_path / "rnsd", stop_all)
    # what rnsd decided, for the record and as a check on the workload itself
    assert reference["node paths"] == {"alpha": 1, "beta": 1, "sink": 1}
    assert ((("request_path", "C", "nowhere"), False, None)) in reference["outcomes"]
    assert all(o[1] for o in reference["outcomes"] if o[0][2] != "nowhere")
    styrene = run_workload("styrene", tmp_path / "styrene", stop_all)
    assert styrene == reference
