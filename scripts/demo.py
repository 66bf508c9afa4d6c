"""The same envelope through three implementations, byte for byte.

styrened 0.18.0 (pure Python, from PyPI) builds a few envelopes; the component
decodes and re-encodes each one from Python (styrene_wasm) and from the native
Rust host (styrene-gateway). Every path must give back the identical bytes.

    python scripts/demo.py [PATH-TO-STYRENE-GATEWAY]   # default: target/native/styrene-gateway
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from styrened.models import styrene_wire as styrened

import styrene_wasm
from styrene_wasm import wire

ROOT = Path(__file__).resolve().parents[1]
NATIVE_GATEWAY = ROOT / "target" / "native" / "styrene-gateway"
RID = bytes.fromhex("5e1ec7ed0ddba11cafef00d5ca1ab1e5")


def gateway(binary: Path, hex_data: str) -> dict[str, str]:
    out = subprocess.run([str(binary), "decode", hex_data], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines())}


def main() -> int:
    binary = Path(sys.argv[1]) if len(sys.argv) > 1 else NATIVE_GATEWAY
    info = styrene_wasm.info()
    print(
        f"component {info['component_version']} ({info['world']}), wasmtime {info['wasmtime']}, "
        f"loaded in {info['load_ms']} ms {'from the cache' if info['loaded_from_cache'] else '(compiled)'}\n"
    )
    envelopes = {
        "chat": styrened.create_chat("hello from styrened 0.18.0", RID),
        "exec": styrened.create_exec("uptime", ["-p"], RID),
        "status": styrened.create_status_response(
            {"uptime": 3600, "load": 0.25, "services": ["rns", "lxmf"]}, RID
        ),
        "terminal": styrened.create_terminal_request(rows=50, cols=132, request_id=RID),
        "v1 ping": styrened.StyreneEnvelope(1, styrened.StyreneMessageType.PING, b""),
    }
    all_identical = True
    for label, envelope in envelopes.items():
        data = envelope.encode()
        from_python = wire.StyreneEnvelope.decode(data)
        python_bytes = from_python.encode()
        value = wire.decode_payload(from_python.payload) if from_python.payload else None
        rust = gateway(binary, data.hex())
        identical = python_bytes == data and rust["re-encoded"] == data.hex()
        all_identical &= identical
        print(f"{label}: {len(data)} bytes from styrened  {data.hex()[:64]}{'…' if len(data) > 32 else ''}")
        print(f"  Python host (component): {from_python.message_type.name}, payload {value!r}")
        print(f"  Rust host (component):   {rust['message_type']}, payload {rust['decoded']}")
        print(f"  re-encoded by both hosts: {'byte-identical' if identical else 'DIFFERENT'}\n")
    print("all byte-identical" if all_identical else "MISMATCH")
    return 0 if all_identical else 1


if __name__ == "__main__":
    sys.exit(main())
