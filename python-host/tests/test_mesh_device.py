"""styrened's mesh-device model and announce parser, on both implementations."""

from __future__ import annotations

import dataclasses
import time

import pytest

from conftest import node_vectors


def hint_of(mesh, name):
    return None if name is None else mesh.DeviceType[name]


def test_enums(mesh):
    assert [(t.name, t.value) for t in mesh.DeviceType] == [
        (t["name"], t["value"]) for t in node_vectors()["device_types"]
    ]
    assert [(s.name, s.value) for s in mesh.NodeStatus] == [
        (s["name"], s["value"]) for s in node_vectors()["node_statuses"]
    ]
    with pytest.raises(ValueError):
        mesh.DeviceType("styrene_node")


def test_parse_announce_data_vectors(mesh):
    failures = []
    for case in node_vectors()["parse"]:
        data = None if case["app_data"] is None else bytes.fromhex(case["app_data"])
        got = mesh.parse_announce_data(data, aspect_hint=hint_of(mesh, case["hint"]))
        assert len(got) == 8
        as_json = [got[0], got[1].name, *got[2:]]
        if as_json != case["result"]:
            failures.append((case["name"], case["hint"], as_json, case["result"]))
    assert not failures, failures[:5]


def test_try_lxmf_parse_vectors(mesh):
    for case in node_vectors()["try_lxmf"]:
        got = mesh._try_lxmf_parse(bytes.fromhex(case["app_data"]), hint_of(mesh, case["hint"]))
        want = case["result"]
        assert (None if got is None else [got[0], got[1].name]) == want, case["name"]
        if got is not None:
            assert got[2:] == (None,) * 6


def test_fingerprints(mesh):
    for case in node_vectors()["fingerprints"]:
        assert mesh._sanitize_fingerprint(case["raw"]) == case["result"]
    assert mesh._FINGERPRINT_RE.pattern == r"^[a-zA-Z0-9._|\-]{1,64}$"


def test_create_mesh_device_vectors(mesh):
    for case in node_vectors()["create"]:
        data = None if case["app_data"] is None else bytes.fromhex(case["app_data"])
        before = int(time.time())
        device = mesh.create_mesh_device("ab" * 16, "cd" * 16, data)
        assert device.name == case["device_name"], case["name"]
        assert device.device_type.name == case["device_type"]
        assert before <= device.last_announce <= int(time.time())
        assert device.app_data_raw is data and device.announce_count == 1


def test_create_mesh_device_arguments(mesh):
    device = mesh.create_mesh_device(
        "0123456789abcdef" * 2, "f" * 32, b"garbage{}", announce_count=7, aspect_hint=mesh.DeviceType.HUB
    )
    assert device.name == "device-01234567"
    assert device.device_type is mesh.DeviceType.HUB and device.announce_count == 7
    assert device.discovered_via is None and device.hops is None and device.web_url is None


def test_mesh_device_is_a_keyword_dataclass(mesh):
    device = mesh.MeshDevice(
        destination_hash="aa" * 16,
        identity_hash="bb" * 16,
        name="n",
        device_type=mesh.DeviceType.STYRENE_NODE,
        last_announce=5,
    )
    names = [f.name for f in dataclasses.fields(device)]
    assert names[:5] == ["destination_hash", "identity_hash", "name", "device_type", "last_announce"]
    assert len(names) == 18 and names[-1] == "web_url"
    assert device.announce_count == 0 and device.capabilities is None
    assert device == mesh.MeshDevice("aa" * 16, "bb" * 16, "n", mesh.DeviceType.STYRENE_NODE, 5)
    assert device.is_styrene_node and not device.is_rnode and not device.is_lxmf_peer
    assert device.identity_short == "aaaaaaaa"
    device.destination_hash = ""
    assert device.identity_short == "unknown"


@pytest.mark.parametrize(
    ("age", "status", "shown"),
    [
        (10, "ACTIVE", ("10s ago", "11s ago")),
        (299, "ACTIVE", ("4m ago",)),
        (400, "STALE", ("6m ago",)),
        (7300, "LOST", ("2h ago",)),
        (200000, "LOST", ("2d ago",)),
        (-5, "ACTIVE", ("-5s ago", "-4s ago")),
    ],
)
def test_status_and_last_seen(mesh, age, status, shown):
    device = mesh.MeshDevice("aa" * 16, "bb" * 16, "n", mesh.DeviceType.GENERIC, int(time.time()) - age)
    assert device.status is mesh.NodeStatus[status]
    assert device.last_seen_display in shown
    assert repr(device).startswith(
        f"MeshDevice(name='n', type=generic, status={status.lower()}, dest=aaaaaaaa"
    )


def test_auto_reply(mesh):
    device = mesh.MeshDevice(
        "aa" * 16, "bb" * 16, "n", mesh.DeviceType.GENERIC, 0, capabilities=["autoreply"]
    )
    assert device.has_auto_reply
    device.capabilities = None
    assert not device.has_auto_reply
