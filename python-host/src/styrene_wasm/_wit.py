"""The component's WIT interfaces: their names, and the case and field names of their types.

The interface names live here and nowhere else. The order of a variant's
cases, an enum's names and a record's fields is never copied into Python by
hand: the Python shapes of those values are positional (a case index, a tuple
in field order), so a module asks here, once at import, for the positions of
the names it handles, read from the types wasmtime reports for the loaded
component. A name it expects that the component lacks, or one it does not
know, stops the import with :class:`InterfaceMismatch`, so reordering or
renaming in a ``.wit`` file cannot silently change what Python does.

Only the interface names may be imported without wasmtime; everything else
loads the component.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

INFO = "styrene:core/info@0.1.0"
WIRE = "styrene:core/wire@0.1.0"
NODES = "styrene:core/nodes@0.1.0"
MESSAGES = "styrene:core/messages@0.1.0"
PQC = "styrene:core/pqc@0.1.0"
ATTACHMENTS = "styrene:core/attachments@0.1.0"
SHORTCUTS = "styrene:core/shortcuts@0.1.0"
FILE_LOCKS = "styrene:core/file-locks@0.1.0"  # the one interface the component imports


class InterfaceMismatch(ImportError):
    """The component's WIT types are not the ones this package was written for."""


_exports: dict[str, dict[str, Any]] = {}


def item(interface: str, name: str) -> Any:
    """The type of one item the component exports from `interface`: a named
    type (variant, enum, record...) or a function's ``FuncType``."""
    items = _exports.get(interface)
    if items is None:
        from wasmtime.component import _types as t

        from . import _loader

        loaded = _loader.load()
        exported = loaded.component.type.exports(loaded.engine).get(interface)
        if exported is None or not isinstance(exported.ty, t.ComponentInstanceType):
            raise InterfaceMismatch(f"styrene.wasm exports no interface {interface}")
        items = {key: extern.ty for key, extern in exported.ty.exports(loaded.engine).items()}
        _exports[interface] = items
    found = items.get(name)
    if found is None:
        raise InterfaceMismatch(f"styrene.wasm's {interface} has no {name}")
    return found


def case_names(ty: Any) -> list[str]:
    """A variant's case names or an enum's names, in WIT order."""
    from wasmtime.component import _types as t

    if isinstance(ty, t.VariantType):
        return [name for name, _ in ty.cases]
    if isinstance(ty, t.EnumType):
        return list(ty.names)
    raise InterfaceMismatch(f"expected a variant or an enum, found {type(ty).__name__}")


def cases(interface: str, type_name: str, expected: Sequence[str]) -> tuple[int, ...]:
    """The index of each of `expected` among the cases of the variant or enum
    `type_name`, which must have exactly those cases (in any order)."""
    names = case_names(item(interface, type_name))
    _same(set(names), set(expected), f"{interface} {type_name}")
    return tuple(names.index(name) for name in expected)


def by_case(interface: str, type_name: str, meaning: dict[str, T]) -> list[T]:
    """`meaning` of each case of the variant or enum `type_name`, indexed by case:
    the table a case index looks its meaning up in. The type's cases must be
    exactly `meaning`'s keys."""
    names = case_names(item(interface, type_name))
    _same(set(names), set(meaning), f"{interface} {type_name}")
    return [meaning[name] for name in names]


def fields(interface: str, record: str, expected: Sequence[str]) -> None:
    """Checks that `record`'s fields are `expected`, in this order, in Python's
    spelling (``_`` for ``-``): the order the code that reads it unpacks them in."""
    from wasmtime.component import _types as t

    ty = item(interface, record)
    if not isinstance(ty, t.RecordType):
        raise InterfaceMismatch(f"{interface} {record} is a {type(ty).__name__}, not a record")
    names = [name.replace("-", "_") for name, _ in ty.fields]
    if names != list(expected):
        raise InterfaceMismatch(
            f"{interface} {record} has the fields {names}, this host reads {list(expected)}"
        )


def _same(have: set[str], want: set[str], what: str) -> None:
    if have != want:
        missing, unknown = sorted(want - have), sorted(have - want)
        raise InterfaceMismatch(f"{what}: cases missing {missing}, cases this host does not know {unknown}")


class Errors:
    """What a function's error says, by name: the case of its error variant, or
    the code of its ``{code, message}`` error record (a nested error variant
    names its own case). ``read(error)`` gives ``(name, detail)``."""

    def __init__(self, interface: str, function: str, known: Collection[str]) -> None:
        from wasmtime.component import _types as t

        result = item(interface, function).result
        if not isinstance(result, t.ResultType) or result.err is None:
            raise InterfaceMismatch(f"{interface} {function} returns no error")
        self._names, self._nested = self._layout(result.err, f"{interface} {function}")
        unknown = sorted(set(self.names()) - set(known))
        if unknown:
            raise InterfaceMismatch(
                f"{interface} {function} fails with {unknown}, which this host does not know"
            )

    @classmethod
    def _layout(cls, ty: Any, where: str) -> tuple[list[str], list[Any]]:
        from wasmtime.component import _types as t

        if isinstance(ty, t.RecordType):
            code = dict(ty.fields).get("code")
            if [name for name, _ in ty.fields] != ["code", "message"] or not isinstance(code, t.EnumType):
                raise InterfaceMismatch(f"{where}: an error record is {{code: enum, message}}")
            return list(code.names), [None] * len(code.names)
        if isinstance(ty, t.VariantType):
            nested = [
                cls._layout(payload, where) if isinstance(payload, (t.VariantType, t.RecordType)) else None
                for _, payload in ty.cases
            ]
            return case_names(ty), nested
        raise InterfaceMismatch(f"{where}: an error is a variant or a record, not {type(ty).__name__}")

    def names(self) -> list[str]:
        """Every name the function may fail with (nested ones in place of their case)."""
        return _flatten(self._names, self._nested)

    def read(self, error: tuple[int, Any]) -> tuple[str, Any]:
        names, nested = self._names, self._nested
        index, detail = error
        while nested[index] is not None:
            names, nested = nested[index]
            index, detail = detail
        return names[index], detail


def _flatten(names: list[str], nested: list[Any]) -> list[str]:
    return [
        name
        for own, inner in zip(names, nested, strict=True)
        for name in ([own] if inner is None else _flatten(*inner))
    ]
