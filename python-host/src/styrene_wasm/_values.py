"""Python values to and from the WIT ``value-node`` list.

A payload value crosses the boundary as a flat, pre-order list of nodes
(``array(n)`` and ``mapping(n)`` are followed by their items). Here a node is
``(case_index, payload)``, the index of its case in the component's
``value-node`` variant (read from its type at import).

``to_nodes`` accepts what ``msgpack.packb(value, use_bin_type=True)`` accepts
and raises what it raises for the rest (``TypeError``, ``OverflowError``,
``ValueError``), in msgpack-python's order of type checks. ``from_nodes``
builds what ``msgpack.unpackb(raw=False)`` returns: lists, dicts, ``str``,
``bytes``, ``ExtType`` and ``Timestamp``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from . import _wit

try:  # msgpack's own classes, so values compare equal to what styrened returns
    from msgpack import ExtType, Timestamp
except ImportError:  # pragma: no cover - msgpack is optional
    ExtType = namedtuple("ExtType", "code data")  # type: ignore[no-redef]

    class Timestamp:  # type: ignore[no-redef]
        """A MessagePack timestamp (seconds, nanoseconds)."""

        __slots__ = ("nanoseconds", "seconds")

        def __init__(self, seconds: int, nanoseconds: int = 0) -> None:
            self.seconds, self.nanoseconds = seconds, nanoseconds

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Timestamp) and (self.seconds, self.nanoseconds) == (
                other.seconds,
                other.nanoseconds,
            )

        def __hash__(self) -> int:
            return hash((self.seconds, self.nanoseconds))

        def __repr__(self) -> str:
            return f"Timestamp(seconds={self.seconds}, nanoseconds={self.nanoseconds})"


NIL, BOOLEAN, INTEGER, UNSIGNED, FLOAT, TEXT, BINARY, ARRAY, MAPPING, EXT, TIMESTAMP = _wit.cases(
    _wit.WIRE,
    "value-node",
    (
        "nil",
        "boolean",
        "integer",
        "unsigned",
        "float",
        "text",
        "binary",
        "array",
        "mapping",
        "ext",
        "timestamp",
    ),
)
_NIL = (NIL, None)
_TRUE = (BOOLEAN, True)
_FALSE = (BOOLEAN, False)
NEST_LIMIT = 1024  # msgpack-python's packer: an object nested deeper than this is refused
_I64_MIN, _I64_MAX, _U64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def to_nodes(value: Any) -> list[tuple[int, Any]]:
    """Flatten a Python value the way msgpack-python would pack it.

    Iterative, because values may nest 1024 deep (beyond Python's recursion limit).
    """
    out: list[tuple[int, Any]] = []
    # pending objects with their remaining nesting allowance, last pushed first
    pending: list[tuple[Any, int]] = [(value, NEST_LIMIT)]
    while pending:
        o, limit = pending.pop()
        if limit < 0:
            raise ValueError("recursion limit exceeded.")
        if o is None:
            out.append(_NIL)
        elif o is True:
            out.append(_TRUE)
        elif o is False:
            out.append(_FALSE)
        elif isinstance(o, int):
            if _I64_MIN <= o <= _I64_MAX:
                out.append((INTEGER, int(o)))
            elif _I64_MAX < o <= _U64_MAX:
                out.append((UNSIGNED, int(o)))
            else:
                raise OverflowError("Integer value out of range")
        elif isinstance(o, float):
            out.append((FLOAT, float(o)))
        elif isinstance(o, (bytes, bytearray)):
            out.append((BINARY, bytes(o)))
        elif isinstance(o, str):
            o.encode("utf-8")  # surrogates raise UnicodeEncodeError here, as in msgpack
            out.append((TEXT, str(o)))
        elif isinstance(o, dict):
            out.append((MAPPING, len(o)))
            items = [x for pair in o.items() for x in pair]
            pending.extend((x, limit - 1) for x in reversed(items))
        elif isinstance(o, ExtType):
            code, data = o
            out.append((EXT, (code, bytes(data))))
        elif isinstance(o, Timestamp):
            out.append((TIMESTAMP, (o.seconds, o.nanoseconds)))
        elif isinstance(o, (list, tuple)):
            out.append((ARRAY, len(o)))
            pending.extend((x, limit - 1) for x in reversed(o))
        elif isinstance(o, memoryview):
            out.append((BINARY, o.tobytes()))
        else:
            raise TypeError(f"can not serialize {type(o).__name__!r} object")
    return out


def from_nodes(nodes: list[tuple[int, Any]]) -> Any:
    """Build the Python value of a decoded node list (iteratively: nesting reaches 1024)."""
    if len(nodes) == 1:  # the common scalar case
        return _scalar(*nodes[0])
    root: list[Any] = []
    # each frame: [container, remaining slots, pending map key]
    stack: list[list[Any]] = [[root, 1, None]]
    for case, payload in nodes:
        if case == ARRAY:
            value: Any = []
            opens = payload
        elif case == MAPPING:
            value = {}
            opens = 2 * payload
        else:
            value = _scalar(case, payload)
            opens = 0
        frame = stack[-1]
        container = frame[0]
        if type(container) is dict:
            if frame[2] is None and (frame[1] % 2 == 0):
                frame[2] = (value,)
            else:
                container[frame[2][0]] = value
                frame[2] = None
        else:
            container.append(value)
        frame[1] -= 1
        if opens:
            stack.append([value, opens, None])
        while stack and stack[-1][1] == 0:
            stack.pop()
    return root[0]


def _scalar(case: int, payload: Any) -> Any:
    if case == EXT:
        return ExtType(*payload)
    if case == TIMESTAMP:
        return Timestamp(*payload)
    if case == ARRAY:
        return []
    if case == MAPPING:
        return {}
    return payload
