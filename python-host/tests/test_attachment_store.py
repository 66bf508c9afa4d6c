"""The attachment store drop-in against styrened 0.18.0's own module: the same
operations on two directories, one for each, compared result by result and
tree by tree; Hypothesis-made filenames, peer hashes and paths; and bad input
(escaping paths, symlinks out, oversized data), after which nothing outside
the base directory has changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, strategies as st
from styrened.services import attachment_store as upstream

from conftest import count_example
from styrene_wasm import _attachment_store as ours, attachment_store

PEER = "aabbccdd1122334455667788"


def test_the_drop_in_has_styreneds_names_and_constants():
    assert attachment_store.IMPLEMENTATION == "component"
    for name in attachment_store.NAMES:
        assert hasattr(upstream, name), name
        if name.isupper() or name == "_MAX_FILENAME_LEN":
            assert getattr(attachment_store, name) == getattr(upstream, name), name
    assert attachment_store.AttachmentStore is ours.AttachmentStore


class Pair:
    """The same store twice: styrened's under `<tmp>/py/attachments`, ours
    under `<tmp>/wasm/attachments`, each beside an `outside` directory with a
    secret that symlinks may point at."""

    def __init__(self, tmp: Path, max_file_size: int = 1024, storage_budget: int = 4096) -> None:
        self.roots = {"py": tmp / "py", "wasm": tmp / "wasm"}
        for root in self.roots.values():
            (root / "outside").mkdir(parents=True)
            (root / "outside" / "secret.txt").write_bytes(b"secret")
        self.stores = {
            "py": upstream.AttachmentStore(self.roots["py"] / "attachments", max_file_size, storage_budget),
            "wasm": ours.AttachmentStore(self.roots["wasm"] / "attachments", max_file_size, storage_budget),
        }

    def run(self, method: str, *args: Any) -> dict[str, Any]:
        """Each store's outcome: its result (paths relative to its root) or its error and message."""
        outcomes = {}
        for side, store in self.stores.items():
            root = str(self.roots[side])
            real = [
                Path(str(a).replace("<root>", root)) if isinstance(a, str) and "<root>" in a else a
                for a in args
            ]
            try:
                result = getattr(store, method)(*real)
                outcomes[side] = ("ok", os.path.relpath(result, root) if isinstance(result, Path) else result)
            except (ValueError, OSError) as e:
                text = str(e).replace(root, "<root>") if isinstance(e, ValueError) else e.errno
                outcomes[side] = (type(e).__name__, text)
        return outcomes

    def same(self, method: str, *args: Any) -> Any:
        outcomes = self.run(method, *args)
        assert outcomes["py"] == outcomes["wasm"], (method, args)
        return outcomes["wasm"]

    def tree(self, side: str) -> list[tuple]:
        root = self.roots[side]
        entries = []
        for path in sorted(root.rglob("*")):
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            entries.append((str(path.relative_to(root)), kind, path.read_bytes() if kind == "file" else None))
        return entries

    def same_trees(self) -> None:
        assert self.tree("py") == self.tree("wasm")


names = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(list('/\\:<>"|?*._ ') + [chr(c) for c in range(32)]),
    max_size=300,
)


@given(names)
def test_sanitize_filename_is_styreneds(name):
    count_example("attachments: _sanitize_filename")
    assert ours._sanitize_filename(name) == upstream._sanitize_filename(name)


# not empty: styrened's delete_for_peer("") empties the base and removes it,
# where this store keeps its base (a preopened directory cannot be removed)
peers = st.text("0123456789abcdefABCDEF-ü", min_size=1, max_size=32)


@given(
    operations=st.lists(st.tuples(peers, st.integers(-5, 10**12), names, st.binary(max_size=64)), max_size=6)
)
def test_saves_and_reads_match_styrened(tmp_path_factory, operations):
    count_example("attachments: save/load/rename/delete")
    pair = Pair(tmp_path_factory.mktemp("pair"))
    saved = []
    for peer, message_id, filename, data in operations:
        kind, path = pair.same("save", peer, message_id, filename, data)
        if kind == "ok":
            saved.append(path)
            assert pair.same("load", f"<root>/{path}") == ("ok", data)
    pair.same("get_usage")
    for path in saved:
        pair.same("rename_for_message", f"<root>/{path}", 77)
    if operations:
        pair.same("delete_for_peer", operations[0][0])
    for path in saved:
        pair.same("delete", f"<root>/{path}")
    pair.same_trees()


# path parts that never name the base itself, so that `..` cannot come back in
# (styrened lets `../attachments/x` back in after resolving; this store refuses it)
parts = st.sampled_from(["..", ".", "peer", "1_a.txt", "missing", "outside", "secret.txt", ""])


@given(relative=st.lists(parts, max_size=6), absolute=st.booleans())
def test_paths_resolve_as_styrened_resolves_them(tmp_path_factory, relative, absolute):
    count_example("attachments: load/delete paths")
    pair = Pair(tmp_path_factory.mktemp("paths"))
    for store in pair.stores.values():
        (store.base_dir / "peer").mkdir()
        (store.base_dir / "peer" / "1_a.txt").write_bytes(b"a")
    path = "/".join(relative)
    if absolute:
        path = "<root>/attachments/" + path
    pair.same("load", path)
    pair.same("delete", path)
    pair.same_trees()


def test_budget_eviction_matches_styrened(tmp_path):
    pair = Pair(tmp_path, storage_budget=500)
    for i, (peer, mtime) in enumerate([(PEER, 1000), (PEER, 2000), ("11111111ffffffff0000", 3000)]):
        kind, path = pair.same("save", peer, i, f"f{i}.txt", bytes([i]) * 200)
        for root in pair.roots.values():
            os.utime(root / path, (mtime, mtime))
    for root in pair.roots.values():
        (root / "attachments" / "emptypeer").mkdir()
        (root / "attachments" / "11111111ffffffff" / "9_x.tmp").write_bytes(b"t" * 100)
    assert pair.same("get_usage") == ("ok", (700, 500))
    assert pair.same("enforce_budget") == ("ok", 200)
    assert pair.same("enforce_budget") == ("ok", 0)
    pair.same_trees()


def test_the_legacy_directory_is_renamed_as_styrened_does(tmp_path):
    pair = Pair(tmp_path)
    for store in pair.stores.values():
        (store.base_dir / PEER[:8]).mkdir()
        (store.base_dir / PEER[:8] / "1_old.txt").write_bytes(b"old")
    pair.same("save", PEER, 2, "new.txt", b"new")
    pair.same("delete_for_peer", PEER)
    pair.same_trees()


def test_limits_and_escapes_raise_styreneds_errors(tmp_path):
    pair = Pair(tmp_path, max_file_size=8)
    assert pair.same("save", PEER, 1, "a", b"x" * 9) == ("ValueError", "Attachment size 9 exceeds maximum 8")
    for path in [
        "../outside/secret.txt",
        "/etc/passwd",
        "<root>/outside/secret.txt",
        "<root>/attachments/../x",
    ]:
        kind, message = pair.same("load", path)
        assert kind == "ValueError" and message.startswith("Path escapes attachment store: "), message
        assert pair.same("delete", path)[0] == "ValueError"
    for root in pair.roots.values():
        (root / "attachments" / "link").symlink_to(root / "outside" / "secret.txt")
        (root / "attachments" / "rel").symlink_to("../outside")
    for path in ["link", "<root>/attachments/link", "rel/secret.txt"]:
        assert pair.same("load", path)[0] == "ValueError"
        assert pair.same("delete", path)[0] == "ValueError"
    for root in pair.roots.values():
        (root / "attachments" / "peerlink00000000").symlink_to(root / "outside")
    assert pair.same("save", "peerlink00000000", 1, "x", b"x")[0] == "ValueError"
    assert pair.same("delete_for_peer", "peerlink00000000")[0] == "ValueError"
    assert pair.same("load", "missing")[0] == "FileNotFoundError"
    assert pair.same("load", "")[0] == "IsADirectoryError"
    pair.same_trees()


def outside_is_untouched(root: Path) -> None:
    assert sorted(p.name for p in (root / "outside").iterdir()) == ["secret.txt"]
    assert (root / "outside" / "secret.txt").read_bytes() == b"secret"
    assert sorted(p.name for p in root.iterdir()) == ["attachments", "outside"]


def test_where_styrened_reaches_outside_this_store_refuses(tmp_path):
    pair = Pair(tmp_path)
    py, wasm = pair.stores["py"], pair.stores["wasm"]
    # a peer hash that climbs out: styrened makes the directory outside, then refuses
    with pytest.raises(ValueError, match="Path escapes attachment store"):
        py.save("../outside/x", 1, "a.txt", b"a")
    assert (pair.roots["py"] / "outside" / "x").is_dir()
    with pytest.raises(ValueError, match="Path escapes attachment store"):
        wasm.save("../outside/x", 1, "a.txt", b"a")
    # a planted `<target>.tmp` symlink: styrened writes through it
    for side, store in pair.stores.items():
        (store.base_dir / PEER[:16]).mkdir()
        (store.base_dir / PEER[:16] / "1_b.txt.tmp").symlink_to(pair.roots[side] / "outside" / "secret.txt")
    py.save(PEER, 1, "b.txt", b"overwritten")
    assert (pair.roots["py"] / "outside" / "secret.txt").read_bytes() == b"overwritten"
    assert wasm.load(wasm.save(PEER, 1, "b.txt", b"kept inside")) == b"kept inside"
    # renaming a file outside the base: styrened moves it
    for root in pair.roots.values():
        (root / "outside" / "0_moved.txt").write_bytes(b"m")
    assert py.rename_for_message(pair.roots["py"] / "outside" / "0_moved.txt", 5).name == "5_moved.txt"
    with pytest.raises(ValueError, match="Path escapes attachment store"):
        wasm.rename_for_message(pair.roots["wasm"] / "outside" / "0_moved.txt", 5)
    (pair.roots["wasm"] / "outside" / "0_moved.txt").unlink()
    outside_is_untouched(pair.roots["wasm"])


@given(peer=st.lists(st.sampled_from(["..", "/", ".", "a", "outside"]), max_size=8).map("".join), name=names)
def test_no_peer_hash_or_filename_writes_outside(tmp_path_factory, peer, name):
    count_example("attachments: escaping peer hashes")
    root = tmp_path_factory.mktemp("escape")
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_bytes(b"secret")
    store = ours.AttachmentStore(root / "attachments")
    try:
        path = store.save(peer, 0, name, b"data")
        assert store.load(path) == b"data"
        store.rename_for_message(path, 3)
        store.delete_for_peer(peer)
    except (ValueError, OSError):
        pass
    store.enforce_budget()
    outside_is_untouched(root)


def test_bad_arguments_are_type_errors(tmp_path):
    store = ours.AttachmentStore(tmp_path)
    with pytest.raises(TypeError):
        store.save(PEER, 1, 5, b"x")
    with pytest.raises(TypeError):
        store.save(PEER, True, "a", b"x")
    with pytest.raises(TypeError):
        store.save(PEER, 1, "a", "text")
    with pytest.raises(TypeError):
        ours._sanitize_filename(b"bytes")


def test_activate_puts_the_component_in_styreneds_place(tmp_path):
    code = (
        "import styrene_wasm\n"
        "assert styrene_wasm.activate()\n"
        "from styrened.services import attachment_store as up\n"
        "from styrene_wasm import _attachment_store as ours\n"
        "assert up.AttachmentStore is ours.AttachmentStore\n"
        "assert up._sanitize_filename is ours._sanitize_filename\n"
        "store = up.get_attachment_store()\n"
        "assert up.get_attachment_store() is store and type(store) is ours.AttachmentStore\n"
        "print(store.save('ab' * 12, 1, 'x.txt', b'x'))\n"
        "up._attachment_store = None\n"
        "assert up.get_attachment_store() is not store\n"
    )
    env = {**os.environ, "STYRENE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "attachments" / "abababababababab" / "1_x.txt")


def test_an_attachment_of_the_default_maximum_size_round_trips(tmp_path):
    data = os.urandom(ours.DEFAULT_MAX_FILE_SIZE)
    store = ours.AttachmentStore(tmp_path)
    path = store.save(PEER, 1, "big.bin", data)
    assert path.read_bytes() == data and store.load(path) == data
    with pytest.raises(ValueError, match=f"Attachment size {len(data) + 1} exceeds maximum {len(data)}"):
        store.save(PEER, 2, "bigger.bin", data + b"x")


def test_a_file_past_the_instance_memory_is_a_typed_error_and_leaves_nothing(tmp_path):
    from styrene_wasm import MemoryLimitExceeded

    store = ours.AttachmentStore(tmp_path, max_file_size=1 << 30)
    with pytest.raises(MemoryLimitExceeded):
        store.save(PEER, 1, "huge.bin", os.urandom(24 << 20))
    assert list(tmp_path.rglob("*")) == []
    assert store.load(store.save(PEER, 2, "small.bin", b"s")) == b"s"
