"""Drop-in for ``styrened.models.mesh_device``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.3) with the same
signatures; without the component, styrened's own module is used (see
``styrene_wasm.wire`` for the rules).
"""

from __future__ import annotations

from ._native import unavailable_reason

if unavailable_reason() is None:
    from ._mesh_device import (
        _FINGERPRINT_RE as _FINGERPRINT_RE,
        DeviceType,
        MeshDevice,
        NodeStatus,
        _sanitize_fingerprint as _sanitize_fingerprint,
        _try_lxmf_parse as _try_lxmf_parse,
        create_mesh_device,
        parse_announce_data,
    )

    IMPLEMENTATION = "component"
else:
    # styrened's names in place of the component's: to a type checker, the
    # component's declarations stand for both (styrened ships no type information)
    from styrened.models.mesh_device import (  # type: ignore[no-redef]
        _FINGERPRINT_RE as _FINGERPRINT_RE,
        DeviceType,
        MeshDevice,
        NodeStatus,
        _sanitize_fingerprint as _sanitize_fingerprint,
        _try_lxmf_parse as _try_lxmf_parse,
        create_mesh_device,
        parse_announce_data,
    )

    IMPLEMENTATION = "styrened"

__all__ = [
    "DeviceType",
    "MeshDevice",
    "NodeStatus",
    "create_mesh_device",
    "parse_announce_data",
]
# what activate() swaps in: the public names and the private ones other styrened modules use
NAMES = (*__all__, "_sanitize_fingerprint", "_try_lxmf_parse", "_FINGERPRINT_RE")
