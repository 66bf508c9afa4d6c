"""Fixtures for the gateway tests: the real `styrene-gateway` binary, Reticulum
programs on the real RNS from PyPI, and pseudo-terminal pairs standing in for
a serial cable."""

from __future__ import annotations

import gzip
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import tty
import urllib.request
from pathlib import Path

import pytest
from RNS.Interfaces.TCPInterface import HDLC, KISS

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "target" / "native" / "styrene-gateway"
COMPONENT = ROOT / "target" / "wasm32-wasip2" / "release" / "styrene.wasm"
PEER = Path(__file__).with_name("rns_peer.py")
RNSD = Path(__file__).with_name("rnsd_node.py")


def hdlc(packet: bytes) -> bytes:
    """A packet as RNS's TCP interfaces frame it (RNS's own escaping)."""
    return bytes([HDLC.FLAG]) + HDLC.escape(packet) + bytes([HDLC.FLAG])


def kiss(packet: bytes) -> bytes:
    """A packet as RNS's KISS interfaces frame it (RNS's own escaping)."""
    return bytes([KISS.FEND, KISS.CMD_DATA]) + KISS.escape(packet) + bytes([KISS.FEND])


def rns_vectors() -> dict:
    """tests/vectors/rns.json.gz: what RNS 1.5.7 itself produced."""
    with gzip.open(ROOT / "tests" / "vectors" / "rns.json.gz") as f:
        return json.load(f)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


class TransportNode:
    """What the transport tests ask of a transport node, whichever program
    it is: `styrene-gateway` in transport mode or Python RNS as rnsd.

    Interfaces are given in the gateway.toml vocabulary; the data directory
    is the node's directory, so a node made again on it restarts with what
    the last one stored."""

    kind: str
    directory: Path

    def start(self) -> TransportNode:
        raise NotImplementedError

    def stop(self) -> int:
        raise NotImplementedError

    def status(self) -> dict:
        raise NotImplementedError

    def paths(self) -> list[dict]:
        """The path table, as the gateway's `/paths` lists it."""
        raise NotImplementedError

    @property
    def transport_id(self) -> str:
        """The identity hash it puts in HEADER_2 packets as their next hop."""
        return self.status()["identity_hash"]

    def path(self, destination: str) -> dict | None:
        return next((p for p in self.paths() if p["destination"] == destination), None)

    def interface(self, name: str) -> dict:
        return next(i for i in self.status()["interfaces"] if i["name"] == name)

    def wait_ports(self, name: str, count: int = 1, timeout: float = 30.0) -> None:
        """Waits until the interface has `count` live ports (a TCP client
        connected, or that many clients on a TCP server)."""
        wait_for(lambda: len(self.interface(name)["ports"]) >= count, timeout, f"{count} port(s) on {name}")

    @property
    def log(self) -> Path:
        raise NotImplementedError


class Gateway(TransportNode):
    """A `styrene-gateway run` process with a generated config."""

    kind = "styrene"

    def __init__(self, directory: Path, interfaces: list[dict], *, mode: str | None = None, **sections):
        self.directory = directory
        self.data_dir = directory / "data"
        self.status_port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        lines = [f'name = "{directory.name}"', f"data_dir = {toml_value(self.data_dir)}"]
        if mode is not None:
            lines.append(f"mode = {toml_value(mode)}")
        status = {"listen": f"127.0.0.1:{self.status_port}", **sections.pop("status", {})}
        tables = {"status": status, **sections}
        for table, values in tables.items():
            lines.append(f"[{table}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
        for interface in interfaces:
            lines.append("[[interface]]")
            lines += [f"{k} = {toml_value(v)}" for k, v in interface.items()]
        self.config = directory / "gateway.toml"
        self.config.write_text("\n".join(lines) + "\n")
        self._log = directory / "gateway.log"
        self.process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self._log

    def start(self) -> Gateway:
        missing = [p for p in (GATEWAY, COMPONENT) if not p.exists()]
        if missing:
            pytest.fail(f"build first (just build): missing {missing}")
        env = dict(os.environ, STYRENE_LOG="debug", STYRENE_WASM=str(COMPONENT))
        env.setdefault("STYRENE_CACHE_DIR", str(ROOT / "target" / "styrene-cache"))
        self.process = subprocess.Popen(
            [GATEWAY, "run", "--config", self.config],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            env=env,
        )
        wait_for(self._relaying, 60, f"{self.directory.name}'s relay")
        return self

    def _relaying(self) -> bool:
        """The status endpoint answers from the start; the relay publishes the
        gateway's identity there once it has loaded or made it."""
        if self.process.poll() is not None:
            raise AssertionError(f"gateway exited with {self.process.returncode}:\n{self.log.read_text()}")
        try:
            return bool(self.status()["identity_hash"])
        except OSError:
            return False

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.status_port}{path}", timeout=5) as response:
            return response.read()

    def status(self) -> dict:
        return json.loads(self.get("/status"))

    def nodes(self) -> list[dict]:
        return json.loads(self.get("/nodes"))

    def paths(self) -> list[dict]:
        return json.loads(self.get("/paths"))

    def paths_listing(self) -> str:
        """`styrene-gateway paths --status ADDR`: the table as `rnpath -t` prints it."""
        return subprocess.run(
            [GATEWAY, "--component", COMPONENT, "paths", "--status", f"127.0.0.1:{self.status_port}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def wait_state(self, name: str, state: str, timeout: float = 20.0) -> None:
        wait_for(lambda: self.interface(name)["state"] == state, timeout, f"{name} to be {state}")

    def rss(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def stop(self) -> int:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("the gateway ignored SIGTERM") from None
        return self.process.returncode


class Rnsd(TransportNode):
    """Python RNS 1.5.7 with `enable_transport = Yes` (tests/gateway/rnsd_node.py):
    what rnsd does, on the same interfaces a gateway would be given."""

    kind = "rnsd"

    def __init__(self, directory: Path, interfaces: list[dict], **_gateway_only):
        # the gateway's own sections (announce, limits, status) have no RNS
        # meaning: an rnsd announces nothing of its own
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.interfaces = directory / "interfaces.json"
        self.interfaces.write_text(json.dumps(interfaces))
        self.process: subprocess.Popen | None = None
        self._identity: str | None = None

    @property
    def log(self) -> Path:
        return self.directory / "logfile"

    def start(self) -> Rnsd:
        args = [sys.executable, str(RNSD), "--dir", str(self.directory), "--interfaces", str(self.interfaces)]
        stderr = (self.directory / "stderr.log").open("ab")
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1
        )
        self._identity = self._read()["identity_hash"]
        return self

    def _read(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(f"rnsd gave no answer (exit {self.process.poll()})")
        return json.loads(line)

    def call(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def status(self) -> dict:
        return self.call(op="status")

    def paths(self) -> list[dict]:
        return self.call(op="paths")["paths"]

    @property
    def transport_id(self) -> str:
        return self._identity

    def stop(self) -> int:
        """SIGTERM: RNS's own handler stores the path table, as rnsd does."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("rnsd ignored SIGTERM") from None
        return self.process.returncode


NODES = {"rnsd": Rnsd, "styrene": Gateway}


def transport_node(kind: str, directory: Path, interfaces: list[dict], **sections) -> TransportNode:
    """A transport node of either kind on these interfaces (not started)."""
    return NODES[kind](directory, interfaces, **sections)


class RnsPeer:
    """A Reticulum program (tests/gateway/rns_peer.py) with one interface towards a gateway."""

    def __init__(
        self,
        directory: Path,
        port: int | None = None,
        network_name: str | None = None,
        passphrase: str | None = None,
        *,
        connect: bool = False,
        udp: tuple[int, int] | None = None,
    ):
        args = [sys.executable, str(PEER), "--dir", str(directory)]
        if port is not None:
            args += ["--port", str(port)] + (["--connect"] if connect else [])
        if udp:
            args += ["--udp", f"{udp[0]}:{udp[1]}"]
        if network_name:
            args += ["--network-name", network_name]
        if passphrase:
            args += ["--passphrase", passphrase]
        self.port = port
        directory.parent.mkdir(parents=True, exist_ok=True)
        self.stderr = (directory.parent / f"{directory.name}.log").open("ab")
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, bufsize=1
        )
        self.identity = self._read()["identity"]

    def _read(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(f"RNS peer gave no answer (exit {self.process.poll()})")
        return json.loads(line)

    def call(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def wait_online(self, count: int = 1, timeout: float = 30.0) -> None:
        """Waits until RNS has `count` interfaces up (a TCP server's client
        counts once it is accepted: announces sent before would go nowhere)."""
        wait_for(lambda: self.call(op="online")["online"] >= count, timeout, "the peer's interface")

    def recall(self, destination: str, timeout: float = 20.0) -> dict:
        """Waits until RNS knows the destination's identity and has a path to it."""
        return wait_for(
            lambda: (r := self.call(op="recall", destination=destination))["identity"]
            and r["hops"] is not None
            and r,
            timeout,
            f"RNS to recall {destination}",
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class PtyLink:
    """Two pseudo-terminals joined master to master: a null-modem cable whose
    ends are the slave devices."""

    def __init__(self):
        self.masters, self.slaves, self.paths = [], [], []
        for _ in range(2):
            master, slave = os.openpty()
            tty.setraw(slave)
            self.masters.append(master)
            self.slaves.append(slave)  # held open so the masters never see a hangup
            self.paths.append(os.ttyname(slave))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        a, b = self.masters
        while not self._stop.is_set():
            ready, _, _ = select.select([a, b], [], [], 0.1)
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    continue
                os.write(b if fd == a else a, data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for fd in self.masters + self.slaves:
            os.close(fd)


@pytest.fixture
def stop_all():
    """Stops every gateway, peer and link a test registers, even when it fails."""
    things = []
    yield things.append
    for thing in reversed(things):
        try:
            thing.stop() if hasattr(thing, "stop") else thing.close()
        except Exception:
            pass
