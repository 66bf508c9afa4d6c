"""styrened's discovery fed by RNS 1.5.7 peers on loopback, pure styrened
against the component (``styrene_wasm.activate()`` first), side by side.

Each rate step runs in fresh processes (tests/discovery/harness.py): two
announcing peers and styrened's daemon-side discovery (RNS through
``services.rns_service``, ``services.reticulum.start_discovery`` with a
``NodeStore`` on disk). The peers announce styrened-style app_data, round
robin over enough destinations that each is re-announced at most once a
second (RNS drops a re-announce with the same emission second); the first
pass inserts rows, the rest update them. RNS calls styrened's handler on a
new thread per announce.

What is measured, and how:

* stored/s: announces stored, divided by the time from the first announce
  sent to the last row stored;
* announce to row: per announce, from the peer's wall clock just before
  ``Destination.announce()`` to the daemon's wall clock just after
  ``NodeStore.save_node`` returned (the row is committed), matched by
  destination and a sequence number carried in the announce; one host, one
  clock. It includes the peer's signing, TCP, RNS's validation and queues,
  the thread start, styrened's handler and the store;
* CPU per announce: user + system time of the whole daemon process (RNS,
  styrened, the store) from /proc over the step, divided by announces stored;
* RSS and mappings: the daemon's growth over the step, from /proc, and its
  peak thread count;
* announces RNS itself dropped (its inbound announce queue holds 128 and
  refuses more when its one worker thread falls behind), which no handler saw.

Nothing here asserts a time. STYRENE_BENCH_DISCOVERY_SECONDS sets the
length of each step (default 10).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "discovery"))

from harness import Daemon, Peer

RATES = (20, 100, 200, 400)
IMPLEMENTATIONS = ("styrened", "component")
SECONDS = float(os.environ.get("STYRENE_BENCH_DISCOVERY_SECONDS", "10"))
PEERS = 2
# a step whose rows stop coming for this long is reported with what it stored
STALL_SECONDS = 20


def step(directory: Path, implementation: str, rate: int) -> dict:
    peers = [Peer(directory / f"peer-{i}") for i in range(PEERS)]
    daemon = None
    try:
        daemon = Daemon(directory / "daemon", implementation, peers)
        time.sleep(1)  # start-up work settles before the step is measured
        before = daemon.sample()
        per_peer = rate / PEERS
        total = int(per_peer * SECONDS)
        count = max(10, math.ceil(per_peer * 1.5))  # each destination every 1.5 s
        for i, peer in enumerate(peers):
            peer.send(
                op="load",
                first=100_000 * (i + 1),
                count=count,
                total=total,
                rate=per_peer,
                log=str(directory / f"sent-{i}.log"),
            )
        expected = total * PEERS
        peak = before
        busy, progress, last_progress = list(peers), 0, time.time()
        while busy or (daemon.saved() < expected and time.time() - last_progress < STALL_SECONDS):
            time.sleep(0.25)
            sample = daemon.sample()
            peak = max(peak, sample, key=lambda s: s.rss)
            saved = daemon.saved()
            if saved > progress:
                progress, last_progress = saved, time.time()
            for peer in [p for p in busy if p.answered()]:
                peer.read()
                busy.remove(peer)
        after = daemon.sample()
    finally:
        for peer in peers:
            peer.stop()
        if daemon is not None:
            daemon.stop()
    failures, dropped = daemon.failures(), daemon.rns_dropped()
    saves = {(e[1], e[2]): float(e[3]) for e in daemon.events() if e[0] == "saved"}

    sent = {}
    for i in range(PEERS):
        for line in (directory / f"sent-{i}.log").read_text().splitlines():
            destination, sequence, at = line.split()
            sent[(destination, sequence)] = float(at)
    latencies = sorted(saves[key] - at for key, at in sent.items() if key in saves)
    stored = len(latencies)
    span = max(saves.values()) - min(sent.values()) if stored else float("nan")
    return {
        "sent": len(sent),
        "stored": stored,
        "stored_per_s": stored / span,
        "median_ms": statistics.median(latencies) * 1e3 if stored else float("nan"),
        "p95_ms": latencies[int(0.95 * (stored - 1))] * 1e3 if stored else float("nan"),
        "cpu_ms": (after.cpu - before.cpu) / stored * 1e3 if stored else float("nan"),
        "rss_mib": (after.rss - before.rss) / 2**20,
        "peak_rss_mib": (peak.rss - before.rss) / 2**20,
        "maps": after.maps - before.maps,
        "threads": peak.threads,
        "failures": len(failures),
        "dropped": dropped,
    }


def main() -> None:
    load = os.getloadavg()[0]
    print(
        f"styrened discovery under RNS announces: {SECONDS:.0f} s per step, {PEERS} peers, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at start"
    )
    results: dict[tuple[int, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmp:
        for rate in RATES:
            for implementation in IMPLEMENTATIONS:
                directory = Path(tmp) / f"{rate}-{implementation}"
                results[rate, implementation] = figures = step(directory, implementation, rate)
                print(
                    f"  {rate}/s {implementation}: {figures['stored']} of {figures['sent']} stored",
                    flush=True,
                )

    header = (
        f"{'rate':>6} {'implementation':<10} {'stored':>11} {'stored/s':>9} {'median ms':>10} "
        f"{'p95 ms':>9} {'CPU ms/ann':>10} {'RSS MiB':>8} {'peak MiB':>9} {'maps':>6} {'threads':>7}"
    )
    print(header)
    print("-" * len(header))
    for rate in RATES:
        for implementation in IMPLEMENTATIONS:
            f = results[rate, implementation]
            stored = f"{f['stored']}/{f['sent']}"
            print(
                f"{rate:>5}/s {implementation:<10} {stored:>11} {f['stored_per_s']:>9.1f} "
                f"{f['median_ms']:>10.1f} {f['p95_ms']:>9.1f} {f['cpu_ms']:>10.2f} {f['rss_mib']:>+8.1f} "
                f"{f['peak_rss_mib']:>+9.1f} {f['maps']:>+6d} {f['threads']:>7d}"
                + (f"  {f['dropped']} dropped by RNS's full inbound queue" if f["dropped"] else "")
                + (f"  {f['failures']} failed saves" if f["failures"] else "")
            )
    print()
    print("component against styrened (below 1.0 is better for the component, stored/s above 1.0):")
    for rate in RATES:
        ours, theirs = results[rate, "component"], results[rate, "styrened"]
        print(
            f"{rate:>5}/s  stored/s x{ours['stored_per_s'] / theirs['stored_per_s']:.3g}, "
            f"median latency x{ours['median_ms'] / theirs['median_ms']:.3g}, "
            f"CPU per announce x{ours['cpu_ms'] / theirs['cpu_ms']:.3g}, "
            f"RSS growth {ours['rss_mib']:+.1f} MiB against {theirs['rss_mib']:+.1f} MiB"
        )


if __name__ == "__main__":
    main()
