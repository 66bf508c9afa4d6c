"""The positions the Python host reads WIT values by, against the text of wit/*.wit.

Values cross the boundary by position (a case index, a tuple in field order),
and the host takes every position from the component's types at import
(``styrene_wasm._wit``). These tests parse the WIT text and check that the
tables the host built follow it, that a reordered case moves them, and that a
missing, unknown or reordered name stops the import.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from styrene_wasm import _loader, _mesh_device, _node_store, _pqc, _values, _wire, _wit

WIT = Path(__file__).resolve().parents[2] / "wit"
INTERFACES = {"wire": _wit.WIRE, "nodes": _wit.NODES, "pqc": _wit.PQC, "shortcuts": _wit.SHORTCUTS}


def parse_wit() -> tuple[dict[tuple[str, str], list[tuple[str, str | None]]], dict[tuple[str, str], str]]:
    """(interface, type) -> its cases or fields with their payload types, in order;
    and (interface, function) -> the error type of its result, for every function
    that returns a result."""
    types: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    errors: dict[tuple[str, str], str] = {}
    for path in sorted(WIT.glob("*.wit")):
        interface = ""
        items: list[tuple[str, str | None]] | None = None
        for raw in path.read_text().splitlines():
            line = raw.split("//")[0].strip()
            if not line or line.startswith("@"):
                continue
            if found := re.match(r"interface ([\w-]+) \{", line):
                interface = found[1]
            elif found := re.match(r"(?:variant|enum|record) ([\w-]+) \{", line):
                items = types[(interface, found[1])] = []
            elif line == "}":
                items = None
            elif items is not None:
                # `case`, `case(payload)` or `field: type`
                item = re.fullmatch(r"([\w-]+)(?:\((.+)\)|: (.+?))?,?", line)
                assert item is not None, line
                items.append((item[1], item[2] or item[3]))
            elif found := re.match(r"([\w-]+): (?:static )?func\(.*\) -> result<.*, ([\w-]+)>;$", line):
                errors[(interface, found[1])] = found[2]
    return types, errors


TYPES, ERRORS = parse_wit()


def names(interface: str, type_name: str) -> list[str]:
    return [name for name, _ in TYPES[(interface, type_name)]]


def python_name(wit_name: str) -> str:
    return wit_name.replace("-", "_")


def test_the_parser_reads_the_wit():
    assert names("wire", "value-node")[:3] == ["nil", "boolean", "integer"]
    assert TYPES[("nodes", "mesh-device")][3] == ("device-type", "device-type")
    assert ERRORS[("wire", "decode-payload")] in {"wire-error", "error"}


def test_value_nodes_follow_the_wit():
    for index, name in enumerate(names("wire", "value-node")):
        assert getattr(_values, name.upper()) == index, name


def test_enum_and_variant_tables_follow_the_wit():
    assert _mesh_device._STATUS_NAMES == [n.upper() for n in names("nodes", "node-status")]
    assert _pqc._STATES == [python_name(n).upper() for n in names("pqc", "session-state")]
    assert _pqc._TIERS == [python_name(n).upper() for n in names("pqc", "security-tier")]
    lookup = names("nodes", "identity-lookup")
    assert (
        _node_store._FOUND,
        _node_store._NOT_FOUND,
        _node_store._INVALID_PREFIX,
        _node_store._AMBIGUOUS,
    ) == (
        lookup.index("found"),
        lookup.index("not-found"),
        lookup.index("invalid-prefix"),
        lookup.index("ambiguous"),
    )
    assert _node_store._REJECTED == names("nodes", "save-outcome").index("rejected")
    query = names("shortcuts", "node-query")
    assert (
        _node_store._ALL,
        _node_store._STYRENE,
        _node_store._BY_SHORT_NAME,
        _node_store._BY_SHORT_NAME_PREFIX,
    ) == (
        query.index("all"),
        query.index("styrene"),
        query.index("short-name"),
        query.index("short-name-prefix"),
    )


def test_records_are_unpacked_in_the_wit_field_order():
    assert list(_mesh_device.FIELDS) == [python_name(n) for n in names("nodes", "mesh-device")]
    assert list(_node_store._PATH_COLUMNS) == [python_name(n) for n in names("nodes", "path-entry")]


def error_paths(interface: str, type_name: str) -> list[tuple[str, Any]]:
    """Every name an error of this WIT type reads as, with the raw value that says it:
    a record's `code` (an enum), a variant's case, a nested error variant's case."""
    items = TYPES[(interface, type_name)]
    if [name for name, _ in items] == ["code", "message"]:
        return [(name, (i, "detail")) for i, name in enumerate(names(interface, items[0][1]))]
    paths = []
    for i, (name, payload) in enumerate(items):
        if (interface, payload) in TYPES:
            paths += [(inner, (i, raw)) for inner, raw in error_paths(interface, payload)]
        else:
            paths.append((name, (i, "detail")))
    return paths


@pytest.mark.parametrize(
    ("module", "interface", "function"),
    [
        (_wire, "wire", "decode-payload"),
        (_node_store, "nodes", "open"),
        (_pqc, "pqc", "aes-gcm-decrypt"),
    ],
)
def test_errors_are_read_by_their_wit_names(module, interface, function):
    paths = error_paths(interface, ERRORS[(interface, function)])
    assert sorted(module._errors.names()) == sorted(name for name, _ in paths)
    for name, raw in paths:
        assert module._errors.read(raw) == (name, "detail")


@pytest.fixture
def reversed_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """The component's variants and enums as if their WIT listed the cases backwards."""
    real = _wit.case_names
    monkeypatch.setattr(_wit, "case_names", lambda ty: list(reversed(real(ty))))


def test_reordered_cases_move_the_positions(reversed_cases):
    count = len(names("wire", "value-node"))
    assert _wit.cases(_wit.WIRE, "value-node", names("wire", "value-node")) == tuple(reversed(range(count)))
    meaning = {"active": "ACTIVE", "stale": "STALE", "lost": "LOST"}
    assert _wit.by_case(_wit.NODES, "node-status", meaning) == [
        meaning[n] for n in reversed(names("nodes", "node-status"))
    ]
    # a module imported against the reordered type reads and writes by the new positions
    spec = importlib.util.spec_from_file_location("styrene_wasm._values_reordered", _values.__file__)
    assert spec is not None and spec.loader is not None
    reordered = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reordered)
    nil = count - 1 - names("wire", "value-node").index("nil")
    array = count - 1 - names("wire", "value-node").index("array")
    assert (reordered.NIL, reordered.ARRAY) == (nil, array)
    assert reordered.to_nodes([None]) == [(array, 1), (nil, None)]
    assert reordered.from_nodes([(array, 1), (nil, None)]) == [None]


def test_a_missing_or_unknown_case_stops_the_import():
    expected = names("wire", "value-node")
    with pytest.raises(_wit.InterfaceMismatch, match=r"missing \['no-such-case'\]"):
        _wit.cases(_wit.WIRE, "value-node", [*expected, "no-such-case"])
    with pytest.raises(_wit.InterfaceMismatch, match=r"does not know \['nil'\]"):
        _wit.cases(_wit.WIRE, "value-node", expected[1:])
    with pytest.raises(_wit.InterfaceMismatch, match="has no no-such-type"):
        _wit.cases(_wit.WIRE, "no-such-type", expected)
    with pytest.raises(_wit.InterfaceMismatch, match="does not know"):
        _wit.Errors(_wit.WIRE, "decode-payload", ["payload-decode"])


def test_a_reordered_record_stops_the_import():
    fields = [python_name(n) for n in names("nodes", "path-entry")]
    _wit.fields(_wit.NODES, "path-entry", fields)
    with pytest.raises(_wit.InterfaceMismatch, match="path-entry has the fields"):
        _wit.fields(_wit.NODES, "path-entry", [fields[1], fields[0], *fields[2:]])


def test_interface_names_are_the_component_exports():
    loaded = _loader.load()
    exported = set(loaded.component.type.exports(loaded.engine))
    assert {_wit.INFO, *INTERFACES.values()} <= exported
    assert _wit.FILE_LOCKS in loaded.component.type.imports(loaded.engine)
