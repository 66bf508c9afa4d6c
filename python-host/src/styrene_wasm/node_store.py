"""Drop-in for ``styrened.services.node_store``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.2) with the same
signatures; without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import unavailable_reason

NAMES = (
    "MIN_PREFIX_LENGTH",
    "_is_valid_hash",
    "_is_valid_hash_prefix",
    "_db_lock",
    "get_db_path",
    "init_db",
    "NodeStore",
    "get_node_store",
    "check_connection_health",
)

if unavailable_reason() is None:
    from . import _node_store as _impl

    IMPLEMENTATION = "component"
else:
    from styrened.services import node_store as _impl  # type: ignore[no-redef]

    IMPLEMENTATION = "styrened"

globals().update({name: getattr(_impl, name) for name in NAMES})
__all__ = [name for name in NAMES if not name.startswith("_")]
