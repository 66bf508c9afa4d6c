"""The core lane: stateless exports called on the component's own core module.

wasmtime's C API moves a component ``list<u8>`` one 32-byte value per byte
and gives no access to a component instance's memory, so a component call
from Python costs about 30 µs for 300 bytes. ``styrene.wasm`` carries its
main core module inside it; this lane takes that module out, compiles it
with wasmtime's core API and calls its exports the way a component host
would: arguments written into linear memory through ``cabi_realloc``, the
export called by its wit-bindgen name (``iface#func``), results lifted by the
canonical ABI (:mod:`._canonical`) from the WIT types wasmtime reports for the
component, then ``cabi_post_*``.

Only exports without resources run here; resources (node store, session
service, deframers, identities, bridge) keep their state in component
instances. Imports the lane serves: randomness, the clocks and stderr (which
says when the guest ran out of memory). Every other import the module has
is defined as a trap, so a stateless function that reached for one would trap
rather than do something the component path would not.

Calls go through ctypes straight into wasmtime's C API
(``wasmtime_func_call_unchecked``, ``wasmtime_memory_data``), with
wasmtime-py's private ``_bindings`` for the function addresses; the
memoryview spans exactly the linear memory's current extent and is rebuilt
whenever that extent changes.
"""

from __future__ import annotations

import ctypes
import os
import struct
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from ctypes import c_size_t, c_ubyte, c_void_p
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wasmtime import (
    FuncType,
    Linker,
    Memory,
    MemoryType,
    Module,
    Store,
    Trap,
    ValType,
    WasmtimeError,
    _bindings as capi,
    _ffi as ffi,
)
from wasmtime.component import _types as ct

from . import _canonical as canon, _loader
from ._errors import ComponentTrap
from ._fastcall import c_function, pointer

if TYPE_CHECKING:
    from collections.abc import Callable

    from wasmtime import Engine
    from wasmtime.component import Component

MAX_FLAT_PARAMS, MAX_FLAT_RESULTS = 16, 1  # the canonical ABI's limits

# ------------------------------------------------------------------ the component binary


def _leb(data: bytes, at: int) -> tuple[int, int]:
    """An unsigned LEB128 at `at`: (value, offset after it)."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


_COMPONENT_PREAMBLE = b"\x00asm\x0d\x00\x01\x00"  # magic, version 0xd, layer 1 (component)
_MODULE_PREAMBLE = b"\x00asm\x01\x00\x00\x00"
_CORE_MODULE_SECTION = 1  # in a component
_EXPORT_SECTION = 7  # in a core module


def _sections(data: bytes, at: int) -> list[tuple[int, int, int]]:
    """(id, start, end) of every section after the preamble."""
    out = []
    while at < len(data):
        size, start = _leb(data, at + 1)
        out.append((data[at], start, start + size))
        at = start + size
    if at != len(data):
        raise ValueError("a section runs past the end of the binary")
    return out


def _export_names(module: bytes) -> set[str]:
    names: set[str] = set()
    for section, start, end in _sections(module, len(_MODULE_PREAMBLE)):
        if section != _EXPORT_SECTION:
            continue
        count, at = _leb(module, start)
        for _ in range(count):
            length, at = _leb(module, at)
            names.add(module[at : at + length].decode("utf-8"))
            _, at = _leb(module, at + length + 1)  # kind byte, then index
        if at != end:
            raise ValueError("malformed export section")
    return names


def main_module(component: bytes) -> bytes:
    """The component's main core module: the one top-level module that exports
    ``cabi_realloc`` and ``memory`` (wit-bindgen's guest), by its bytes."""
    if not component.startswith(_COMPONENT_PREAMBLE):
        raise ValueError("not a component binary (version 0xd, layer 1)")
    found = []
    for section, start, end in _sections(component, len(_COMPONENT_PREAMBLE)):
        if section == _CORE_MODULE_SECTION and component.startswith(_MODULE_PREAMBLE, start):
            module = component[start:end]
            if {"cabi_realloc", "memory"} <= _export_names(module):
                found.append(module)
    if len(found) != 1:
        raise ValueError(f"{len(found)} core modules export cabi_realloc and memory, expected 1")
    return found[0]


# ------------------------------------------------------------------ raw C API calls


_call_unchecked = c_function(
    "wasmtime_func_call_unchecked", c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p
)
_memory_data = c_function("wasmtime_memory_data", c_void_p, c_void_p, c_void_p)
_memory_data_size = c_function("wasmtime_memory_data_size", c_size_t, c_void_p, c_void_p)
_trap_new = capi._wasmtime_trap_new
_caller_context = capi._wasmtime_caller_context

RAW = 16  # sizeof(wasmtime_val_raw_t): every flat value takes one slot
_RAW_FORMAT = {canon.I32: "I12x", canon.I64: "Q8x", canon.F32: "f12x", canon.F64: "d8x"}


def _raw_layout(flat: list[str]) -> struct.Struct:
    return struct.Struct("<" + "".join(_RAW_FORMAT[f] for f in flat))


class _Raw:
    """One core function, called through ``wasmtime_func_call_unchecked``."""

    __slots__ = ("args", "buffer", "context", "error", "func", "trap")

    def __init__(self, store: Store, func: Any, slots: int, buffer: bytearray | None = None) -> None:
        self.func = func  # keeps the wasmtime_func_t that `call` points at
        self.buffer = buffer if buffer is not None else bytearray(RAW * max(1, slots))
        self.context = c_void_p(pointer(store._context()))
        self.trap = c_void_p()
        self.error = None
        self.args = (
            self.context,
            c_void_p(ctypes.addressof(func._func)),
            c_void_p(ctypes.addressof((ctypes.c_char * len(self.buffer)).from_buffer(self.buffer))),
            c_size_t(max(1, slots)),
            c_void_p(ctypes.addressof(self.trap)),
        )

    def __call__(self) -> None:
        """Runs the function on what is in `buffer`; its results replace the arguments there.
        Raises the trap or error as a :class:`WasmtimeError` or :class:`Trap`."""
        self.error = _call_unchecked(*self.args)
        if self.error or self.trap.value:
            self.raise_failure()

    def raise_failure(self) -> None:
        error, self.error = self.error, None
        if error:
            raise WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t)))
        trap, self.trap.value = self.trap.value, None
        assert trap is not None  # called only after a call failed one way or the other
        raise Trap._from_ptr(ctypes.cast(trap, ctypes.POINTER(ffi.wasm_trap_t)))


# ------------------------------------------------------------------ served imports

# Instances by their store's context address, so that a host function finds the
# memory and stderr of the instance that called it.
_by_context: weakref.WeakValueDictionary[int, CoreInstance] = weakref.WeakValueDictionary()
_STDERR = 2  # the one stream handle the lane hands out
_READY = 3  # and the one pollable: stderr's, always ready


def _ok_result(inst: CoreInstance, retptr: int) -> None:
    """``result<_, stream-error>`` or ``result<u64, …>``: case ok, at `retptr`."""
    inst.refresh()
    inst.view[retptr] = 0


def _served() -> dict[tuple[str, str], tuple[list[str], list[str], Callable[..., Any]]]:
    """(interface without version, function) -> (core params, core results, handler).

    A handler gets the calling instance and the raw argument values, and
    returns the raw results."""

    def random_u64(inst: CoreInstance) -> list[Any]:
        return [int.from_bytes(os.urandom(8), "little")]

    def seed(inst: CoreInstance, retptr: int) -> list[Any]:
        inst.refresh()
        inst.view[retptr : retptr + 16] = os.urandom(16)
        return []

    def wall_clock(inst: CoreInstance, retptr: int) -> list[Any]:
        now = time.time_ns()
        inst.refresh()
        struct.pack_into("<QI", inst.view, retptr, now // 1_000_000_000, now % 1_000_000_000)
        return []

    def monotonic(inst: CoreInstance) -> list[Any]:
        return [time.monotonic_ns()]

    def get_stderr(inst: CoreInstance) -> list[Any]:
        return [_STDERR]

    def check_write(inst: CoreInstance, stream: int, retptr: int) -> list[Any]:
        _ok_result(inst, retptr)
        struct.pack_into("<Q", inst.view, retptr + 8, 4096)
        return []

    def write(inst: CoreInstance, stream: int, ptr: int, length: int, retptr: int) -> list[Any]:
        inst.refresh()
        if ptr + length > len(inst.view):
            raise ValueError("stderr write past the end of memory")
        inst.stderr += inst.view[ptr : ptr + length]
        del inst.stderr[:-4096]
        _ok_result(inst, retptr)
        return []

    def flush(inst: CoreInstance, stream: int, retptr: int) -> list[Any]:
        _ok_result(inst, retptr)
        return []

    def drop(inst: CoreInstance, handle: int) -> list[Any]:
        return []

    def subscribe(inst: CoreInstance, stream: int) -> list[Any]:
        return [_READY]

    def block(inst: CoreInstance, pollable: int) -> list[Any]:
        return []  # stderr is always ready: check-write never says 0

    i32, i64 = canon.I32, canon.I64
    return {
        ("wasi:random/random", "get-random-u64"): ([], [i64], random_u64),
        ("wasi:random/insecure", "get-insecure-random-u64"): ([], [i64], random_u64),
        ("wasi:random/insecure-seed", "insecure-seed"): ([i32], [], seed),
        ("wasi:clocks/wall-clock", "now"): ([i32], [], wall_clock),
        ("wasi:clocks/monotonic-clock", "now"): ([], [i64], monotonic),
        ("wasi:cli/stderr", "get-stderr"): ([], [i32], get_stderr),
        ("wasi:io/streams", "[method]output-stream.check-write"): ([i32, i32], [], check_write),
        ("wasi:io/streams", "[method]output-stream.write"): ([i32, i32, i32, i32], [], write),
        ("wasi:io/streams", "[method]output-stream.blocking-write-and-flush"): ([i32] * 4, [], write),
        ("wasi:io/streams", "[method]output-stream.blocking-flush"): ([i32, i32], [], flush),
        ("wasi:io/streams", "[resource-drop]output-stream"): ([i32], [], drop),
        ("wasi:io/streams", "[method]output-stream.subscribe"): ([i32], [i32], subscribe),
        ("wasi:io/poll", "[method]pollable.block"): ([i32], [], block),
        ("wasi:io/poll", "[resource-drop]pollable"): ([i32], [], drop),
    }


def _host_function(params: list[str], results: list[str], handler: Callable[..., Any]) -> Any:
    """An unchecked host function: raw values in, raw values out, and a trap
    (not an exception escaping into C) when the handler fails."""
    read = [_raw_layout([p]) for p in params]
    written = [_raw_layout([r]) for r in results]

    def callback(env: Any, caller: Any, raw: Any, count: int) -> int:
        try:
            context = pointer(_caller_context(caller))
            inst = _by_context[context]
            memory = (c_ubyte * (RAW * count)).from_address(pointer(raw))
            args = [layout.unpack_from(memory, i * RAW)[0] for i, layout in enumerate(read)]
            for i, (layout, value) in enumerate(zip(written, handler(inst, *args), strict=True)):
                layout.pack_into(memory, i * RAW, value)
            return 0
        except Exception as e:
            message = f"styrene.wasm core lane: host function failed: {type(e).__name__}: {e}".encode()
            return pointer(_trap_new(message, len(message)))

    return capi.wasmtime_func_unchecked_callback_t(callback)


_NO_FINALIZER = ctypes.cast(0, ctypes.CFUNCTYPE(None, c_void_p))
_CORE_TYPES = {"i32": ValType.i32, "i64": ValType.i64, "f32": ValType.f32, "f64": ValType.f64}


def _core_type(ty: FuncType) -> tuple[list[str], list[str]]:
    return [str(p) for p in ty.params], [str(r) for r in ty.results]


def _signature(params: list[str], results: list[str]) -> str:
    return f"({', '.join(params)}) -> {', '.join(results) or '()'}"


# ------------------------------------------------------------------ functions


class FuncSpec:
    """One stateless export: its codecs and the core signature they imply."""

    def __init__(self, export: str, ty: ct.FuncType) -> None:
        self.export = export
        self.params = [canon.codec(p) for _, p in ty.params]
        self.result = None if ty.result is None else canon.codec(ty.result)
        flat_params = [f for c in self.params for f in c.flat]
        # more flat parameters than the ABI passes in registers: one pointer to a tuple in memory
        self.spilled = len(flat_params) > MAX_FLAT_PARAMS
        self.arguments = canon.codec_of_tuple(self.params) if self.spilled else None
        self.core_params = [canon.I32] if self.spilled else flat_params
        result_flat = [] if self.result is None else self.result.flat
        self.indirect = len(result_flat) > MAX_FLAT_RESULTS  # the export returns a pointer
        self.core_results = [canon.I32] if self.indirect else result_flat
        self.pack = _raw_layout(self.core_params)
        self.unpack = _raw_layout(self.core_results)
        self.slots = max(len(self.core_params), len(self.core_results), 1)
        self.invoke = invoker(self)


def exported_functions(component: Component, engine: Engine) -> dict[str, ct.FuncType]:
    """Every exported function that is not a resource's, by ``iface#func``."""
    types = {}
    for interface, item in component.type.exports(engine).items():
        instance_type = item.ty
        if not isinstance(instance_type, ct.ComponentInstanceType):
            continue
        for name, func in instance_type.exports(engine).items():
            if isinstance(func.ty, ct.FuncType) and not name.startswith("["):
                types[f"{interface}#{name}"] = func.ty
    return types


class Specs(Mapping[str, FuncSpec]):
    """The stateless exports' specs, each made on first use (making them all at
    load was most of a warm start). A function that takes or returns a
    resource, that has a type the lane does not carry, or whose core export is
    not what its WIT type flattens to is not served: it runs on the component
    path, and :attr:`refused` says why."""

    def __init__(self, types: dict[str, ct.FuncType], exports: dict[str, Any]) -> None:
        self._types = types
        self._exports = exports
        self._made: dict[str, FuncSpec | None] = {}
        self._lock = threading.Lock()
        self.refused: dict[str, str] = {}

    def spec(self, key: str) -> FuncSpec | None:
        made = self._made.get(key, self)
        if made is not self:
            return made  # type: ignore[return-value]
        with self._lock:
            if key not in self._made:
                self._made[key] = self._make(key)
            return self._made[key]

    def _make(self, key: str) -> FuncSpec | None:
        ty = self._types.get(key)
        if ty is None:
            return None
        types = [p for _, p in ty.params] + ([ty.result] if ty.result is not None else [])
        if any(canon.has_resources(x) for x in types):
            return None
        try:
            spec = FuncSpec(key, ty)
        except TypeError as e:
            self.refused[key] = f"a type the lane does not carry ({e})"
            return None
        reason = _function_mismatch(self._exports, key, spec)
        if reason is not None:
            self.refused[key] = reason
            return None
        return spec

    def __getitem__(self, key: str) -> FuncSpec:
        spec = self.spec(key)
        if spec is None:
            raise KeyError(key)
        return spec

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._types if self.spec(key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


# ------------------------------------------------------------------ the lane


class CoreLane:
    """The compiled core module, its import definitions and its function table."""

    def __init__(self, engine: Engine, module: Module, specs: Specs, from_cache: bool) -> None:
        self.engine, self.module, self.specs, self.from_cache = engine, module, specs, from_cache
        self.exports = {e.name for e in module.exports}
        self.linker = Linker(engine)
        self._callbacks = []  # the C API holds raw pointers to these: they live as long as the lane
        served = _served()
        for imp in module.imports:
            interface = imp.module.partition("@")[0]
            entry = served.get((interface, imp.name or ""))
            if entry is None or imp.name is None:
                continue
            params, results, handler = entry
            callback = _host_function(params, results, handler)
            self._callbacks.append(callback)
            ty = FuncType([_CORE_TYPES[p]() for p in params], [_CORE_TYPES[r]() for r in results])
            module_name, name = imp.module.encode(), imp.name.encode()
            error = capi._wasmtime_linker_define_func_unchecked(
                self.linker.ptr(),
                module_name,
                len(module_name),
                name,
                len(name),
                ty.ptr(),
                callback,
                None,
                _NO_FINALIZER,
            )
            if error:
                raise WasmtimeError._from_ptr(error)
        self.linker.define_unknown_imports_as_traps(module)

    def serves(self, key: str) -> bool:
        return self.specs.spec(key) is not None


def _module_mismatch(module: Module) -> str | None:
    """Why the module as a whole is not what the lane expects, or None."""
    served = _served()
    for imp in module.imports:
        if not isinstance(imp.type, FuncType):
            return f"it imports {imp.module}#{imp.name}, which is not a function"
        entry = served.get((imp.module.partition("@")[0], imp.name or ""))
        if entry is not None and _core_type(imp.type) != (entry[0], entry[1]):
            return (
                f"it imports {imp.module}#{imp.name} as {imp.type}, the lane serves {entry[0]} -> {entry[1]}"
            )
    exports = {e.name: e.type for e in module.exports}
    realloc = exports.get("cabi_realloc")
    if not isinstance(realloc, FuncType) or _core_type(realloc) != (["i32"] * 4, ["i32"]):
        return "it has no cabi_realloc(i32, i32, i32, i32) -> i32"
    if not isinstance(exports.get("memory"), MemoryType):
        return "it exports no memory"
    return None


def _function_mismatch(exports: Mapping[str, Any], key: str, spec: FuncSpec) -> str | None:
    """Why the module's export for `spec` is not what its WIT type flattens to, or None."""
    ty = exports.get(key)
    if not isinstance(ty, FuncType):
        return f"it does not export {key}"
    want = (spec.core_params, spec.core_results)
    if _core_type(ty) != want:
        return f"{key} is {_signature(*_core_type(ty))}, the WIT type flattens to {_signature(*want)}"
    post = exports.get(f"cabi_post_{key}")
    if post is None:
        return None
    if not isinstance(post, FuncType):
        return f"cabi_post_{key} is not a function"
    if _core_type(post) != (spec.core_results, []):
        have, want_post = _signature(*_core_type(post)), _signature(spec.core_results, [])
        return f"cabi_post_{key} is {have}, expected {want_post}"
    return None


def _mismatch(module: Module, specs: Mapping[str, FuncSpec]) -> str | None:
    """Why the module is not what the lane expects for all of `specs`, or None."""
    reason = _module_mismatch(module)
    if reason is not None:
        return reason
    exports = {e.name: e.type for e in module.exports}
    for key, spec in specs.items():
        reason = _function_mismatch(exports, key, spec)
        if reason is not None:
            return reason
    return None


def build(
    engine: Engine, wasm: bytes, key: str, component: Component, cache: Path
) -> tuple[CoreLane | None, str]:
    """The lane for this component, or None and why not."""
    if os.environ.get("STYRENE_CORE_LANE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None, "disabled by STYRENE_CORE_LANE=0"
    types = exported_functions(component, engine)
    artifact = cache / f"styrene-{key}-core.cwasm"
    try:
        module, from_cache = _loader.compile_cached(
            artifact,
            lambda path: Module.deserialize_file(engine, path),
            lambda: Module(engine, main_module(wasm)),
        )
    except (ValueError, WasmtimeError) as e:
        return None, f"no usable core module in styrene.wasm ({e})"
    reason = _module_mismatch(module)
    if reason is not None:
        return None, f"the core module is not what the lane expects: {reason}"
    specs = Specs(types, {e.name: e.type for e in module.exports})
    return CoreLane(engine, module, specs, from_cache), "core module"


class CoreInstance:
    """One instance of the core module, in its own store under the host's limits."""

    def __init__(self, lane: CoreLane) -> None:
        self.lane = lane
        self.store = Store(lane.engine)
        self.store.set_limits(memory_size=_loader.MEMORY_LIMIT)
        self.store.set_epoch_deadline(_loader.DEADLINE_TICKS)
        self.epoch = _loader.load().epoch
        self.deadline_set_at = self.epoch[0]
        self.stderr = bytearray()
        self.view = memoryview(b"")
        self.extent = -1
        self.context = pointer(self.store._context())
        _by_context[self.context] = self
        instance = lane.linker.instantiate(self.store, lane.module)
        exports = instance.exports(self.store)
        memory = exports["memory"]
        assert isinstance(memory, Memory)  # `build` checked the module's exports
        self._memory = memory  # keeps the wasmtime_memory_t that the pointers below point at
        self._memory_args = (c_void_p(self.context), c_void_p(ctypes.addressof(memory._memory)))
        self._exports = exports
        self._realloc = _Raw(self.store, exports["cabi_realloc"], 4)
        self.funcs: dict[str, tuple[_Raw, _Raw | None]] = {}
        if "_initialize" in lane.exports:
            _Raw(self.store, exports["_initialize"], 0)()
        self.refresh()

    def refresh(self) -> None:
        """Make `view` span the memory's current extent. The engine is configured
        so that memory never moves (``memory_may_move`` off): growth only
        extends it, and a view of an earlier extent stays valid."""
        extent = _memory_data_size(*self._memory_args)
        if extent != self.extent:
            base = _memory_data(*self._memory_args)
            self.view = (
                memoryview((c_ubyte * extent).from_address(base)).cast("B") if extent else memoryview(b"")
            )
            self.extent = extent

    def alloc(self, align: int, size: int) -> int:
        """``cabi_realloc(0, 0, align, size)``: a block the callee will own."""
        raw = self._realloc
        _realloc_args.pack_into(raw.buffer, 0, 0, 0, align, size)
        raw()
        ptr = _i32.unpack_from(raw.buffer, 0)[0]
        if ptr + size > self.extent:  # the memory may have grown (in place: it never moves)
            self.refresh()
        if ptr % align or ptr + size > self.extent:
            raise canon.Invalid(f"cabi_realloc returned {ptr:#x} for {size} bytes aligned to {align}")
        return ptr

    def resolve(self, spec: FuncSpec) -> tuple[_Raw, _Raw | None]:
        post = self._exports.get(f"cabi_post_{spec.export}")
        func = _Raw(self.store, self._exports[spec.export], spec.slots)
        # the post-return function takes the results where the call left them
        funcs = self.funcs[spec.export] = (
            func,
            None if post is None else _Raw(self.store, post, spec.slots, func.buffer),
        )
        return funcs

    def refresh_deadline(self) -> None:
        self.store.set_epoch_deadline(_loader.DEADLINE_TICKS)
        self.deadline_set_at = self.epoch[0]


_realloc_args = _raw_layout([canon.I32] * 4)
_i32 = struct.Struct("<I")


class Lowering(Exception):
    """A trap while the arguments were being copied in (they did not fit)."""


def invoker(spec: FuncSpec) -> Callable[[CoreInstance, tuple[Any, ...]], Any]:
    """``invoke(inst, args)`` for one export: lower, call, lift, post-return.

    It raises :class:`Lowering` (wrapping the trap) when an allocation for the
    arguments trapped, the trap itself when the call did, and
    :class:`canon.Invalid` when the results break the ABI. Written as one
    closure with everything it needs in locals: at a microsecond per call,
    attribute lookups are a good part of the cost."""
    export, params, result = spec.export, spec.params, spec.result
    call_raw = _call_unchecked

    if not params and result is None:  # nothing to copy either way (a no-op, a ping)

        def invoke_bare(inst: CoreInstance, args: tuple[Any, ...]) -> None:
            func = (inst.funcs.get(export) or inst.resolve(spec))[0]
            error = call_raw(*func.args)
            if error or func.trap.value:
                func.error = error
                func.raise_failure()

        return invoke_bare

    if params == [canon.BYTES] and spec.indirect:
        return _bytes_invoker(spec, _generic(spec))
    return _generic(spec)


def _generic(spec: FuncSpec) -> Callable[[CoreInstance, tuple[Any, ...]], Any]:
    export, params, result = spec.export, spec.params, spec.result
    lowers = [c.lower for c in params]
    pack_into, unpack_from = spec.pack.pack_into, spec.unpack.unpack_from
    spilled, indirect = spec.arguments if spec.spilled else None, spec.indirect
    load = result.load if result is not None else None
    lift = result.lift if result is not None else None
    result_size, result_align = (result.size, result.align) if result is not None else (0, 1)
    call_raw, i32 = _call_unchecked, _i32.unpack_from

    def invoke(inst: CoreInstance, args: tuple[Any, ...]) -> Any:
        funcs = inst.funcs.get(export) or inst.resolve(spec)
        func, post = funcs
        flat: list[Any] = []
        try:
            if spilled is not None:
                ptr = inst.alloc(spilled.align, spilled.size)
                spilled.store(inst, args, ptr)
                flat.append(ptr)
            else:
                for lower, value in zip(lowers, args, strict=True):
                    lower(inst, value, flat)
        except (WasmtimeError, Trap) as trap:
            raise Lowering(trap) from None
        buffer = func.buffer
        pack_into(buffer, 0, *flat)
        error = call_raw(*func.args)
        if error or func.trap.value:
            func.error = error
            func.raise_failure()
        if load is None or lift is None:  # the function returns nothing
            value = None
        elif indirect:
            ptr = i32(buffer, 0)[0]
            if ptr + result_size > inst.extent:
                inst.refresh()
            if ptr % result_align or ptr + result_size > inst.extent:
                raise canon.Invalid(f"result pointer {ptr:#x} is out of bounds or misaligned")
            try:
                value = load(inst.view, ptr)
            except canon.Invalid:
                # a block past the extent seen so far: the call may have grown the memory
                extent = inst.extent
                inst.refresh()
                if inst.extent == extent:
                    raise
                value = load(inst.view, ptr)
        else:
            value = lift(inst, iter(unpack_from(buffer, 0)))
        if post is not None:
            post()
        return value

    return invoke


def _bytes_invoker(
    spec: FuncSpec, generic: Callable[..., Any]
) -> Callable[[CoreInstance, tuple[Any, ...]], Any]:
    """The invoker of an export that takes one ``list<u8>`` and returns through
    a pointer (the shortcuts the wire drop-in calls per message): the steps of
    the generic invoker with the allocation, the copy and the call inlined,
    since each Python call saved is a tenth of a microsecond. Arguments that
    are not exactly ``bytes`` go the generic way."""
    export, result = spec.export, spec.result
    assert result is not None
    load, result_size, result_align = result.load, result.size, result.align
    pack_pair, pack_alloc = spec.pack.pack_into, _realloc_args.pack_into
    call_raw, i32 = _call_unchecked, _i32.unpack_from

    def invoke(inst: CoreInstance, args: tuple[Any, ...]) -> Any:
        (data,) = args
        if type(data) is not bytes:
            return generic(inst, args)
        func, post = inst.funcs.get(export) or inst.resolve(spec)
        n = len(data)
        realloc = inst._realloc
        pack_alloc(realloc.buffer, 0, 0, 0, 1, n)
        error = call_raw(*realloc.args)
        if error or realloc.trap.value:
            realloc.error = error
            try:
                realloc.raise_failure()
            except (WasmtimeError, Trap) as trap:
                raise Lowering(trap) from None
        ptr = i32(realloc.buffer, 0)[0]
        if ptr + n > inst.extent:
            inst.refresh()
            if ptr + n > inst.extent:
                raise canon.Invalid(f"cabi_realloc returned {ptr:#x} for {n} bytes")
        inst.view[ptr : ptr + n] = data
        buffer = func.buffer
        pack_pair(buffer, 0, ptr, n)
        error = call_raw(*func.args)
        if error or func.trap.value:
            func.error = error
            func.raise_failure()
        at = i32(buffer, 0)[0]
        if at + result_size > inst.extent:
            inst.refresh()
        if at % result_align or at + result_size > inst.extent:
            raise canon.Invalid(f"result pointer {at:#x} is out of bounds or misaligned")
        try:
            value = load(inst.view, at)
        except canon.Invalid:
            # a block past the extent seen so far: the call may have grown the memory
            extent = inst.extent
            inst.refresh()
            if inst.extent == extent:
                raise
            value = load(inst.view, at)
        if post is not None:
            post()
        return value

    return invoke


def trap_error(error: Exception, where: str, stderr: bytes) -> ComponentTrap:
    """The typed error for a failed lane call: the component path's, word for word."""
    if isinstance(error, Lowering):
        trap = error.args[0]
        if _loader.OOM_MARKER in stderr:
            return _loader.memory_limit_error(where, "its arguments did not fit")
        return _loader.trap_error(trap, where, stderr)
    if isinstance(error, canon.Invalid):
        return ComponentTrap(f"styrene.wasm trapped in {where}: {error}")
    return _loader.trap_error(error, where, stderr)
