"""The component-backed implementation of ``styrened.services.node_store``.

The SQLite node store runs inside ``styrene.wasm`` (the ``node-store``
resource of ``styrene:core/nodes``) with styrened's exact schema, so a
``nodes.db`` moves between styrened and this store both ways. Each database
gets one component instance, granted only the database's directory, and one
open connection, where styrened opens a connection and re-runs its schema
setup on every call. Calls are serialised by the process-wide ``_db_lock``:
concurrent saves and reads from many threads are safe.

The file is shared as SQLite shares it: the component's SQLite takes SQLite's
own locks through this host (``_file_locks``), uses styrened's rollback
journal and waits up to styrened's busy timeout for another program's lock, so
styrened, the ``sqlite3`` shell and other components read and write the same
``nodes.db`` while the store is open, and each sees the others' commits on its
next call.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wasmtime import WasmtimeError

from . import _loader, _mesh_device, _wit
from ._wit import NODES, SHORTCUTS

logger = logging.getLogger(__name__)

MIN_PREFIX_LENGTH = 8
_HEX_HASH_PATTERN = re.compile(r"^[a-fA-F0-9]{32}$")
_HEX_PREFIX_PATTERN = re.compile(r"^[a-fA-F0-9]+$")

# one lock for every store in the process, as in styrened (re-entrant here:
# a store method never waits on itself)
_db_lock = threading.RLock()


class NodeStoreError(sqlite3.DatabaseError):
    """The component could not open or use the database (its file was left untouched).

    A ``sqlite3.DatabaseError``, which is what styrened's callers would see."""


def _is_valid_hash(h: str | None) -> bool:
    """32 hex characters, any case."""
    if h is None:
        return False
    return bool(_HEX_HASH_PATTERN.match(h))


def _is_valid_hash_prefix(h: str | None) -> bool:
    """At least 8 hex characters, any case."""
    if h is None or len(h) < MIN_PREFIX_LENGTH:
        return False
    return bool(_HEX_PREFIX_PATTERN.match(h))


def get_db_path() -> Path:
    """styrened's ``data_dir()/nodes.db`` (its parent is created)."""
    override = os.environ.get("STYRENE_DATA_DIR")
    home = os.environ.get("STYRENE_HOME")
    system = (
        os.environ.get("STYRENE_SYSTEM", "").lower() in ("1", "true", "yes")
        or Path("/etc/styrene/config.yaml").exists()
    )
    if override:
        data = Path(override)
    elif home:
        data = Path(home) / "data"
    elif system:
        data = Path("/var/lib/styrene")
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        data = (Path(xdg) if xdg else Path.home() / ".local" / "share") / "styrene"
    path = data / "nodes.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# what each store error says, by its WIT name; `busy` is styrened's own sqlite3
# error once its busy timeout has passed
_ERROR_LABELS = {
    "not-a-database": "not a database",
    "corrupt": "damaged",
    "foreign-schema": "not a styrened node store",
    "io": "cannot access",
    "sqlite": "database error",
    "busy": None,
}
# every store function fails with the one store error type (get-nodes-packed `use`s it)
_errors = _wit.Errors(NODES, "[static]node-store.open", _ERROR_LABELS)


def _check(result: tuple[bool, Any]) -> Any:
    ok, value = result
    if ok:
        return value
    name, message = _errors.read(value)
    label = _ERROR_LABELS[name]
    if label is None:
        raise sqlite3.OperationalError("database is locked")
    raise NodeStoreError(f"{label}: {message}")


class _Database:
    """One database file: its component instance, open store and calls."""

    _open: dict[Path, _Database] = {}

    @classmethod
    def for_path(cls, path: Path) -> _Database:
        key = path.resolve()
        with _db_lock:
            database = cls._open.get(key)
            if database is None:
                database = cls._open[key] = cls(key)
            return database

    def __init__(self, path: Path) -> None:
        self.path = path
        self.instance: Any = None
        self.handle: Any = None
        self._start()

    def _start(self) -> None:
        self.instance = _loader.Instance(_loader.load(), directory=self.path.parent)
        try:
            open_store = self.instance.func(NODES, "[static]node-store.open")
            self.handle = _check(open_store(self.path.name))
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        """Forget the instance; its file locks are released at once."""
        if self.instance is not None:
            self.instance.discard()
        self.handle = self.instance = None

    def close(self) -> None:
        """Close the connection. The next call opens it again."""
        with _db_lock:
            handle = self.handle
            if handle is not None:
                try:
                    handle.drop(self.instance.store)
                except WasmtimeError:
                    pass  # a trapped instance: SQLite rolls back a hot journal on the next open
            self._discard()

    def reopen(self) -> None:
        """Close and open the file again."""
        with _db_lock:
            self.close()
            self._start()

    def call(self, method: str, *args: Any) -> Any:
        """A method of the open store."""
        return self._run(f"node-store.{method}", NODES, f"[method]node-store.{method}", args)

    def packed(self, query: tuple[int, Any]) -> Any:
        """``shortcuts.get-nodes-packed`` of the open store."""
        return self._run("get-nodes-packed", SHORTCUTS, "get-nodes-packed", (query,))

    def _run(self, where: str, interface: str, name: str, args: tuple[Any, ...]) -> Any:
        with _db_lock:
            if self.handle is None:
                self._start()
            try:
                return _check(self.instance.call_func(interface, name, self.handle, *args))
            except WasmtimeError as trap:
                # SQLite rolls back a half-done write (its hot journal) when the
                # file is next opened, by this store or any other program
                stderr = bytes(self.instance.stderr)
                self._discard()
                raise _loader.trap_error(trap, where, stderr) from None

    @classmethod
    def close_all(cls) -> None:
        with _db_lock:
            for database in cls._open.values():
                database.close()


atexit.register(_Database.close_all)


_FOUND, _NOT_FOUND, _INVALID_PREFIX, _AMBIGUOUS = _wit.cases(
    NODES, "identity-lookup", ("found", "not-found", "invalid-prefix", "ambiguous")
)
_REJECTED = _wit.cases(NODES, "save-outcome", ("saved", "rejected"))[1]
_ALL, _STYRENE, _BY_SHORT_NAME, _BY_SHORT_NAME_PREFIX = _wit.cases(
    SHORTCUTS, "node-query", ("all", "styrene", "short-name", "short-name-prefix")
)


def _to_record(d: Any) -> tuple[Any, ...]:
    """The `mesh-device` record of a device, in :data:`_mesh_device.FIELDS` order."""
    case = _mesh_device._hint(d.device_type)
    capabilities = list(d.capabilities) if d.capabilities is not None else None
    return (
        d.destination_hash,
        d.identity_hash,
        d.name,
        case,
        int(d.last_announce),
        int(d.announce_count),
        None,
        capabilities,
        d.version,
        d.lxmf_destination_hash,
        d.short_name,
        d.system_fingerprint,
        d.nomadnet_destination_hash,
        d.discovered_via,
        d.hops,
        d.ygg_address,
        d.b32_address,
        d.web_url,
    )


def _to_device(record: tuple[Any, ...] | None) -> Any:
    return None if record is None else _mesh_device._from_record(record)


_PATH_COLUMNS = (
    "destination_hash",
    "next_hop",
    "hops",
    "interface_type",
    "interface_name",
    "bitrate",
    "expires",
    "updated_at",
)
_wit.fields(NODES, "path-entry", _PATH_COLUMNS)


def _to_path(entry: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(_PATH_COLUMNS, entry, strict=True))


def init_db(db_path: Path | None = None) -> sqlite3.Connection:
    """Ensure the schema (through the component) and return a new sqlite3 connection; the caller closes it."""
    path = Path(db_path) if db_path is not None else get_db_path()
    # the schema is ensured through the component; the file is shared, so the
    # store stays open beside the caller's connection
    _Database.for_path(path)
    conn = sqlite3.Connection(str(path), check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


class NodeStore:
    """styrened's NodeStore, on the component's SQLite."""

    def __init__(self, db_path: Path | None = None) -> None:
        self._db_path = Path(db_path) if db_path is not None else get_db_path()
        self._db = _Database.for_path(self._db_path)

    def _get_conn(self) -> sqlite3.Connection:
        """A new ``sqlite3`` connection to this store's file, schema ensured, as
        styrened's private method gives (its tests write rows through it); the
        caller closes it. What it commits, the store's next call sees."""
        return init_db(self._db_path)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """:meth:`_get_conn`, closed on leaving the block: styrened's successor to it."""
        conn = self._get_conn()
        try:
            yield conn
        finally:
            conn.close()

    def save_node(self, device: Any) -> None:
        if not _is_valid_hash(device.destination_hash):
            logger.warning(f"Invalid destination_hash rejected: {device.destination_hash!r}")
            return
        if not _is_valid_hash(device.identity_hash):
            logger.warning(f"Invalid identity_hash rejected: {device.identity_hash!r}")
            return
        outcome = self._db.call("save-node", _to_record(device))
        if outcome[0] == _REJECTED:  # by the component's own check
            logger.warning(outcome[1])

    def get_node_by_destination(self, destination_hash: str) -> Any:
        return _to_device(self._db.call("get-node-by-destination", destination_hash))

    def get_node_by_identity(self, identity_hash: str) -> Any:
        return _to_device(self._db.call("get-node-by-identity", identity_hash))

    def _identity(self, method: str, label: str, missing: str, hash_: str) -> str | None:
        case, value = self._db.call(method, hash_)
        if case == _FOUND:
            if logger.isEnabledFor(logging.DEBUG):
                found = f"identity_hash={value[:16]}..."
                logger.debug(f"[HASH] NodeStore lookup: {label}={hash_[:16]}... -> {found}")
            return value
        if case == _AMBIGUOUS:
            logger.warning(
                f"[HASH] NodeStore lookup: {label}={hash_[:16]}... "
                f"-> AMBIGUOUS ({value} matches, need longer prefix)"
            )
        elif logger.isEnabledFor(logging.DEBUG):
            outcome = "INVALID (too short or not hex)" if case == _INVALID_PREFIX else f"NOT FOUND{missing}"
            logger.debug(f"[HASH] NodeStore lookup: {label}={hash_[:16]}... -> {outcome}")
        return None

    def get_identity_for_destination(self, destination_hash: str) -> str | None:
        return self._identity("get-identity-for-destination", "operator_dest", "", destination_hash)

    # the name styrened's messages.backfill_contacts_identity_hash calls (spec section 2.9)
    get_identity_hash_for_destination = get_identity_for_destination

    def get_node_by_lxmf_destination(self, lxmf_destination_hash: str) -> Any:
        return _to_device(self._db.call("get-node-by-lxmf-destination", lxmf_destination_hash))

    def get_identity_for_lxmf_destination(self, lxmf_destination_hash: str) -> str | None:
        return self._identity(
            "get-identity-for-lxmf-destination",
            "lxmf_dest",
            " (node may not have announced with LXMF dest in app_data)",
            lxmf_destination_hash,
        )

    def _nodes(self, query: tuple[Any, ...]) -> list[Any]:
        # the packed form: one string across the C API instead of ~20 values a node
        from_record = _mesh_device._from_record
        return [from_record(r) for r in json.loads(self._db.packed(query))]

    def get_all_nodes(self) -> list[Any]:
        return self._nodes((_ALL, None))

    def get_styrene_nodes(self) -> list[Any]:
        return self._nodes((_STYRENE, None))

    def get_nodes_by_short_name(self, short_name: str) -> list[Any]:
        return self._nodes((_BY_SHORT_NAME, short_name))

    def get_nodes_by_short_name_prefix(self, prefix: str) -> list[Any]:
        return self._nodes((_BY_SHORT_NAME_PREFIX, prefix))

    def delete_node(self, destination_hash: str) -> bool:
        return self._db.call("delete-node", destination_hash)

    def prune_old_nodes(self, max_age_seconds: int = 86400 * 30) -> int:
        return self._db.call("prune-old-nodes", int(max_age_seconds))

    def clear_all_nodes(self) -> int:
        return self._db.call("clear-all-nodes")

    def save_path(
        self,
        destination_hash: str,
        next_hop: str | None,
        hops: int,
        interface_type: str | None = None,
        interface_name: str | None = None,
        bitrate: int | None = None,
        expires: int | None = None,
    ) -> None:
        if not _is_valid_hash(destination_hash):
            logger.warning(f"Invalid path destination_hash rejected: {destination_hash!r}")
            return
        if next_hop is not None and not _is_valid_hash(next_hop):
            logger.warning(f"Invalid path next_hop rejected: {next_hop!r}")
            return
        self._db.call(
            "save-path", destination_hash, next_hop, hops, interface_type, interface_name, bitrate, expires
        )

    def get_all_paths(self) -> list[dict[str, Any]]:
        return [_to_path(p) for p in self._db.call("get-all-paths")]

    def get_path(self, destination_hash: str) -> dict[str, Any] | None:
        entry = self._db.call("get-path", destination_hash)
        return None if entry is None else _to_path(entry)

    def prune_expired_paths(self) -> int:
        return self._db.call("prune-expired-paths")

    def clear_all_paths(self) -> int:
        return self._db.call("clear-all-paths")

    def get_connection_count(self) -> int:
        """Processes with the database open (``lsof -t``), as styrened counts them."""
        if sys.platform == "win32":
            logger.warning("Connection count check not supported on Windows")
            return -1
        try:
            result = subprocess.run(
                ["lsof", "-t", str(self._db_path)], capture_output=True, text=True, timeout=5
            )
        except subprocess.TimeoutExpired:
            logger.warning("Connection count check timed out")
            return -1
        except FileNotFoundError:
            logger.warning("lsof not found - cannot check connection count")
            return -1
        if result.returncode != 0:
            return 0
        return len([p for p in result.stdout.strip().split("\n") if p])

    def close(self) -> None:
        """A no-op, as in styrened: the connection is shared by every NodeStore on this file."""


_node_store: NodeStore | None = None

# The module whose ``_node_store`` holds the process-wide store: this one, or
# styrened's once activated, so that code which resets
# ``styrened.services.node_store._node_store = None`` (styrened's tests do) gets a new store.
_singleton_home: Any = sys.modules[__name__]


def get_node_store() -> NodeStore:
    """The process-wide NodeStore on :func:`get_db_path`."""
    with _db_lock:
        store = getattr(_singleton_home, "_node_store", None)
        if store is None:
            store = _singleton_home._node_store = NodeStore()
        return store


def check_connection_health() -> dict[str, int | bool | str]:
    """styrened's connection-count health check."""
    count = get_node_store().get_connection_count()
    healthy = count <= 2 or count == -1
    warning = ""
    if count >= 10:
        warning = (
            f"CRITICAL: NodeStore has {count} open connections. "
            "File descriptor leak detected. Check for unclosed connections."
        )
        logger.error(warning)
    elif count >= 3:
        warning = (
            f"WARNING: NodeStore has {count} open connections. "
            "This may indicate a leak or heavy concurrent usage."
        )
        logger.warning(warning)
    return {"connection_count": count, "healthy": healthy, "warning": warning}
