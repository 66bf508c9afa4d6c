"""``python -m styrene_wasm decode <hex|->`` and ``python -m styrene_wasm info``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="styrene-wasm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    decode = sub.add_parser("decode", help="decode a Styrene envelope and its payload")
    decode.add_argument("data", help="the envelope as hex, or - to read raw bytes from stdin")
    sub.add_parser("info", help="component version, WIT world, cache location, active implementation")
    args = parser.parse_args(argv)

    if args.command == "info":
        from . import info

        for key, value in info().items():
            print(f"{key + ':':20} {value}")
        return 0

    from . import wire

    if args.data == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = bytes.fromhex(args.data.strip())
        except ValueError as e:
            print(f"error: input is not hex: {e}", file=sys.stderr)
            return 2
    try:
        envelope = wire.StyreneEnvelope.decode(data)
    except (wire.StyreneWireError, ValueError) as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"implementation:     {wire.IMPLEMENTATION}")
    print(f"version:            {envelope.version}")
    print(f"message_type:       {envelope.message_type.name} (0x{envelope.message_type.value:02x})")
    print(f"request_id:         {envelope.request_id.hex() if envelope.request_id is not None else 'none'}")
    print(f"payload:            {len(envelope.payload)} bytes {envelope.payload.hex()}")
    if not envelope.payload:
        print("decoded:            (empty)")
        return 0
    try:
        print(f"decoded:            {wire.decode_payload(envelope.payload)!r}")
    except wire.PayloadDecodeError as e:
        print(f"decoded:            not MessagePack ({e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
