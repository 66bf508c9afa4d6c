"""The component-backed implementation of ``styrened.services.attachment_store``.

The store's logic runs inside ``styrene.wasm`` (the ``attachment-store``
resource of ``styrene:core/attachments``): filename sanitising, the
``<peer_hash[:16]>/<message_id>_<name>`` layout with the legacy rename, the
size limit, atomic writes, usage and LRU eviction. Each store gets a component
instance of its own, granted only its base directory, so that the component
cannot reach anything else even by mistake; on top of that it resolves every
path, symlinks included, and refuses one that leaves the base before touching
anything, with styrened's ``ValueError("Path escapes attachment store: …")``.

Where styrened itself reaches outside its base (it creates an escaping peer
directory before checking, renames files anywhere, follows a planted
``<target>.tmp`` symlink), this store refuses instead: see docs/attachments.md.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

from wasmtime import WasmtimeError

from . import _loader, _wit
from ._wit import ATTACHMENTS, SHORTCUTS

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024  # 10 MiB
DEFAULT_STORAGE_BUDGET = 500 * 1024 * 1024  # 500 MiB
PEER_DIR_PREFIX_LEN = 16
_MAX_FILENAME_LEN = 200

_ESCAPES_PREFIX = "Path escapes attachment store: "

# what each error code of wit/attachments.wit raises: styrened's ValueError, or
# the OSError subclass (and errno) styrened's filesystem call would have raised
_OS_ERRORS: dict[str, tuple[type[OSError], int] | None] = {
    "too-large": None,
    "escapes": None,
    "not-found": (FileNotFoundError, errno.ENOENT),
    "is-a-directory": (IsADirectoryError, errno.EISDIR),
    "not-a-directory": (NotADirectoryError, errno.ENOTDIR),
    "already-exists": (FileExistsError, errno.EEXIST),
    "permission-denied": (PermissionError, errno.EACCES),
    "io": None,
}
# every store function fails with the one attachments error type (the shortcuts `use` it)
_errors = _wit.Errors(ATTACHMENTS, "[static]attachment-store.open", _OS_ERRORS)

_sanitize = _loader.bind(ATTACHMENTS, "sanitize-filename")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    return value


def _message_id(value: Any) -> int:
    # bool is an int that styrened would spell "True": refused rather than renamed
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"message_id must be int, not {type(value).__name__}")
    return value


def _sanitize_filename(name: str) -> str:
    """styrened's filename sanitising (the component's ``sanitize-filename``)."""
    return _sanitize(_text(name, "name"))


def _default_base_dir() -> Path:
    # styrened's data_dir(), as the node store finds it
    from ._node_store import get_db_path

    return get_db_path().parent / "attachments"


class _Session:
    """A store's component instance, granted only its base directory, and its open resource."""

    def __init__(self, base_dir: Path, max_file_size: int, storage_budget: int) -> None:
        self.base_dir = base_dir
        self.limits = (max_file_size, storage_budget)
        self.lock = threading.Lock()
        self.instance: Any = None
        self.handle: Any = None

    def call(self, method: str, *args: Any) -> tuple[bool, Any]:
        """A method of the store: ``(True, value)`` or ``(False, (code, message))``."""
        return self._run(ATTACHMENTS, f"[method]attachment-store.{method}", args)

    def shortcut(self, name: str, *args: Any) -> tuple[bool, Any]:
        """A function of ``shortcuts`` on the store."""
        return self._run(SHORTCUTS, name, args)

    def _run(self, interface: str, name: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
        with self.lock:
            if self.handle is None:
                self._start()
            try:
                return self.instance.call_func(interface, name, self.handle, *args)
            except WasmtimeError as trap:
                stderr = bytes(self.instance.stderr)
                self._discard()
                raise _loader.trap_error(trap, name, stderr) from None

    def _start(self) -> None:
        self.instance = _loader.Instance(_loader.load(), directory=self.base_dir)
        try:
            opened = self.instance.func(ATTACHMENTS, "[static]attachment-store.open")(".", *self.limits)
        except BaseException:
            self._discard()
            raise
        ok, value = opened
        if not ok:  # the granted directory itself cannot be used
            self._discard()
            raise OSError(f"{self.base_dir}: {value[1]}")
        self.handle = value

    def _discard(self) -> None:
        if self.instance is not None:
            self.instance.discard()
        self.instance = self.handle = None

    def close(self) -> None:
        with self.lock:
            self._discard()


class AttachmentStore:
    """styrened's AttachmentStore: files under ``base_dir / <peer_hash[:16]>``, in the component."""

    def __init__(
        self,
        base_dir: Path | None = None,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        storage_budget: int = DEFAULT_STORAGE_BUDGET,
    ) -> None:
        if max_file_size < 0 or storage_budget < 0:
            raise ValueError("max_file_size and storage_budget must not be negative")
        self._base_dir = Path(base_dir) if base_dir else _default_base_dir()
        self._max_file_size = max_file_size
        self._storage_budget = storage_budget
        self._base_dir.mkdir(parents=True, exist_ok=True)
        # absolute paths are accepted under the base as given or as it resolves
        self._bases = (self._base_dir.absolute(), self._base_dir.resolve())
        self._session = _Session(self._base_dir.resolve(), max_file_size, storage_budget)
        weakref.finalize(self, self._session.close)

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    def _inside(self, path: str | Path) -> str:
        """`path` as the component sees it: relative to the base directory it was granted."""
        p = Path(path)
        if p.is_absolute():
            for base in self._bases:
                if p.is_relative_to(base):
                    return str(p.relative_to(base))
        return str(p)  # relative, or absolute elsewhere, which the component refuses

    def _shown(self, path: str | Path) -> Path:
        """A path as styrened shows it in errors: relative ones under the base."""
        return self._base_dir / path

    def _result(self, outcome: tuple[bool, Any], shown: Path) -> Any:
        ok, value = outcome
        if ok:
            return value
        name, message = _errors.read(value)
        if name == "escapes":
            raise ValueError(f"{_ESCAPES_PREFIX}{self._shown(message.removeprefix(_ESCAPES_PREFIX))}")
        os_error = _OS_ERRORS[name]
        if os_error is not None:
            cls, number = os_error
            raise cls(number, os.strerror(number), str(shown))
        raise ValueError(message) if name == "too-large" else OSError(message)

    def save(
        self,
        peer_hash: str,
        message_id: int,
        filename: str,
        data: bytes,
        mime: str | None = None,
    ) -> Path:
        """Save attachment data; returns ``base_dir / peer_hash[:16] / f"{message_id}_{name}"``."""
        peer_hash = _text(peer_hash, "peer_hash")
        # the data crosses as latin-1 text, in one copy (a list<u8> goes byte by byte)
        text = bytes(data).decode("latin-1")
        outcome = self._session.shortcut(
            "save-attachment-latin1", peer_hash, _message_id(message_id), _text(filename, "filename"), text
        )
        saved = self._result(outcome, self._shown(peer_hash[:PEER_DIR_PREFIX_LEN]))
        return self._shown(saved)

    def rename_for_message(self, old_path: Path, message_id: int) -> Path:
        """Rename a ``0_<name>`` file to ``<message_id>_<name>``; the old path when not applicable or gone."""
        outcome = self._session.call("rename-for-message", self._inside(old_path), _message_id(message_id))
        renamed = self._result(outcome, self._shown(old_path))
        return old_path if renamed is None else old_path.parent / Path(renamed).name

    def load(self, path: str | Path) -> bytes:
        """The bytes of an attachment (relative paths under ``base_dir``)."""
        outcome = self._session.shortcut("load-attachment-latin1", self._inside(path))
        return self._result(outcome, self._shown(path)).encode("latin-1")

    def delete(self, path: str | Path) -> bool:
        """Delete an attachment; False if it did not exist."""
        return self._result(self._session.call("delete", self._inside(path)), self._shown(path))

    def delete_for_peer(self, peer_hash: str) -> int:
        """Delete every attachment of a peer (its 16-character directory, else the legacy 8-character one)."""
        peer_hash = _text(peer_hash, "peer_hash")
        outcome = self._session.call("delete-for-peer", peer_hash)
        return self._result(outcome, self._shown(peer_hash[:PEER_DIR_PREFIX_LEN]))

    def get_usage(self) -> tuple[int, int]:
        """``(used_bytes, budget_bytes)``."""
        used, _budget = self._session.call("get-usage")
        return used, self._storage_budget

    def enforce_budget(self) -> int:
        """Evict the least recently modified files until usage is within budget; the bytes freed."""
        return self._result(self._session.call("enforce-budget"), self._base_dir)


_attachment_store: AttachmentStore | None = None

# The module whose ``_attachment_store`` holds the process-wide store: this one,
# or styrened's once activated, so that code which resets
# ``styrened.services.attachment_store._attachment_store`` gets a new store.
_singleton_home: Any = sys.modules[__name__]


def get_attachment_store() -> AttachmentStore:
    """The process-wide AttachmentStore (under styrened's data directory)."""
    store = getattr(_singleton_home, "_attachment_store", None)
    if store is None:
        store = _singleton_home._attachment_store = AttachmentStore()
    return store


def set_attachment_store(store: AttachmentStore) -> None:
    """Replace the process-wide AttachmentStore."""
    _singleton_home._attachment_store = store
