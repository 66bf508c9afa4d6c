"""Generate the mesh-device golden vectors by running styrened 0.18.0 itself.

``parse_announce_data`` is called on every input below with no hint and with
each ``DeviceType`` as the aspect hint; the outputs are what the real
``styrened.models.mesh_device`` (with LXMF 1.2.1 and RNS 1.5.7 installed)
returned. Inputs are built with RNS's own umsgpack where they are MessagePack.
Run through ``just vectors``.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

import RNS.vendor.umsgpack as umsgpack
import styrened
from styrened.models import mesh_device as md

OUT = Path(__file__).with_name("nodes.json.gz")
pk = umsgpack.packb


def pn(*, timebase=1700000000, flag=True, limit=256, sync=10240, costs=(16, 3, 18), meta=None, extra=()):
    return pk([False, timebase, flag, limit, sync, list(costs), {} if meta is None else meta, *extra])


def inputs() -> dict[str, bytes | None]:
    long = "x" * 40
    cases: dict[str, bytes | None] = {
        "none": None,
        "empty": b"",
        "styrene": b"styrene",
        "STYRENE": b"STYRENE",
        "styrene_colon": b"styrene:",
        "styrene_host_ver_caps": b"styrene:host1:0.18.0:rpc,chat",
        "styrene_bad_fp": b"styrene:host1:0.18.0::" + b"a" * 32 + b"::bad fp!",
        "styrene_full": b"styrene:host:1.0:rpc,chat:"
        + b"ab" * 16
        + b":hst:fp-1.2|x:"
        + b"cd" * 16
        + b":extra",
        "styrene_spaces": b"  Styrene:Host:1  ",
        "styrene_empty_version": b"styrene:h::c",
        "styrene_cli": b"styrene:laptop:0.18.0:cli:::abc123",
        "styrene_fp_65": b"styrene:h:1:::::" + b"f" * 65,
        "styrene_fp_unicode": "styrene:h:1:::::fé".encode(),
        "styrene_unicode_case": "STYRENE:Ünïcode".encode(),
        "styrenex": b"styrenex",
        "rnode": b"rnode:MyRNode",
        "RNode_empty": b"RNode:",
        "rnode_more": b"rnode:a:b",
        "rnode_bare": b"rnode",
        "json_display": b'{"display_name":"Alice"}',
        "json_name": b'{"name":"Bob"}',
        "json_empty_display": b'{"display_name":"","name":"Carol"}',
        "json_zero_display": b'{"display_name":0,"name":"Dan"}',
        "json_number_name": b'{"name":5}',
        "json_long": ('{"name":"' + long + '"}').encode(),
        "json_other": b'{"x":1}',
        "json_bad": b"{notjson}",
        "json_dup": b'{"name":"a","name":"b"}',
        "json_nested": b'{"name":{"x":1}}',
        "json_ws": b'  {"name" : "Eve"}  ',
        "json_true_display": b'{"display_name":true,"name":"Fay"}',
        "plain": b"NomadNode",
        "plain_hex": b"0xdeadbeef",
        "plain_64": b"a" * 64,
        "plain_65": b"a" * 65,
        "plain_bracket": b"node[1]",
        "plain_unicode_64": ("é" * 64).encode(),
        "plain_unicode_65": ("é" * 65).encode(),
        "plain_space_sep": b"\x1c name \x1f",
        "plain_nbsp": "\u00a0name\u3000".encode(),
        "whitespace_only": b"  \t\n ",
        "binary": b"\xff\xfe\x00",
        "latin1": "café".encode("latin-1"),
        "nul_inside": b"na\x00me",
        "lxmf_peer": pk([b"Alice", None]),
        "lxmf_styrene": pk([b"[styrene] host-x", 8]),
        "lxmf_styrene_long": pk([b"[styrene]" + b"y" * 50, 8]),
        "lxmf_long": pk([b"z" * 50, None]),
        "lxmf_nul_spaces": pk([b" \x00Al\x00ice \n", None]),
        "lxmf_empty_name": pk([b"", None]),
        "lxmf_only_spaces": pk([b"   ", None]),
        "lxmf_nil_name": pk([None, None]),
        "lxmf_empty": pk([]),
        "lxmf_ints": pk([1, 2]),
        "lxmf_str_name": pk(["Alice", None]),
        "lxmf_bad_utf8_name": pk([b"\xff\xfe", None]),
        "lxmf_with_features": pk([b"Peer", 8, [1, 2]]),
        "lxmf_array16": b"\xdc\x00\x02" + pk(b"Arr16") + b"\xc0",
        "lxmf_array32_not_sniffed": b"\xdd\x00\x00\x00\x02" + pk(b"Arr32") + b"\xc0",
        "lxmf_trailing": pk([b"Trail", None]) + b"\xff\xff",
        "lxmf_truncated": pk([b"Truncated", None])[:-3],
        "lxmf_reserved": b"\x92\xc4\x01A\xc1",
        "lxmf_bad_str": b"\x92\xc4\x01A\xa1\xff",
        "lxmf_dict_key": b"\x92\xc4\x01A\x81\x80\x01",
        "lxmf_dup_key": b"\x92\xc4\x01A\x82\x01\x01\x01\x02",
        "lxmf_dup_key_true_one": b"\x92\xc4\x01A\x82\x01\x01\xc3\x02",
        "lxmf_list_key": b"\x92\xc4\x01A\x82\x91\x01\x01\x91\x01\x02",
        "lxmf_list_key_with_dict": b"\x92\xc4\x01A\x81\x91\x80\x01",
        "lxmf_timestamp_ok": b"\x92\xc4\x01A\xd6\xff\x00\x00\x00\x01",
        "lxmf_timestamp_bad_len": b"\x92\xc4\x01A\xd5\xff\x00\x00",
        "lxmf_timestamp_huge": b"\x92\xc4\x01A\xc7\x0c\xff" + b"\x00" * 4 + b"\x7f" + b"\xff" * 7,
        "lxmf_ext": b"\x92\xc4\x01A\xd4\x05\x01",
        "lxmf_deep_64": pk([b"Deep", None])[:-1] + b"\x91" * 64 + b"\xc0",
        "pn_valid": pn(meta={1: b"PropNode"}),
        "pn_no_name": pn(),
        "pn_long_name": pn(meta={1: b"p" * 40}),
        "pn_empty_name": pn(meta={1: b""}),
        "pn_str_name": pn(meta={1: "StrName"}),
        "pn_bad_utf8_name": pn(meta={1: b"\xff"}),
        "pn_name_key_true": pn(meta={True: b"TrueKey"}),
        "pn_name_key_float": pn(meta={1.0: b"FloatKey"}),
        "pn_timebase_str": pn(timebase="1700000000"),
        "pn_timebase_str_spaces": pn(timebase=" 17_000 "),
        "pn_timebase_bad_str": pn(timebase="17x"),
        "pn_timebase_bytes": pn(timebase=b"123"),
        "pn_timebase_float": pn(timebase=1.5),
        "pn_timebase_nan": pn(timebase=float("nan")),
        "pn_timebase_nil": pn(timebase=None),
        "pn_flag_int_1": pn(flag=1),
        "pn_flag_int_2": pn(flag=2),
        "pn_flag_float_0": pn(flag=0.0),
        "pn_flag_str": pn(flag="true"),
        "pn_costs_short": pn(costs=(1, 2)),
        "pn_costs_str": pn(costs=("1", "2", "3")),
        "pn_costs_nil": pn(costs=(1, None, 3)),
        "pn_six_items": pk([False, 1, True, 1, 1, [1, 2, 3]]),
        "pn_extra_items": pn(meta={1: b"Extra"}, extra=(1, 2)),
        "pn_meta_list": pk([False, 1, True, 1, 1, [1, 2, 3], [1]]),
        "pn_first_is_name": pk([b"Named", 1, True, 1, 1, [1, 2, 3], {}]),
        "pn_dict_top": b"\x87"
        + b"".join(pk(i) + pk(v) for i, v in enumerate([0, 1, True, 1, 1, [1, 2, 3], {}])),
    }
    rng = random.Random(0x5EED)
    for i in range(150):
        cases[f"random_{i}"] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 24)))
    for i in range(100):
        head = rng.choice([0x90, 0x91, 0x92, 0x93, 0x97, 0x98, 0xDC])
        body = bytes(
            rng.choice([0xC0, 0xC3, 0xC4, 0x01, 0x81, 0x91, 0xA1, 0x41, 0xCB, 0xD6, 0xFF]) for _ in range(12)
        )
        cases[f"random_msgpack_{i}"] = bytes([head]) + body
    return cases


def hint_name(hint):
    return None if hint is None else hint.name


def main() -> None:
    sys.setrecursionlimit(10_000)
    hints = [None, *md.DeviceType]
    parse = []
    for name, data in inputs().items():
        for hint in hints:
            result = md.parse_announce_data(data, aspect_hint=hint)
            n, dtype, caps, ver, lxmf, short, fp, nn = result
            parse.append(
                {
                    "name": name,
                    "app_data": None if data is None else data.hex(),
                    "hint": hint_name(hint),
                    "result": [n, dtype.name, caps, ver, lxmf, short, fp, nn],
                }
            )
    # styrened calls _try_lxmf_parse only on array-looking data, but it is public
    # enough (spec section 8.3) to pin down on every input
    try_lxmf = []
    for name, data in inputs().items():
        if not data:
            continue
        for hint in (None, md.DeviceType.HUB):
            result = md._try_lxmf_parse(data, hint)
            try_lxmf.append(
                {
                    "name": name,
                    "app_data": data.hex(),
                    "hint": hint_name(hint),
                    "result": None if result is None else [result[0], result[1].name],
                }
            )
    fingerprints = [
        {"raw": raw, "result": md._sanitize_fingerprint(raw)}
        for raw in [None, "", "abc", "a" * 64, "a" * 65, "a.b_c|d-e", "bad fp", "fé", "x\n"]
    ]
    create = []
    for name, data in list(inputs().items())[:40]:
        device = md.create_mesh_device("ab" * 16, "cd" * 16, data)
        create.append(
            {
                "name": name,
                "app_data": None if data is None else data.hex(),
                "device_name": device.name,
                "device_type": device.device_type.name,
            }
        )
    vectors = {
        "generator": "tests/vectors/generate_nodes.py",
        "styrened": styrened.__version__,
        "device_types": [{"name": t.name, "value": t.value} for t in md.DeviceType],
        "node_statuses": [{"name": s.name, "value": s.value} for s in md.NodeStatus],
        "parse": parse,
        "try_lxmf": try_lxmf,
        "fingerprints": fingerprints,
        "create": create,
    }
    text = (json.dumps(vectors, indent=1) + "\n").encode()
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    size = OUT.stat().st_size
    print(f"wrote {OUT} ({size} bytes, {len(parse)} parse cases) from styrened {styrened.__version__}")


if __name__ == "__main__":
    main()
