"""The ``file-locks`` import (``wit/file-locks.wit``): byte-range locks for the
component's SQLite, as Linux open-file-description locks.

An open-file-description lock belongs to one open file, not to the process:
it conflicts with the classic ``fcntl`` locks that SQLite takes for styrened,
for the ``sqlite3`` shell and for any other connection, in other processes and
in this one, and the kernel releases it when that file is closed. Each
instance's lock files are closed when the instance is discarded (after a trap,
or when its database is closed), so no lock outlives the instance that took
it, and a killed process leaves none behind. On platforms without such locks
the component is told ``unsupported`` and its database is not shared.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wasmtime import WasmtimeError, _bindings
from wasmtime._store import StoreContext
from wasmtime.component import Linker, ResourceHost, ResourceType

from ._fastcall import (
    K_LIST,
    K_OPTION,
    K_RECORD,
    K_RESULT,
    K_U8,
    K_U64,
    MEMORY,
    VAL_SIZE,
    address,
    c_function,
    pointer,
)
from ._wit import FILE_LOCKS

RESOURCE = "lockable-file"
_TYPE_ID = 0x5354_4C4B  # tells this host's resources from any other's

try:
    import fcntl

    _SETLK = getattr(fcntl, "F_OFD_SETLK", None)
    _GETLK = getattr(fcntl, "F_OFD_GETLK", None)
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    _SETLK = _GETLK = None

# struct flock on Linux: l_type, l_whence (short), l_start, l_len (off_t), l_pid (int)
_FLOCK = struct.Struct("hhxxxxqqixxxx")
_KINDS = {"unlocked": 2, "read": 0, "write": 1}  # F_UNLCK, F_RDLCK, F_WRLCK on Linux
_F_UNLCK = 2
_BUSY = (errno.EAGAIN, errno.EACCES)


class _Grant:
    """What one instance may lock: its directory, and the files it opened."""

    def __init__(self, directory: Path) -> None:
        self.directory = os.fspath(directory)
        self.files: dict[int, int] = {}  # resource rep -> descriptor
        self.next_rep = 1

    def close(self) -> None:
        for fd in self.files.values():
            os.close(fd)  # releases its locks
        self.files.clear()


_grants_lock = threading.Lock()


def _key(store: Any) -> int:
    """The address of a store's context: the same for the `Store` a host holds
    and for the context wasmtime passes to its import functions."""
    return pointer(store._context())


_grants: dict[int, _Grant] = {}  # by `_key`


def grant(store: Any, directory: Path) -> None:
    """Lets the instance in `store` lock files in `directory`."""
    with _grants_lock:
        _grants[_key(store)] = _Grant(directory)


def release(store: Any) -> None:
    """Closes every lock file of the instance in `store`, releasing its locks."""
    with _grants_lock:
        granted = _grants.pop(_key(store), None)
    if granted is not None:
        granted.close()


def _inside(directory: str, path: str) -> str:
    """`path` under `directory`, if it is relative and made of plain names
    only (no `..`, no root), so that nothing outside can be reached."""
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in path.split("/")):
        raise PermissionError(path)
    return f"{directory}/{path}"


def _open_inside(directory: str, path: str) -> int:
    """A descriptor for locking `path` in `directory`, with no symbolic link at its end."""
    return os.open(_inside(directory, path), os.O_RDWR | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))


def _open(ctx: int, path: str) -> Any:
    granted = _grants.get(ctx)
    if granted is None:
        return "not-permitted"
    try:
        fd = _open_inside(granted.directory, path)
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return "not-permitted"
    except OSError as e:
        return "not-permitted" if e.errno == errno.ELOOP else "io"
    rep = granted.next_rep
    granted.next_rep += 1
    granted.files[rep] = fd
    return ResourceHost.own(rep, _TYPE_ID)


def _set(fd: int, start: int, length: int, kind: str) -> str | None:
    if _SETLK is None:
        return "unsupported"
    try:
        fcntl.fcntl(fd, _SETLK, _FLOCK.pack(_KINDS[kind], os.SEEK_SET, start, length, 0))
    except OSError as e:
        return "busy" if e.errno in _BUSY else "io"
    except OverflowError:
        return "io"
    return None


def _conflicts(fd: int, start: int, length: int, kind: str) -> bool | str:
    if _GETLK is None:
        return "unsupported"
    try:
        answer = fcntl.fcntl(fd, _GETLK, _FLOCK.pack(_KINDS[kind], os.SEEK_SET, start, length, 0))
    except (OSError, OverflowError):
        return "io"
    return _FLOCK.unpack(answer)[0] != _F_UNLCK


def _snapshot(granted: _Grant, fd: int, offset: int, length: int, siblings: list[str]) -> Any:
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, length, offset)
    except (OSError, OverflowError):
        return "io"
    sizes: list[int | None] = []
    for name in siblings:
        try:
            sizes.append(os.lstat(_inside(granted.directory, name)).st_size)
        except PermissionError:
            return "not-permitted"
        except FileNotFoundError:
            sizes.append(None)
        except OSError:
            return "io"
    return _Snapshot(size, data, sizes)


# the C API's allocators: what a callback returns, wasmtime frees as its own
_P = ctypes.c_void_p
_any_to_host = c_function("wasmtime_component_resource_any_to_host", _P, _P, _P, _P)
_host_rep = c_function("wasmtime_component_resource_host_rep", ctypes.c_uint32, _P)
_host_delete = c_function("wasmtime_component_resource_host_delete", None, _P)
_error_delete = c_function("wasmtime_error_delete", None, _P)
_val_new = c_function("wasmtime_component_val_new", _P, _P)
_vallist_new_uninit = c_function("wasmtime_component_vallist_new_uninit", None, _P, ctypes.c_size_t)
_valrecord_new_uninit = c_function("wasmtime_component_valrecord_new_uninit", None, _P, ctypes.c_size_t)
_byte_vec_new = c_function("wasm_byte_vec_new", None, _P, ctypes.c_size_t, ctypes.c_char_p)
_ENTRY_SIZE = 48  # a record entry: its name (16 bytes), then its value


class _Snapshot:
    """The `snapshot` record, lowered by hand: wasmtime-py's generic lowering
    rebuilds the record's type on every call, several times the cost of this."""

    FIELDS = (b"size", b"bytes", b"siblings")

    def __init__(self, size: int, data: bytes, siblings: list[int | None]) -> None:
        self.size, self.data, self.siblings = size, data, siblings

    def lower(self) -> int:
        """A heap value owned by wasmtime: the record; returns its address."""
        record = bytearray(16)
        _valrecord_new_uninit(address(record), len(self.FIELDS))
        _, entries = struct.unpack_from("<QQ", record)
        for i, name in enumerate(self.FIELDS):
            _byte_vec_new(entries + i * _ENTRY_SIZE, len(name), name)
        size, data, siblings = (entries + i * _ENTRY_SIZE + 16 for i in range(3))
        _scalar.pack_into(MEMORY, size, K_U64, self.size)
        start = self._list(data, len(self.data))
        if self.data:
            end = start + len(self.data) * VAL_SIZE
            MEMORY[start:end] = bytes(len(self.data) * VAL_SIZE)
            MEMORY[start:end:VAL_SIZE] = bytes([K_U8]) * len(self.data)
            MEMORY[start + 8 : end : VAL_SIZE] = self.data
        start = self._list(siblings, len(self.siblings))
        for i, known in enumerate(self.siblings):
            boxed = 0
            if known is not None:
                value = bytearray(VAL_SIZE)
                _scalar.pack_into(value, 0, K_U64, known)
                boxed = _val_new(address(value)) or 0
            _scalar.pack_into(MEMORY, start + i * VAL_SIZE, K_OPTION, boxed)
        value = bytearray(VAL_SIZE)
        _header.pack_into(value, 0, K_RECORD, *struct.unpack_from("<QQ", record))
        return _val_new(address(value)) or 0

    @staticmethod
    def _list(at: int, n: int) -> int:
        """Makes the value at `at` a list of `n` (uninitialised) values; their address."""
        _vallist_new_uninit(at + 8, n)
        MEMORY[at] = K_LIST
        return struct.unpack_from("<Q", MEMORY, at + 16)[0]


def _drop(store: Any, rep: int) -> None:
    granted = _grants.get(_key(store))
    if granted is not None:
        fd = granted.files.pop(rep, None)
        if fd is not None:
            os.close(fd)


# -- the calls, straight from wasmtime's C API ------------------------------------
#
# wasmtime-py's own import path rebuilds the function's type and converts every
# value through ctypes objects on each call (about 25 µs here); SQLite makes
# five of these calls per transaction. These callbacks read the arguments from
# the C API's 32-byte values in place (the layout `_fastcall` reads), answer
# the common case (a lock set) by writing the result in place, and let
# wasmtime-py convert only the rarer results, with types resolved once.

_callback_type = ctypes.CFUNCTYPE(
    ctypes.c_size_t,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_void_p,
    ctypes.c_size_t,
)
_u64 = struct.Struct("<Q")
_u32 = struct.Struct("<I")
_name = struct.Struct("<QQ")  # wasm_name_t: size, data
_ok_empty = struct.Struct("<B7x?7xQ")  # result: kind, is_ok, payload pointer
_header = struct.Struct("<B7xQQ")  # kind, then a list's or record's size and pointer
_scalar = struct.Struct("<B7xQ")  # kind, then an 8-byte scalar or pointer
_keep: list[Any] = []  # callbacks and types live as long as the process


def _rep(ctx: int, resource: int) -> int:
    """The rep of a host resource that the component passed back."""
    host = ctypes.c_void_p()
    error = _any_to_host(ctx, resource, ctypes.addressof(host))
    if error:
        _error_delete(error)
        return -1
    rep = _host_rep(host.value)
    _host_delete(host.value)
    return rep


def _string(at: int) -> str:
    size, data = _name.unpack_from(MEMORY, at + 8)
    return bytes(MEMORY[data : data + size]).decode()


def _callback(body: Any, result_type: Any) -> Any:
    """A C callback that runs `body(ctx, args)` and stores what it returns."""

    def call(_env: int, ctx: int, _ty: int, args: int, _nargs: int, results: int, _nresults: int) -> int:
        try:
            answer = body(ctx, args)
            if answer is None:  # `ok` with no payload: written in place
                _ok_empty.pack_into(MEMORY, results, K_RESULT, True, 0)
            elif isinstance(answer, _Snapshot):
                _ok_empty.pack_into(MEMORY, results, K_RESULT, True, answer.lower())
            else:
                context = StoreContext(ctypes.cast(ctx, ctypes.POINTER(_bindings.wasmtime_context_t)))
                try:
                    slot = ctypes.cast(results, ctypes.POINTER(_bindings.wasmtime_component_val_t))
                    result_type.convert_to_c(context, answer, slot)
                finally:
                    context._invalidate()
            return 0
        except BaseException as e:  # never unwind through wasmtime: trap the call
            message = f"styrene-wasm file-locks host: {type(e).__name__}: {e}".encode()
            error = _bindings.wasmtime_error_new(ctypes.create_string_buffer(message))
            return pointer(error)

    return _callback_type(call)


def _fd_of(ctx: int, args: int) -> tuple[_Grant | None, int | None]:
    """The instance's grant and the descriptor behind the `self` argument."""
    granted = _grants.get(ctx)
    if granted is None:
        return None, None
    return granted, granted.files.get(_rep(ctx, _u64.unpack_from(MEMORY, args + 8)[0]))


def _call_open(ctx: int, args: int) -> Any:
    return _open(ctx, _string(args))


def _on_range(answer: Callable[[int, int, int, str], Any]) -> Callable[[int, int], Any]:
    """A `(self, start, len, kind)` method: `answer(fd, start, len, kind)` for its file."""

    def call(ctx: int, args: int) -> Any:
        _, fd = _fd_of(ctx, args)
        if fd is None:
            return "io"
        start, length = _u64.unpack_from(MEMORY, args + 40)[0], _u64.unpack_from(MEMORY, args + 72)[0]
        return answer(fd, start, length, _string(args + 96))

    return call


# looked up at call time, so that a test may stand in for the fcntl calls
_call_set = _on_range(lambda *request: _set(*request))
_call_conflicts = _on_range(lambda *request: _conflicts(*request))


def _call_snapshot(ctx: int, args: int) -> Any:
    granted, fd = _fd_of(ctx, args)
    if granted is None or fd is None:
        return "io"
    offset, length = _u64.unpack_from(MEMORY, args + 40)[0], _u32.unpack_from(MEMORY, args + 72)[0]
    count, items = _name.unpack_from(MEMORY, args + 104)
    siblings = [_string(items + i * 32) for i in range(count)]
    return _snapshot(granted, fd, offset, length, siblings)


def define(linker: Linker, component: Any, engine: Any) -> None:
    """Defines the import on `linker`, for every instance it makes of `component`."""
    if not sys.platform.startswith("linux"):
        global _SETLK, _GETLK
        _SETLK = _GETLK = None  # classic fcntl locks are per process: no substitute
    imported = component.type.imports(engine).get(FILE_LOCKS)
    if imported is None:
        return  # a component that takes no locks
    types = {name: item.ty for name, item in imported.ty.exports(engine).items()}
    calls = {"open": _call_open, "set": _call_set, "conflicts": _call_conflicts, "snapshot": _call_snapshot}
    with linker.root() as root, root.add_instance(FILE_LOCKS) as iface:
        iface.add_resource(RESOURCE, ResourceType.host(_TYPE_ID), _drop)
        for name, body in calls.items():
            export = f"[static]{RESOURCE}.{name}" if name == "open" else f"[method]{RESOURCE}.{name}"
            result_type = types[export].result
            callback = _callback(body, result_type)
            _keep.extend((callback, result_type))
            encoded = export.encode()
            error = _bindings._wasmtime_component_linker_instance_add_func(
                iface.ptr(),
                ctypes.create_string_buffer(encoded),
                len(encoded),
                ctypes.cast(callback, _bindings.wasmtime_component_func_callback_t),
                None,
                ctypes.cast(0, ctypes.CFUNCTYPE(None, ctypes.c_void_p)),  # no finalizer
            )
            if error:
                raise WasmtimeError._from_ptr(error)
