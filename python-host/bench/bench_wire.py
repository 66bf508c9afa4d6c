"""Python host benchmark: the core lane and the component path vs styrened's pure
Python vs stock wasmtime-py.

Run by ``just bench``. Every comparison runs side by side in this one process
and is reported as a ratio; each figure is the best of several repeats
(machines here are noisy). Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from styrened.models import mesh_device as py_mesh, styrene_wire as py

from styrene_wasm import _loader, _mesh_device as wasm_mesh, _wire as wasm
from styrene_wasm._wit import SHORTCUTS, WIRE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import component_path_copy

RID = bytes(range(16))
rows: list[tuple[str, str, str, str]] = []


def per_op(fn: Callable[[], object], budget: float = 0.4, repeats: int = 9) -> float:
    """Best seconds per call over `repeats` runs of about `budget` seconds each,
    with the cyclic garbage collector paused as `timeit` does."""
    gc.disable()
    try:
        return _per_op(fn, budget, repeats)
    finally:
        gc.enable()


def _per_op(fn: Callable[[], object], budget: float, repeats: int) -> float:
    n, elapsed = 1, 0.0
    while elapsed < budget / 10:
        n *= 2
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
    loops = max(1, int(n * budget / 10 / elapsed * 10 / repeats)) if elapsed else n
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:9.2f} µs" if seconds < 1e-2 else f"{seconds * 1e3:9.2f} ms"


def row(what: str, ours: float, other: float | None, other_name: str, target: str = "") -> None:
    if not other:
        ratio = ""
    elif other >= ours:
        ratio = f"{other / ours:6.1f}x faster than {other_name}"
    else:
        ratio = f"{ours / other:6.1f}x slower than {other_name}"
    rows.append((what, fmt(ours), (fmt(other) if other else ""), ratio + (f"  [{target}]" if target else "")))


def stock(interface: str, name: str):
    inst = _loader.Instance(_loader.load())
    index = inst.instance.get_export_index(inst.store, interface)
    func = inst.instance.get_func(inst.store, inst.instance.get_export_index(inst.store, name, index))

    def call(*args):
        inst.refresh_deadline()  # what the fast path does every half deadline
        return func(inst.store, *args)

    return call


lanes: list[tuple[str, float, float, float | None, str]] = []


def lane_row(what: str, core: float, component: float, styrened: float | None, target: str) -> None:
    lanes.append((what, core, component, styrened, target))


def lanes_table() -> None:
    """The core lane beside the component path, and styrened beside both."""
    if _loader.load().lane is None:
        print(f"core lane not in use: {_loader.load().lane_reason}")
        return
    monkeypatch = pytest.MonkeyPatch()
    path_wire = component_path_copy(wasm, monkeypatch)
    path_mesh = component_path_copy(wasm_mesh, monkeypatch)
    info = SHORTCUTS
    noop = _loader.bind(info, "noop", "core"), _loader.bind(info, "noop", "component")
    lane_row("no-op call", per_op(noop[0]), per_op(noop[1]), None, "lane <= 1.0 µs")

    chat = py.create_chat("x" * 262, RID).encode()
    assert len(chat) == 300

    def decode(mod, decode_envelope):
        return lambda: mod.decode_payload(decode_envelope(py.StyreneEnvelope, chat).payload)

    lane_row(
        "CHAT 300 B: decode + decode_payload",
        per_op(decode(wasm, wasm._decode)),
        per_op(decode(path_wire, path_wire._decode)),
        per_op(lambda: py.decode_payload(py.StyreneEnvelope.decode(chat).payload)),
        "lane <= 2x styrened",
    )
    message = {"text": "x" * 262}

    def encode(mod):
        return lambda: wasm._encode(py.StyreneEnvelope(2, 0x20, mod.encode_payload(message), RID))

    assert encode(wasm)() == encode(path_wire)() == chat
    lane_row(
        "CHAT 300 B: encode_payload + encode",
        per_op(encode(wasm)),
        per_op(encode(path_wire)),
        per_op(lambda: py.StyreneEnvelope(2, 0x20, py.encode_payload(message), RID).encode()),
        "lane <= 2x styrened",
    )
    big = os.urandom(16384)
    echo = _loader.bind(info, "echo", "core"), _loader.bind(info, "echo", "component")
    assert echo[0](big) == big == echo[1](big)
    lane_row(
        "16 KiB echo round trip",
        per_op(lambda: echo[0](big), 0.5),
        per_op(lambda: echo[1](big), 0.5, 3),
        None,
        "lane <= 10 µs",
    )
    announce = b"styrene:gw-01:0.18.0:rpc,chat,pqc:" + bytes(range(16)).hex().encode() + b":gw"
    want = py_mesh.parse_announce_data(announce)
    assert wasm_mesh.parse_announce_data(announce)[0] == want[0] == path_mesh.parse_announce_data(announce)[0]
    lane_row(
        "parse_announce_data, Styrene announce",
        per_op(lambda: wasm_mesh.parse_announce_data(announce)),
        per_op(lambda: path_mesh.parse_announce_data(announce)),
        per_op(lambda: py_mesh.parse_announce_data(announce)),
        "ratio",
    )
    monkeypatch.undo()
    width = max(len(r[0]) for r in lanes)
    print(
        f"{'Python host, by lane':{width}}  {'core lane':>12}  {'component':>12}  {'styrened':>12}  lane vs"
    )
    for what, core, component, styrened, target in lanes:
        if styrened:
            versus = f"{core / styrened:5.2f}x styrened's time"
        else:
            versus = f"{component / core:5.0f}x faster than the component path"
        cells = f"{fmt(core):>12}  {fmt(component):>12}  {fmt(styrened) if styrened else '':>12}"
        print(f"{what:{width}}  {cells}  {versus}  [{target}]")
    print()


def create_table() -> None:
    """styrened's create_* helpers beside the component's create-* exports and the
    drop-in's Python helpers (which call the component only to encode the payload).
    The component's column includes making the envelope object from its record (its
    payload values are converted to value nodes once, outside the timing)."""
    from styrene_wasm._values import to_nodes
    from styrene_wasm._wit import WIRE

    def component(export: str, *args: object) -> Callable[[], object]:
        call = _loader.bind(WIRE, export)

        def make() -> object:
            ok, (version, message_type, payload, request_id) = call(*args)
            assert ok
            return wasm.StyreneEnvelope(version, wasm._members[message_type], payload, request_id)

        return make

    status = {"uptime": 1234, "load": [0.1, 0.2], "name": "node-1", "ok": True}
    terminal = ("xterm-256color", 24, 80, "/bin/sh", None, None)
    helpers = [
        ("create_ping", lambda m: m.create_ping(RID), component("create-ping", RID)),
        (
            "create_chat",
            lambda m: m.create_chat("hello world", RID),
            component("create-chat", "hello world", RID),
        ),
        (
            "create_status_response",
            lambda m: m.create_status_response(status, RID),
            component("create-status-response", to_nodes(status), RID),
        ),
        (
            "create_exec_result",
            lambda m: m.create_exec_result(0, "ok", "", RID),
            component("create-exec-result", 0, "ok", "", RID),
        ),
        (
            "create_terminal_request",
            lambda m: m.create_terminal_request(shell="/bin/sh", request_id=RID),
            component("create-terminal-request", terminal, RID),
        ),
    ]
    width = max(len(h[0]) for h in helpers)
    heads = f"{'styrened':>12}  {'component':>12}  {'Python':>12}"
    print(f"{'create_* helpers':{width}}  {heads}  component vs Python")
    for name, helper, from_component in helpers:
        assert helper(py).encode() == helper(wasm).encode() == from_component().encode(), name
        theirs, ours_component, ours_python = (
            per_op(lambda helper=helper: helper(py), 0.2, 5),
            per_op(from_component, 0.2, 5),
            per_op(lambda helper=helper: helper(wasm), 0.2, 5),
        )
        cells = f"{fmt(theirs):>12}  {fmt(ours_component):>12}  {fmt(ours_python):>12}"
        print(
            f"{name:{width}}  {cells}  {ours_component / ours_python:5.1f}x the time "
            f"(styrened's: component {ours_component / theirs:.1f}x, Python {ours_python / theirs:.1f}x)"
        )
    print()


def main() -> None:
    lanes_table()
    create_table()
    info, wire = SHORTCUTS, WIRE
    # the rows below are the component path's (stateless calls take the core lane by default)
    monkeypatch = pytest.MonkeyPatch()
    global wasm
    wasm = component_path_copy(wasm, monkeypatch)
    noop_fast = _loader.bind(info, "noop", "component")
    noop_stock = stock(info, "noop")
    row("no-op call", per_op(noop_fast), per_op(noop_stock), "stock Func", "target <= 1.5 µs")

    chat = py.create_chat("x" * 262, RID).encode()
    assert len(chat) == 300 and wasm._decode(wasm.StyreneEnvelope, chat).encode() == chat

    def decode_with(mod):
        if mod is py:
            return lambda: py.decode_payload(py.StyreneEnvelope.decode(chat).payload)
        return lambda: mod.decode_payload(mod._decode(mod.StyreneEnvelope, chat).payload)

    row(
        "CHAT 300 B: decode + decode_payload",
        per_op(decode_with(wasm)),
        per_op(decode_with(py)),
        "styrened",
        "target <= 25 µs",
    )
    message = {"text": "x" * 262}

    def encode_with(mod):
        return lambda: mod.StyreneEnvelope(2, 0x20, mod.encode_payload(message), RID).encode()

    assert encode_with(wasm)() == chat
    row(
        "CHAT 300 B: encode_payload + encode",
        per_op(encode_with(wasm)),
        per_op(encode_with(py)),
        "styrened",
        "target <= 25 µs",
    )
    decode_payload_stock = stock(wire, "decode-payload")
    payload = chat[29:]
    echo_chat = _loader.bind(info, "echo", "component")
    row("floor: 300 B through the C API (echo)", per_op(lambda: echo_chat(chat)), None, "")
    row(
        "CHAT 300 B: decode_payload only",
        per_op(lambda: wasm.decode_payload(payload)),
        per_op(lambda: py.decode_payload(payload)),
        "styrened",
    )
    row("CHAT 300 B: decode-payload, stock Func", per_op(lambda: decode_payload_stock(payload)), None, "")
    # how a payload value crosses WIT: as pre-order nodes (strings cross in bulk)
    # versus handing MessagePack bytes back for the host to parse (bytes cross per element)
    echo_payload = _loader.bind(info, "echo", "component")
    row(
        "payload value as nodes (decode_payload)",
        per_op(lambda: wasm.decode_payload(payload)),
        per_op(lambda: echo_payload(payload)),
        "271 B as list<u8> (echo)",
    )

    big = os.urandom(16384)
    echo_fast, echo_stock = _loader.bind(info, "echo", "component"), stock(info, "echo")
    assert echo_fast(big) == big == echo_stock(big)
    row(
        "16 KiB echo round trip",
        per_op(lambda: echo_fast(big), 0.5),
        per_op(lambda: echo_stock(big), 1.0, 3),
        "stock wasmtime-py",
        "target >= 20x",
    )
    encode_stock, decode_stock = stock(wire, "encode-envelope"), stock(wire, "decode-envelope")
    chunk = py.StyreneEnvelope(2, py.StyreneMessageType.FILE_CHUNK, big, RID)
    decoded = decode_stock(chunk.encode())
    record = getattr(decoded, "payload", decoded)  # stock returns Variant("ok", Record) here

    def envelope_round_trip_fast():
        wasm._decode(wasm.StyreneEnvelope, wasm.StyreneEnvelope(2, 0x24, big, RID).encode())

    def envelope_round_trip_stock():
        decode_stock(encode_stock(record))

    row(
        "16 KiB envelope encode + decode",
        per_op(envelope_round_trip_fast, 0.5),
        per_op(envelope_round_trip_stock, 1.0, 3),
        "stock Funcs",
    )
    row("16 KiB envelope, styrened", per_op(lambda: py.StyreneEnvelope.decode(chunk.encode())), None, "")

    # time from after `import wasmtime` (not ours to speed up) to the first call returning
    start_code = (
        "import time, wasmtime, wasmtime.component; t = time.perf_counter(); "
        "from styrene_wasm import _loader; _loader.load(); "
        f"_loader.bind({SHORTCUTS!r}, 'noop')(); print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "STYRENE_CACHE_DIR": cache}

        def start() -> float:
            command = [sys.executable, "-c", start_code]
            return float(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)

        cold = start()
        warm = min(start() for _ in range(5))
    row(
        "loader start, warm (cached artifact)",
        warm,
        cold,
        "cold (compile)",
        "target < 20 ms, excl. import wasmtime",
    )

    width = max(len(r[0]) for r in rows)
    print(f"{'Python host':{width}}  {'ours':>12}  {'other':>12}  ratio")
    for what, ours, other, ratio in rows:
        print(f"{what:{width}}  {ours:>12}  {other:>12}  {ratio}")


if __name__ == "__main__":
    main()
