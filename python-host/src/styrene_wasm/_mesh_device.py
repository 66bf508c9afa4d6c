"""The component-backed implementation of ``styrened.models.mesh_device``.

Parsing, the device-name rule of ``create_mesh_device``, fingerprint
sanitising and the status thresholds come from ``styrene.wasm`` (the
``styrene:core/nodes`` interface). ``MeshDevice`` is a plain dataclass so that
it is as cheap to build, copy and compare as styrened's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from . import _loader

_NODES = "styrene:core/nodes@0.1.0"
_device_types = _loader.bind(_NODES, "device-types")
_parse = _loader.bind(_NODES, "parse-announce-data")
_try_lxmf = _loader.bind(_NODES, "try-lxmf-parse")
_create = _loader.bind(_NODES, "create-mesh-device")
_sanitize = _loader.bind(_NODES, "sanitize-fingerprint")
_status = _loader.bind(_NODES, "device-status")
_last_seen = _loader.bind(_NODES, "last-seen-display")

# (WIT case index, styrened member name, value), from the component's own table
_TYPES = _device_types()
DeviceType = Enum("DeviceType", [(name, value) for _, name, value in _TYPES], module=__name__)  # type: ignore[misc]
DeviceType.__doc__ = "What kind of node announced (styrened's DeviceType)."
NodeStatus = Enum("NodeStatus", [("ACTIVE", "active"), ("STALE", "stale"), ("LOST", "lost")], module=__name__)  # type: ignore[misc]
NodeStatus.__doc__ = "How recently a node announced (styrened's NodeStatus)."

# WIT case index <-> member, rebuilt by activate() when styrened's enums are adopted
_by_case: list[Any] = [DeviceType[name] for _, name, _ in sorted(_TYPES)]
_case_of: dict[Any, int] = {member: case for case, member in enumerate(_by_case)}
_statuses: list[Any] = [NodeStatus.ACTIVE, NodeStatus.STALE, NodeStatus.LOST]

_FINGERPRINT_RE = re.compile(r"^[a-zA-Z0-9._|\-]{1,64}$")


def _now() -> float:
    return datetime.now().timestamp()


@dataclass
class MeshDevice:
    """A node on the mesh, as styrened models it."""

    destination_hash: str
    identity_hash: str
    name: str
    device_type: DeviceType
    last_announce: int
    announce_count: int = 0
    app_data_raw: bytes | None = None
    capabilities: list[str] | None = field(default=None)
    version: str | None = None
    lxmf_destination_hash: str | None = None
    short_name: str | None = None
    system_fingerprint: str | None = None
    nomadnet_destination_hash: str | None = None
    discovered_via: str | None = None
    hops: int | None = None
    ygg_address: str | None = None
    b32_address: str | None = None
    web_url: str | None = None

    @property
    def status(self) -> Any:
        return _statuses[_status(float(self.last_announce), _now())]

    @property
    def last_seen_display(self) -> str:
        return _last_seen(float(self.last_announce), _now())

    @property
    def has_auto_reply(self) -> bool:
        return "autoreply" in (self.capabilities or [])

    @property
    def is_styrene_node(self) -> bool:
        return self.device_type.value == "styrene"

    @property
    def is_rnode(self) -> bool:
        return self.device_type.value == "rnode"

    @property
    def is_lxmf_peer(self) -> bool:
        return self.device_type.value == "lxmf_peer"

    @property
    def is_propagation_node(self) -> bool:
        return self.device_type.value == "propagation_node"

    @property
    def is_nomadnet_node(self) -> bool:
        return self.device_type.value == "nomadnet_node"

    @property
    def identity_short(self) -> str:
        return self.destination_hash[:8] if self.destination_hash else "unknown"

    def __repr__(self) -> str:
        return (
            f"MeshDevice(name='{self.name}', type={self.device_type.value}, "
            f"status={self.status.value}, dest={self.identity_short}...)"
        )


def _adopt(device_type: Any, node_status: Any) -> None:
    """Use these enum classes (styrened's, after ``activate()``) for every result."""
    global _by_case, _case_of, _statuses
    _by_case = [device_type[name] for _, name, _ in sorted(_TYPES)]
    _case_of = {member: case for case, member in enumerate(_by_case)}
    _statuses = [node_status.ACTIVE, node_status.STALE, node_status.LOST]


def _sanitize_fingerprint(raw: str | None) -> str | None:
    """Validate a system fingerprint from the wire: 1-64 of ``[a-zA-Z0-9._|-]``, else None."""
    return _sanitize(raw)


def _hint(aspect_hint: Any) -> int | None:
    # by value, so that a member of either enum class works
    return None if aspect_hint is None else _case_of[_by_case[0].__class__(aspect_hint.value)]


def _tuple(info: tuple) -> tuple:
    name, case, *rest = info
    return (name, _by_case[case], *rest)


def _try_lxmf_parse(app_data: bytes, aspect_hint: Any = None) -> tuple | None:
    """What LXMF's helpers make of app_data (styrened's ``_try_lxmf_parse``), or None."""
    if not app_data:
        return None
    result = _try_lxmf(bytes(app_data), _hint(aspect_hint))
    return None if result is None else _tuple(result)


def parse_announce_data(app_data: bytes | None, aspect_hint: Any = None) -> tuple:
    """Parse announce app_data into styrened's 8-tuple: (name, device_type,
    capabilities, version, lxmf_destination_hash, short_name,
    system_fingerprint, nomadnet_destination_hash)."""
    data = bytes(app_data) if app_data else None
    return _tuple(_parse(data, _hint(aspect_hint)))


def create_mesh_device(
    destination_hash: str,
    identity_hash: str,
    app_data: bytes | None,
    announce_count: int = 1,
    aspect_hint: Any = None,
) -> MeshDevice:
    """A MeshDevice from an announce, stamped now."""
    data = None if app_data is None else bytes(app_data)
    record = _create(destination_hash, identity_hash, data, announce_count, _hint(aspect_hint))
    device = _from_record(record)
    device.app_data_raw = app_data  # the caller's own object, as styrened keeps it
    return device


def _from_record(record: tuple | list) -> Any:
    """A ``MeshDevice`` from the component's ``mesh-device`` record: its fields
    are in the dataclass's positional order, the device type as a case index."""
    fields = list(record)
    fields[3] = _by_case[fields[3]]
    return MeshDevice(*fields)
