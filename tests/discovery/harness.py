"""Processes for the discovery test and bench: RNS peers that announce
(announcer.py) and styrened's discovery daemon (discovery_daemon.py), each its
own Python process with its own Reticulum config directory, joined by TCP on
127.0.0.1. The daemon's memory and CPU are read from /proc from outside."""

from __future__ import annotations

import json
import os
import select
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# columns styrened fills from the clock, not from the announce
CLOCK_COLUMNS = ("last_announce", "created_at", "updated_at")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("STYRENE_CACHE_DIR", str(ROOT / "target" / "styrene-cache"))
    return env


class _Process:
    """A child that answers one JSON line per command."""

    def __init__(self, args: list[str], log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("ab"),
            text=True,
            bufsize=1,
            env=environment(),
        )

    def read(self, timeout: float = 60) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            log = self.log.read_text()[-3000:]
            raise AssertionError(f"{self.log.stem} gave no answer (exit {self.process.poll()}):\n{log}")
        return json.loads(line)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Peer(_Process):
    """An RNS 1.5.7 peer announcing on its own TCPServerInterface."""

    def __init__(self, directory: Path, lxmf: str | None = None):
        self.port = free_port()
        args = [str(HERE / "announcer.py"), "--dir", str(directory), "--port", str(self.port)]
        if lxmf:
            args += ["--lxmf", lxmf]
        directory.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(args, directory.parent / f"{directory.name}.log")
        assert self.read()["ready"]

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def call(self, timeout: float = 60, **command) -> dict:
        self.send(**command)
        return self.read(timeout)

    def answered(self) -> bool:
        """Whether an answer is waiting (after ``send``)."""
        return bool(select.select([self.process.stdout], [], [], 0)[0])

    def stop(self) -> None:
        self.kill()


@dataclass
class Sample:
    """The daemon process as /proc shows it at one moment."""

    at: float
    rss: int  # bytes
    maps: int  # lines of /proc/PID/maps
    cpu: float  # user + system seconds
    threads: int


class Daemon(_Process):
    """styrened's discovery, pure or with ``styrene_wasm.activate()`` first."""

    def __init__(self, directory: Path, implementation: str, peers: list[Peer]):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.events_path = directory / "events.log"
        self.events_path.touch()
        self.db_path = directory / "nodes.db"
        self.started_at = time.time()
        args = [
            str(HERE / "discovery_daemon.py"),
            "--implementation",
            implementation,
            "--home",
            str(directory),
            "--peers",
            ",".join(str(p.port) for p in peers),
            "--events",
            str(self.events_path),
        ]
        super().__init__(args, directory / "daemon.log")
        self.ready = self.read()
        for peer in peers:
            assert peer.call(op="wait_client")["connected"], "the daemon did not connect to a peer"

    def events(self) -> list[list[str]]:
        return [line.split(" ", 4) for line in self.events_path.read_text().splitlines()]

    def saved(self) -> int:
        return (b"\n" + self.events_path.read_bytes()).count(b"\nsaved ")

    def failures(self) -> list[str]:
        """Saves that failed and exceptions that escaped handler threads."""
        return [" ".join(e) for e in self.events() if e[0] in ("persist-failed", "thread-error")]

    def rns_dropped(self) -> int:
        """Announces RNS's full inbound queue refused (known once the daemon has stopped)."""
        return sum(int(e[1]) for e in self.events() if e[0] == "rns-dropped")

    def sample(self) -> Sample:
        pid = self.process.pid
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:"))
        threads = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
        with open(f"/proc/{pid}/maps", "rb") as f:
            maps = f.read().count(b"\n")
        # fields after the command name's closing parenthesis; utime and stime are the 12th and 13th
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(stat[11]) + int(stat[12])) / CLOCK_TICKS
        return Sample(time.time(), rss, maps, cpu, threads)

    def stop(self, timeout: float = 30) -> int:
        """Close stdin and let it shut down as styrened does; kill it if it does not."""
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"the daemon did not exit:\n{self.log.read_text()[-3000:]}") from None
        self.stopped_at = time.time()
        return self.process.returncode

    def rows(self) -> list[dict]:
        """Every row of the nodes table, read with Python's sqlite3 once the daemon has exited."""
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM nodes ORDER BY destination_hash")]
        finally:
            conn.close()
