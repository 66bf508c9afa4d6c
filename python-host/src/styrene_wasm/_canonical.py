"""The component model's canonical ABI, for calling a core module's exports directly.

Each WIT type (as wasmtime reports it for the component) compiles once into a
:class:`Codec`: its size and alignment in linear memory, its flat core types,
and closures that lower a Python value into memory or into flat values and
lift it back. Layouts follow the component-model repository's
``design/mvp/canonical-abi/definitions.py`` (despecialisation of option,
result, enum and tuple; the variant discriminant sized by the case count;
flat variants joined case by case).

Python-side shapes are those of :mod:`._fastcall`, so the same wrappers run on
either lane: a record or tuple is a Python tuple in field order, a variant is
``(case_index, payload)``, an enum is its case index, an option is ``None`` or
the value, a result is ``(True, ok)`` / ``(False, err)``, ``list<u8>`` is
``bytes``, flags are an ``int`` bit set.

Lifting checks what a component host checks, and raises :class:`Invalid` for
it (the caller turns that into a typed trap): every pointer and length
against the memory's current extent, alignment, UTF-8, discriminants, bools,
chars and flag bits. Lowering raises what :mod:`._fastcall` raises for a value
that does not fit its type.

Memory is reached through ``mem``, an object with ``view`` (a memoryview of
exactly the linear memory's current extent) and ``alloc(align, size)``
(``cabi_realloc``, after which ``view`` is current again): a lowering that
allocates may grow memory, so ``mem.view`` is read again after each one.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from wasmtime.component import _types as t

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class Invalid(Exception):
    """What the guest handed back breaks the canonical ABI (a host would trap)."""


def align_to(offset: int, alignment: int) -> int:
    return -(-offset // alignment) * alignment


# flat core types
I32, I64, F32, F64 = "i32", "i64", "f32", "f64"
_MASK = {I32: 0xFFFF_FFFF, I64: 0xFFFF_FFFF_FFFF_FFFF}


class Codec:
    """How one WIT type lives in linear memory and in flat core values.

    ``store(mem, value, ptr)`` writes at an address the caller allocated;
    ``load(view, ptr)`` reads a value whose fixed-size part the caller has
    bounds-checked; ``lower(mem, value, out)`` appends flat values (raw bit
    patterns for integers); ``lift(mem, values)`` reads flat values from an
    iterator of Python numbers.
    """

    __slots__ = ("align", "flat", "lift", "load", "lower", "size", "store")

    def __init__(
        self,
        size: int,
        align: int,
        flat: list[str],
        store: Callable[..., Any],
        load: Callable[..., Any],
        lower: Callable[..., Any],
        lift: Callable[..., Any],
    ) -> None:
        self.size, self.align, self.flat = size, align, flat
        self.store, self.load, self.lower, self.lift = store, load, lower, lift


def has_resources(ty: t.ValType) -> bool:
    """Whether a value of this type carries a resource handle (the lane serves none)."""
    if isinstance(ty, (t.OwnType, t.BorrowType)):
        return True
    if isinstance(ty, t.ListType):
        return has_resources(ty.element)
    if isinstance(ty, t.RecordType):
        return any(has_resources(f) for _, f in ty.fields)
    if isinstance(ty, t.TupleType):
        return any(has_resources(e) for e in ty.elements)
    if isinstance(ty, t.VariantType):
        return any(c is not None and has_resources(c) for _, c in ty.cases)
    if isinstance(ty, t.OptionType):
        return has_resources(ty.payload)
    if isinstance(ty, t.ResultType):
        return any(x is not None and has_resources(x) for x in (ty.ok, ty.err))
    return False


def codec(ty: t.ValType) -> Codec:
    """The codec of one WIT type; raises TypeError for what the lane does not carry."""
    if isinstance(ty, t.Bool):
        return _bool()
    for cls, (fmt, bounds) in _INTEGERS.items():
        if isinstance(ty, cls):
            return _integer(fmt, bounds, cls.__name__.lower())
    if isinstance(ty, t.F32):
        return _float("<f", F32)
    if isinstance(ty, t.F64):
        return _float("<d", F64)
    if isinstance(ty, t.Char):
        return _char()
    if isinstance(ty, t.String):
        return _string()
    if isinstance(ty, t.ListType):
        if isinstance(ty.element, t.U8):
            return BYTES
        return _list(codec(ty.element))
    if isinstance(ty, t.RecordType):
        return _record([codec(f) for _, f in ty.fields])
    if isinstance(ty, t.TupleType):
        return _record([codec(e) for e in ty.elements])
    if isinstance(ty, t.VariantType):
        return _variant([None if c is None else codec(c) for _, c in ty.cases], _tagged)
    if isinstance(ty, t.EnumType):
        return _enum(len(ty.names))
    if isinstance(ty, t.OptionType):
        return _variant([None, codec(ty.payload)], _optional)
    if isinstance(ty, t.ResultType):
        cases = [None if x is None else codec(x) for x in (ty.ok, ty.err)]
        return _variant(cases, _result)
    if isinstance(ty, t.FlagsType):
        return _flags(len(ty.names))
    raise TypeError(f"the core lane carries no {type(ty).__name__}")


# ------------------------------------------------------------------ scalars

_INTEGERS = {
    t.U8: ("<B", (0, 2**8 - 1)),
    t.S8: ("<b", (-(2**7), 2**7 - 1)),
    t.U16: ("<H", (0, 2**16 - 1)),
    t.S16: ("<h", (-(2**15), 2**15 - 1)),
    t.U32: ("<I", (0, 2**32 - 1)),
    t.S32: ("<i", (-(2**31), 2**31 - 1)),
    t.U64: ("<Q", (0, 2**64 - 1)),
    t.S64: ("<q", (-(2**63), 2**63 - 1)),
}


def _integer(fmt: str, bounds: tuple[int, int], name: str) -> Codec:
    layout = struct.Struct(fmt)
    size = layout.size
    flat = I64 if size == 8 else I32
    mask = _MASK[flat]
    low, high = bounds
    width = 8 * size
    signed = low < 0

    def check(value: int) -> int:
        if not low <= value <= high:
            raise OverflowError(f"{value} does not fit {name}")
        return value

    def store(mem: Any, value: int, ptr: int) -> None:
        layout.pack_into(mem.view, ptr, check(value))

    def load(view: memoryview, ptr: int) -> int:
        return layout.unpack_from(view, ptr)[0]

    def lower(mem: Any, value: int, out: list[Any]) -> None:
        out.append(check(value) & mask)

    def lift(mem: Any, values: Iterator[Any]) -> int:
        # the core value's low bits, read as the WIT type reads them
        value = next(values) & ((1 << width) - 1)
        return value - (1 << width) if signed and value >> (width - 1) else value

    return Codec(size, size, [flat], store, load, lower, lift)


def _bool() -> Codec:
    def store(mem: Any, value: Any, ptr: int) -> None:
        mem.view[ptr] = 1 if value else 0

    def load(view: memoryview, ptr: int) -> bool:
        byte = view[ptr]
        if byte > 1:
            raise Invalid(f"invalid bool {byte}")
        return byte == 1

    def lower(mem: Any, value: Any, out: list[Any]) -> None:
        out.append(1 if value else 0)

    def lift(mem: Any, values: Iterator[Any]) -> bool:
        return next(values) & 0xFFFF_FFFF != 0

    return Codec(1, 1, [I32], store, load, lower, lift)


def _float(fmt: str, flat: str) -> Codec:
    layout = struct.Struct(fmt)

    def store(mem: Any, value: float, ptr: int) -> None:
        layout.pack_into(mem.view, ptr, value)

    def load(view: memoryview, ptr: int) -> float:
        return layout.unpack_from(view, ptr)[0]

    def lower(mem: Any, value: float, out: list[Any]) -> None:
        out.append(float(value))

    def lift(mem: Any, values: Iterator[Any]) -> float:
        return next(values)

    return Codec(layout.size, layout.size, [flat], store, load, lower, lift)


def _scalar_value(code: int) -> str:
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        raise Invalid(f"invalid char {code:#x}")
    return chr(code)


def _char() -> Codec:
    layout = struct.Struct("<I")

    def store(mem: Any, value: str, ptr: int) -> None:
        layout.pack_into(mem.view, ptr, ord(value))

    def load(view: memoryview, ptr: int) -> str:
        return _scalar_value(layout.unpack_from(view, ptr)[0])

    def lower(mem: Any, value: str, out: list[Any]) -> None:
        out.append(ord(value))

    def lift(mem: Any, values: Iterator[Any]) -> str:
        return _scalar_value(next(values) & 0xFFFF_FFFF)

    return Codec(4, 4, [I32], store, load, lower, lift)


def _flags(count: int) -> Codec:
    if count > 32:
        raise TypeError("the core lane carries flags of at most 32 labels")
    size = 0 if count == 0 else 1 if count <= 8 else 2 if count <= 16 else 4
    layout = struct.Struct({0: "<0s", 1: "<B", 2: "<H", 4: "<I"}[size])
    allowed = (1 << count) - 1

    def checked(bits: int) -> int:
        if bits & ~allowed:
            raise Invalid(f"flags {bits:#x} set a bit beyond the {count} labels")
        return bits

    def store(mem: Any, value: int, ptr: int) -> None:
        if size:
            layout.pack_into(mem.view, ptr, value & allowed)

    def load(view: memoryview, ptr: int) -> int:
        return checked(layout.unpack_from(view, ptr)[0]) if size else 0

    def lower(mem: Any, value: int, out: list[Any]) -> None:
        if size:
            out.append(value & allowed)

    def lift(mem: Any, values: Iterator[Any]) -> int:
        return checked(next(values) & 0xFFFF_FFFF) if size else 0

    return Codec(size, max(size, 1), [I32] if size else [], store, load, lower, lift)


# ------------------------------------------------------------------ strings and lists

_pair = struct.Struct("<II")


def _in_bounds(view: memoryview, ptr: int, length: int, align: int) -> None:
    if ptr % align:
        raise Invalid(f"pointer {ptr:#x} is not {align}-aligned")
    if ptr + length > len(view):
        raise Invalid(f"{length} bytes at {ptr:#x} run past the end of memory ({len(view)} bytes)")


def _text(view: memoryview, ptr: int, length: int) -> str:
    _in_bounds(view, ptr, length, 1)
    try:
        return str(view[ptr : ptr + length], "utf-8")
    except UnicodeDecodeError as e:
        raise Invalid(f"invalid UTF-8 in a string: {e.reason}") from None


def _string() -> Codec:
    def place(mem: Any, value: str) -> tuple[int, int]:
        data = value.encode("utf-8")
        ptr = mem.alloc(1, len(data))
        mem.view[ptr : ptr + len(data)] = data
        return ptr, len(data)

    def store(mem: Any, value: str, ptr: int) -> None:
        _pair.pack_into(mem.view, ptr, *place(mem, value))

    def load(view: memoryview, ptr: int) -> str:
        at, length = _pair.unpack_from(view, ptr)
        if at + length > len(view):
            _in_bounds(view, at, length, 1)
        try:
            return str(view[at : at + length], "utf-8")
        except UnicodeDecodeError as e:
            raise Invalid(f"invalid UTF-8 in a string: {e.reason}") from None

    def lower(mem: Any, value: str, out: list[Any]) -> None:
        out.extend(place(mem, value))

    def lift(mem: Any, values: Iterator[Any]) -> str:
        return _text(mem.view, next(values) & 0xFFFF_FFFF, next(values) & 0xFFFF_FFFF)

    return Codec(8, 4, [I32, I32], store, load, lower, lift)


def _bytes() -> Codec:
    def place(mem: Any, value: bytes) -> tuple[int, int]:
        n = len(value)
        ptr = mem.alloc(1, n)
        mem.view[ptr : ptr + n] = value
        return ptr, n

    def read(view: memoryview, ptr: int, length: int) -> bytes:
        _in_bounds(view, ptr, length, 1)
        return view[ptr : ptr + length].tobytes()

    def store(mem: Any, value: bytes, ptr: int) -> None:
        _pair.pack_into(mem.view, ptr, *place(mem, value))

    def load(view: memoryview, ptr: int) -> bytes:
        at, length = _pair.unpack_from(view, ptr)
        if at + length > len(view):
            _in_bounds(view, at, length, 1)
        return view[at : at + length].tobytes()

    def lower(mem: Any, value: bytes, out: list[Any]) -> None:
        out.extend(place(mem, value))

    def lift(mem: Any, values: Iterator[Any]) -> bytes:
        return read(mem.view, next(values) & 0xFFFF_FFFF, next(values) & 0xFFFF_FFFF)

    return Codec(8, 4, [I32, I32], store, load, lower, lift)


# the one codec of ``list<u8>``: the core lane recognises calls that take only bytes by it
BYTES = _bytes()


def _list(element: Codec) -> Codec:
    item_size, item_align = element.size, element.align
    store_item, load_item = element.store, element.load

    def place(mem: Any, value: list[Any]) -> tuple[int, int]:
        n = len(value)
        ptr = mem.alloc(item_align, n * item_size)
        for i, item in enumerate(value):
            store_item(mem, item, ptr + i * item_size)
        return ptr, n

    def read(view: memoryview, ptr: int, length: int) -> list[Any]:
        end = ptr + length * item_size
        if ptr % item_align or end > len(view):
            _in_bounds(view, ptr, length * item_size, item_align)
        return [load_item(view, at) for at in range(ptr, end, item_size)]

    def store(mem: Any, value: list[Any], ptr: int) -> None:
        _pair.pack_into(mem.view, ptr, *place(mem, value))

    def load(view: memoryview, ptr: int) -> list[Any]:
        return read(view, *_pair.unpack_from(view, ptr))

    def lower(mem: Any, value: list[Any], out: list[Any]) -> None:
        out.extend(place(mem, value))

    def lift(mem: Any, values: Iterator[Any]) -> list[Any]:
        return read(mem.view, next(values) & 0xFFFF_FFFF, next(values) & 0xFFFF_FFFF)

    return Codec(8, 4, [I32, I32], store, load, lower, lift)


# ------------------------------------------------------------------ records and variants


def _record(fields: list[Codec]) -> Codec:
    offsets, size, align = [], 0, 1
    for f in fields:
        size = align_to(size, f.align)
        offsets.append(size)
        size += f.size
        align = max(align, f.align)
    size = align_to(size, align)
    placed = list(zip(offsets, fields, strict=True))
    flat = [x for f in fields for x in f.flat]

    def store(mem: Any, value: tuple[Any, ...], ptr: int) -> None:
        for (offset, f), item in zip(placed, value, strict=True):
            f.store(mem, item, ptr + offset)

    def load(view: memoryview, ptr: int) -> tuple[Any, ...]:
        return tuple([f.load(view, ptr + offset) for offset, f in placed])

    def lower(mem: Any, value: tuple[Any, ...], out: list[Any]) -> None:
        for f, item in zip(fields, value, strict=True):
            f.lower(mem, item, out)

    def lift(mem: Any, values: Iterator[Any]) -> tuple[Any, ...]:
        return tuple([f.lift(mem, values) for f in fields])

    return Codec(size, align, flat, store, load, lower, lift)


def codec_of_tuple(fields: list[Codec]) -> Codec:
    """The codec of a tuple of these types (a call's spilled arguments)."""
    return _record(fields)


def _enum(count: int) -> Codec:
    disc = _discriminant(count)

    def checked(case: int) -> int:
        if case >= count:
            raise Invalid(f"enum discriminant {case} out of range (0..{count - 1})")
        return case

    def store(mem: Any, value: int, ptr: int) -> None:
        disc.pack_into(mem.view, ptr, value)

    def load(view: memoryview, ptr: int) -> int:
        return checked(disc.unpack_from(view, ptr)[0])

    def lower(mem: Any, value: int, out: list[Any]) -> None:
        out.append(value)

    def lift(mem: Any, values: Iterator[Any]) -> int:
        return checked(next(values) & 0xFFFF_FFFF)

    return Codec(disc.size, disc.size, [I32], store, load, lower, lift)


def _discriminant(count: int) -> struct.Struct:
    return struct.Struct("<B" if count <= 1 << 8 else "<H" if count <= 1 << 16 else "<I")


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {I32, F32}:
        return I32
    return I64


# Python shapes of the three despecialised variants: (case, payload) from and to the value
def _tagged(value: tuple[Any, ...]) -> tuple[int, Any]:
    return value


def _optional(value: Any) -> tuple[int, Any]:
    return (0, None) if value is None else (1, value)


def _result(value: tuple[Any, ...]) -> tuple[int, Any]:
    ok, payload = value
    return (0 if ok else 1, payload)


_SHAPE_BACK: dict[Callable[[Any], tuple[int, Any]], Callable[[int, Any], Any]] = {
    _tagged: lambda case, payload: (case, payload),
    _optional: lambda case, payload: payload if case else None,
    _result: lambda case, payload: (case == 0, payload),
}
_f32, _f64, _u32, _u64 = struct.Struct("<f"), struct.Struct("<d"), struct.Struct("<I"), struct.Struct("<Q")


def _to_joined(have: str, want: str, value: Any) -> Any:
    """A case's flat value widened to the variant's joined flat type."""
    if have == want:
        return value
    if have == F32:  # into i32 or i64: the float's bits
        return _u32.unpack(_f32.pack(value))[0]
    if have == F64:
        return _u64.unpack(_f64.pack(value))[0]
    return value  # i32 into i64: already its raw bits


def _from_joined(have: str, want: str, value: Any) -> Any:
    """A joined flat value read back as the case's own flat type."""
    if have == want:
        return value
    if want == F32:
        return _f32.unpack(_u32.pack(value & 0xFFFF_FFFF))[0]
    if want == F64:
        return _f64.unpack(_u64.pack(value))[0]
    return value & 0xFFFF_FFFF  # i64 read as i32: its low bits


def _variant(cases: list[Codec | None], shape: Callable[[Any], tuple[int, Any]]) -> Codec:
    count = len(cases)
    disc = _discriminant(count)
    payload_align = max([c.align for c in cases if c is not None], default=1)
    payload_at = align_to(disc.size, payload_align)
    align = max(disc.size, payload_align)
    size = align_to(payload_at + max([c.size for c in cases if c is not None], default=0), align)
    joined: list[str] = []
    for c in cases:
        for i, ft in enumerate(c.flat if c is not None else []):
            if i < len(joined):
                joined[i] = _join(joined[i], ft)
            else:
                joined.append(ft)
    back = _SHAPE_BACK[shape]
    small = disc.size == 1  # a byte read beats struct for the usual case
    payload_loads = [None if c is None else c.load for c in cases]

    def case_of(value: Any) -> tuple[int, Any]:
        case, payload = shape(value)
        if not 0 <= case < count:
            raise ValueError(f"case {case} out of range (0..{count - 1})")
        return case, payload

    def checked(case: int) -> Codec | None:
        if case >= count:
            raise Invalid(f"variant discriminant {case} out of range (0..{count - 1})")
        return cases[case]

    def store(mem: Any, value: Any, ptr: int) -> None:
        case, payload = case_of(value)
        disc.pack_into(mem.view, ptr, case)
        c = cases[case]
        if c is not None:
            c.store(mem, payload, ptr + payload_at)

    def case_at(view: memoryview, ptr: int) -> int:
        case = view[ptr] if small else disc.unpack_from(view, ptr)[0]
        if case >= count:
            raise Invalid(f"variant discriminant {case} out of range (0..{count - 1})")
        return case

    if shape is _tagged and small:

        def load(view: memoryview, ptr: int) -> Any:
            case = view[ptr]
            if case >= count:
                raise Invalid(f"variant discriminant {case} out of range (0..{count - 1})")
            payload_load = payload_loads[case]
            return (case, None if payload_load is None else payload_load(view, ptr + payload_at))
    elif shape is _tagged:

        def load(view: memoryview, ptr: int) -> Any:
            case = case_at(view, ptr)
            payload_load = payload_loads[case]
            return (case, None if payload_load is None else payload_load(view, ptr + payload_at))
    elif shape is _optional:
        some = payload_loads[1]
        assert some is not None  # an option's second case carries its value

        def load(view: memoryview, ptr: int) -> Any:
            return some(view, ptr + payload_at) if case_at(view, ptr) else None
    else:

        def load(view: memoryview, ptr: int) -> Any:
            case = case_at(view, ptr)
            payload_load = payload_loads[case]
            return (case == 0, None if payload_load is None else payload_load(view, ptr + payload_at))

    def lower(mem: Any, value: Any, out: list[Any]) -> None:
        case, payload = case_of(value)
        out.append(case)
        c = cases[case]
        mine: list[Any] = []
        if c is not None:
            c.lower(mem, payload, mine)
            mine = [_to_joined(have, want, v) for have, want, v in zip(c.flat, joined, mine, strict=False)]
        out.extend(mine)
        out.extend(0.0 if ft in (F32, F64) else 0 for ft in joined[len(mine) :])

    def lift(mem: Any, values: Iterator[Any]) -> Any:
        case = next(values) & 0xFFFF_FFFF
        c = checked(case)
        flat = [next(values) for _ in joined]
        if c is None:
            return back(case, None)
        own = iter([_from_joined(have, want, v) for have, want, v in zip(joined, c.flat, flat, strict=False)])
        return back(case, c.lift(mem, own))

    return Codec(size, align, [I32, *joined], store, load, lower, lift)
