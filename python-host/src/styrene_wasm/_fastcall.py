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
caller and released with ``wasmtime_component_val_delete``.
"""

from __future__ import annotations

import ctypes
import struct
from ctypes import addressof, c_char, c_size_t, c_void_p, string_at
from typing import Any, Callable

from wasmtime import WasmtimeError, _bindings, _ffi as ffi
from wasmtime.component import _types as t

VAL_SIZE = 32  # sizeof(wasmtime_component_val_t): kind byte, padding, 24-byte union
ENTRY_SIZE = 48  # sizeof(wasmtime_component_valrecord_entry_t): name (16) + val (32)

K_BOOL, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_F32, K_F64 = range(11)
K_CHAR, K_STRING, K_LIST, K_RECORD, K_TUPLE, K_VARIANT, K_ENUM, K_OPTION, K_RESULT = range(11, 20)

_call_proto = ctypes.CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)
_func_call = _call_proto(ctypes.cast(_bindings._wasmtime_component_func_call, c_void_p).value)
_val_delete = ctypes.CFUNCTYPE(None, c_void_p)(ctypes.cast(_bindings._wasmtime_component_val_delete, c_void_p).value)

_u8 = struct.Struct("<B7x")
_scalar = {
    K_BOOL: struct.Struct("<B7x?"), K_S8: struct.Struct("<B7xb"), K_U8: struct.Struct("<B7xB"),
    K_S16: struct.Struct("<B7xh"), K_U16: struct.Struct("<B7xH"), K_S32: struct.Struct("<B7xi"),
    K_U32: struct.Struct("<B7xI"), K_S64: struct.Struct("<B7xq"), K_U64: struct.Struct("<B7xQ"),
    K_F32: struct.Struct("<B7xf"), K_F64: struct.Struct("<B7xd"),
}
_ranges = {K_S8: (-(2**7), 2**7 - 1), K_U8: (0, 2**8 - 1), K_S16: (-(2**15), 2**15 - 1), K_U16: (0, 2**16 - 1),
           K_S32: (-(2**31), 2**31 - 1), K_U32: (0, 2**32 - 1), K_S64: (-(2**63), 2**63 - 1), K_U64: (0, 2**64 - 1)}
_U8_KIND = bytes([K_U8])
_ZERO_VAL = bytes(VAL_SIZE)
_words = struct.Struct("<B7xQQQ")  # kind and the union's three 8-byte words
_header = struct.Struct("<B7xQQ")  # kind, size, pointer (list, string, record, name)

Encoder = Callable[[Any, bytearray, int, list], None]
Decoder = Callable[[bytes, int], Any]


def address(buffer: bytearray) -> int:
    """The address of a bytearray's storage (it is kept alive by the caller)."""
    return addressof(c_char.from_buffer(buffer))


def _bytes_address(data: bytes) -> int:
    return ctypes.cast(ctypes.c_char_p(data), c_void_p).value or 0


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
        return _result_codec(ty.ok and compile_type(ty.ok), ty.err and compile_type(ty.err))
    raise TypeError(f"no fast path for {type(ty).__name__}")


def _scalar_codec(ty: t.ValType) -> tuple[Encoder, Decoder]:
    kind = {t.Bool: K_BOOL, t.S8: K_S8, t.U8: K_U8, t.S16: K_S16, t.U16: K_U16, t.S32: K_S32, t.U32: K_U32,
            t.S64: K_S64, t.U64: K_U64, t.F32: K_F32, t.F64: K_F64}[type(ty)]
    layout = _scalar[kind]
    bounds = _ranges.get(kind)

    def encode(value: Any, buf: bytearray, at: int, keep: list) -> None:
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise OverflowError(f"{value} does not fit {type(ty).__name__.lower()}")
        layout.pack_into(buf, at, kind, value)

    def decode(raw: bytes, at: int) -> Any:
        return layout.unpack_from(raw, at)[1]

    return encode, decode


def _string_encode(value: str, buf: bytearray, at: int, keep: list) -> None:
    data = value.encode("utf-8")
    keep.append(data)
    _header.pack_into(buf, at, K_STRING, len(data), _bytes_address(data))


def _string_decode(raw: bytes, at: int) -> str:
    _, size, ptr = _header.unpack_from(raw, at)
    return string_at(ptr, size).decode("utf-8") if size else ""


def _bytes_encode(value: bytes, buf: bytearray, at: int, keep: list) -> None:
    n = len(value)
    if n == 0:
        _header.pack_into(buf, at, K_LIST, 0, _Empty.at)
        return
    elements = bytearray(n * VAL_SIZE)
    elements[0::VAL_SIZE] = _U8_KIND * n
    elements[8::VAL_SIZE] = value
    keep.append(elements)
    _header.pack_into(buf, at, K_LIST, n, address(elements))


def _bytes_decode(raw: bytes, at: int) -> bytes:
    _, size, ptr = _header.unpack_from(raw, at)
    return string_at(ptr, size * VAL_SIZE)[8::VAL_SIZE] if size else b""


def _list_codec(item: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    item_encode, item_decode = item

    def encode(value: list, buf: bytearray, at: int, keep: list) -> None:
        n = len(value)
        if n == 0:
            _header.pack_into(buf, at, K_LIST, 0, _Empty.at)
            return
        elements = bytearray(n * VAL_SIZE)
        keep.append(elements)
        for i, v in enumerate(value):
            item_encode(v, elements, i * VAL_SIZE, keep)
        _header.pack_into(buf, at, K_LIST, n, address(elements))

    def decode(raw: bytes, at: int) -> list:
        _, size, ptr = _header.unpack_from(raw, at)
        if not size:
            return []
        elements = string_at(ptr, size * VAL_SIZE)
        return [item_decode(elements, i) for i in range(0, size * VAL_SIZE, VAL_SIZE)]

    return encode, decode


def _record_codec(names: list[str], fields: list[tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    name_bytes = [n.encode() for n in names]
    name_slots = [(len(b), _bytes_address(b)) for b in name_bytes]
    encoders = [f[0] for f in fields]
    decoders = [f[1] for f in fields]
    count = len(fields)
    name_layout = struct.Struct("<QQ")

    def encode(value: tuple, buf: bytearray, at: int, keep: list) -> None:
        entries = bytearray(count * ENTRY_SIZE)
        keep.append(entries)
        keep.append(name_bytes)
        for i, (encode_field, v) in enumerate(zip(encoders, value, strict=True)):
            name_layout.pack_into(entries, i * ENTRY_SIZE, *name_slots[i])
            encode_field(v, entries, i * ENTRY_SIZE + 16, keep)
        _header.pack_into(buf, at, K_RECORD, count, address(entries))

    def decode(raw: bytes, at: int) -> tuple:
        _, size, ptr = _header.unpack_from(raw, at)
        entries = string_at(ptr, size * ENTRY_SIZE)
        # entries come back in declaration order
        return tuple(decoders[i](entries, i * ENTRY_SIZE + 16) for i in range(size))

    return encode, decode


def _variant_codec(cases: list[tuple[str, t.ValType | None]]) -> tuple[Encoder, Decoder]:
    names = [name.encode() for name, _ in cases]
    index_of = {name: i for i, name in enumerate(names)}
    codecs = [compile_type(ty) if ty is not None else None for _, ty in cases]

    def encode(value: tuple, buf: bytearray, at: int, keep: list) -> None:
        case, payload = value
        codec = codecs[case]
        name = names[case]
        if codec is None:
            _words.pack_into(buf, at, K_VARIANT, len(name), _bytes_address(name), 0)
            return
        slot = bytearray(VAL_SIZE)
        keep.append(slot)
        codec[0](payload, slot, 0, keep)
        _words.pack_into(buf, at, K_VARIANT, len(name), _bytes_address(name), address(slot))

    def decode(raw: bytes, at: int) -> tuple:
        _, name_size, name_ptr, val_ptr = _words.unpack_from(raw, at)
        case = index_of[string_at(name_ptr, name_size)]
        codec = codecs[case]
        if codec is None:
            return case, None
        return case, codec[1](string_at(val_ptr, VAL_SIZE), 0)

    return encode, decode


def _enum_codec(names: list[str]) -> tuple[Encoder, Decoder]:
    encoded = [n.encode() for n in names]
    index_of = {n: i for i, n in enumerate(encoded)}

    def encode(value: int, buf: bytearray, at: int, keep: list) -> None:
        name = encoded[value]
        _header.pack_into(buf, at, K_ENUM, len(name), _bytes_address(name))

    def decode(raw: bytes, at: int) -> int:
        _, size, ptr = _header.unpack_from(raw, at)
        return index_of[string_at(ptr, size)]

    return encode, decode


_pointer = struct.Struct("<B7xQ")
_result = struct.Struct("<B7x?7xQ")


def _option_codec(inner: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    inner_encode, inner_decode = inner

    def encode(value: Any, buf: bytearray, at: int, keep: list) -> None:
        if value is None:
            _pointer.pack_into(buf, at, K_OPTION, 0)
            return
        slot = bytearray(VAL_SIZE)
        keep.append(slot)
        inner_encode(value, slot, 0, keep)
        _pointer.pack_into(buf, at, K_OPTION, address(slot))

    def decode(raw: bytes, at: int) -> Any:
        ptr = _pointer.unpack_from(raw, at)[1]
        return None if not ptr else inner_decode(string_at(ptr, VAL_SIZE), 0)

    return encode, decode


def _result_codec(ok: tuple | None, err: tuple | None) -> tuple[Encoder, Decoder]:
    def encode(value: tuple, buf: bytearray, at: int, keep: list) -> None:
        is_ok, payload = value
        codec = ok if is_ok else err
        if codec is None:
            _result.pack_into(buf, at, K_RESULT, is_ok, 0)
            return
        slot = bytearray(VAL_SIZE)
        keep.append(slot)
        codec[0](payload, slot, 0, keep)
        _result.pack_into(buf, at, K_RESULT, is_ok, address(slot))

    def decode(raw: bytes, at: int) -> tuple:
        _, is_ok, ptr = _result.unpack_from(raw, at)
        codec = ok if is_ok else err
        if codec is None or not ptr:
            return is_ok, None
        return is_ok, codec[1](string_at(ptr, VAL_SIZE), 0)

    return encode, decode


class FastFunc:
    """One component function, resolved once, called with plain Python values."""

    __slots__ = ("_func", "_func_at", "_context", "_encoders", "_decoder", "_args", "_args_at",
                 "_nargs", "_result", "_result_at", "_has_result", "_store")

    def __init__(self, store: Any, func: Any) -> None:
        ftype = func.type(store)
        self._store = store  # keeps the context alive
        self._func = func._func
        self._func_at = addressof(self._func)
        self._context = ctypes.cast(store._context(), c_void_p).value
        self._encoders = [compile_type(ty)[0] for _, ty in ftype.params]
        self._has_result = ftype.result is not None
        self._decoder = compile_type(ftype.result)[1] if self._has_result else None
        self._nargs = len(self._encoders)
        self._args = bytearray(max(1, self._nargs) * VAL_SIZE)
        self._args_at = address(self._args)
        self._result = bytearray(VAL_SIZE)
        self._result_at = address(self._result)

    def __call__(self, *args: Any) -> Any:
        keep: list = []
        buf = self._args
        for i, (encode, value) in enumerate(zip(self._encoders, args, strict=True)):
            encode(value, buf, i * VAL_SIZE, keep)
        error = _func_call(self._func_at, self._context, self._args_at, self._nargs,
                           self._result_at if self._has_result else None, int(self._has_result))
        if error:
            raise WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t)))
        if not self._has_result:
            return None
        try:
            return self._decoder(bytes(self._result), 0)
        finally:
            # free what the call allocated, then leave a plain `false` in the
            # slot: the next call drops the slot's old value before writing
            _val_delete(self._result_at)
            self._result[:] = _ZERO_VAL
