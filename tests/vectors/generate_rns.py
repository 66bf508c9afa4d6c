"""Generate the Reticulum vectors by running RNS 1.5.7 itself.

* Identities, destination hashes, signatures and packet hashes come from
  ``RNS.Identity``, ``RNS.Destination`` and ``RNS.Packet``.
* Announces are made by ``RNS.Destination.announce`` (with and without
  app_data and ratchets) and judged by ``RNS.Identity.validate_announce``,
  together with forged ones (bad signature, wrong destination, truncated).
* Packet headers are unpacked by ``RNS.Packet.unpack``.
* Packets are framed with RNS's own HDLC and KISS escaping; HDLC and KISS
  streams are fed, in the chunks recorded here, through the read loop of a
  real ``TCPClientInterface`` (HDLC, and KISS with ``kiss_framing``), and the
  frames it delivers and refuses are recorded.
* IFAC keys come from a Reticulum instance configured with network names and
  passphrases; frames are wrapped by ``Transport.handle_outgoing_ifac`` and
  checked by ``Transport.handle_ifac``.

RNS draws random hashes and ratchet keys at random and reads the clock; both
are fed from a seeded generator here so that the output is deterministic.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import tempfile
from pathlib import Path

import RNS
from RNS.Interfaces.TCPInterface import HDLC, KISS, TCPClientInterface

OUT = Path(__file__).with_name("rns.json.gz")
rng = random.Random(20261125)


def b(n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


class SeededClock:
    """Stands in for the ``time`` module inside RNS.Destination."""

    now = 1_764_000_000.0

    def __getattr__(self, name):
        import time

        return getattr(time, name)

    def time(self) -> float:
        return self.now


def make_deterministic() -> None:
    RNS.Identity.get_random_hash = staticmethod(lambda: RNS.Identity.full_hash(b(32))[:16])
    sys.modules["RNS.Destination"].time = SeededClock()


def identities() -> list:
    out = []
    for _ in range(24):
        prv = b(64)
        ident = RNS.Identity.from_bytes(prv)
        message = b(rng.randrange(0, 200))
        out.append(
            {
                "private": prv.hex(),
                "public": ident.get_public_key().hex(),
                "hash": ident.hash.hex(),
                "message": message.hex(),
                "signature": ident.sign(message).hex(),
                "lxmf_delivery": RNS.Destination.hash(ident, "lxmf", "delivery").hex(),
                "styrene_node": RNS.Destination.hash(ident, "styrene", "node").hex(),
            }
        )
    return out


def validate(raw: bytes):
    packet = RNS.Packet(None, raw)
    if not packet.unpack():
        return "unpack"
    return bool(RNS.Identity.validate_announce(packet))


APP_DATA = [
    None,
    b"",
    b"styrene:gw-1:0.1.0:rpc,chat:::fp-1",
    b"\x92\xc4\x05Alice\xc0",
    b"rnode:Field",
    bytes(range(256)) * 1,
]


def announces(tmp: Path) -> list:
    out = []
    for n in range(30):
        private = b(64)
        ident = RNS.Identity.from_bytes(private)
        aspects = rng.choice(
            [("styrene", "node"), ("lxmf", "delivery"), ("nomadnetwork", "node"), ("app", "a", "b")]
        )
        dest = RNS.Destination(ident, RNS.Destination.IN, RNS.Destination.SINGLE, *aspects)
        ratchet = n % 3 == 2
        if ratchet:
            dest.ratchets = [b(32)]
            dest.rotate_ratchets = lambda: True
        app_data = APP_DATA[n % len(APP_DATA)]
        SeededClock.now += rng.randrange(1, 10_000)
        packet = dest.announce(app_data=app_data, send=False)
        packet.pack()
        raw = packet.raw
        RNS.Transport.deregister_destination(dest)
        case = {
            "name": ".".join(aspects),
            "raw": raw.hex(),
            "valid": validate(raw),
            "destination": dest.hash.hex(),
            "identity": ident.hash.hex(),
            "private": private.hex(),
            "public": ident.get_public_key().hex(),
            "app_data": None if app_data is None else app_data.hex(),
            "ratchet": ratchet,
            "packet_hash": packet.get_hash().hex(),
        }
        out.append(case)
        forged = bytearray(raw)
        forged[-1 if app_data else len(raw) - 1] ^= 0x01
        moved = bytearray(raw)
        moved[2] ^= 0x80
        for kind, bad in (("bad_signature", forged), ("wrong_destination", moved), ("truncated", raw[:120])):
            out.append(
                {
                    "name": case["name"],
                    "raw": bytes(bad).hex(),
                    "valid": validate(bytes(bad)),
                    "forgery": kind,
                }
            )
        # re-signed by the same identity for a destination that is not its own
        other = bytes(b(16))
        data = packet.data
        pub, rest = data[:64], data[64:]
        name_hash, random_hash = rest[:10], rest[10:20]
        offset = 20 + (32 if ratchet else 0)
        ratchet_bytes = rest[20:offset]
        app = rest[offset + 64 :]
        signature = ident.sign(other + pub + name_hash + random_hash + ratchet_bytes + app)
        resigned = (
            raw[:2] + other + raw[18:19] + pub + name_hash + random_hash + ratchet_bytes + signature + app
        )
        out.append(
            {"name": case["name"], "raw": resigned.hex(), "valid": validate(resigned), "forgery": "mismatch"}
        )
    return out


def packets() -> list:
    out = []
    for n in range(200):
        header_2 = n % 2
        length = rng.choice([0, 1, 2, 18, 19, 20, 34, 35, 36, 40, 100, 500])
        raw = bytearray(b(length))
        if length:
            raw[0] = (raw[0] & 0xBF) | (header_2 << 6)
        if length > 1 and n % 5:
            raw[1] %= 140
        packet = RNS.Packet(None, bytes(raw))
        case = {"raw": raw.hex()}
        if packet.unpack():
            case["ok"] = {
                "header_type": packet.header_type,
                "context_flag": packet.context_flag,
                "transport_type": packet.transport_type,
                "destination_type": packet.destination_type,
                "packet_type": packet.packet_type,
                "hops": packet.hops,
                "transport_id": packet.transport_id.hex() if packet.transport_id else None,
                "destination": packet.destination_hash.hex(),
                "context": packet.context,
                "data": packet.data.hex(),
                "hash": packet.get_hash().hex(),
            }
        out.append(case)
    return out


class FakeSocket:
    def __init__(self, chunks):
        self.chunks = list(chunks)

    def recv(self, _size):
        return self.chunks.pop(0) if self.chunks else b""

    def setsockopt(self, *args):
        pass

    def close(self):
        pass


class Owner:
    def __init__(self):
        self.frames = []

    def inbound(self, data, interface):
        self.frames.append(("frame", data.hex()))


def read_loop(chunks, *, kiss: bool, hw_mtu: int, ifac_size):
    owner = Owner()
    config = {"name": "vectors", "kiss_framing": kiss}
    iface = TCPClientInterface(owner, config, connected_socket=FakeSocket(chunks))
    iface.online = True
    iface.target_ip, iface.target_port = "127.0.0.1", 0  # only read by its __str__
    iface.HW_MTU = hw_mtu
    iface.ifac_size = ifac_size
    iface.invalid_frame = lambda length: owner.frames.append(("invalid", length))
    iface.teardown = lambda: None
    RNS.loglevel = RNS.LOG_WARNING
    iface.read_loop()
    return owner.frames


def stream_piece(kiss: bool) -> bytes:
    kind = rng.randrange(8)
    packet = b(rng.choice([0, 5, 19, 20, 21, 60, 200, 600, 1200]))
    special = bytes([0x7E, 0x7D, 0xC0, 0xDB, 0xDC, 0xDD, 0x5E, 0x5D])
    if kind == 0:
        packet = bytes(rng.choice(special) if rng.random() < 0.3 else x for x in packet)
    if kiss:
        framed = bytes([KISS.FEND, rng.choice([0x00, 0x00, 0x00, 0x10, 0x01, 0x0F])]) + KISS.escape(packet)
        framed += bytes([KISS.FEND])
    else:
        framed = bytes([HDLC.FLAG]) + HDLC.escape(packet) + bytes([HDLC.FLAG])
    if kind == 1:
        return b(rng.randrange(1, 40))
    if kind == 2:
        return framed[: rng.randrange(1, len(framed) + 1)]
    if kind == 3:
        return bytes(rng.choice(special) for _ in range(rng.randrange(1, 12)))
    return framed


def streams(kiss: bool) -> list:
    out = []
    for _ in range(120):
        stream = b"".join(stream_piece(kiss) for _ in range(rng.randrange(1, 12)))
        chunks, at = [], 0
        while at < len(stream):
            step = rng.choice([1, 3, 17, 64, 700, 4096])
            chunks.append(stream[at : at + step])
            at += step
        hw_mtu = rng.choice([564, 1064]) if kiss else rng.choice([500, 1064, 16384])
        ifac_size = rng.choice([None, 8, 16])
        frames = read_loop(chunks, kiss=kiss, hw_mtu=hw_mtu, ifac_size=ifac_size)
        out.append(
            {
                "chunks": [c.hex() for c in chunks],
                "hw_mtu": hw_mtu,
                "ifac_size": ifac_size or 0,
                "frames": [list(f) for f in frames],
            }
        )
    return out


def framing() -> list:
    """Packets framed by RNS's own HDLC and KISS escaping (TCP and KISS interfaces)."""
    out = []
    special = [0x7E, 0x7D, 0xC0, 0xDB, 0xDC, 0xDD]

    def byte() -> int:
        return rng.choice(special) if rng.random() < 0.4 else rng.getrandbits(8)

    for n in range(40):
        packet = bytes(byte() for _ in range(n * 7))
        out.append(
            {
                "packet": packet.hex(),
                "hdlc": (bytes([HDLC.FLAG]) + HDLC.escape(packet) + bytes([HDLC.FLAG])).hex(),
                "kiss": (bytes([KISS.FEND, KISS.CMD_DATA]) + KISS.escape(packet) + bytes([KISS.FEND])).hex(),
            }
        )
    return out


CONFIG = """
[reticulum]
  enable_transport = False
  share_instance = No
  panic_on_interface_error = No

[logging]
  loglevel = 2

[interfaces]
"""

IFAC_SETTINGS = [
    ("testnet", "secret", None),
    ("testnet", None, None),
    (None, "only-a-passphrase", 64),
    ("styrene-field", "correct horse battery staple", 128),
    ("ünïcode-net", "пароль", 8),
]


def ifac(tmp: Path) -> list:
    config = CONFIG
    for n, (name, passphrase, bits) in enumerate(IFAC_SETTINGS):
        config += (
            f"  [[vectors {n}]]\n    type = UDPInterface\n    enabled = yes\n    listen_ip = 127.0.0.1\n"
        )
        config += (
            f"    listen_port = {47100 + n}\n    forward_ip = 127.0.0.1\n    forward_port = {47200 + n}\n"
        )
        if name:
            config += f"    network_name = {name}\n"
        if passphrase:
            config += f"    passphrase = {passphrase}\n"
        if bits:
            config += f"    ifac_size = {bits}\n"
    (tmp / "config").write_text(config)
    RNS.Reticulum(configdir=str(tmp), loglevel=RNS.LOG_CRITICAL)
    interfaces = {i.name: i for i in RNS.Transport.interfaces}
    out = []
    for n, (name, passphrase, _bits) in enumerate(IFAC_SETTINGS):
        iface = interfaces[f"vectors {n}"]
        frames = []
        for _ in range(12):
            packet = bytearray(b(rng.choice([19, 20, 40, 200, 500])))
            packet[0] &= 0x7F  # the IFAC flag is only ever set by the wrap
            packet = bytes(packet)
            frame = RNS.Transport.handle_outgoing_ifac(iface, packet)
            tampered = bytearray(frame)
            tampered[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
            tampered[0] |= 0x80
            ok, inner = RNS.Transport.handle_ifac(frame, iface)
            bad, _ = RNS.Transport.handle_ifac(bytes(tampered), iface)
            frames.append(
                {
                    "packet": packet.hex(),
                    "frame": frame.hex(),
                    "unwraps": ok and inner == packet,
                    "tampered": tampered.hex(),
                    "tampered_accepted": bad,
                }
            )
        out.append(
            {
                "network_name": name,
                "passphrase": passphrase,
                "ifac_size": iface.ifac_size,
                "key": iface.ifac_key.hex(),
                "frames": frames,
            }
        )
    return out


def main() -> None:
    make_deterministic()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        vectors = {
            "source": "RNS 1.5.7 (PyPI rns), tests/vectors/generate_rns.py",
            "ifac": ifac(tmp),
            "identities": identities(),
            "announces": announces(tmp),
            "packets": packets(),
            "hdlc_streams": streams(kiss=False),
            "kiss_streams": streams(kiss=True),
            "framing": framing(),
        }
    text = json.dumps(vectors, indent=1, sort_keys=True).encode()
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    print(
        f"{OUT.name}: {len(vectors['announces'])} announces, {len(vectors['packets'])} packets, "
        f"{len(vectors['hdlc_streams']) + len(vectors['kiss_streams'])} streams, "
        f"{len(vectors['ifac'])} IFAC keys"
    )


if __name__ == "__main__":
    main()
