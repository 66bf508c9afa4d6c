"""PQC benchmark, side by side in one table: the native Rust library and the
component in the Rust host (from `cargo bench --bench pqc`, which `just bench`
runs first and which writes `STYRENE_BENCH_OUT`), the component from Python,
and pure Python: styrened's own primitives with kyber-py's ML-KEM-768, the
floor a styrened user has today without liboqs. Each figure is the best of
several batches, the garbage collector paused. Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pqc_reference import ReferencePeer
from styrened.crypto import pqc_crypto as styrened_pqc

from styrene_wasm import _pqc
from styrene_wasm.pqc_session import PQCSessionService

A, B = "a" * 32, "b" * 32
KIB = bytes(range(256)) * 4
ROWS = ("full handshake (3 messages, both sides)", "encrypt 1 KiB", "decrypt 1 KiB")


def best(batches: int, count: int, fn) -> float:
    """The best time per call, in µs."""
    times = []
    for _ in range(batches):
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(count):
                fn()
            times.append((time.perf_counter() - start) / count)
        finally:
            gc.enable()
    return min(times) * 1e6


def component() -> dict[str, float]:
    queue: list = []
    a = PQCSessionService(send=lambda peer, t, p: queue.append((b, A, t, p)))
    b = PQCSessionService(send=lambda peer, t, p: queue.append((a, B, t, p)))

    def handshake() -> None:
        a.initiate(B)
        while queue:
            service, source, message_type, payload = queue.pop()
            service.handle(source, message_type, payload)

    times = {ROWS[0]: best(5, 30, handshake)}
    sealed = a.encrypt_payload(B, KIB)
    times[ROWS[1]] = best(5, 1000, lambda: a.encrypt_payload(B, KIB))
    times[ROWS[2]] = best(5, 1000, lambda: b.decrypt_payload(A, sealed))
    return times


def pure_python() -> dict[str, float]:
    a, b = ReferencePeer(), ReferencePeer()

    def handshake() -> None:
        message = a.initiate(B)
        message = b.handle(A, *message)
        message = a.handle(B, *message)
        b.handle(A, *message)

    handshake()
    key, sid = a.keys[B]
    sealed = styrened_pqc.aes_gcm_encrypt(key, KIB, aad=sid)
    return {
        ROWS[0]: best(3, 3, handshake),
        ROWS[1]: best(5, 1000, lambda: styrened_pqc.aes_gcm_encrypt(key, KIB, aad=sid)),
        ROWS[2]: best(5, 1000, lambda: styrened_pqc.aes_gcm_decrypt(key, sealed, aad=sid)),
    }


def primitives_by_lane() -> None:
    """AES-GCM encrypt of 1 KiB through the drop-in primitive: the core lane, the
    component path, and styrened's own (cryptography's OpenSSL)."""
    import pytest

    from conftest import component_path_copy

    key, aad = bytes(range(32)), b"s" * 16
    with pytest.MonkeyPatch.context() as patch:
        path = component_path_copy(_pqc, patch)
        core = best(5, 2000, lambda: _pqc.aes_gcm_encrypt(key, KIB, aad))
        via_component = best(5, 200, lambda: path.aes_gcm_encrypt(key, KIB, aad))
    openssl = best(5, 2000, lambda: styrened_pqc.aes_gcm_encrypt(key, KIB, aad))
    print(f"{'AES-GCM encrypt 1 KiB (µs)':40}  {'core lane':>10}  {'component':>10}  {'styrened':>10}")
    cells = f"{core:10.1f}  {via_component:10.1f}  {openssl:10.1f}"
    print(f"{'primitive, from Python':40}  {cells}  [lane <= 40 µs]")
    print()


def main() -> None:
    primitives_by_lane()
    ours, floor = component(), pure_python()
    rust_file = os.environ.get("STYRENE_BENCH_OUT")
    rust = {}
    if rust_file and Path(rust_file).exists():
        rust = json.loads(Path(rust_file).read_text())["times_us"]
    width = max(len(r) for r in ROWS)
    print(
        f"{'PQC session (µs per operation)':{width}}  {'native lib':>10}  {'Rust host':>10}  "
        f"{'Python host':>11}  {'pure Python':>11}"
    )
    for row in ROWS:
        native = f"{rust[row]['native']:10.1f}" if row in rust else f"{'':>10}"
        in_rust = f"{rust[row]['component']:10.1f}" if row in rust else f"{'':>10}"
        print(f"{row:{width}}  {native}  {in_rust}  {ours[row]:11.1f}  {floor[row]:11.1f}")
    if ROWS[0] in rust:
        ratio = rust[ROWS[0]]["component"] / rust[ROWS[0]]["native"]
        print(f"handshake, component in the Rust host / native library: {ratio:.1f}x  [target <= 2x]")
    print(f"handshake from Python: {ours[ROWS[0]] / 1000:.2f} ms  [target < 2 ms]")
    speedup = floor[ROWS[0]] / ours[ROWS[0]]
    print(f"handshake, pure Python (styrened's primitives + kyber-py) / Python host: {speedup:.0f}x")
    print("(pure Python encrypts with styrened's own aes_gcm_encrypt: cryptography's OpenSSL, not Python)")


if __name__ == "__main__":
    sys.exit(main())
