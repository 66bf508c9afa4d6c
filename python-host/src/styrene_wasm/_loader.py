"""Loading ``styrene.wasm`` once per process, and the pools of instances calls run on.

The compiled component is cached on disk (keyed by the wasm's SHA-256, the
wasmtime version and the engine settings), so a warm start deserializes in
about a millisecond instead of compiling for a hundred; so is the core module
the core lane (:mod:`._core_lane`) takes out of it. Stores are not
thread-safe, so a call takes an instance from a bounded pool for its duration
and gives it back: any number of threads, short-lived ones included, share a
few instances and never pay an instantiation each. Every instance runs under
a memory cap and an epoch deadline, and a trap discards the instance instead
of breaking the host.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from wasmtime import Config, Engine, Store, Trap, WasiConfig, WasmtimeError, _bindings as capi
from wasmtime.component import Component, Linker

from . import _file_locks
from ._errors import ComponentTrap, DeadlineExceeded, InstanceUnavailable, MemoryLimitExceeded
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
# instances per pool: calls run in parallel (wasmtime releases the GIL), a few at a time
POOL_SIZE = int(os.environ.get("STYRENE_POOL_SIZE", "0")) or max(2, os.cpu_count() or 2)


# wasmtime's C API caps memory by making `memory.grow` fail, and the guest then
# aborts with a bare `unreachable`. The component's allocator reports a refused
# allocation (components/styrene/src/alloc.rs): in its own code as a line on
# stderr; while the host copies arguments in (inside `cabi_realloc`) the
# component may not call out, and its attempt to write that line is refused
# with the trap below. Nothing else in the component calls out from there.
OOM_MARKER = b"styrene.wasm: memory allocation of "
_OOM_DURING_LOWERING = "cannot leave component instance"


def memory_limit_error(where: str, detail: str) -> MemoryLimitExceeded:
    return MemoryLimitExceeded(
        f"styrene.wasm exceeded its memory limit of {MEMORY_LIMIT} bytes in {where} ({detail}); "
        "the instance was replaced"
    )


def trap_error(trap: Exception, where: str, stderr: bytes) -> ComponentTrap:
    """The typed error for a trap in `where`, named after the limit it hit, if any."""
    if OOM_MARKER in stderr:
        detail = stderr[stderr.index(OOM_MARKER) :].split(b"\n")[0].decode("ascii", "replace")
        return memory_limit_error(where, detail)
    if _OOM_DURING_LOWERING in str(trap):
        return memory_limit_error(where, "its arguments did not fit")
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
    # linear memory stays where it was mapped first (it grows in place inside its
    # reservation): the core lane's view of it only ever needs extending
    capi.wasmtime_config_memory_may_move_set(config.ptr(), False)
    return config


if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Loaded:
    """The process-wide engine, compiled component and core lane, and their pools."""

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
        self.instances = Pool(lambda: Instance(self))
        self.lane: Any = None  # the core lane (a _core_lane.CoreLane), when it is used
        self.lane_reason = ""  # which lane stateless calls take, and why
        self.lane_instances: Pool | None = None

    def tick(self) -> None:
        """One epoch tick: the engine's epoch, which deadlines are checked against, and
        the count that tells callers when to re-arm, move together."""
        self.engine.increment_epoch()
        self.epoch[0] += 1


_lock = threading.Lock()
_loaded: Loaded | None = None


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


def compile_cached(
    artifact: Path, deserialize: Callable[[str], Any], compile_now: Callable[[], Any]
) -> tuple[Any, bool]:
    """What `artifact` holds, or what `compile_now` makes (then cached there);
    and whether it came from the cache. A stale or corrupt artifact is compiled
    again and overwritten."""
    if artifact.is_file():
        try:
            return deserialize(str(artifact)), True
        except WasmtimeError:
            pass
    compiled = compile_now()
    store_artifact(artifact, compiled.serialize())
    return compiled, False


def _load() -> Loaded:
    started = time.perf_counter()
    _tune_malloc()
    path = wasm_path()
    wasm = path.read_bytes()
    engine = Engine(_config())
    key = f"{hashlib.sha256(wasm).hexdigest()[:24]}-wasmtime{WASMTIME_VERSION}-epoch-nocc-nomove"
    artifact = cache_dir() / f"styrene-{key}.cwasm"
    component, from_cache = compile_cached(
        artifact, lambda path: Component.deserialize_file(engine, path), lambda: Component(engine, wasm)
    )
    linker = Linker(engine)
    linker.add_wasip2()
    _file_locks.define(linker, component, engine)
    loaded = Loaded(engine, component, linker, path, artifact, from_cache, time.perf_counter() - started)
    _start_ticker(loaded)
    from . import _core_lane

    loaded.lane, loaded.lane_reason = _core_lane.build(engine, wasm, key, component, cache_dir())
    if loaded.lane is None:
        logging.getLogger("styrene_wasm").warning(
            "stateless calls run on the component path, not the core lane: %s", loaded.lane_reason
        )
    else:
        lane = loaded.lane
        loaded.lane_instances = Pool(lambda: _core_lane.CoreInstance(lane))
    loaded.load_seconds = time.perf_counter() - started
    return loaded


def store_artifact(artifact: Path, data: bytes | bytearray) -> None:
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


class _StderrFile:
    """Where an instance's stderr goes: a file of its own, already unlinked, whose
    last 4 KiB say when the guest ran out of memory.

    A file and not a Python callback: wasmtime hands a custom stderr stream to a
    worker thread of its own, which drops it (and calls back into Python) when
    the store goes; at interpreter exit such a call ends that thread inside
    Rust and aborts the process. A file involves no Python after it is opened.
    """

    TAIL = 4096

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="styrene-stderr-")
        self._fd = fd
        self._closer = weakref.finalize(self, os.close, fd)

    def opened(self) -> None:
        """wasmtime has opened the file: its name is no longer needed."""
        os.unlink(self.path)

    @property
    def tail(self) -> bytes:
        size = os.fstat(self._fd).st_size
        return os.pread(self._fd, min(size, self.TAIL), max(0, size - self.TAIL))


class Instance:
    """One sandboxed instance with its functions resolved for fast calls."""

    def __init__(
        self, loaded: Loaded, directory: Path | None = None, memory_limit: int | None = None
    ) -> None:
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
        self._stderr = _StderrFile()
        wasi.stderr_file = self._stderr.path
        self.store.set_wasi(wasi)
        self._stderr.opened()
        # MEMORY_LIMIT is read at each instantiation: a host (or a test) may change it
        self.store.set_limits(memory_size=MEMORY_LIMIT if memory_limit is None else memory_limit)
        self.store.set_epoch_deadline(self.deadline_ticks)
        self.epoch = loaded.epoch
        self.deadline_set_at = loaded.epoch[0]
        self.instance = loaded.linker.instantiate(self.store, loaded.component)
        self._funcs: dict[str, FastFunc] = {}

    def discard(self) -> None:
        """Release what the instance holds outside wasmtime: its file locks."""
        _file_locks.release(self.store)

    @property
    def stderr(self) -> bytes:
        return self._stderr.tail

    def func(self, interface: str, name: str) -> FastFunc:
        key = f"{interface}#{name}"
        fast = self._funcs.get(key)
        if fast is None:
            index = self.instance.get_export_index(self.store, interface)
            inner = None if index is None else self.instance.get_export_index(self.store, name, index)
            func = None if inner is None else self.instance.get_func(self.store, inner)
            if func is None:
                raise LookupError(f"the component exports no {key}")
            fast = self._funcs[key] = FastFunc(self.store, func)
        return fast

    def call_method(self, interface: str, resource: str, method: str, handle: Any, *args: Any) -> Any:
        """Calls `method` of a resource this instance handed out."""
        return self.call_func(interface, f"[method]{resource}.{method}", handle, *args)

    def call_func(self, interface: str, name: str, *args: Any) -> Any:
        """Calls an export, re-arming the deadline first when half of it has passed."""
        if self.epoch[0] - self.deadline_set_at >= _REFRESH_TICKS:
            self.refresh_deadline()
        return self.func(interface, name).call(*args)

    def refresh_deadline(self) -> None:
        """Re-arm the deadline. Callers do it once half of it has passed, not per
        call, so every call still gets between half and all of the deadline."""
        self.store.set_epoch_deadline(self.deadline_ticks)
        self.deadline_set_at = self.epoch[0]


class Pool:
    """Instances shared by every thread, at most `size` of them; a call takes one
    for its duration (stores are not thread-safe) and gives it back.

    The idle list is a stack, so a single-threaded caller keeps reusing one
    warm instance. Taking and giving back are a list pop and append (atomic
    under the GIL; the bound callables inline them); only a caller that finds
    the list empty takes the lock, to create an instance while under the bound
    or else to wait for one, and a caller gives back through :meth:`release`
    whenever someone waits.
    """

    def __init__(self, make: Callable[[], Any], size: int | None = None) -> None:
        self._make = make
        self.size = size or POOL_SIZE
        self.idle: list[Any] = []
        self._count = 0  # instances alive, idle or in use
        self.generation = 0
        self.waiting = 0
        self._cond = threading.Condition(threading.Lock())

    def acquire(self) -> Any:
        try:
            return self.idle.pop()
        except IndexError:
            pass
        with self._cond:
            self.waiting += 1
            try:
                while not self.idle and self._count >= self.size:
                    self._cond.wait()
                if self.idle:
                    return self.idle.pop()
                self._count += 1
            finally:
                self.waiting -= 1
        try:
            inst = self._make()
        except BaseException as e:
            self.discard(None)
            if isinstance(e, Exception):
                raise InstanceUnavailable(
                    f"styrene.wasm could not be instantiated: {type(e).__name__}: {e}"
                ) from e
            raise
        inst.generation = self.generation
        return inst

    def release(self, inst: Any) -> None:
        """Give back an instance that is fit for the next call."""
        if inst.generation != self.generation:
            self.discard(inst)
            return
        self.idle.append(inst)
        if self.waiting:
            with self._cond:
                self._cond.notify()

    def discard(self, inst: Any) -> None:
        """Forget an instance that trapped (or was never made), making room for a fresh one."""
        with self._cond:
            self._count -= 1
            self._cond.notify()

    def renew(self) -> None:
        """Retire every instance: idle ones now, busy ones when given back. The next
        calls instantiate afresh, under the limits in force then."""
        with self._cond:
            self.generation += 1
            retired, self.idle[:] = list(self.idle), []
            self._count -= len(retired)
            self._cond.notify_all()


def renew_instances() -> None:
    """Retire the instances of both lanes (tests change the limits this way)."""
    loaded = load()
    loaded.instances.renew()
    if loaded.lane_instances is not None:
        loaded.lane_instances.renew()


def check() -> None:
    """Raise if no instance can be made here (the probe the fallback decision runs)."""
    loaded = load()
    loaded.instances.release(loaded.instances.acquire())


def _component_call(interface: str, name: str) -> Callable[..., Any]:
    loaded = load()
    pool = loaded.instances
    key = f"{interface}#{name}"

    idle = pool.idle

    def call(*args: Any) -> Any:
        try:
            inst = idle.pop()
        except IndexError:
            inst = pool.acquire()
        if inst.epoch[0] - inst.deadline_set_at >= _REFRESH_TICKS:
            inst.refresh_deadline()
        try:
            fast = inst._funcs.get(key) or inst.func(interface, name)
            result = fast.call(*args)
        except WasmtimeError as trap:
            pool.discard(inst)
            raise trap_error(trap, name, bytes(inst.stderr)) from None
        except BaseException:
            pool.release(inst)
            raise
        if inst.generation != pool.generation or pool.waiting:
            pool.release(inst)
        else:
            idle.append(inst)
        return result

    call.lane = "component"  # type: ignore[attr-defined]
    return call


def _core_call(interface: str, name: str) -> Callable[..., Any]:
    from . import _canonical, _core_lane

    loaded = load()
    pool = loaded.lane_instances
    assert pool is not None
    run = loaded.lane.specs[f"{interface}#{name}"].invoke

    idle = pool.idle

    def call(*args: Any) -> Any:
        try:
            inst = idle.pop()
        except IndexError:
            inst = pool.acquire()
        if inst.epoch[0] - inst.deadline_set_at >= _REFRESH_TICKS:
            inst.refresh_deadline()
        try:
            result = run(inst, args)
        except (WasmtimeError, Trap, _core_lane.Lowering, _canonical.Invalid) as failure:
            pool.discard(inst)
            raise _core_lane.trap_error(failure, name, bytes(inst.stderr)) from None
        except BaseException:
            # a Python value that does not fit its WIT type, found while copying it in:
            # what was allocated for it would stay behind in this instance
            pool.discard(inst)
            raise
        if inst.generation != pool.generation or pool.waiting:
            pool.release(inst)
        else:
            idle.append(inst)
        return result

    call.lane = "core"  # type: ignore[attr-defined]
    return call


def bind(interface: str, name: str, lane: str | None = None) -> Any:
    """A callable for one export, run on an instance from a pool.

    Stateless exports run on the core lane when it is in use, everything else
    on the component path; `lane` ("core" or "component") forces one (tests
    compare the two). A trap raises :class:`ComponentTrap`
    (:class:`MemoryLimitExceeded` or :class:`DeadlineExceeded` when a limit
    was hit) and discards that instance; a failure to instantiate raises
    :class:`InstanceUnavailable`, and the next call tries again.
    """
    loaded = load()
    core = loaded.lane is not None and loaded.lane.serves(f"{interface}#{name}")
    if lane == "core" and not core:
        raise LookupError(f"{interface}#{name} does not run on the core lane ({loaded.lane_reason})")
    if core and lane != "component":
        call = _core_call(interface, name)
    else:
        call = _component_call(interface, name)
    call.__name__ = name.replace("-", "_")
    call.interface, call.export = interface, name  # type: ignore[attr-defined]
    return call
