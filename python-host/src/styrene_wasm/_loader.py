"""Loading ``styrene.wasm`` once per process and one instance per thread.

The compiled component is cached on disk (keyed by the wasm's SHA-256, the
wasmtime version and the engine settings), so a warm start deserializes in
about a millisecond instead of compiling for a hundred. Stores are not
thread-safe, so each thread gets its own instance; the engine and compiled
component are shared. Every instance runs under a memory cap and an epoch
deadline, and a trap replaces the instance instead of breaking the host.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from wasmtime import Config, Engine, Store, WasiConfig, WasmtimeError
from wasmtime import _bindings as capi
from wasmtime.component import Component, Linker

from . import _file_locks
from ._errors import ComponentTrap, DeadlineExceeded, MemoryLimitExceeded
from ._fastcall import FastFunc


def _wasmtime_version() -> str:
    """The installed wasmtime-py version, from its dist-info directory name."""
    import wasmtime

    site = Path(wasmtime.__file__).resolve().parent.parent
    for entry in os.scandir(site):
        if entry.name.startswith("wasmtime-") and entry.name.endswith(".dist-info"):
            return entry.name[len("wasmtime-") : -len(".dist-info")]
    # not installed from a wheel: the native library's identity still keys the cache
    lib = next(Path(wasmtime.__file__).parent.glob("*/_libwasmtime.*"))
    stat = lib.stat()
    return f"unknown-{stat.st_size}-{stat.st_mtime_ns}"


WASMTIME_VERSION = _wasmtime_version()
MEMORY_LIMIT = 64 << 20  # bytes of linear memory per instance
EPOCH_TICK = 0.05  # seconds per epoch tick (the ticker thread wakes this often and takes the GIL)
DEADLINE_TICKS = 20  # a call may run about one second
# A call on an instance with a directory (a node store) may also wait up to
# SQLite's busy timeout, 5 s, for another program's lock on its database.
LOCK_WAIT_TICKS = 100
_REFRESH_TICKS = DEADLINE_TICKS // 2


# wasmtime's C API caps memory by making `memory.grow` fail, and the guest then
# aborts with a bare `unreachable`. The component's allocator reports a refused
# allocation (components/styrene/src/alloc.rs): in its own code as a line on
# stderr; while the host copies arguments in (inside `cabi_realloc`) the
# component may not call out, and its attempt to write that line is refused
# with the trap below. Nothing else in the component calls out from there.
_OOM_MARKER = b"styrene.wasm: memory allocation of "
_OOM_DURING_LOWERING = "cannot leave component instance"


def trap_error(trap: Exception, where: str, stderr: bytes) -> ComponentTrap:
    """The typed error for a trap in `where`, named after the limit it hit, if any."""
    if _OOM_MARKER in stderr or _OOM_DURING_LOWERING in str(trap):
        if _OOM_MARKER in stderr:
            detail = stderr[stderr.index(_OOM_MARKER) :].split(b"\n")[0].decode("ascii", "replace")
        else:
            detail = "its arguments did not fit"
        return MemoryLimitExceeded(
            f"styrene.wasm exceeded its memory limit of {MEMORY_LIMIT} bytes in {where} ({detail}); "
            "the instance was replaced"
        )
    # wasmtime's text for an epoch interruption, the only interrupt this host arms
    if "wasm trap: interrupt" in str(trap):
        return DeadlineExceeded(
            f"styrene.wasm exceeded its deadline of {DEADLINE_TICKS * EPOCH_TICK:.1f} s in {where}: "
            "the call was interrupted and the instance replaced"
        )
    return ComponentTrap(f"styrene.wasm trapped in {where}: {trap}")


def wasm_path() -> Path:
    """Where ``styrene.wasm`` is: ``$STYRENE_WASM``, else the copy in this package."""
    override = os.environ.get("STYRENE_WASM")
    if override:
        return Path(override)
    return Path(__file__).with_name("styrene.wasm")


def cache_dir() -> Path:
    """``$STYRENE_CACHE_DIR``, else ``$XDG_CACHE_HOME/styrene-wasm``, else ``~/.cache/styrene-wasm``."""
    if os.environ.get("STYRENE_CACHE_DIR"):
        return Path(os.environ["STYRENE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "styrene-wasm"


def _config() -> Config:
    config = Config()
    config.epoch_interruption = True
    # synchronous calls only: without the async machinery a call costs far less
    capi.wasmtime_config_concurrency_support_set(config.ptr(), False)
    return config


if TYPE_CHECKING:
    from typing import Any


class Loaded:
    """The process-wide engine and compiled component."""

    def __init__(
        self,
        engine: Engine,
        component: Component,
        linker: Linker,
        wasm: Path,
        artifact: Path,
        from_cache: bool,
        load_seconds: float,
    ) -> None:
        self.engine, self.component, self.linker = engine, component, linker
        self.wasm, self.artifact, self.from_cache, self.load_seconds = (
            wasm,
            artifact,
            from_cache,
            load_seconds,
        )
        self.epoch = [0]  # ticks of the epoch thread, read without a lock (an int read is atomic)

    def tick(self) -> None:
        """One epoch tick: the engine's epoch, which deadlines are checked against, and
        the count that tells callers when to re-arm, move together."""
        self.engine.increment_epoch()
        self.epoch[0] += 1


_lock = threading.Lock()
_loaded: Loaded | None = None
_local = threading.local()


def load() -> Loaded:
    """The loaded component, loading it on first use (thread-safe)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load()
    return _loaded


# glibc mallopt parameters
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _tune_malloc() -> None:
    """Keep large freed blocks in the heap instead of returning them to the OS.

    wasmtime's C API converts a ``list<u8>`` into an array of 32-byte values,
    twice for a result; at 16 KiB that is 512 KiB blocks, which glibc maps and
    unmaps on every call, so every call page-faults them back in. Raising the
    mmap and trim thresholds halves the cost of moving large byte strings
    (measured in ``just bench``), at the price of keeping up to 32 MiB of freed
    heap mapped. ``STYRENE_MALLOC_TUNING=0`` leaves malloc alone.
    """
    if os.environ.get("STYRENE_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, 16 << 20)
    mallopt(_M_TRIM_THRESHOLD, 32 << 20)


def _load() -> Loaded:
    started = time.perf_counter()
    _tune_malloc()
    path = wasm_path()
    wasm = path.read_bytes()
    engine = Engine(_config())
    key = f"{hashlib.sha256(wasm).hexdigest()[:24]}-wasmtime{WASMTIME_VERSION}-epoch-nocc"
    artifact = cache_dir() / f"styrene-{key}.cwasm"
    component, from_cache = None, False
    if artifact.is_file():
        try:
            component, from_cache = Component.deserialize_file(engine, str(artifact)), True
        except WasmtimeError:
            component = None  # stale or corrupt: compile again and overwrite
    if component is None:
        component = Component(engine, wasm)
        _store_artifact(artifact, component.serialize())
    linker = Linker(engine)
    linker.add_wasip2()
    _file_locks.define(linker, component, engine)
    loaded = Loaded(engine, component, linker, path, artifact, from_cache, time.perf_counter() - started)
    _start_ticker(loaded)
    return loaded


def _store_artifact(artifact: Path, data: bytes | bytearray) -> None:
    """Write the artifact atomically; a cache that cannot be written only costs compiles."""
    try:
        artifact.parent.mkdir(parents=True, exist_ok=True)
        tmp = artifact.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_bytes(data)
        os.replace(tmp, artifact)
    except OSError:
        pass


def _start_ticker(loaded: Loaded) -> None:
    def run() -> None:
        while True:
            time.sleep(EPOCH_TICK)
            loaded.tick()

    threading.Thread(target=run, name="styrene-wasm-epoch", daemon=True).start()


class Instance:
    """One sandboxed instance with its functions resolved for fast calls."""

    def __init__(self, loaded: Loaded, directory: Path | None = None) -> None:
        self._loaded = loaded
        self.store = Store(loaded.engine)
        # no arguments, no environment, no network, no stdin or stdout; at most one
        # directory, as `.`. stderr is kept (its last 4 KiB): it says when the guest
        # ran out of memory.
        wasi = WasiConfig()
        self.deadline_ticks = DEADLINE_TICKS
        if directory is not None:
            wasi.preopen_dir(str(directory), ".")
            _file_locks.grant(self.store, directory)
            self.deadline_ticks += LOCK_WAIT_TICKS
        self.stderr = bytearray()
        wasi.stderr_custom = self._stderr
        self.store.set_wasi(wasi)
        self.store.set_limits(memory_size=MEMORY_LIMIT)
        self.store.set_epoch_deadline(self.deadline_ticks)
        self.epoch = loaded.epoch
        self.deadline_set_at = loaded.epoch[0]
        self.instance = loaded.linker.instantiate(self.store, loaded.component)
        self._funcs: dict[str, FastFunc] = {}

    def discard(self) -> None:
        """Release what the instance holds outside wasmtime: its file locks."""
        _file_locks.release(self.store)

    def _stderr(self, data: bytes) -> None:
        self.stderr += data
        del self.stderr[:-4096]

    def func(self, interface: str, name: str) -> FastFunc:
        key = f"{interface}#{name}"
        fast = self._funcs.get(key)
        if fast is None:
            index = self.instance.get_export_index(self.store, interface)
            func = self.instance.get_func(self.store, self.instance.get_export_index(self.store, name, index))
            if func is None:
                raise LookupError(f"the component exports no {key}")
            fast = self._funcs[key] = FastFunc(self.store, func)
        return fast

    def call_method(self, interface: str, resource: str, method: str, handle: Any, *args: Any) -> Any:
        """Calls `method` of a resource this instance handed out, re-arming the
        deadline first when half of it has passed."""
        if self.epoch[0] - self.deadline_set_at >= _REFRESH_TICKS:
            self.refresh_deadline()
        return self.func(interface, f"[method]{resource}.{method}").call(handle, *args)

    def refresh_deadline(self) -> None:
        """Re-arm the deadline. Callers do it once half of it has passed, not per
        call, so every call still gets between half and all of the deadline."""
        self.store.set_epoch_deadline(self.deadline_ticks)
        self.deadline_set_at = self.epoch[0]


def instance() -> Instance:
    """This thread's instance."""
    current = getattr(_local, "instance", None)
    if current is None:
        current = _local.instance = Instance(load())
    return current


def bind(interface: str, name: str) -> Any:
    """A callable for one export that runs on the calling thread's instance.

    A trap raises :class:`ComponentTrap` (:class:`MemoryLimitExceeded` or
    :class:`DeadlineExceeded` when a limit was hit) and replaces that thread's
    instance.
    """
    per_thread = threading.local()

    def call(*args: Any) -> Any:
        inst = _local.__dict__.get("instance")
        if inst is None or per_thread.__dict__.get("instance") is not inst:
            inst = instance()
            per_thread.instance, per_thread.call = inst, inst.func(interface, name).call
        if inst.epoch[0] - inst.deadline_set_at >= _REFRESH_TICKS:
            inst.refresh_deadline()
        try:
            return per_thread.call(*args)
        except WasmtimeError as trap:
            _local.instance = None
            raise trap_error(trap, name, bytes(inst.stderr)) from None

    call.__name__ = name.replace("-", "_")
    return call
