"""Generate the attachment-store golden vectors by running styrened 0.18.0.

Two sections:

* ``sanitize``: ``_sanitize_filename`` on chosen names (path tricks, every
  unsafe character, control characters, unicode, the 200-character and
  extension rules at their edges) and on seeded random ones.
* ``scenarios``: scripts of operations on a real
  ``styrened.services.attachment_store.AttachmentStore`` in a fresh directory,
  with a file outside the store that symlinks point at. Each step records
  what styrened returned or raised; each scenario ends with the tree under
  the base and the tree outside it. Paths are recorded relative to the base,
  and ``<base>`` / ``<tmp>`` stand for the absolute directories in every
  argument and message, so that a replay in any directory compares them.

Only operations where the component keeps styrened's behaviour are recorded:
those where styrened creates or follows something outside the base before
its own containment check (an escaping peer hash, a planted ``.tmp`` symlink)
are tested against both implementations in python-host/tests instead.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import tempfile
from pathlib import Path

import styrened
from styrened.services.attachment_store import AttachmentStore, _sanitize_filename

OUT = Path(__file__).with_name("attachments.json.gz")
P1 = "aabbccdd1122334455667788"
P2 = "11111111ffffffff00002222"

CHOSEN_NAMES = [
    "photo.jpg",
    "/etc/passwd",
    "../../secret.txt",
    "../../etc/passwd",
    "C:\\Users\\file.txt",
    'file<name>:with|bad"chars?.jpg',
    "a:b*c?.txt",
    "__x__",
    "con\x01trol",
    "file:::name.txt",
    "",
    "///",
    "_",
    "___.___",
    ".hidden",
    "..",
    ".",
    "dir/",
    "tab\there\nnewline\r\x1f\x7f",
    "\x00\x00name\x00",
    "naïve café ☕.png",
    "中文文件名.文档",
    "emoji 😀🎉.gif",
    "spaces   and\u00a0nbsp .txt",
    "trailing.",
    "a" * 300 + ".jpg",
    "a" * 200,
    "a" * 201,
    "a" * 196 + ".jpg",
    "a" * 197 + ".jpg",
    "a" * 250 + "." + "e" * 19,
    "a" * 250 + "." + "e" * 20,
    "a" * 250 + ".",
    "." + "a" * 250,
    "é" * 199 + ".txt",
    "😀" * 150 + ".😀😀",
    "x" * 100 + "." + "y" * 150 + ".z",
    "_" * 50 + "a" * 190 + "_" * 50 + ".bin",
    "a" * 180 + ":" * 40 + "b.txt",
]

# characters the random names are drawn from: every rule's trigger and its neighbours
ALPHABET = list('abcXYZ019._-/\\:<>"|?* ') + [chr(c) for c in range(0x20)] + list("é中😀\u00a0\u200b\x7f")


def random_names(count: int) -> list[str]:
    rng = random.Random(16_0003)
    names = []
    for _ in range(count):
        length = rng.choice([rng.randint(0, 12), rng.randint(180, 240), rng.randint(0, 300)])
        names.append("".join(rng.choice(ALPHABET) for _ in range(length)))
    return names


def fill(byte: str, length: int) -> dict:
    return {"fill": byte, "len": length}


def data_of(spec: dict | str) -> bytes:
    if isinstance(spec, str):
        return bytes.fromhex(spec)
    return bytes.fromhex(spec["fill"]) * spec["len"]


# (name, max_file_size, storage_budget, steps). A step is an operation of the
# store (save, load, delete, rename_for_message, delete_for_peer, get_usage,
# enforce_budget) or a change to the directory made beside it (mkdir, write,
# symlink, utime). Paths and symlink targets may use <base> and <tmp>.
SCENARIOS = [
    (
        "save, load, rename, delete",
        1024,
        4096,
        [
            ["save", P1, 42, "test.txt", b"hello attachment".hex()],
            ["load", "aabbccdd11223344/42_test.txt"],
            ["load", "<base>/aabbccdd11223344/42_test.txt"],
            ["load", "<base>/aabbccdd11223344/../aabbccdd11223344/42_test.txt"],
            ["save", P1, 0, "photo.jpg", fill("ab", 10)],
            ["rename_for_message", "<base>/aabbccdd11223344/0_photo.jpg", 99],
            ["rename_for_message", "aabbccdd11223344/42_test.txt", 7],
            ["rename_for_message", "<base>/somepeer/0_file.txt", 42],
            ["rename_for_message", "<tmp>/outside/secret.txt", 5],
            ["save", P1, 1, "big.bin", fill("78", 1025)],
            ["save", P1, 1, "edge.bin", fill("78", 1024)],
            ["save", P1, 1, "empty.txt", ""],
            ["save", P1, 1, "../../etc/passwd", "00"],
            ["save", P1, 2, "", "01"],
            ["save", P1, 3, "a" * 300 + ".jpg", "02"],
            ["save", P1, -5, "naïve café ☕.png", "03"],
            ["save", P1, 4, "file.txt", "0405"],
            ["save", P1, 4, "file.txt", "0607"],
            ["load", "aabbccdd11223344/4_file.txt"],
            ["save", "deadbeef123456780000aaaa", 1, "file.txt", "08"],
            ["save", "short", 1, "s.txt", "09"],
            ["save", "ünïcødé-peer-hash-ßß", 1, "u.txt", "0a"],
            ["get_usage"],
            ["delete", "<base>/aabbccdd11223344/1_edge.bin"],
            ["delete", "aabbccdd11223344/1_edge.bin"],
            ["delete", "<base>/somepeer/file.txt"],
            ["load", "<base>/nonexistent/file.txt"],
            ["load", "aabbccdd11223344"],
            ["load", ""],
            ["delete", "aabbccdd11223344"],
            ["load", "../../etc/passwd"],
            ["load", "/etc/passwd"],
            ["load", "<base>/../outside/secret.txt"],
            ["delete", "../../etc/important"],
            ["delete", "/tmp/some_other_file"],
            ["delete_for_peer", P1],
            ["delete_for_peer", "nonexistent12345678901234"],
            ["delete_for_peer", "short"],
            ["get_usage"],
            ["enforce_budget"],
        ],
    ),
    (
        "legacy 8-character directories",
        1024,
        4096,
        [
            ["mkdir", "aabbccdd"],
            ["write", "aabbccdd/1_old.txt", b"old data".hex()],
            ["save", P1, 2, "new.txt", b"new data".hex()],
            ["load", "aabbccdd11223344/1_old.txt"],
            ["mkdir", "11111111"],
            ["write", "11111111/3_c.txt", "0c"],
            ["mkdir", "11111111/nested"],
            ["delete_for_peer", P2],
            ["mkdir", "22222222"],
            ["mkdir", "2222222233333333"],
            ["save", "2222222233333333ffff", 1, "x.txt", "0d"],
            ["write", "2222222244444444", "0e"],
            ["save", "2222222244444444ffff", 1, "y.txt", "0f"],
            ["delete_for_peer", "2222222244444444ffff"],
        ],
    ),
    (
        "budget eviction",
        1024,
        500,
        [
            ["save", P1, 1, "old.txt", fill("78", 200)],
            ["utime", "aabbccdd11223344/1_old.txt", 1000],
            ["save", P1, 2, "mid.txt", fill("79", 200)],
            ["utime", "aabbccdd11223344/2_mid.txt", 2000],
            ["save", P2, 3, "new.txt", fill("7a", 200)],
            ["utime", "11111111ffffffff/3_new.txt", 3000],
            ["write", "11111111ffffffff/9_part.tmp", fill("00", 100)],
            ["utime", "11111111ffffffff/9_part.tmp", 500],
            ["mkdir", "emptypeer"],
            ["mkdir", "nested/deeper"],
            ["write", "nested/deeper/file", fill("01", 50)],
            ["utime", "nested/deeper/file", 2500],
            ["get_usage"],
            ["enforce_budget"],
            ["get_usage"],
            ["enforce_budget"],
            ["save", P1, 4, "more.txt", fill("7b", 300)],
            ["utime", "aabbccdd11223344/4_more.txt", 4000],
            ["enforce_budget"],
            ["get_usage"],
        ],
    ),
    (
        "symlinks",
        1024,
        4096,
        [
            ["save", P1, 1, "a.txt", b"inside".hex()],
            ["symlink", "inner_link", "aabbccdd11223344/1_a.txt"],
            ["symlink", "aabbccdd11223344/up_link", "../aabbccdd11223344/1_a.txt"],
            ["load", "inner_link"],
            ["load", "aabbccdd11223344/up_link"],
            ["get_usage"],
            ["symlink", "escape_link", "<tmp>/outside/secret.txt"],
            ["symlink", "rel_escape", "../outside/secret.txt"],
            ["load", "escape_link"],
            ["load", "<base>/escape_link"],
            ["load", "rel_escape"],
            ["delete", "escape_link"],
            ["delete", "rel_escape"],
            ["symlink", "deadbeefdeadbeef", "<tmp>/outside"],
            ["save", "deadbeefdeadbeef00", 1, "x.txt", "01"],
            ["delete_for_peer", "deadbeefdeadbeef00"],
            ["delete", "inner_link"],
            ["load", "inner_link"],
            ["load", "aabbccdd11223344/up_link"],
        ],
    ),
]


def relative(path: Path, base: Path) -> str:
    return os.path.relpath(path, base)


def expand(text: str, base: Path, tmp: Path) -> str:
    return text.replace("<base>", str(base)).replace("<tmp>", str(tmp))


def anonymise(text: str, base: Path, tmp: Path) -> str:
    return text.replace(str(base), "<base>").replace(str(tmp), "<tmp>")


def tree(root: Path, base: Path, tmp: Path) -> list[list]:
    """Everything under `root`: [path, "dir"], [path, "file", hex] or [path, "link", target]."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = relative(path, root)
            if path.is_symlink():
                entries.append([rel, "link", anonymise(os.readlink(path), base, tmp)])
            elif path.is_dir():
                entries.append([rel, "dir"])
            else:
                entries.append([rel, "file", path.read_bytes().hex()])
    return sorted(entries)


def run_step(store: AttachmentStore, step: list, base: Path, tmp: Path) -> dict:
    op, *args = step
    if op == "mkdir":
        (base / args[0]).mkdir(parents=True)
        return {}
    if op == "write":
        (base / args[0]).write_bytes(data_of(args[1]))
        return {}
    if op == "symlink":
        (base / args[0]).symlink_to(expand(args[1], base, tmp))
        return {}
    if op == "utime":
        os.utime(base / args[0], (args[1], args[1]))
        return {}
    try:
        if op == "save":
            peer, message_id, filename, data = args
            result = relative(store.save(peer, message_id, filename, data_of(data)), base)
        elif op == "load":
            result = store.load(expand(args[0], base, tmp)).hex()
        elif op == "delete":
            result = store.delete(expand(args[0], base, tmp))
        elif op == "rename_for_message":
            old = Path(expand(args[0], base, tmp))
            new = store.rename_for_message(old, args[1])
            result = None if new == old else relative(new, base)
        elif op == "delete_for_peer":
            result = store.delete_for_peer(args[0])
        elif op == "get_usage":
            result = list(store.get_usage())
        elif op == "enforce_budget":
            result = store.enforce_budget()
        else:
            raise SystemExit(f"unknown step {op}")
    except (ValueError, OSError, RuntimeError) as e:
        return {"error": type(e).__name__, "message": anonymise(str(e), base, tmp)}
    return {"ok": result}


def scenario(name: str, max_file_size: int, storage_budget: int, steps: list) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch).resolve()
        outside = tmp / "outside"
        outside.mkdir()
        (outside / "secret.txt").write_bytes(b"secret data")
        base = tmp / "attachments"
        store = AttachmentStore(base_dir=base, max_file_size=max_file_size, storage_budget=storage_budget)
        results = [run_step(store, step, base, tmp) for step in steps]
        return {
            "name": name,
            "max_file_size": max_file_size,
            "storage_budget": storage_budget,
            "steps": [{"step": step, **result} for step, result in zip(steps, results, strict=True)],
            "tree": tree(base, base, tmp),
            "outside": tree(outside, base, tmp),
        }


def main() -> None:
    names = CHOSEN_NAMES + random_names(400)
    vectors = {
        "generator": "tests/vectors/generate_attachments.py",
        "styrened": styrened.__version__,
        "sanitize": [{"input": n, "output": _sanitize_filename(n)} for n in names],
        "scenarios": [scenario(*s) for s in SCENARIOS],
    }
    text = (json.dumps(vectors, indent=1, ensure_ascii=True) + "\n").encode()
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    steps = sum(len(s["steps"]) for s in vectors["scenarios"])
    print(
        f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(names)} names, {steps} steps) "
        f"from styrened {styrened.__version__}"
    )


if __name__ == "__main__":
    main()
