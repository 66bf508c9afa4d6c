"""Generate the transport vectors by running RNS 1.5.7's transport itself.

A Reticulum instance with ``enable_transport = Yes`` and a fixed transport
identity gets two in-memory interfaces. Announces, path requests and packets
in transport are fed to ``RNS.Transport.inbound``; ``RNS.Transport.jobs`` runs
the rebroadcasts; what RNS writes on each interface is recorded. Path
requests are made by ``RNS.Transport.request_path`` and the path-request
destination hash comes from ``RNS.Destination.hash``.

RNS's random choices (identities, random blobs, the rebroadcast window) come
from a seeded generator and its clock is read normally, so the recorded bytes
do not depend on when the script runs.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import RNS
from RNS.Interfaces.Interface import Interface

OUT = Path(__file__).with_name("transport.json.gz")
rng = random.Random(20261201)


def b(n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


class Recorder(Interface):
    """An interface that keeps what RNS sends on it."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.IN = True
        self.OUT = True
        self.online = True
        self.bitrate = 10_000_000
        self.HW_MTU = 500
        self.mode = Interface.MODE_FULL
        self.ifac_identity = None
        self.ifac_size = 0
        self.announce_rate_target = None
        # ingress control would hold the quick succession of new announces here
        self.ingress_control = False
        self.sent: list[bytes] = []

    def process_outgoing(self, data: bytes) -> None:
        self.sent.append(data)

    def __str__(self) -> str:
        return f"Recorder[{self.name}]"


def settle() -> None:
    """Waits for the threads RNS's jobs start (outgoing announces, and the
    timers that release announces the cap queued) and any they start."""
    while True:
        others = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
        if not others:
            return
        for thread in others:
            thread.join(timeout=5)


def run_jobs() -> None:
    """One round of RNS's jobs; then the announce table is emptied so that
    retries of this round never leak into the next case."""
    RNS.Transport.announces_last_checked = 0
    RNS.Transport.jobs()
    settle()
    RNS.Transport.announce_table.clear()


class EmissionClock:
    """Stands in for the ``time`` module inside RNS.Destination, which puts
    the clock into an announce's random blob."""

    now = 0.0

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self) -> float:
        return self.now


def make_announce(emitted: int, app_data: bytes | None) -> tuple[bytes, RNS.Identity]:
    ident = RNS.Identity.from_bytes(b(64))
    dest = RNS.Destination(ident, RNS.Destination.IN, RNS.Destination.SINGLE, "styrene", "node")
    random_bytes = b(16)
    RNS.Identity.get_random_hash = staticmethod(lambda: random_bytes)
    clock = EmissionClock()
    clock.now = float(emitted)
    sys.modules["RNS.Destination"].time = clock
    packet = dest.announce(app_data=app_data, send=False)
    sys.modules["RNS.Destination"].time = time
    packet.pack()
    RNS.Transport.deregister_destination(dest)
    return packet.raw, ident


def in_transport(raw: bytes, hops: int, transport_id: bytes) -> bytes:
    """``raw`` as a transport node upstream would have rebroadcast it."""
    flags = 0x40 | 0x10 | (raw[0] & 0x2F)
    return bytes([flags, hops]) + transport_id + raw[2:]


def rebroadcasts(a: Recorder, z: Recorder) -> list:
    out = []
    upstream = b(16)
    for n in range(6):
        raw, _ = make_announce(1_764_000_000 + n, b"gw" * n if n % 2 else None)
        heard = raw if n < 3 else in_transport(raw, n, upstream)
        a.sent.clear()
        z.sent.clear()
        RNS.Transport.inbound(heard, a)
        run_jobs()
        out.append(
            {"heard": heard.hex(), "sent_a": [p.hex() for p in a.sent], "sent_z": [p.hex() for p in z.sent]}
        )
    return out


def path_responses(a: Recorder, z: Recorder) -> list:
    out = []
    for n in range(3):
        raw, _ = make_announce(1_764_100_000 + n, None)
        RNS.Transport.inbound(raw, a)
        run_jobs()
        tag = b(16)
        request = RNS.Destination(
            None, RNS.Destination.OUT, RNS.Destination.PLAIN, "rnstransport", "path", "request"
        )
        data = raw[2:18] + b(16) + tag
        pr = RNS.Packet(request, data, packet_type=RNS.Packet.DATA)
        pr.pack()
        a.sent.clear()
        z.sent.clear()
        RNS.Transport.inbound(pr.raw, z)
        time.sleep(RNS.Transport.PATH_REQUEST_GRACE + 0.05)
        run_jobs()
        out.append(
            {
                "announce": raw.hex(),
                "request": pr.raw.hex(),
                "sent_a": [p.hex() for p in a.sent],
                "sent_z": [p.hex() for p in z.sent],
            }
        )
    return out


def forwarding(a: Recorder, z: Recorder, transport_id: bytes) -> list:
    """Packets addressed to the node for destinations 1 and 3 hops away on ``a``."""
    out = []
    far_hop = b(16)
    for hops in (0, 2):
        raw, _ = make_announce(1_764_200_000 + hops, None)
        heard = raw if hops == 0 else in_transport(raw, hops, far_hop)
        RNS.Transport.inbound(heard, a)
        destination = raw[2:18]
        packet = bytes([0x50, 0]) + transport_id + destination + bytes([0]) + b(40)
        a.sent.clear()
        z.sent.clear()
        RNS.Transport.inbound(packet, z)
        proof_for = RNS.Identity.full_hash(bytes([packet[0] & 0x0F]) + packet[18:])[:16]
        proof = bytes([0x03, 0]) + proof_for + bytes([0]) + b(64)
        RNS.Transport.inbound(proof, a)
        out.append(
            {
                "announce": heard.hex(),
                "packet": packet.hex(),
                "proof": proof.hex(),
                "sent_a": [p.hex() for p in a.sent],
                "sent_z": [p.hex() for p in z.sent],
            }
        )
    return out


def path_requests(transport_id: bytes) -> list:
    out = []
    sent = []
    original_send = RNS.Packet.send

    def record(packet):
        packet.pack()
        sent.append(packet.raw)

    RNS.Packet.send = record
    try:
        for _ in range(3):
            destination, tag = b(16), b(16)
            sent.clear()
            RNS.Transport.request_path(destination, tag=tag)
            out.append({"destination": destination.hex(), "tag": tag.hex(), "packet": sent[0].hex()})
    finally:
        RNS.Packet.send = original_send
    return out


def main() -> None:
    RNS.rand = lambda: 0.0
    with tempfile.TemporaryDirectory() as tmp:
        # the transport identity RNS loads from storage
        (Path(tmp) / "storage").mkdir()
        RNS.Identity.from_bytes(b(64)).to_file(str(Path(tmp) / "storage" / "transport_identity"))
        config = Path(tmp) / "config"
        config.write_text(
            "[reticulum]\n  enable_transport = Yes\n  share_instance = No\n"
            "  panic_on_interface_error = No\n\n[interfaces]\n"
        )
        RNS.Reticulum(configdir=tmp, loglevel=RNS.LOG_CRITICAL)
        RNS.Transport.USE_INBOUND_QUEUE = False
        # RNS's own job loop would rebroadcast at times of its choosing: stop
        # it, so that jobs run only when run_jobs() runs them
        RNS.Transport._should_run = False
        time.sleep(2 * RNS.Transport.job_interval)
        a, z = Recorder("a"), Recorder("z")
        RNS.Transport.interfaces.extend([a, z])
        transport_id = RNS.Transport.identity.hash
        vectors = {
            "source": "RNS 1.5.7 (PyPI rns), tests/vectors/generate_transport.py",
            "transport_id": transport_id.hex(),
            "path_request_destination": RNS.Destination.hash(None, "rnstransport", "path", "request").hex(),
            "path_requests": path_requests(transport_id),
            "rebroadcasts": rebroadcasts(a, z),
            "path_responses": path_responses(a, z),
            "forwarding": forwarding(a, z, transport_id),
        }
    text = json.dumps(vectors, indent=1, sort_keys=True).encode()
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    print(f"{OUT.name}: {sum(len(v) for v in vectors.values() if isinstance(v, list))} cases")
    sys.stdout.flush()
    RNS.exit()


if __name__ == "__main__":
    main()
