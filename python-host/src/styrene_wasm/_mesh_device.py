"""The component-backed implementation of ``styrened.models.mesh_device``.

Parsing, the device-name rule of ``create_mesh_device``, fingerprint
sanitising and the status thresholds come from ``styrene.wasm`` (the
``styrene:core/nodes`` interface). ``MeshDevice`` is a plain dataclass so that
it is as cheap to build, copy and compare as styrened's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from . import _loader, _wit
from ._wit import NODES

_device_types = _loader.bind(NODES, "device-types")
_parse = _loader.bind(NODES, "parse-announce-data")
_try_lxmf = _loader.bind(NODES, "try-lxmf-parse")
_create = _loader.bind(NODES, "create-mesh-device")
_sanitize = _loader.bind(NODES, "sanitize-fingerprint")
_status = _loader.bind(NODES, "device-status")
_last_seen = _loader.bind(NODES, "last-seen-display")

# (WIT case index, styrened member name, value), from the component's own table
# (a type checker reads only literal member lists: hence the ignore below)
_wit.fields(NODES, "device-type-info", ("device_type", "name", "value"))
_TYPES = _device_types()
DeviceType = Enum("DeviceType", [(name, value) for _, name, value in _TYPES], module=__name__)  # type: ignore[misc]
DeviceType.__doc__ = "What kind of node announced (styrened's DeviceType)."


class NodeStatus(Enum):
    """How recently a node announced (styrened's NodeStatus)."""

    ACTIVE = "active"
    STALE = "stale"
    LOST = "lost"


# WIT case index <-> member, rebuilt by activate() when styrened's enums are adopted
_by_case: list[Any] = [DeviceType[name] for _, name, _ in sorted(_TYPES)]
_case_of: dict[Any, int] = {member: case for case, member in enumerate(_by_case)}
# styrened's NodeStatus member of each `node-status` case
_STATUS_NAMES = _wit.by_case(NODES, "node-status", {"active": "ACTIVE", "stale": "STALE", "lost": "LOST"})
_statuses: list[Any] = [NodeStatus[name] for name in _STATUS_NAMES]

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


# A `mesh-device` record is a tuple in the dataclass's field order, which
# styrened's MeshDevice shares: records become devices positionally.
FIELDS = tuple(f.name for f in dataclasses.fields(MeshDevice))
_wit.fields(NODES, "mesh-device", FIELDS)
_DEVICE_TYPE = FIELDS.index("device_type")
_wit.fields(
    NODES,
    "announce-info",
    (
        "name",
        "device_type",
        "capabilities",
        "version",
        "lxmf_destination_hash",
        "short_name",
        "system_fingerprint",
        "nomadnet_destination_hash",
    ),
)


def _adopt(device_type: Any, node_status: Any, device_class: type) -> None:
    """Use these classes (styrened's, after ``activate()``) for every result."""
    global _by_case, _case_of, _statuses
    theirs = tuple(f.name for f in dataclasses.fields(device_class))
    if theirs != FIELDS:
        raise _wit.InterfaceMismatch(f"{device_class.__qualname__} has the fields {theirs}, not {FIELDS}")
    _by_case = [device_type[name] for _, name, _ in sorted(_TYPES)]
    _case_of = {member: case for case, member in enumerate(_by_case)}
    _statuses = [node_status[name] for name in _STATUS_NAMES]


def _sanitize_fingerprint(raw: str | None) -> str | None:
    """Validate a system fingerprint from the wire: 1-64 of ``[a-zA-Z0-9._|-]``, else None."""
    return _sanitize(raw)


def _hint(aspect_hint: Any) -> int | None:
    # by value, so that a member of either enum class works
    return None if aspect_hint is None else _case_of[_by_case[0].__class__(aspect_hint.value)]


def _tuple(info: tuple[Any, ...]) -> tuple[Any, ...]:
    name, case, *rest = info
    return (name, _by_case[case], *rest)


def _try_lxmf_parse(app_data: bytes, aspect_hint: Any = None) -> tuple[Any, ...] | None:
    """What LXMF's helpers make of app_data (styrened's ``_try_lxmf_parse``), or None."""
    if not app_data:
        return None
    result = _try_lxmf(bytes(app_data), _hint(aspect_hint))
    return None if result is None else _tuple(result)


def parse_announce_data(app_data: bytes | None, aspect_hint: Any = None) -> tuple[Any, ...]:
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


def _from_record(record: tuple[Any, ...] | list[Any]) -> Any:
    """A ``MeshDevice`` from the component's ``mesh-device`` record (:data:`FIELDS`
    in order, the device type as a case index)."""
    fields = list(record)
    fields[_DEVICE_TYPE] = _by_case[fields[_DEVICE_TYPE]]
    return MeshDevice(*fields)
