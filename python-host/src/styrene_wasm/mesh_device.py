"""Drop-in for ``styrened.models.mesh_device``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.3) with the same
signatures; without the component, styrened's own module is used (see
``styrene_wasm.wire`` for the rules).
"""

from __future__ import annotations

from ._native import export

NAMES = (
    "DeviceType",
    "NodeStatus",
    "MeshDevice",
    "parse_announce_data",
    "create_mesh_device",
    "_sanitize_fingerprint",
    "_try_lxmf_parse",
    "_FINGERPRINT_RE",
)

IMPLEMENTATION = export(globals(), NAMES, "._mesh_device", "styrened.models.mesh_device")
