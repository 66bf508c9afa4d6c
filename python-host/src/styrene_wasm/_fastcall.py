"""Calling component functions without wasmtime-py's per-value overhead.

Stock ``wasmtime.component.Func.__call__`` re-reads the function type on every
call and converts every value through a ctypes object, one ``list<u8>``
element at a time (about 1 µs per byte). This module compiles a function's
WIT signature once into plain Python encoders and decoders that read and write
the C API's 32-byte ``wasmtime_component_val_t`` arrays in bulk, with strided
slice assignment for ``list<u8>``, and calls ``wasmtime_component_func_call``
through a pre-resolved pointer.

Python-side shapes: a record is a tuple in field order, a variant is
``(case_index, payload)``, an enum is its case index, an option is ``None`` or
the value, a result is ``(True, ok)`` / ``(False, err)``, ``list<u8>`` is
``bytes``.

The C API borrows arguments (they are ``const``), so argument memory is owned
here and kept alive for the duration of the call; results are owned by the
caller and released with ``wasmtime_component_val_delete``. Results are read
in place through one memoryview over the process's address space (``MEMORY``):
``struct.unpack_from`` at an address costs a fifth of a ``ctypes.string_at``.
"""

from __future__ import annotations

import ctypes
import struct
import sys
from ctypes import addressof, c_char, c_size_t, c_void_p
from typing import TYPE_CHECKING, Any

from wasmtime import WasmtimeError, _bindings, _ffi as ffi
from wasmtime.component import ResourceAny, _types as t

VAL_SIZE = 32  # sizeof(wasmtime_component_val_t): kind byte, padding, 24-byte union
ENTRY_SIZE = 48  # sizeof(wasmtime_component_valrecord_entry_t): name (16) + val (32)

# wasmtime's C API numbering of `wasmtime_component_valkind_t` (component/val.h),
# the kind byte of every value: not WIT case order, which is read from the types
K_BOOL, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_F32, K_F64 = range(11)
K_CHAR, K_STRING, K_LIST, K_RECORD, K_TUPLE, K_VARIANT, K_ENUM, K_OPTION, K_RESULT = range(11, 20)
K_RESOURCE = 21


def pointer(value: Any) -> int:
    """The address a ctypes pointer (or function) holds; 0 for a null pointer."""
    return ctypes.cast(value, c_void_p).value or 0


def c_function(name: str, restype: Any, *argtypes: Any) -> Any:
    """A C API function by its address in wasmtime-py's library, with plain
    arguments (no per-call type conversion by ctypes)."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(pointer(getattr(_bindings, f"_{name}")))


_func_call = c_function(
    "wasmtime_component_func_call", c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t
)
_val_delete = c_function("wasmtime_component_val_delete", None, c_void_p)

_u8 = struct.Struct("<B7x")
_scalar = {
    K_BOOL: struct.Struct("<B7x?"),
    K_S8: struct.Struct("<B7xb"),
    K_U8: struct.Struct("<B7xB"),
    K_S16: struct.Struct("<B7xh"),
    K_U16: struct.Struct("<B7xH"),
    K_S32: struct.Struct("<B7xi"),
    K_U32: struct.Struct("<B7xI"),
    K_S64: struct.Struct("<B7xq"),
    K_U64: struct.Struct("<B7xQ"),
    K_F32: struct.Struct("<B7xf"),
    K_F64: struct.Struct("<B7xd"),
}
_ranges = {
    K_S8: (-(2**7), 2**7 - 1),
    K_U8: (0, 2**8 - 1),
    K_S16: (-(2**15), 2**15 - 1),
    K_U16: (0, 2**16 - 1),
    K_S32: (-(2**31), 2**31 - 1),
    K_U32: (0, 2**32 - 1),
    K_S64: (-(2**63), 2**63 - 1),
    K_U64: (0, 2**64 - 1),
}
_U8_KIND = bytes([K_U8])
_ZERO_VAL = bytes(VAL_SIZE)
_words = struct.Struct("<B7xQQQ")  # kind and the union's three 8-byte words
_header = struct.Struct("<B7xQQ")  # kind, size, pointer (list, string, record, name)

if TYPE_CHECKING:
    from collections.abc import Callable

    Encoder = Callable[[Any, bytearray, int, list[Any]], None]
    Decoder = Callable[[int], Any]  # reads the value at an absolute address

# Every byte of the process, addressable; only ever read at addresses the C API
# just handed back (results it owns until `_val_delete`).
MEMORY = memoryview((c_char * sys.maxsize).from_address(0)).cast("B")


def address(buffer: bytearray) -> int:
    """The address of a bytearray's storage (it is kept alive by the caller)."""
    return addressof(c_char.from_buffer(buffer))


# Where a bytes object's data starts. CPython stores it inline after a fixed
# header (`bytes.__basicsize__` counts the header and the trailing NUL), so the
# address is `id(data) + offset`; elsewhere ask ctypes (slower, same answer).
if sys.implementation.name == "cpython":
    _BYTES_DATA_OFFSET = bytes.__basicsize__ - 1

    def _bytes_address(data: bytes) -> int:
        return id(data) + _BYTES_DATA_OFFSET
else:  # pragma: no cover

    def _bytes_address(data: bytes) -> int:
        return pointer(ctypes.c_char_p(data))


class _Empty:
    """A non-null pointer for empty arrays."""

    buffer = bytearray(VAL_SIZE)
    at = address(buffer)


def compile_type(ty: t.ValType) -> tuple[Encoder, Decoder]:
    """An (encoder, decoder) pair for one WIT type."""
    if isinstance(ty, (t.Bool, t.S8, t.U8, t.S16, t.U16, t.S32, t.U32, t.S64, t.U64, t.F32, t.F64)):
        return _scalar_codec(ty)
    if isinstance(ty, t.String):
        return _string_encode, _string_decode
    if isinstance(ty, t.ListType):
        if isinstance(ty.element, t.U8):
            return _bytes_encode, _bytes_decode
        return _list_codec(compile_type(ty.element))
    if isinstance(ty, t.RecordType):
        return _record_codec([name for name, _ in ty.fields], [compile_type(f) for _, f in ty.fields])
    if isinstance(ty, t.VariantType):
        return _variant_codec(ty.cases)
    if isinstance(ty, t.EnumType):
        return _enum_codec(ty.names)
    if isinstance(ty, t.OptionType):
        return _option_codec(compile_type(ty.payload))
    if isinstance(ty, t.ResultType):
        return _result_codec(
            None if ty.ok is None else compile_type(ty.ok), None if ty.err is None else compile_type(ty.err)
        )
    if isinstance(ty, (t.OwnType, t.BorrowType)):
        return _resource_encode, _resource_decode
    raise TypeError(f"no fast path for {type(ty).__name__}")


def _scalar_codec(ty: t.ValType) -> tuple[Encoder, Decoder]:
    kind = {
        t.Bool: K_BOOL,
        t.S8: K_S8,
        t.U8: K_U8,
        t.S16: K_S16,
        t.U16: K_U16,
        t.S32: K_S32,
        t.U32: K_U32,
        t.S64: K_S64,
        t.U64: K_U64,
        t.F32: K_F32,
        t.F64: K_F64,
    }[type(ty)]
    layout = _scalar[kind]
    bounds = _ranges.get(kind)

    def encode(value: Any, buf: bytearray, at: int, keep: list[Any]) -> None:
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise OverflowError(f"{value} does not fit {type(ty).__name__.lower()}")
        layout.pack_into(buf, at, kind, value)

    def decode(at: int) -> Any:
        return layout.unpack_from(MEMORY, at)[1]

    return encode, decode


def _string_encode(value: str, buf: bytearray, at: int, keep: list[Any]) -> None:
    data = value.encode("utf-8")
    keep.append(data)
    _header.pack_into(buf, at, K_STRING, len(data), _bytes_address(data))


def _string_decode(at: int) -> str:
    _, size, ptr = _header.unpack_from(MEMORY, at)
    return str(MEMORY[ptr : ptr + size], "utf-8") if size else ""


def _bytes_encode(value: bytes, buf: bytearray, at: int, keep: list[Any]) -> None:
    n = len(value)
    if n == 0:
        _header.pack_into(buf, at, K_LIST, 0, _Empty.at)
        return
    elements = bytearray(n * VAL_SIZE)
    elements[0::VAL_SIZE] = _U8_KIND * n
    elements[8::VAL_SIZE] = value
    keep.append(elements)
    _header.pack_into(buf, at, K_LIST, n, address(elements))


def _bytes_decode(at: int) -> bytes:
    _, size, ptr = _header.unpack_from(MEMORY, at)
    return MEMORY[ptr + 8 : ptr + size * VAL_SIZE : VAL_SIZE].tobytes() if size else b""


def _list_codec(item: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    item_encode, item_decode = item
    # a list of variants (a payload value's nodes) lays out every item's payload
    # value in a second array, so the whole list costs two allocations
    into = getattr(item_encode, "into", None)

    def encode(value: list[Any], buf: bytearray, at: int, keep: list[Any]) -> None:
        n = len(value)
        if n == 0:
            _header.pack_into(buf, at, K_LIST, 0, _Empty.at)
            return
        elements = bytearray(n * VAL_SIZE)
        keep.append(elements)
        if into is not None:
            payloads = bytearray(n * VAL_SIZE)
            keep.append(payloads)
            base = address(payloads)
            for i, v in enumerate(value):
                offset = i * VAL_SIZE
                into(v, elements, offset, payloads, offset, base + offset, keep)
        else:
            for i, v in enumerate(value):
                item_encode(v, elements, i * VAL_SIZE, keep)
        _header.pack_into(buf, at, K_LIST, n, address(elements))

    def decode(at: int) -> list[Any]:
        _, size, ptr = _header.unpack_from(MEMORY, at)
        return [item_decode(a) for a in range(ptr, ptr + size * VAL_SIZE, VAL_SIZE)]

    return encode, decode


def _record_codec(names: list[str], fields: list[tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    name_bytes = [n.encode() for n in names]
    name_slots = [(len(b), _bytes_address(b)) for b in name_bytes]
    encoders = [f[0] for f in fields]
    decoders = [f[1] for f in fields]
    count = len(fields)
    name_layout = struct.Struct("<QQ")

    def encode(value: tuple[Any, ...], buf: bytearray, at: int, keep: list[Any]) -> None:
        entries = bytearray(count * ENTRY_SIZE)
        keep.append(entries)
        keep.append(name_bytes)
        for i, (encode_field, v) in enumerate(zip(encoders, value, strict=True)):
            name_layout.pack_into(entries, i * ENTRY_SIZE, *name_slots[i])
            encode_field(v, entries, i * ENTRY_SIZE + 16, keep)
        _header.pack_into(buf, at, K_RECORD, count, address(entries))

    def decode(at: int) -> tuple[Any, ...]:
        ptr = _header.unpack_from(MEMORY, at)[2]
        # entries come back in declaration order: name (16 bytes), then the value
        return tuple([decode_field(ptr + i * ENTRY_SIZE + 16) for i, decode_field in enumerate(decoders)])

    return encode, decode


def _case_index(names: list[bytes]) -> Callable[[int, int], int]:
    """Case index from a discriminant name: by (length, first byte) when that is
    unique among the cases (it is for ours), which spares reading the name."""
    short = {(len(n), n[0] if n else 0): i for i, n in enumerate(names)}
    if len(short) == len(names):
        return lambda size, ptr: short[size, MEMORY[ptr] if size else 0]
    full = {n: i for i, n in enumerate(names)}
    return lambda size, ptr: full[MEMORY[ptr : ptr + size].tobytes()]


def _variant_codec(cases: list[tuple[str, t.ValType | None]]) -> tuple[Encoder, Decoder]:
    names = [name.encode() for name, _ in cases]
    case_index = _case_index(names)
    codecs = [compile_type(ty) if ty is not None else None for _, ty in cases]

    # the case names are kept alive by this closure, so their addresses are fixed
    name_slots = [(len(n), _bytes_address(n)) for n in names]
    encoders = [c[0] if c else None for c in codecs]

    def into(
        value: tuple[Any, ...],
        buf: bytearray,
        at: int,
        slot: bytearray,
        slot_at: int,
        slot_address: int,
        keep: list[Any],
        _names: list[Any] = names,
    ) -> None:
        """Write the variant at `buf[at]` and its payload in the given slot."""
        case, payload = value
        size, name_at = name_slots[case]
        encode_payload = encoders[case]
        if encode_payload is None:
            _words.pack_into(buf, at, K_VARIANT, size, name_at, 0)
            return
        encode_payload(payload, slot, slot_at, keep)
        _words.pack_into(buf, at, K_VARIANT, size, name_at, slot_address)

    def encode(value: tuple[Any, ...], buf: bytearray, at: int, keep: list[Any]) -> None:
        slot = bytearray(VAL_SIZE)
        keep.append(slot)
        into(value, buf, at, slot, 0, address(slot), keep)

    encode.into = into  # type: ignore[attr-defined]

    decoders = [c[1] if c else None for c in codecs]

    def decode(at: int) -> tuple[Any, ...]:
        _, name_size, name_ptr, val_ptr = _words.unpack_from(MEMORY, at)
        case = case_index(name_size, name_ptr)
        decode_payload = decoders[case]
        return case, (decode_payload(val_ptr) if decode_payload else None)

    return encode, decode


_resource_clone = _bindings._wasmtime_component_resource_any_clone


def _resource_encode(value: ResourceAny, buf: bytearray, at: int, keep: list[Any]) -> None:
    # the C API borrows the handle for the call; the Python object keeps owning it
    keep.append(value)
    _pointer.pack_into(buf, at, K_RESOURCE, pointer(value.ptr()))


def _resource_decode(at: int) -> ResourceAny:
    # the result slot owns its handle and is freed after the call: keep a clone
    ptr = ctypes.cast(
        _pointer.unpack_from(MEMORY, at)[1], ctypes.POINTER(ffi.wasmtime_component_resource_any_t)
    )
    return ResourceAny._from_ptr(_resource_clone(ptr))


def _enum_codec(names: list[str]) -> tuple[Encoder, Decoder]:
    encoded = [n.encode() for n in names]
    case_index = _case_index(encoded)

    def encode(value: int, buf: bytearray, at: int, keep: list[Any]) -> None:
        name = encoded[value]
        _header.pack_into(buf, at, K_ENUM, len(name), _bytes_address(name))

    def decode(at: int) -> int:
        _, size, ptr = _header.unpack_from(MEMORY, at)
        return case_index(size, ptr)

    return encode, decode


_pointer = struct.Struct("<B7xQ")
_result = struct.Struct("<B7x?7xQ")


def _option_codec(inner: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    inner_encode, inner_decode = inner

    def encode(value: Any, buf: bytearray, at: int, keep: list[Any]) -> None:
        if value is None:
            _pointer.pack_into(buf, at, K_OPTION, 0)
            return
        slot = bytearray(VAL_SIZE)
        keep.append(slot)
        inner_encode(value, slot, 0, keep)
        _pointer.pack_into(buf, at, K_OPTION, address(slot))

    def decode(at: int) -> Any:
        ptr = _pointer.unpack_from(MEMORY, at)[1]
        return inner_decode(ptr) if ptr else None

    return encode, decode


def _result_codec(
    ok: tuple[Encoder, Decoder] | None, err: tuple[Encoder, Decoder] | None
) -> tuple[Encoder, Decoder]:
    def encode(value: tuple[Any, ...], buf: bytearray, at: int, keep: list[Any]) -> None:
        is_ok, payload = value
        codec = ok if is_ok else err
        if codec is None:
            _result.pack_into(buf, at, K_RESULT, is_ok, 0)
            return
        slot = bytearray(VAL_SIZE)
        keep.append(slot)
        codec[0](payload, slot, 0, keep)
        _result.pack_into(buf, at, K_RESULT, is_ok, address(slot))

    ok_decode, err_decode = ok and ok[1], err and err[1]

    def decode(at: int) -> tuple[Any, ...]:
        _, is_ok, ptr = _result.unpack_from(MEMORY, at)
        decode_payload = ok_decode if is_ok else err_decode
        return is_ok, (decode_payload(ptr) if decode_payload and ptr else None)

    return encode, decode


class _ByteArgument:
    """A top-level ``list<u8>`` parameter written into a reusable element array.

    The array's kind column is filled once when it grows, so a call only
    copies the bytes into the value column (one strided slice assignment).
    """

    __slots__ = ("address", "capacity", "elements")

    def __init__(self) -> None:
        self.capacity = 0
        self.elements = bytearray()
        self.address = 0

    def _grow(self, n: int) -> None:
        self.capacity = max(n, 2 * self.capacity, 64)
        self.elements = bytearray(self.capacity * VAL_SIZE)
        self.elements[0::VAL_SIZE] = _U8_KIND * self.capacity
        self.address = address(self.elements)

    def encode(self, value: bytes, buf: bytearray, at: int, keep: list[Any]) -> None:
        n = len(value)
        if n > self.capacity:
            self._grow(n)
        self.elements[8 : 8 + n * VAL_SIZE : VAL_SIZE] = value
        _header.pack_into(buf, at, K_LIST, n, self.address)


class FastFunc:
    """One component function, resolved once, called with plain Python values.

    ``call`` is a closure specialised for the function's arity, with every
    constant argument of ``wasmtime_component_func_call`` pre-built as a ctypes
    object, because argument conversion is most of a small call's cost.
    """

    __slots__ = ("_keep", "call")

    def __init__(self, store: Any, func: Any) -> None:
        ftype = func.type(store)
        encoders = [
            _ByteArgument().encode
            if isinstance(ty, t.ListType) and isinstance(ty.element, t.U8)
            else compile_type(ty)[0]
            for _, ty in ftype.params
        ]
        decoder = compile_type(ftype.result)[1] if ftype.result is not None else None
        nargs = len(encoders)
        args = bytearray(max(1, nargs) * VAL_SIZE)
        result = bytearray(VAL_SIZE)
        raw_func = func._func
        # everything the pointers below point into must outlive the closure
        self._keep = (store, raw_func, args, result)
        c_func = c_void_p(addressof(raw_func))
        c_context = c_void_p(pointer(store._context()))
        c_args, c_nargs = c_void_p(address(args)), c_size_t(nargs)
        result_at = address(result)
        c_result = c_void_p(result_at if decoder else 0)
        c_nresults = c_size_t(1 if decoder else 0)
        call_raw = _func_call

        def check(error: int | None) -> None:
            if error:
                raise WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t)))

        def take_result() -> Any:
            if decoder is None:
                return None
            try:
                return decoder(result_at)
            finally:
                # free what the call allocated, then leave a plain `false` in the
                # slot: the next call drops the slot's old value before writing
                _val_delete(result_at)
                result[:] = _ZERO_VAL

        if nargs == 0 and decoder is None:

            def call_bare() -> None:
                check(call_raw(c_func, c_context, c_args, c_nargs, c_result, c_nresults))

            self.call: Callable[..., Any] = call_bare
        elif nargs == 0:

            def call_without_arguments() -> Any:
                check(call_raw(c_func, c_context, c_args, c_nargs, c_result, c_nresults))
                return take_result()

            self.call = call_without_arguments
        elif nargs == 1:
            (encode,) = encoders

            def call_with_one(value: Any) -> Any:
                keep: list[Any] = []
                encode(value, args, 0, keep)
                check(call_raw(c_func, c_context, c_args, c_nargs, c_result, c_nresults))
                return take_result()

            self.call = call_with_one
        else:

            def call_with_many(*values: Any) -> Any:
                keep: list[Any] = []
                for i, (encode, value) in enumerate(zip(encoders, values, strict=True)):
                    encode(value, args, i * VAL_SIZE, keep)
                check(call_raw(c_func, c_context, c_args, c_nargs, c_result, c_nresults))
                return take_result()

            self.call = call_with_many

    def __call__(self, *args: Any) -> Any:
        return self.call(*args)
