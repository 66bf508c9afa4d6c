"""styrened's discovery as its daemon runs it: RNS initialised through
``styrened.services.rns_service``, ``services.reticulum.start_discovery``
with a ``NodeStore`` on ``$STYRENE_HOME``'s ``nodes.db``. With
``--implementation component``, ``styrene_wasm.activate()`` runs first, so
styrened's own handler stores through the component.

The daemon connects a TCPClientInterface to each peer port (ingress control
off: a burst of new destinations is the point here, not something to hold
back). It writes one line per event to ``--events``:

* ``saved <destination> <short name> <time> <thread>`` after
  ``NodeStore.save_node`` returned (the row is committed), time from the wall
  clock, thread as named by RNS (which starts one per announce);
* ``persist-failed <message>``: styrened's handler caught a store error;
* ``thread-error <type> <message>``: an exception escaped a handler thread;
* ``rns-dropped <count>`` on the way out: announces RNS's inbound queue
  refused because it was full (so no handler ever saw them).

It prints ``{"ready": ...}`` once discovery runs, and stops (handler
deregistered, store released) when stdin closes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

RNS_CONFIG = """
[reticulum]
  enable_transport = False
  share_instance = No
  panic_on_interface_error = Yes

[logging]
  loglevel = 2

[interfaces]
"""

PEER_INTERFACE = """
  [[peer {index}]]
    type = TCPClientInterface
    enabled = yes
    target_host = 127.0.0.1
    target_port = {port}
    ingress_control = No
"""


class Events:
    """The event log: line-buffered appends, nothing kept in memory."""

    def __init__(self, path: Path):
        self._file = path.open("a", buffering=1)
        self._lock = threading.Lock()

    def write(self, *fields: object) -> None:
        line = " ".join(str(f).replace("\n", " ") for f in fields)
        with self._lock:
            self._file.write(line + "\n")


class PersistFailures(logging.Handler):
    """styrened's handler logs a failed save as a warning and carries on."""

    def __init__(self, events: Events):
        super().__init__(logging.WARNING)
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Failed to persist node"):
            self.events.write("persist-failed", message)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--implementation", choices=("styrened", "component"), required=True)
    parser.add_argument("--home", required=True, help="STYRENE_HOME; RNS's config goes in its reticulum/")
    parser.add_argument("--peers", required=True, help="comma-separated peer ports")
    parser.add_argument("--events", required=True)
    args = parser.parse_args()

    home = Path(args.home)
    os.environ["STYRENE_HOME"] = str(home)
    rns_dir = home / "reticulum"
    rns_dir.mkdir(parents=True, exist_ok=True)
    ports = [int(p) for p in args.peers.split(",")]
    (rns_dir / "config").write_text(
        RNS_CONFIG + "".join(PEER_INTERFACE.format(index=i, port=p) for i, p in enumerate(ports))
    )
    events = Events(Path(args.events))

    if args.implementation == "component":
        import styrene_wasm

        if not styrene_wasm.activate():
            sys.exit(f"the component is unavailable: {styrene_wasm.unavailable_reason()}")

    from styrened.services import reticulum
    from styrened.services.node_store import NodeStore
    from styrened.services.rns_service import get_rns_service

    logging.getLogger("styrened.services.reticulum").addHandler(PersistFailures(events))

    def thread_error(failure: threading.ExceptHookArgs) -> None:
        events.write("thread-error", failure.exc_type.__name__, failure.exc_value)

    threading.excepthook = thread_error

    service = get_rns_service()
    if not service.initialize(config_override=rns_dir):
        sys.exit(f"RNS did not start: {service.error_state}")
    store = NodeStore(db_path=home / "nodes.db")

    # "row stored" is when styrened's save_node call returns
    save_node = store.save_node

    def timed_save(device) -> None:
        save_node(device)
        done = f"{time.time():.6f}"
        events.write(
            "saved", device.destination_hash, device.short_name, done, threading.current_thread().name
        )

    store.save_node = timed_save
    reticulum.start_discovery(node_store=store)
    if not reticulum.is_discovery_running():
        sys.exit("styrened's discovery did not start")

    print(
        json.dumps(
            {
                "ready": True,
                "store": f"{type(store).__module__}.{type(store).__qualname__}",
                "create_mesh_device": reticulum.create_mesh_device.__module__,
            }
        ),
        flush=True,
    )
    sys.stdin.read()  # until the test closes stdin
    import RNS

    events.write("rns-dropped", RNS.Transport.inbound_queues.snapshot()[2][RNS.Transport.TC_ANNOUNCE])
    reticulum.stop_discovery()
    service.shutdown()


if __name__ == "__main__":
    main()
