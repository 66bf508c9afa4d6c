"""styrened's own discovery on the component under real traffic.

The same scenario runs twice, each time in fresh processes: styrened's
daemon-side discovery (RNS through ``services.rns_service``,
``services.reticulum.start_discovery`` with a ``NodeStore``) pure, and with
``styrene_wasm.activate()`` first. Three RNS 1.5.7 peers announce to it over
TCP on 127.0.0.1:

1. a catalogue of app_data: what styrened's CLI announces, styrened's other
   announce formats, LXMF's own delivery and propagation-node app_data (from
   LXMF's router), NomadNet and RNode names, JSON, binary, empty, and
   malformed data; then re-announces that update rows and an LXMF announce
   that styrened upgrades to a Styrene node;
2. a load: 2,000 announces in rounds over 400 destinations, each one
   re-announced every round with a newer emission time (RNS takes a
   re-announce only then, and calls the handlers again). RNS runs every
   handler call on a new thread.

Every row of both ``nodes.db`` files must match field for field, apart from
the columns styrened fills from the clock, which must lie within the run.
The daemon's RSS and mapping count are read from /proc every half second
and once each round is stored; from the first round on they must stay flat.
The load's rate is one that styrened keeps up with on an ordinary disk (its
store syncs every save), so that no handler thread waits long.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import RNS
from announcer import identity
from harness import CLOCK_COLUMNS, Daemon, Peer, Sample, wait_for
from styrened import __version__
from styrened.services.system_info import get_system_fingerprint

IMPLEMENTATIONS = ("styrened", "component")
OPERATOR = ["styrene_node", "operator"]

# The load: LOAD_ROUNDS rounds; in each, two peers announce every one of
# LOAD_DESTINATIONS destinations once, at LOAD_RATE per second in all, and the
# daemon stores them all before the next round. The first round inserts the
# rows; the others re-announce with a newer emission time.
LOAD_DESTINATIONS = 400
LOAD_ROUNDS = 5
LOAD_RATE = 80
# "Flat": growth between the quiet moments after the first round and after the
# last ones (1,600 announces), generous for what Python, RNS's packet-hash
# filter and glibc's arenas may add. A per-thread instance that is never freed
# costs ~4 mappings and ~110 KB per announce, 30x and 7x these bounds.
MAX_MAPS_GROWTH = 200
MAX_RSS_GROWTH = 24 << 20
# a run that has clearly failed the bound stops its load early rather than
# take hundreds of MB of a shared machine
ABORT_FACTOR = 4


def app_data(text: str) -> str:
    return text.encode().hex()


def catalogue() -> dict[str, list[list[dict]]]:
    """Per peer, the announces of each phase. The identities behind keys are
    deterministic (announcer.identity), so both runs announce the same hashes."""
    fingerprint = get_system_fingerprint()
    lxmf_of_2 = RNS.Destination.hash(identity(2), "lxmf", "delivery").hex()
    nomadnet_of_2 = RNS.Destination.hash(identity(2), "nomadnetwork", "node").hex()
    binary = b"\xff\xfe" + hashlib.sha256(b"binary app_data").digest()
    return {
        "a": [
            [
                # what `styrened announce` sends (cli.py), from styrened's own values
                {
                    "key": 1,
                    "aspects": OPERATOR,
                    "app_data": app_data(f"styrene:discovery-a:{__version__}:cli:::{fingerprint}"),
                },
                # the 8-field format, with Yggdrasil and I2P capabilities
                {
                    "key": 2,
                    "aspects": OPERATOR,
                    "app_data": app_data(
                        f"styrene:hub-2:{__version__}:rpc,chat,yggdrasil,i2p:{lxmf_of_2}:h2:{fingerprint}:{nomadnet_of_2}"
                    ),
                },
                {"key": 3, "aspects": OPERATOR, "app_data": app_data("styrene")},
                {"key": 4, "aspects": OPERATOR, "app_data": app_data("styrene:legacy-host:0.9.1:rpc")},
                {"propagation": 6},
                {"key": 7, "aspects": ["nomadnetwork", "node"], "app_data": app_data("Eve's Node")},
                {"key": 8, "aspects": ["rnode", "interface"], "app_data": app_data("rnode:RNode 3A9F")},
                {
                    "key": 9,
                    "aspects": ["example", "json"],
                    "app_data": app_data(json.dumps({"display_name": "Bob"})),
                },
                {"key": 10, "aspects": ["example", "json"], "app_data": app_data(json.dumps({"x": 1}))},
            ],
            [
                # LXMF delivery of key 1's identity: styrened upgrades it to a Styrene node
                {"lxmf": True},
                # a newer announce of key 2: count 2, new version, the NomadNet hash kept (COALESCE)
                {
                    "key": 2,
                    "aspects": OPERATOR,
                    "app_data": app_data(f"styrene:hub-2:0.19.0:rpc::h2b:{fingerprint}"),
                },
            ],
        ],
        "b": [
            [
                {"key": 11, "aspects": ["example", "binary"], "app_data": binary.hex()},
                {"key": 12, "aspects": ["example", "empty"], "app_data": None},
                {"key": 13, "aspects": ["example", "long"], "app_data": app_data("x" * 80)},
                {"key": 14, "aspects": ["example", "brackets"], "app_data": app_data("node (test)")},
                {"key": 15, "aspects": ["example", "hex"], "app_data": app_data("0xdeadbeef")},
                {"key": 16, "aspects": ["example", "msgpack"], "app_data": "93c1c1c1"},
                {"key": 17, "aspects": ["example", "unicode"], "app_data": app_data("Ñodo 🌐 café")},
                {
                    "key": 18,
                    "aspects": OPERATOR,
                    "app_data": app_data("styrene:odd:1.0::nothex:sn:bad fingerprint!"),
                },
                {"key": 19, "aspects": OPERATOR, "app_data": app_data("  styrene:padded:1.0:rpc  ")},
                {"key": 20, "aspects": ["nomadnetwork", "node"], "app_data": None},
            ],
            [
                {"lxmf": True},
                {"key": 12, "aspects": ["example", "empty"], "app_data": app_data("named later")},
            ],
        ],
        "c": [[], [{"lxmf": True}]],
    }


LXMF_IDENTITIES = {"a": "1:Operator A", "b": "5:Alice", "c": "21:[styrene] field-kit"}
LOAD_PEERS = {"a": 1000, "b": 2000}  # first key of each peer's load destinations


@dataclass
class Run:
    daemon: Daemon
    catalogue_destinations: set[str]
    announces: int = 0
    samples: list[Sample] = field(default_factory=list)  # every half second during the load
    quiet: list[Sample] = field(default_factory=list)  # after each load round was stored
    aborted: str | None = None


def announce_phase(peers: dict[str, Peer], phase: int, run: Run) -> None:
    expected = run.daemon.saved()
    for name, peer in peers.items():
        items = catalogue()[name][phase]
        if items:
            run.catalogue_destinations.update(peer.call(op="announce", items=items)["destinations"])
            expected += len(items)
            run.announces += len(items)
    wait_for(lambda: run.daemon.saved() >= expected, 30, f"phase {phase + 1}'s {expected} saves")


def load_round(peers: dict[str, Peer], run: Run, number: int, directory: Path) -> None:
    per_peer = LOAD_DESTINATIONS // len(LOAD_PEERS)
    for name, first in LOAD_PEERS.items():
        peers[name].send(
            op="load",
            first=first,
            count=per_peer,
            total=per_peer,
            rate=LOAD_RATE / len(LOAD_PEERS),
            sequence=number * per_peer,
            log=str(directory / f"sent-{name}.log"),
        )
    busy = [peers[name] for name in LOAD_PEERS]
    expected = run.daemon.saved() + LOAD_DESTINATIONS
    while busy or run.daemon.saved() < expected:
        time.sleep(0.5)
        sample = run.daemon.sample()
        run.samples.append(sample)
        if run.quiet and (
            sample.maps - run.quiet[0].maps > ABORT_FACTOR * MAX_MAPS_GROWTH
            or sample.rss - run.quiet[0].rss > ABORT_FACTOR * MAX_RSS_GROWTH
        ):
            run.aborted = f"memory grew past {ABORT_FACTOR}x the bound in load round {number + 1}"
            return
        for peer in [p for p in busy if p.answered()]:
            answer = peer.read()
            assert answer["sent"] == per_peer, answer
            busy.remove(peer)
        if not busy:
            # every announce is out; the rest must arrive within the time it takes
            wait_for(
                lambda: run.daemon.saved() >= expected, 60, f"{expected} saves after load round {number + 1}"
            )
    run.announces += LOAD_DESTINATIONS
    run.quiet.append(run.daemon.sample())


def scenario(directory: Path, implementation: str) -> Run:
    peers: dict[str, Peer] = {}
    daemon = None
    try:
        for name, lxmf in LXMF_IDENTITIES.items():
            peers[name] = Peer(directory / f"peer-{name}", lxmf=lxmf)
        daemon = Daemon(directory / "daemon", implementation, list(peers.values()))
        run = Run(daemon, set())
        announce_phase(peers, 0, run)
        time.sleep(1.1)  # RNS takes a re-announce only with a newer emission second
        announce_phase(peers, 1, run)
        for number in range(LOAD_ROUNDS):
            load_round(peers, run, number, directory)
            if run.aborted:
                break
        assert daemon.stop() == 0, daemon.log.read_text()[-3000:]
        return run
    finally:
        for peer in peers.values():
            peer.stop()
        if daemon is not None:
            daemon.kill()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return {name: scenario(tmp_path_factory.mktemp(name), name) for name in IMPLEMENTATIONS}


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_the_daemon_runs_on_the_implementation_asked_for(runs, implementation):
    ready = runs[implementation].daemon.ready
    expected = "styrene_wasm." if implementation == "component" else "styrened."
    assert ready["store"].startswith(expected) and ready["create_mesh_device"].startswith(expected), ready


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_every_announce_is_stored_on_a_thread_of_its_own(runs, implementation):
    run = runs[implementation]
    assert run.aborted is None, run.aborted
    assert run.daemon.failures() == []
    assert run.daemon.rns_dropped() == 0
    saves = [e for e in run.daemon.events() if e[0] == "saved"]
    assert len(saves) == run.announces
    # RNS starts a thread per announce and names them in sequence
    assert len({e[4] for e in saves}) == run.announces
    rows = run.daemon.rows()
    assert sum(r["announce_count"] for r in rows) == run.announces
    assert len(rows) == len(run.catalogue_destinations) + LOAD_DESTINATIONS


def without_clock(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in CLOCK_COLUMNS} for row in rows]


def test_catalogue_rows_match_styrened_field_for_field(runs):
    pure, ours = (
        [r for r in runs[name].daemon.rows() if r["destination_hash"] in runs[name].catalogue_destinations]
        for name in IMPLEMENTATIONS
    )
    assert len(pure) == len(runs["styrened"].catalogue_destinations)
    assert without_clock(ours) == without_clock(pure)
    # the scenario did exercise the upgrade of an LXMF peer and an update
    # that keeps the NomadNet hash
    of_key = lambda key: [r for r in pure if r["identity_hash"] == identity(key).hash.hex()]  # noqa: E731
    assert sorted(r["device_type"] for r in of_key(1)) == ["styrene", "styrene"]
    (hub,) = of_key(2)
    assert hub["announce_count"] == 2 and hub["version"] == "0.19.0" and hub["nomadnet_destination_hash"]


def test_load_rows_match_styrened_field_for_field(runs):
    pure, ours = (
        [
            r
            for r in runs[name].daemon.rows()
            if r["destination_hash"] not in runs[name].catalogue_destinations
        ]
        for name in IMPLEMENTATIONS
    )
    assert len(pure) == LOAD_DESTINATIONS
    assert without_clock(ours) == without_clock(pure)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_clock_columns_lie_within_the_run(runs, implementation):
    daemon = runs[implementation].daemon
    for row in daemon.rows():
        for column in CLOCK_COLUMNS:
            assert int(daemon.started_at) <= row[column] <= daemon.stopped_at, (column, row)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_memory_stays_flat_under_a_thread_per_announce(runs, implementation):
    run = runs[implementation]
    assert run.quiet, run.aborted
    first, *later = run.quiet
    peak = max(run.samples, key=lambda s: s.maps)
    report = (
        f"{implementation}, {run.announces} announces: after load round 1 "
        f"{first.maps} mappings, {first.rss / 2**20:.1f} MiB; after each later round "
        + ", ".join(f"{s.maps - first.maps:+d} / {(s.rss - first.rss) / 2**20:+.1f} MiB" for s in later)
        + f"; peak {peak.maps} mappings with {peak.threads} threads"
        + (f"; {run.aborted}" if run.aborted else "")
    )
    print(report)
    assert run.aborted is None and later, report
    assert max(s.maps for s in later) - first.maps <= MAX_MAPS_GROWTH, report
    assert max(s.rss for s in later) - first.rss <= MAX_RSS_GROWTH, report
