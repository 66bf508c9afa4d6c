"""Every wire test runs twice: against styrened 0.18.0's pure-Python module and
against the component (``styrene_wasm._wire``), with the same assertions."""

from __future__ import annotations

import collections
import gzip
import json
import os
import struct
from functools import cache
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, settings

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "wire.json.gz"
NODE_VECTORS = VECTORS.with_name("nodes.json.gz")

# Hypothesis profiles for the differential tests (styrened against the component).
# `ci` is what `just test` runs; `just fuzz` runs `long` after the cargo fuzz loop.
# No deadline: the component's first call in a thread instantiates it, and
# styrened's node store opens a connection per call; timing is not what is tested.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=300, **_COMMON)
settings.register_profile("long", max_examples=20_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# examples run per differential test, printed at the end of the session
EXAMPLES: collections.Counter[str] = collections.Counter()


def count_example(name: str) -> None:
    EXAMPLES[name] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not EXAMPLES:
        return
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    terminalreporter.section(f"differential examples run (Hypothesis profile {profile})")
    for name, count in sorted(EXAMPLES.items()):
        terminalreporter.write_line(f"{name}: {count}")
    terminalreporter.write_line(f"total: {sum(EXAMPLES.values())}")


# The component's drop-ins run twice: stateless calls on the core lane (the
# default) and, with every bound export swapped for its component-path twin,
# on the component path.
LANES = ["styrened", "core lane", "component path"]


def on_component_path(module: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`module` with every export it bound running on the component path."""
    from styrene_wasm import _loader

    assert _loader.load().lane is not None, _loader.load().lane_reason
    for name, value in list(vars(module).items()):
        if getattr(value, "lane", None) == "core":
            monkeypatch.setattr(module, name, _loader.bind(value.interface, value.export, "component"))
    return module


def component_path_copy(module: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A copy of `module` whose functions run on the component path, while the
    module itself stays on the core lane (both lanes side by side in one
    process). Functions look names up in their own module's globals, so the
    copy's functions get the copy's namespace. Classes are shared: call the
    copy's functions, not methods of the module's classes."""
    import types

    copy = types.ModuleType(module.__name__)
    namespace = vars(copy)
    namespace.update(vars(module))
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            namespace[name] = types.FunctionType(
                value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__
            )
    return on_component_path(copy, monkeypatch)


def implementation(param: str, upstream: str, ours: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import importlib

    if param == "styrened":
        return importlib.import_module(upstream)
    # the implementation module itself: a component that fails to load must fail here, not fall back
    module = importlib.import_module(ours)
    return on_component_path(module, monkeypatch) if param == "component path" else module


@pytest.fixture(params=LANES)
def wire(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    return implementation(request.param, "styrened.models.styrene_wire", "styrene_wasm._wire", monkeypatch)


@pytest.fixture(params=LANES)
def mesh(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    return implementation(
        request.param, "styrened.models.mesh_device", "styrene_wasm._mesh_device", monkeypatch
    )


@cache
def vectors() -> dict[str, Any]:
    with gzip.open(VECTORS, "rt") as f:
        return json.load(f)


@cache
def node_vectors() -> dict[str, Any]:
    with gzip.open(NODE_VECTORS, "rt") as f:
        return json.load(f)


def runs(spec: list) -> bytes:
    """Bytes from ``[["<hex>", repeat], ...]``."""
    return b"".join(bytes.fromhex(chunk) * count for chunk, count in spec)


def value(nodes: list) -> Any:
    """A Python value from a flat list of tagged nodes."""
    it = iter(nodes)

    def one() -> Any:
        tag, *rest = next(it)
        if tag == "nil":
            return None
        if tag == "bool":
            return rest[0]
        if tag == "int":
            return int(rest[0])
        if tag == "float":
            return struct.unpack(">d", bytes.fromhex(rest[0]))[0]
        if tag == "str":
            return rest[0]
        if tag == "bin":
            return bytes.fromhex(rest[0])
        if tag == "array":
            return [one() for _ in range(rest[0])]
        if tag == "map":
            out = {}
            for _ in range(rest[0]):
                k = one()
                out[k] = one()
            return out
        if tag == "ext":
            return msgpack.ExtType(rest[0], bytes.fromhex(rest[1]))
        if tag == "timestamp":
            return msgpack.Timestamp(rest[0], rest[1])
        raise ValueError(tag)

    return one()


def same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN and float is not int (as the bytes would tell)."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b
